"""The list entry's life (§4, §5): a state machine of stored statuses, and the read-time view.

pending notice → displayed → expired / exited → retained → shredded; being under
objection is a flag beside the status, not a status of its own.

Invariants:
- every change of status or of the objection flag is one named event, and only the
  pairs in `TRANSITIONS` are allowed: anything else — a repeat (display_ended twice),
  an event from a final state, an objection opened twice — is a `Conflict` with
  rule `illegal_transition`; an unknown event or status is `InvalidInput`;
- an open objection holds a pending entry (§5.1): `notice_ended` is refused while the
  flag is set, and the read-time view keeps such an entry `pending_notice`;
- an objection can only be upheld while one is open, and upholding it closes it;
  every other event keeps the flag as it was;
- `visible_state` never trusts that a sweeper ran: dates decide against `today`, so a
  late or stopped sweeper can delay paperwork but never show an entry too long; and it
  fails closed — a pending entry without a notice end is not shown;
- pure: no I/O, no clock (`today` is passed in).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from types import MappingProxyType
from typing import Final, Literal, get_args

from core.errors import Conflict, InvalidInput

Status = Literal["pending_notice", "displayed", "expired", "exited", "retained", "shredded"]
Event = Literal[
    "notice_ended",
    "display_ended",
    "repaired",
    "withdrawn",
    "criteria_changed",
    "removed_by_black",
    "objection_upheld",
    "retained",
    "shredded",
    "corrected",
    "objection_opened",
    "objection_closed",
]
STATUSES: tuple[str, ...] = get_args(Status)
EVENTS: tuple[str, ...] = get_args(Event)

PENDING_NOTICE: Final = "pending_notice"
DISPLAYED: Final = "displayed"
EXPIRED: Final = "expired"
EXITED: Final = "exited"
RETAINED: Final = "retained"
SHREDDED: Final = "shredded"

NOTICE_ENDED: Final = "notice_ended"
DISPLAY_ENDED: Final = "display_ended"
REPAIRED: Final = "repaired"
WITHDRAWN: Final = "withdrawn"
CRITERIA_CHANGED: Final = "criteria_changed"
REMOVED_BY_BLACK: Final = "removed_by_black"
OBJECTION_UPHELD: Final = "objection_upheld"
# These two events are named after the status they lead to.
RETAIN: Final = "retained"
SHRED: Final = "shredded"
CORRECTED: Final = "corrected"
OBJECTION_OPENED: Final = "objection_opened"
OBJECTION_CLOSED: Final = "objection_closed"

# The events that end an entry early; each is recorded as the exit's reason.
EXIT_EVENTS: frozenset[str] = frozenset(
    {REPAIRED, WITHDRAWN, CRITERIA_CHANGED, REMOVED_BY_BLACK, OBJECTION_UPHELD}
)


@dataclass(frozen=True)
class Transition:
    """One event's rule: the statuses it may fire from, where it leads, and the objection flag."""

    event: str
    sources: frozenset[str]
    # None keeps the status (a correction, an objection opened or closed).
    target: str | None
    # None: the event fires either way; True/False: the flag must be so beforehand.
    flag_before: bool | None = None
    # None keeps the flag.
    flag_after: bool | None = None


def _from(*statuses: str) -> frozenset[str]:
    return frozenset(statuses)


_LIVE = _from(PENDING_NOTICE, DISPLAYED)
# The statuses an objection may be filed in: the citizen still sees an expired entry in
# their record (stored expired or retained) and may contest it while it is kept (§4, §7).
_OBJECTABLE = _from(PENDING_NOTICE, DISPLAYED, EXPIRED, RETAINED)

TRANSITIONS: Mapping[str, Transition] = MappingProxyType(
    {
        rule.event: rule
        for rule in (
            # An open objection holds the entry in its notice period (§5.1).
            Transition(NOTICE_ENDED, _from(PENDING_NOTICE), DISPLAYED, flag_before=False),
            Transition(DISPLAY_ENDED, _from(DISPLAYED), EXPIRED),
            # Repair applies only after display began (§8: after the minimum display period).
            Transition(REPAIRED, _from(DISPLAYED), EXITED),
            Transition(WITHDRAWN, _LIVE, EXITED),
            Transition(CRITERIA_CHANGED, _LIVE, EXITED),
            Transition(REMOVED_BY_BLACK, _LIVE, EXITED),
            # The decision on an open objection closes it; the service then shreds the entry.
            Transition(OBJECTION_UPHELD, _OBJECTABLE, EXITED, flag_before=True, flag_after=False),
            # The sweeper has done the exit paperwork (announcement, notices).
            Transition(RETAIN, _from(EXPIRED, EXITED), RETAINED),
            # End of retention, or an erroneous listing shredded straight after its exit.
            Transition(SHRED, _from(RETAINED, EXITED), SHREDDED),
            # What is kept in the back end must be right too, not only what is shown.
            Transition(CORRECTED, _OBJECTABLE, None),
            Transition(OBJECTION_OPENED, _OBJECTABLE, None, flag_before=False, flag_after=True),
            # An objection left open when the entry exited still has to be closed.
            Transition(
                OBJECTION_CLOSED, _from(*STATUSES), None, flag_before=True, flag_after=False
            ),
        )
    }
)


def _quote(text: str) -> str:
    return repr(text if len(text) <= 32 else text[:32] + "…")


def next_status(status: str, event: str, *, under_objection: bool = False) -> tuple[str, bool]:
    """The (status, under-objection flag) after `event`; Conflict if the table does not allow it."""
    rule = TRANSITIONS.get(event)
    if rule is None:
        raise InvalidInput(f"unknown entry event {_quote(event)}", rule="unknown_event")
    if status not in STATUSES:
        raise InvalidInput(f"unknown entry status {_quote(status)}", rule="unknown_status")
    if status not in rule.sources or rule.flag_before not in (None, under_objection):
        flag = "under objection" if under_objection else "no objection open"
        raise Conflict(
            f"event {event!r} is not allowed for an entry in status {status!r} ({flag})",
            rule="illegal_transition",
        )
    new_status = status if rule.target is None else rule.target
    new_flag = under_objection if rule.flag_after is None else rule.flag_after
    return new_status, new_flag


def visible_state(
    *,
    status: str,
    notice_until: date | None,
    display_until: date,
    under_objection: bool,
    today: date,
) -> str:
    """The state an entry shows on `today`, from its dates, whatever the sweeper has done."""
    if status not in STATUSES:
        raise InvalidInput(f"unknown entry status {_quote(status)}", rule="unknown_status")
    if status == PENDING_NOTICE:
        # Without a notice end we cannot know the notice ran: fail closed, keep it hidden.
        if notice_until is None or today < notice_until or under_objection:
            return PENDING_NOTICE
        return DISPLAYED if today < display_until else EXPIRED
    if status == DISPLAYED:
        return DISPLAYED if today < display_until else EXPIRED
    return status


def is_displayed(
    *,
    status: str,
    notice_until: date | None,
    display_until: date,
    under_objection: bool,
    today: date,
) -> bool:
    """Whether the entry is shown on `today` (to agencies, the public, derivations)."""
    return (
        visible_state(
            status=status,
            notice_until=notice_until,
            display_until=display_until,
            under_objection=under_objection,
            today=today,
        )
        == DISPLAYED
    )
