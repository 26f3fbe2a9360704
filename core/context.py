"""What a core service acts with: the caller's session, the keyring, the calendar, the clock.

Invariants: a context never opens, commits or closes its session (its caller does); the
time is read from the project clock when asked, not when the context is made, so a
service stamps the instant it acts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlmodel import Session

from core.calendar.workdays import WorkCalendar
from core.clock import clock
from core.keyring import Keyring

PACKAGE_CALENDAR = WorkCalendar()


@dataclass(frozen=True)
class Context:
    """The session, keyring and calendar a service call acts with, and the project clock."""

    session: Session = field(repr=False)
    keyring: Keyring = field(repr=False)
    calendar: WorkCalendar = field(default=PACKAGE_CALENDAR, repr=False)

    def now(self) -> datetime:
        """The current instant, from the project clock."""
        return clock.now()

    def today(self) -> date:
        """Today's date in China Standard Time, from the project clock."""
        return clock.today()
