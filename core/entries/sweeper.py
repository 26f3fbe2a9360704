"""The expiry sweeper (§4): moves entries through their time-driven states and shreds at the end.

Invariants:
- Set-based: each kind of due work (notice ends, display ends, unfinished exits, retention
  ends) is claimed and moved a batch at a time in one `UPDATE … RETURNING`, and the rows
  moved on to work due in their new state in one more per state; history events,
  announcements, notices and agency notices go in one executemany per table.
- Idempotent and resumable: a row is moved only while it still holds the status its work is
  due in, and the move, its events and its paperwork commit together (paperwork repeated
  after a crash is absorbed by unique keys), so running twice does what running once did,
  and a pass stopped half-way is finished by the next.
- Safe on several workers: each batch is its own transaction; on PostgreSQL its rows are
  claimed with `FOR UPDATE SKIP LOCKED`, on SQLite the batch takes the write lock at
  BEGIN; a row another worker moved first no longer matches the move, never done twice.
- Short write locks: a batch's size is paced so that its transaction holds the write lock
  about `LOCK_SECONDS`, never more than `batch` rows.
- Bounded memory: a batch of light rows (no sealed fields) at a time, never the whole
  table. Each kind is walked along its own `(status, date)` index with a cursor of its
  own, so a pass reads every due row once, and each entry held by an objection once; a
  row left due waits for the next pass, so a pass always ends.
- The cases of an erroneous listing are erased once the reconsideration window after its
  shred has passed (`erasure.CASE_GRACE`), and its subject with them if nothing remains.
- It only catches up with what read paths already show: display is decided at read
  time, so a stopped sweeper delays paperwork (announcements, notices) but never leaks.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session

from core.clock import local_date
from core.db import held_seconds
from core.entries import erasure, lifecycle
from core.entries import lifecycle_repository as repo
from core.entries import states as rules
from core.keyring import Keyring
from core.progress import SILENT, Progress

ACTOR = "sweeper"
BATCH = 2000
# How long one batch may hold the write lock (issue 17: about 50 ms at a time).
LOCK_SECONDS = 0.05
# Before the pace has measured anything: small, so a cold first batch stays within the bound.
_FIRST_BATCH = 20


@dataclass
class SweepReport:
    """How many of each event one sweep fired, and how many rows it looked at."""

    examined: int = 0
    events: dict[str, int] = field(default_factory=dict)

    def count(self, event: str) -> None:
        """Count one fired event."""
        self.events[event] = self.events.get(event, 0) + 1


class _Pace:
    """The size of the next batch of one kind: what the last one took, scaled to the bound.

    Wall time only sizes batches (every size gives the same end state): it never decides
    what is due. Growth is at most doubling, so one slow row cannot follow a fast batch of
    a thousand.
    """

    def __init__(self, most: int, seconds: float) -> None:
        self.most = max(1, most)
        self.seconds = seconds
        self.size = min(self.most, _FIRST_BATCH)

    def took(self, rows: int, elapsed: float) -> None:
        """A batch of `rows` held the lock `elapsed` seconds."""
        if rows < self.size:
            return  # the kind ran out: nothing learnt about a full batch
        fits = self.size * 2 if elapsed <= 0 else int(rows * self.seconds / elapsed)
        self.size = max(1, min(self.most, self.size * 2, fits))


# The event each move fires, by the status it leaves (None: named after where it led).
_EVENT: dict[str, str | None] = {
    rules.PENDING_NOTICE: rules.NOTICE_ENDED,
    rules.DISPLAYED: rules.DISPLAY_ENDED,
    rules.EXPIRED: None,
    rules.EXITED: None,
    rules.RETAINED: rules.SHRED,
}


def _due_next(row: Any, today: date) -> bool:
    """Whether a row just moved has work due in its new status too (a long-overdue entry
    passes several states in one batch, as `visible_state` already shows it)."""
    if row.status == rules.DISPLAYED:
        return bool(row.display_until <= today)
    if row.status == rules.RETAINED:
        return bool(row.retain_until <= today)
    return bool(row.status == rules.EXPIRED)


def _carry(
    session: Session,
    keyring: Keyring,
    moved: Sequence[Any],
    *,
    left: str,
    now: datetime,
    report: SweepReport,
) -> None:
    """Record what a batch's move fired and do its paperwork, then move the rows due again
    one state further, until none is."""
    today = local_date(now)
    while moved:
        fired = lifecycle.record_events(
            session=session, moved=moved, event=_EVENT[left], actor=ACTOR, now=now
        )
        for event in fired:
            report.count(event)
        if left == rules.PENDING_NOTICE:
            lifecycle.tell_took_effect(session=session, moved=moved, now=now)
        elif left in (rules.EXPIRED, rules.EXITED):
            lifecycle.finish_exits(
                session=session, keyring=keyring, moved=moved, actor=ACTOR, now=now
            )
        elif left == rules.RETAINED:
            lifecycle.shred_moved(
                session=session, keyring=keyring, moved=moved, now=now, with_cases=True
            )
        again = [row for row in moved if _due_next(row, today)]
        if not again:
            return
        # Every row of one move reaches one status, so those due again leave it together.
        left = again[0].status
        moved = repo.move_on(session, ids=[row.id for row in again], status=left, now=now)


def sweep(
    *,
    engine: Engine,
    keyring: Keyring,
    now: datetime,
    batch: int = BATCH,
    case_grace: timedelta = erasure.CASE_GRACE,
    lock_seconds: float = LOCK_SECONDS,
    progress: Progress = SILENT,
) -> SweepReport:
    """One pass over every entry with time-driven work due at `now`, in batches of at most
    `batch` rows paced to hold the write lock about `lock_seconds`; the cases of an
    erroneous listing go `case_grace` after its shred (0: on the next pass)."""
    report = SweepReport()
    progress.total(None)  # what is due is known only batch by batch
    cursor = repo.DueCursor()
    today = local_date(now)
    for kind in repo.DUE_KINDS:
        pace = _Pace(batch, lock_seconds)
        while kind.status not in cursor.done:
            with Session(engine, expire_on_commit=False) as session:
                moved = repo.claim_due(
                    session, kind=kind, today=today, cursor=cursor, limit=pace.size, now=now
                )
                if not moved:
                    session.rollback()
                    break
                report.examined += len(moved)
                progress.advance(len(moved))
                _carry(session, keyring, moved, left=kind.status, now=now, report=report)
                # From when the batch got the lock: a wait behind queries is not its work.
                held = held_seconds(session)
                session.commit()
            pace.took(len(moved), held)
    _erase_erroneous_cases(
        engine=engine, keyring=keyring, now=now, batch=batch, grace=case_grace, report=report
    )
    return report


def _erase_erroneous_cases(
    *,
    engine: Engine,
    keyring: Keyring,
    now: datetime,
    batch: int,
    grace: timedelta,
    report: SweepReport,
) -> None:
    """Erase the cases of erroneous listings past the reconsideration window (and subjects)."""
    while True:
        with Session(engine, expire_on_commit=False) as session:
            entries = repo.erroneous_with_live_cases(
                session, shredded_before=now - grace, limit=batch
            )
            if not entries:
                session.rollback()
                return
            for entry in entries:
                report.examined += 1
                erasure.erase_cases(
                    session=session, keyring=keyring, entry=entry, why="erroneous_listing", now=now
                )
                report.count("cases_erased")
                erasure.erase_subject_if_gone(
                    session=session,
                    keyring=keyring,
                    subject_id=entry.subject_id,
                    ref=entry.public_ref,
                    now=now,
                )
            session.commit()
