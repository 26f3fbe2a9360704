"""Pages of a listing: `{items, next_cursor}`, asked for with `cursor` and `limit`.

Invariants:
- Every list the API answers with is one `Page`: the items, and `next_cursor` to pass back
  as `cursor` for the next page, null on the last one. A page holds `limit` items unless
  it is the last.
- A cursor is opaque: a version, the listing it belongs to, and the position after the
  last item served (a log index, an instant and an id, or a count), written in letters
  only (two per byte, a-p) so no run of digits can appear in it. It never carries a
  personal value, only positions.
- A cursor is read back only if it parses exactly and names the same listing; anything
  else is `InvalidInput` (rule `bad_cursor`), never a traceback.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, Final, Generic, TypeVar

from pydantic import BaseModel

from core.errors import InvalidInput

T = TypeVar("T")
R = TypeVar("R")

PAGE_MAX: Final = 100
PAGE_DEFAULT: Final = 50
CURSOR_MAX: Final = 256

_VERSION: Final = "p1"
_SEPARATOR: Final = "|"
_TO_LETTERS: Final = str.maketrans("0123456789abcdef", "abcdefghijklmnop")
_FROM_LETTERS: Final = str.maketrans("abcdefghijklmnop", "0123456789abcdef")
_CURSOR_TEXT: Final = re.compile(rf"(?:[a-p]{{2}}){{1,{CURSOR_MAX // 2}}}")
_SCOPE: Final = re.compile(r"[a-z][a-z0-9-]{0,31}")

# The shapes a position part may take.
COUNT: Final = re.compile(r"0|[1-9][0-9]{0,17}")
UUID_HEX: Final = re.compile(r"[0-9a-f]{32}")
INSTANT: Final = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{6})?(?:[+-]\d{2}:\d{2})?")
# A part left empty: a stream of a merged listing nothing was served from yet.
NONE: Final = ""


class Page(BaseModel, Generic[T]):
    """One page of a listing; `next_cursor` is passed back as `cursor`, null on the last page."""

    items: list[T]
    next_cursor: str | None = None

    @classmethod
    def model_parametrized_name(cls, params: tuple[Any, ...]) -> str:
        """`Page[QueryHistoryItem]` is named `QueryHistoryItemPage` in the OpenAPI."""
        return "".join(getattr(p, "__name__", "Item") for p in params) + "Page"


def bad_cursor() -> InvalidInput:
    """The refusal of a cursor this listing did not give out."""
    return InvalidInput("the cursor is not one this listing gave out", rule="bad_cursor")


def check_limit(limit: int) -> None:
    """Refuse a page size outside 1..PAGE_MAX (the routes' own bounds say the same)."""
    if not 1 <= limit <= PAGE_MAX:
        raise InvalidInput(f"limit must be between 1 and {PAGE_MAX}", rule="page_size")


def write_cursor(scope: str, *position: str) -> str:
    """The opaque cursor of a position in the listing `scope`."""
    if not _SCOPE.fullmatch(scope) or any(_SEPARATOR in part for part in position):
        raise ValueError("a cursor's scope is a slug and its parts hold no separator")
    text = _SEPARATOR.join((_VERSION, scope, *position))
    return text.encode("ascii").hex().translate(_TO_LETTERS)


def read_cursor(cursor: str, *, scope: str, shapes: Sequence[re.Pattern[str]]) -> tuple[str, ...]:
    """The position a cursor of `scope` names, each part matching its shape (or empty)."""
    if len(cursor) > CURSOR_MAX or not _CURSOR_TEXT.fullmatch(cursor):
        raise bad_cursor()
    try:
        text = bytes.fromhex(cursor.translate(_FROM_LETTERS)).decode("ascii")
    except (ValueError, UnicodeDecodeError):
        raise bad_cursor() from None
    parts = text.split(_SEPARATOR)
    if len(parts) != 2 + len(shapes) or parts[0] != _VERSION or parts[1] != scope:
        raise bad_cursor()
    position = tuple(parts[2:])
    if not all(p == NONE or s.fullmatch(p) for p, s in zip(position, shapes, strict=True)):
        raise bad_cursor()
    return position


def instant_at(part: str) -> datetime:
    """An instant a cursor part holds (its shape already checked)."""
    try:
        return datetime.fromisoformat(part)
    except ValueError:
        raise bad_cursor() from None


def instant_part(at: datetime) -> str:
    """A cursor part for an instant, to the microsecond."""
    return at.isoformat(timespec="microseconds")


def uuid_part(ident: uuid.UUID) -> str:
    """A cursor part for an id."""
    return ident.hex


def cut(
    rows: Sequence[R], *, limit: int, scope: str, position: Callable[[R], tuple[str, ...]]
) -> tuple[list[R], str | None]:
    """Rows fetched `limit + 1` at a time: the page's rows and the cursor after them."""
    kept = list(rows[:limit])
    if len(rows) <= limit or not kept:
        return kept, None
    return kept, write_cursor(scope, *position(kept[-1]))


def by_offset(
    fetch: Callable[[int, int], Sequence[T]], *, scope: str, cursor: str | None, limit: int
) -> Page[T]:
    """A page of a listing whose order is computed (no key to resume from): by count."""
    check_limit(limit)
    offset = 0 if cursor is None else int(read_cursor(cursor, scope=scope, shapes=(COUNT,))[0])
    rows = fetch(offset, limit + 1)
    items, next_cursor = cut(
        rows, limit=limit, scope=scope, position=lambda _: (str(offset + limit),)
    )
    return Page(items=items, next_cursor=next_cursor)


def sliced(items: Sequence[T], *, scope: str, cursor: str | None, limit: int) -> Page[T]:
    """A page of a short listing read whole (one person's cases): by count."""
    return by_offset(
        lambda offset, n: items[offset : offset + n], scope=scope, cursor=cursor, limit=limit
    )


def by_index(
    fetch: Callable[[int | None, int], Sequence[T]],
    *,
    index_of: Callable[[T], int],
    scope: str,
    cursor: str | None,
    limit: int,
) -> Page[T]:
    """A page of a listing newest first by log index: it resumes before the last index served."""
    check_limit(limit)
    before = None
    if cursor is not None:
        (index,) = read_cursor(cursor, scope=scope, shapes=(COUNT,))
        if index == NONE:
            raise bad_cursor()
        before = int(index)
    rows = fetch(before, limit + 1)
    items, next_cursor = cut(rows, limit=limit, scope=scope, position=lambda r: (str(index_of(r)),))
    return Page(items=items, next_cursor=next_cursor)
