"""Who can still see an entry, and until when — as the citizen is told it (§4, §8).

Invariants: pure and read-time: derived from the entry's stored status and dates and
`today`, never from whether a sweeper ran; a shredded entry is visible to nobody.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Literal, Protocol

from pydantic import BaseModel

from core.entries.list_rules import on_warning_list
from core.entries.states import visible_state

Audience = Literal["agencies", "public", "recording_department", "you"]
_PUBLIC_KINDS = frozenset({"red", "black"})


class Visibility(BaseModel):
    """One audience that can see the entry, and the last day it can (exclusive end)."""

    audience: Audience
    until: date


class EntryDates(Protocol):
    """The fields visibility depends on (an `Entry` row has them all)."""

    status: str
    list_kind: str
    domain: str
    notice_until: date | None
    display_until: date
    retain_until: date
    under_objection: bool
    exit_reason: str | None


def shown_state(entry: EntryDates, today: date) -> str:
    """The lifecycle state the entry shows on `today`."""
    return visible_state(
        status=entry.status,
        notice_until=entry.notice_until,
        display_until=entry.display_until,
        under_objection=entry.under_objection,
        today=today,
    )


def citizen_state(entry: EntryDates, today: date) -> str:
    """The state the owner sees: a retained entry shows as expired or exited, as it ended."""
    state = shown_state(entry, today)
    if state == "retained":
        return "expired" if entry.exit_reason == "expired" else "exited"
    return state


def visible_to(entry: EntryDates, today: date) -> list[Visibility]:
    """Every audience that can still see the entry, with the date its view ends."""
    state = shown_state(entry, today)
    if state == "shredded":
        return []
    kept = [
        Visibility(audience="you", until=entry.retain_until),
        Visibility(audience="recording_department", until=entry.retain_until),
    ]
    if state != "displayed":
        return kept
    shown = [Visibility(audience="agencies", until=entry.display_until)]
    if entry.list_kind in _PUBLIC_KINDS:
        shown.append(Visibility(audience="public", until=entry.display_until))
    return shown + kept


def derived_warning(entries: Iterable[EntryDates], today: date) -> bool:
    """Whether a subject's entries put them on the derived warning list today (§5.5)."""
    return on_warning_list(
        e.domain for e in entries if e.list_kind == "watch" and shown_state(e, today) == "displayed"
    )
