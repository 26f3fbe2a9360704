"""Where a JSON document repeats a member name, if it does (RFC 8259 §4: names SHOULD be unique).

Python's parser keeps the last of two equal names, so `{"a": 1, "a": 2}` would silently
mean `{"a": 2}`; a body is refused instead. The path names keys and indexes only, never a
value, and a key that is not a plain identifier is shown as `?` (it may be anything).
"""

from __future__ import annotations

import json
import re
from typing import Final

_NAME: Final = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}")
Path = list[str | int]


class _Pairs(list[tuple[str, object]]):
    """A JSON object as the parser saw it: its members in order, repeats kept."""


def _flag_repeats(pairs: list[tuple[str, object]]) -> dict[str, object]:
    found = dict(pairs)
    if len(found) != len(pairs):
        raise _Repeated
    return found


class _Repeated(Exception):
    """Some object repeats a name; find out where on a second, slower pass."""


def _shown(key: str) -> str:
    return key if _NAME.fullmatch(key) else "?"


def _first_repeat(document: object) -> Path | None:
    # Iterative: a deeply nested document must not exhaust the interpreter's stack.
    stack: list[tuple[object, Path]] = [(document, [])]
    while stack:
        node, path = stack.pop()
        if isinstance(node, _Pairs):
            seen: set[str] = set()
            for key, _value in node:
                if key in seen:
                    return [*path, _shown(key)]
                seen.add(key)
            stack.extend((value, [*path, _shown(key)]) for key, value in reversed(node))
        elif isinstance(node, list):
            stack.extend((item, [*path, i]) for i, item in reversed(list(enumerate(node))))
    return None


def repeated_member(body: bytes) -> Path | None:
    """The path of the first repeated member name in a JSON body, or None.

    A body that is not JSON at all is None too: the app's own parser refuses it as usual.
    """
    try:
        json.loads(body, object_pairs_hook=_flag_repeats)
        return None
    except _Repeated:
        pass
    except (ValueError, RecursionError):
        return None
    return _first_repeat(json.loads(body, object_pairs_hook=_Pairs))
