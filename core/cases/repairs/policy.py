"""When a citizen may apply to repair an entry (§8): now, from a known day, or not at all.

Invariants: pure; the same rules as the filing checks in `core.cases.repairs.service`
(repairable, one of the live states, the end of the minimum display period counted from
the decision, the end of the prior notice, a rejection's retry date, one open case), so
an entry offered now is one a filing accepts today, and an entry given a day is refused
until that day and accepted on it (unless something else changed meanwhile).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from core.entries import states as rules
from core.entries.display import display_bounds


@dataclass(frozen=True, slots=True)
class RepairOpening:
    """When one entry can be repaired: now (`from_day` None), from a day, or after an objection."""

    entry_id: uuid.UUID
    from_day: date | None = None
    # Held in its prior notice by an objection: no day is known until it is decided.
    after_objection: bool = False

    @property
    def now(self) -> bool:
        """Whether a filing is accepted today."""
        return self.from_day is None and not self.after_objection


@dataclass(frozen=True, slots=True)
class RepairFacts:
    """What the opening of one entry depends on (read from its row and its cases)."""

    entry_id: uuid.UUID
    repairable: bool
    state: str
    list_kind: str
    severity: str
    decided_on: date
    notice_until: date | None
    display_until: date
    under_objection: bool
    has_open_case: bool
    retry_from: date | None


def first_day(list_kind: str, severity: str, decided_on: date) -> date | None:
    """The end of the minimum display period: the first day a repair may be filed."""
    bounds = display_bounds(list_kind, severity, decided_on)
    return None if bounds is None else bounds[0]


def opening(facts: RepairFacts, today: date) -> RepairOpening | None:
    """When the entry can be repaired; None when it cannot be (or is being, by an open case)."""
    live = (rules.PENDING_NOTICE, rules.DISPLAYED)
    minimum = first_day(facts.list_kind, facts.severity, facts.decided_on)
    if not facts.repairable or facts.state not in live or minimum is None or facts.has_open_case:
        return None
    days = [minimum] + ([facts.retry_from] if facts.retry_from is not None else [])
    if facts.state == rules.PENDING_NOTICE:
        if facts.under_objection or facts.notice_until is None:
            return RepairOpening(facts.entry_id, after_objection=True)
        days.append(facts.notice_until)
    day = max(days)
    if day >= facts.display_until:
        return None  # its display ends first: there is nothing left to repair
    # A notice still running ends after today, so a live entry's day passed only when shown.
    if day <= today:
        return RepairOpening(facts.entry_id)
    return RepairOpening(facts.entry_id, from_day=day)
