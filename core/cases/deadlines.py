"""Legal clocks of objections and repairs (§7, §8): due dates, days left, overdue.

Invariants: pure (dates in, dates out; `today` is passed in); a due date is the last
day the act may happen on — it is overdue from the day after; working days come from
the holiday calendar, calendar days do not skip holidays;
- a due date counted across a provisional year (core.calendar.workdays) is marked
  provisional, and so is a clock whose working days left are counted across one;
- `recount` counts a provisional due date again on today's calendar: a department's own
  deadline follows the new count either way; a deadline owed to the citizen never moves
  earlier than the date first shown to them (the later of the two is kept).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from pydantic import BaseModel

from core.calendar.workdays import WorkCalendar


class LegalClock(BaseModel):
    """One deadline as the citizen and the officer see it."""

    step: str
    due: date
    working_days_left: int
    overdue: bool
    # Counted on the provisional calendar (a year the official schedule does not cover yet).
    provisional: bool = False


@dataclass(frozen=True, slots=True)
class Due:
    """A due date and whether it was counted on the provisional calendar."""

    day: date
    provisional: bool

    def stored_days(self, working_days: int) -> int | None:
        """What a row keeps to count it again: the working days while provisional, else None."""
        return working_days if self.provisional else None


def due_in_working_days(start: date, working_days: int, calendar: WorkCalendar) -> date:
    """The last day of `working_days` working days counted from the day after `start`."""
    return calendar.add_working_days(start, working_days)


def working_due(start: date, working_days: int, calendar: WorkCalendar) -> Due:
    """`due_in_working_days`, marked provisional when the count touched a provisional year."""
    day = calendar.add_working_days(start, working_days)
    return Due(day, calendar.provisional_between(start, day))


def recount(
    shown: date,
    *,
    start: date,
    provisional_days: int | None,
    calendar: WorkCalendar,
    owed_to_citizen: bool,
) -> Due:
    """A stored due date as it reads today: counted again if it was provisional."""
    if provisional_days is None:
        return Due(shown, False)
    again = working_due(start, provisional_days, calendar)
    if owed_to_citizen and again.day < shown:
        # The citizen was told `shown`: official data may lengthen their time, never cut it.
        return Due(shown, again.provisional)
    return again


def due_in_days(start: date, days: int) -> date:
    """The last day of a period of `days` calendar days counted from the day after `start`."""
    return start + timedelta(days=days)


def clock_for(step: str, due: date | Due, today: date, calendar: WorkCalendar) -> LegalClock:
    """The clock of one step on `today`: working days left (negative once overdue)."""
    marked = due if isinstance(due, Due) else Due(due, False)
    day = marked.day
    left = calendar.working_days_between(today, day)
    return LegalClock(
        step=step,
        due=day,
        working_days_left=left,
        overdue=today > day,
        provisional=marked.provisional or calendar.provisional_between(today, day),
    )
