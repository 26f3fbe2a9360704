"""What the public may see of an entry (§9): masked names, public exit reasons, clipping.

Invariants:
- pure: strings and dates in, strings and booleans out; no I/O, no clock, no keys;
- a masked name is a proper prefix of the name (its surname — compound surnames such as
  欧阳, 司马, 诸葛 handled — or, for a name in another script, its first character)
  followed by exactly one `*`, whatever the name's length; it is never longer than three
  characters, and when that prefix would be the whole name (a one-character name) or is
  not a letter, it is `*` alone: a masked name never reveals a whole name;
- nothing here ever outputs a character of a code: codes never reach this module;
- an erroneous listing (objection upheld) is announced as `removed_as_erroneous` with no
  other detail; a red entry removed by a new black entry is announced as `removed`, so
  the announcement cannot reveal a black entry still in its prior-notice period;
- an exit is announced only for an entry that was displayed publicly at some time: an
  entry withdrawn during its notice, or recorded with its display period already over
  (a `minor` penalty), never appears in the public announcements.
"""

from __future__ import annotations

from datetime import date
from typing import Final, Literal

from core.surnames import surname_of

MASK: Final = "*"
PublicExitReason = Literal[
    "expired", "repaired", "withdrawn", "criteria_changed", "removed", "removed_as_erroneous"
]
ERRONEOUS: Final = "removed_as_erroneous"
# Stored exit reason → what the public is told.
_PUBLIC_REASONS: Final[dict[str, PublicExitReason]] = {
    "expired": "expired",
    "repaired": "repaired",
    "withdrawn": "withdrawn",
    "criteria_changed": "criteria_changed",
    "removed_by_black": "removed",
    "objection_upheld": "removed_as_erroneous",
}


def mask_name(name: str) -> str:
    """The surname (compound handled) followed by one `*`; `*` alone if that would say more."""
    stripped = name.strip()
    prefix = surname_of(stripped)
    if len(prefix) >= len(stripped) or not prefix.isalpha():
        return MASK
    return prefix + MASK


def public_reason(reason: str) -> PublicExitReason:
    """The exit reason as the public is told it; an unknown reason is told as `removed`."""
    return _PUBLIC_REASONS.get(reason, "removed")


def is_erroneous(reason: str) -> bool:
    """Whether an exit means the entry should never have existed (announced with no detail)."""
    return public_reason(reason) == ERRONEOUS


def was_public(
    *,
    recorded_on: date,
    notice_until: date | None,
    display_until: date,
    exited_on: date | None,
) -> bool:
    """Whether an entry was on a public list at some time before it exited (day granularity).

    It was shown from the end of its notice (or from the day it was recorded, without one)
    until its display end, and not after its exit day.
    """
    shown_from = recorded_on if notice_until is None else max(recorded_on, notice_until)
    if shown_from >= display_until:
        return False
    return exited_on is None or shown_from <= exited_on


def clip(text: str, limit: int) -> str:
    """At most `limit` characters of a public text field (bounds every public body's size)."""
    return text[:limit]
