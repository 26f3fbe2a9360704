"""Public data (§9): the masked red and black lists, exit announcements, the masked lookup.

Invariants:
- Only what `shown_state` calls displayed on `today` is listed or found: SQL narrows the
  candidates, the read-time policy decides, so a late sweeper never shows an entry longer.
- Everything returned is a masked schema (`core.public.schemas`): the name only as
  `mask_name` makes it, the department's public summary never the facts, and no
  character of a code (an entry is named by its random public reference).
- An entry whose key was shredded is skipped, never shown half; an erroneous listing's
  announcement says only that an entry was removed as erroneous, and on which day.
- An exit is announced only if the entry was on a public list at some time (`was_public`).
- Cursors are opaque and carry only public values (date and public reference, or date and
  announcement id), written in letters only so no run of digits can appear in a body; a
  cursor that does not parse exactly is `InvalidInput`, never a traceback.
- A lookup costs the same whatever it finds: one blind index (of a dummy for an invalid
  code), one SQL statement, and `LOOKUP_SLOTS` key unwraps and pairs of decryptions,
  padded with a dummy entry sealed under a dummy key; names are compared in constant time.
- The page's lookup (`checked_lookup`) refuses a code that fails its rules (GB 11643 or
  GB 32100, check character included) as invalid input, naming only the rule: a mistyped
  number is told so, never answered "not found". Validity is public knowledge (anyone
  can compute a check character), so refusing it reveals nothing about the records.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import threading
import unicodedata
import uuid
import weakref
from dataclasses import dataclass
from datetime import date
from typing import Final, Protocol

from core.clock import local_date
from core.codes import InvalidCode, validate_code
from core.context import Context
from core.entries.visibility import shown_state
from core.errors import InvalidInput
from core.keyring import Keyring
from core.models import DataKeyRow, Entry
from core.public import masking
from core.public import repository as repo
from core.public.schemas import (
    BASIS_MAX,
    DEPARTMENT_MAX,
    LOOKUP_MAX_ENTRIES,
    LOOKUP_SLOTS,
    PAGE_MAX,
    REF_MAX,
    SUMMARY_MAX,
    AnnouncementPage,
    LookupAnswer,
    PublicAnnouncement,
    PublicEntry,
    PublicListPage,
)
from crypto.envelope import DataKey, FieldContext, open_field, seal

_DISPLAYED: Final = "displayed"
# Rows fetched beyond the page, so a few hidden candidates rarely cost a second round trip.
_SLACK: Final = 8
# The subject's candidate rows a lookup reads (pending ones are skipped before the slots).
_LOOKUP_ROWS: Final = 32

# ---------------------------------------------------------------------------- cursors

_CURSOR_VERSION: Final = "v1"
_CURSOR_MAX: Final = 256
# Bytes are written as two letters each (a-p for 0-f): an opaque string without digits.
_HEX: Final = "0123456789abcdef"
_LETTERS: Final = "abcdefghijklmnop"
_TO_LETTERS: Final = str.maketrans(_HEX, _LETTERS)
_FROM_LETTERS: Final = str.maketrans(_LETTERS, _HEX)
_CURSOR_TEXT: Final = re.compile(rf"(?:[a-p]{{2}}){{1,{_CURSOR_MAX // 2}}}")
_DATE: Final = re.compile(r"\d{4}-\d{2}-\d{2}")
_REF: Final = re.compile(rf"[A-Za-z0-9_-]{{1,{REF_MAX}}}")
_UUID_HEX: Final = re.compile(r"[0-9a-f]{32}")
_ANNOUNCEMENTS: Final = "announcements"


def _bad_cursor() -> InvalidInput:
    return InvalidInput("the cursor is not one this listing gave out", rule="bad_cursor")


def _write_cursor(scope: str, day: date, key: str) -> str:
    text = "|".join((_CURSOR_VERSION, scope, day.isoformat(), key))
    return text.encode("ascii").hex().translate(_TO_LETTERS)


def _read_cursor(cursor: str, *, scope: str, key: re.Pattern[str]) -> tuple[date, str]:
    """The (date, key) position a cursor names; `InvalidInput` unless it parses exactly."""
    if len(cursor) > _CURSOR_MAX or not _CURSOR_TEXT.fullmatch(cursor):
        raise _bad_cursor()
    try:
        text = bytes.fromhex(cursor.translate(_FROM_LETTERS)).decode("ascii")
    except (ValueError, UnicodeDecodeError):
        raise _bad_cursor() from None
    parts = text.split("|")
    if len(parts) != 4 or parts[0] != _CURSOR_VERSION or parts[1] != scope:
        raise _bad_cursor()
    if not _DATE.fullmatch(parts[2]) or not key.fullmatch(parts[3]):
        raise _bad_cursor()
    try:
        day = date.fromisoformat(parts[2])
    except ValueError:
        raise _bad_cursor() from None
    return day, parts[3]


def _check_limit(limit: int) -> None:
    if not 1 <= limit <= PAGE_MAX:
        raise InvalidInput(f"limit must be between 1 and {PAGE_MAX}", rule="page_size")


# ------------------------------------------------------------------------ masked views


def _open(key: DataKey, blob: bytes, column: str, entry_id: uuid.UUID) -> str:
    return open_field(key, blob, FieldContext("entry", column, str(entry_id))).decode()


class _Listed(Protocol):
    """The fields of an entry that a public view is made of (an `Entry` row has them all)."""

    id: uuid.UUID
    public_ref: str
    department: str
    domain: str
    list_kind: str
    legal_basis: str
    decided_on: date
    display_until: date
    under_objection: bool
    subject_name_ct: bytes
    public_summary_ct: bytes | None


def _masked_entry(entry: _Listed, name: str, summary: str | None) -> PublicEntry:
    return PublicEntry(
        public_ref=entry.public_ref,
        masked_name=masking.mask_name(name),
        department=masking.clip(entry.department, DEPARTMENT_MAX),
        domain=entry.domain,
        list_kind=entry.list_kind,
        public_summary=None if summary is None else masking.clip(summary, SUMMARY_MAX),
        legal_basis=masking.clip(entry.legal_basis, BASIS_MAX),
        decided_on=entry.decided_on,
        display_until=entry.display_until,
        under_objection=entry.under_objection,
    )


def _public_view(keyring: Keyring, entry: Entry, key_row: DataKeyRow) -> PublicEntry | None:
    """The masked view of a displayed entry, or None if its key was shredded."""
    if key_row.wrapped is None:
        return None
    key = keyring.data_key(key_row.id, key_row.wrapped)
    name = _open(key, entry.subject_name_ct, "subject_name", entry.id)
    summary_ct = entry.public_summary_ct
    summary = None if summary_ct is None else _open(key, summary_ct, "public_summary", entry.id)
    return _masked_entry(entry, name, summary)


def _listed(entry: Entry, key_row: DataKeyRow, today: date) -> bool:
    return key_row.wrapped is not None and shown_state(entry, today) == _DISPLAYED


# ------------------------------------------------------------------------------ lists


def public_list(
    ctx: Context,
    *,
    list_kind: str,
    limit: int,
    cursor: str | None = None,
    domain: str | None = None,
    department: str | None = None,
) -> PublicListPage:
    """One page of a public list: entries displayed on `today`, newest decision first."""
    today = ctx.today()
    _check_limit(limit)
    if list_kind not in repo.PUBLIC_KINDS:
        raise InvalidInput("only the red and black lists are public", rule="list_kind")
    after = None if cursor is None else _read_cursor(cursor, scope=list_kind, key=_REF)
    shown: list[tuple[Entry, DataKeyRow]] = []
    batch = limit + 1 + _SLACK
    while len(shown) <= limit:
        rows = repo.list_candidates(
            ctx.session,
            list_kind=list_kind,
            today=today,
            domain=domain,
            department=department,
            after=after,
            limit=batch,
        )
        for entry, key_row in rows:
            after = (entry.decided_on, entry.public_ref)
            if _listed(entry, key_row, today):
                shown.append((entry, key_row))
                if len(shown) > limit:
                    break
        if len(rows) < batch:
            break
    page = shown[:limit]
    items = [view for e, k in page if (view := _public_view(ctx.keyring, e, k)) is not None]
    next_cursor = None
    if len(shown) > limit:
        last = page[-1][0]
        next_cursor = _write_cursor(list_kind, last.decided_on, last.public_ref)
    return PublicListPage(items=items, next_cursor=next_cursor)


# ---------------------------------------------------------------------- announcements


def _announced(
    keyring: Keyring, reason: str, announced_on: date, entry: Entry, key_row: DataKeyRow | None
) -> PublicAnnouncement:
    if masking.is_erroneous(reason):
        # 1798号 §20: an erroneous listing is not kept; say that one was removed, no more.
        return PublicAnnouncement(reason=masking.ERRONEOUS, announced_on=announced_on)
    masked = None
    if key_row is not None and key_row.wrapped is not None:
        key = keyring.data_key(key_row.id, key_row.wrapped)
        masked = masking.mask_name(_open(key, entry.subject_name_ct, "subject_name", entry.id))
    return PublicAnnouncement(
        reason=masking.public_reason(reason),
        announced_on=announced_on,
        public_ref=entry.public_ref,
        masked_name=masked,
        list_kind=entry.list_kind,
        domain=entry.domain,
        department=masking.clip(entry.department, DEPARTMENT_MAX),
    )


def _was_public(entry: Entry) -> bool:
    return masking.was_public(
        recorded_on=local_date(entry.created_at),
        notice_until=entry.notice_until,
        display_until=entry.display_until,
        exited_on=entry.exited_on,
    )


def announcements(ctx: Context, *, limit: int, cursor: str | None = None) -> AnnouncementPage:
    """One page of exit announcements, newest first, masked like the lists."""
    _check_limit(limit)
    after: tuple[date, uuid.UUID] | None = None
    if cursor is not None:
        day, ident = _read_cursor(cursor, scope=_ANNOUNCEMENTS, key=_UUID_HEX)
        after = (day, uuid.UUID(hex=ident))
    items: list[PublicAnnouncement] = []
    last: tuple[date, uuid.UUID] | None = None
    more = False
    batch = limit + 1 + _SLACK
    while not more:
        rows = repo.announcement_rows(ctx.session, after=after, limit=batch)
        for ann, entry, key_row in rows:
            after = (ann.announced_on, ann.id)
            if not _was_public(entry):
                continue
            if len(items) == limit:
                more = True
                break
            items.append(_announced(ctx.keyring, ann.reason, ann.announced_on, entry, key_row))
            last = after
        if len(rows) < batch:
            break
    next_cursor = None
    if more and last is not None:
        next_cursor = _write_cursor(_ANNOUNCEMENTS, last[0], last[1].hex)
    return AnnouncementPage(items=items, next_cursor=next_cursor)


# ----------------------------------------------------------------------------- lookup

# Never a valid code, so its blind index matches no subject.
_DUMMY_CODE: Final = "credence/public-lookup/no-such-code"


@dataclass
class _DummyEntry:
    """The public fields of a stand-in entry (never stored)."""

    id: uuid.UUID
    subject_name_ct: bytes
    public_summary_ct: bytes | None
    public_ref: str = "DUMMY"
    department: str = "dummy"
    domain: str = "tax"
    list_kind: str = "black"
    legal_basis: str = "dummy"
    decided_on: date = date(2000, 1, 1)
    display_until: date = date(2000, 1, 2)
    under_objection: bool = False


@dataclass(frozen=True)
class _Dummy:
    """A stand-in entry sealed under its own throw-away key: the padding of every lookup."""

    key_id: uuid.UUID
    wrapped: bytes
    entry: _DummyEntry
    summary_ct: bytes
    # The master version `wrapped` is under: no rotation re-wraps a key that is not stored.
    version: int


_dummies: weakref.WeakKeyDictionary[Keyring, _Dummy] = weakref.WeakKeyDictionary()
_dummies_lock = threading.Lock()


def _dummy(keyring: Keyring) -> _Dummy:
    """The keyring's dummy entry, made again whenever the current master version moves on.

    Its key is wrapped, never stored, so no rotation re-wraps it: made under the current
    version, it is never under one that retiring may have destroyed (a version is retired
    only once another is current).
    """
    current = keyring.current_version()
    with _dummies_lock:
        found = _dummies.get(keyring)
        if found is None or found.version != current:
            key, wrapped, version = keyring.new_data_key()
            entry_id = uuid.uuid4()
            summary_ct = seal(
                key, "某某某某某某".encode(), FieldContext("entry", "public_summary", str(entry_id))
            )
            entry = _DummyEntry(
                id=entry_id,
                subject_name_ct=seal(
                    key, "某某某".encode(), FieldContext("entry", "subject_name", str(entry_id))
                ),
                public_summary_ct=summary_ct,
            )
            found = _Dummy(
                key_id=key.id, wrapped=wrapped, entry=entry, summary_ct=summary_ct, version=version
            )
            _dummies[keyring] = found
        return found


def _name_digest(name: str) -> bytes:
    """A fixed-length digest of a normalised name (compared in constant time)."""
    return hashlib.sha256(unicodedata.normalize("NFC", name.strip()).encode()).digest()


def lookup(ctx: Context, *, code: str, name: str) -> LookupAnswer:
    """Whether a displayed red or black entry matches this full code and full name."""
    today = ctx.today()
    try:
        normalised, _kind = validate_code(code, today=today)
    except InvalidCode:
        normalised = _DUMMY_CODE
    rows = repo.lookup_candidates(
        ctx.session, code_index=ctx.keyring.blind_index(normalised), today=today, limit=_LOOKUP_ROWS
    )
    dummy = _dummy(ctx.keyring)
    slots: list[tuple[_Listed, uuid.UUID, bytes, bool]] = [
        (entry, key_row.id, key_row.wrapped, True)
        for entry, key_row in rows
        if key_row.wrapped is not None and _listed(entry, key_row, today)
    ]
    del slots[LOOKUP_SLOTS:]
    slots += [(dummy.entry, dummy.key_id, dummy.wrapped, False)] * (LOOKUP_SLOTS - len(slots))
    wanted = _name_digest(name)
    found: list[PublicEntry] = []
    for entry, key_id, wrapped, real in slots:
        key = ctx.keyring.data_key(key_id, wrapped)
        stored = _open(key, entry.subject_name_ct, "subject_name", entry.id)
        # Every slot opens one summary: the dummy's when the entry has none.
        summary_ct = entry.public_summary_ct
        if summary_ct is None:
            dummy_key = ctx.keyring.data_key(dummy.key_id, dummy.wrapped)
            _open(dummy_key, dummy.summary_ct, "public_summary", dummy.entry.id)
        summary = None if summary_ct is None else _open(key, summary_ct, "public_summary", entry.id)
        view = _masked_entry(entry, stored, summary)
        if hmac.compare_digest(_name_digest(stored), wanted) and real:
            found.append(view)
    return LookupAnswer(found=bool(found), entries=found[:LOOKUP_MAX_ENTRIES])


def checked_lookup(ctx: Context, *, code: str, name: str) -> LookupAnswer:
    """A lookup that refuses a code failing its rules (`InvalidInput`, rule `code_<rule>`)."""
    failed: str | None = None
    try:
        validate_code(code, today=ctx.today())
    except InvalidCode as exc:
        failed = exc.rule
    if failed is not None:
        # Raised outside the except block: nothing of the code is chained onto it.
        raise InvalidInput(f"the code failed rule {failed}", rule=f"code_{failed}")
    return lookup(ctx, code=code, name=name)
