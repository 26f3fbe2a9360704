"""Provisional deadlines (§4): settled in the database once the official schedule covers them.

Invariants:
- reads count a provisional deadline again by themselves (core.cases.deadlines.recount);
  this pass writes that count into the stored columns, so the SQL that scans them (the
  sweeper's notice ends, the overdue queues, escalation, /metrics) agrees with the reads;
- a row is rewritten only when its new count no longer touches a provisional year; then
  its mark is cleared. A count still provisional is left alone (it reads the same);
- the prior notice of a black entry is owed to the citizen: its end never moves earlier
  than the date first shown. The departments' deadlines (accept, decide) follow the
  official count either way;
- idempotent and safe in several processes: each write is a plain UPDATE to the value
  every process computes alike from the same row and calendar.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session

from core.calendar import repository as repo
from core.calendar.workdays import WorkCalendar
from core.cases.objections import service as objections
from core.cases.repairs import service as repairs
from core.entries import service as records


@dataclass(frozen=True, slots=True)
class Settled:
    """How many rows one pass moved onto the official calendar."""

    entries: int = 0
    objections: int = 0
    repairs: int = 0


def settle(*, session: Session, calendar: WorkCalendar) -> Settled:
    """Write the official count of every open provisional deadline the calendar now covers."""
    entries = 0
    for entry in repo.open_entries(session):
        notice = records.notice_of(entry, calendar)
        if notice is not None and not notice.provisional:
            entry.notice_until = notice.day
            entry.notice_provisional_days = None
            session.add(entry)
            entries += 1
    cases = 0
    for objection in repo.open_objections(session):
        accept = objections.accept_due(objection, calendar)
        if not accept.provisional:
            objection.accept_due = accept.day
            objection.accept_provisional_days = None
            session.add(objection)
            cases += 1
    applications = 0
    for row in repo.open_repairs(session):
        accept, decide = repairs.due_dates(row, calendar)
        if decide.provisional:
            continue  # while filed, this includes a provisional accept deadline
        if not accept.provisional:
            row.accept_due, row.accept_provisional_days = accept.day, None
        row.decide_due, row.decide_provisional_days = decide.day, None
        session.add(row)
        applications += 1
    session.flush()
    return Settled(entries=entries, objections=cases, repairs=applications)


def open_counts(*, session: Session) -> dict[str, int]:
    """Open deadlines still counted provisionally, by kind (aggregate counts only)."""
    return repo.count_open(session)
