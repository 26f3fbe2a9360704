"""Legal clocks of objections and repairs (§7, §8): due dates, days left, overdue.

Invariants: pure (dates in, dates out; `today` is passed in); a due date is the last
day the act may happen on — it is overdue from the day after; working days come from
the official holiday calendar, calendar days do not skip holidays.
"""

from __future__ import annotations

from datetime import date, timedelta

from pydantic import BaseModel

from core.policies.workdays import WorkCalendar


class LegalClock(BaseModel):
    """One deadline as the citizen and the officer see it."""

    step: str
    due: date
    working_days_left: int
    overdue: bool


def due_in_working_days(start: date, working_days: int, calendar: WorkCalendar) -> date:
    """The last day of `working_days` working days counted from the day after `start`."""
    return calendar.add_working_days(start, working_days)


def due_in_days(start: date, days: int) -> date:
    """The last day of a period of `days` calendar days counted from the day after `start`."""
    return start + timedelta(days=days)


def clock_for(step: str, due: date, today: date, calendar: WorkCalendar) -> LegalClock:
    """The clock of one step on `today`: working days left (negative once overdue)."""
    left = calendar.working_days_between(today, due)
    return LegalClock(step=step, due=due, working_days_left=left, overdue=today > due)
