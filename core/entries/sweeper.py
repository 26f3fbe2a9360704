"""The expiry sweeper (§4): moves entries through their time-driven states and shreds at the end.

Invariants:
- Idempotent and resumable: an entry is picked only while it has work due, and every
  step is a guarded status change, so running twice does what running once did, and a
  pass stopped half-way is finished by the next.
- Safe on several workers: each batch is its own transaction; on PostgreSQL its rows are
  claimed with `FOR UPDATE SKIP LOCKED`, on SQLite the batch takes the write lock at
  BEGIN; a step that finds its row already moved is skipped, never done twice.
- Bounded memory: a batch of rows at a time, never the whole table. Each kind of due work
  (notice ends, display ends, unfinished exits, retention ends) is walked along its own
  `(status, date)` index with a cursor of its own, so a pass reads every due row once,
  and each entry held by an objection once; a row left due waits for the next pass, so
  a pass always ends.
- The cases of an erroneous listing are erased once the reconsideration window after its
  shred has passed (`erasure.CASE_GRACE`), and its subject with them if nothing remains.
- It only catches up with what read paths already show: display is decided at read
  time, so a stopped sweeper delays paperwork (announcements, notices) but never leaks.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import Engine
from sqlmodel import Session

from core.clock import local_date
from core.db import ChunkedCommits
from core.entries import erasure, lifecycle
from core.entries import lifecycle_repository as repo
from core.entries import states as rules
from core.errors import Conflict
from core.keyring import Keyring
from core.models import Entry

ACTOR = "sweeper"
BATCH = 500


@dataclass
class SweepReport:
    """How many of each event one sweep fired, and how many rows it looked at."""

    examined: int = 0
    events: dict[str, int] = field(default_factory=dict)

    def count(self, event: str) -> None:
        """Count one fired event."""
        self.events[event] = self.events.get(event, 0) + 1


def _step(session: Session, keyring: Keyring, entry: Entry, now: datetime) -> str | None:
    """Fire the one event due now for this entry, if any; return its name."""
    today = local_date(now)
    if (
        entry.status == rules.PENDING_NOTICE
        and entry.notice_until is not None
        and entry.notice_until <= today
        and not entry.under_objection
    ):
        lifecycle.apply(
            session=session, entry=entry, event=rules.NOTICE_ENDED, actor=ACTOR, now=now
        )
        return rules.NOTICE_ENDED
    if entry.status == rules.DISPLAYED and entry.display_until <= today:
        lifecycle.apply(
            session=session, entry=entry, event=rules.DISPLAY_ENDED, actor=ACTOR, now=now
        )
        return rules.DISPLAY_ENDED
    if entry.status in (rules.EXPIRED, rules.EXITED):
        lifecycle.finish_exit(session=session, keyring=keyring, entry=entry, actor=ACTOR, now=now)
        return rules.SHRED if entry.status == rules.SHREDDED else rules.RETAIN
    if entry.status == rules.RETAINED and entry.retain_until <= today:
        lifecycle.shred(
            session=session, keyring=keyring, entry=entry, actor=ACTOR, now=now, with_cases=True
        )
        return rules.SHRED
    return None


def _advance(
    session: Session, keyring: Keyring, entry: Entry, now: datetime, report: SweepReport
) -> None:
    """Take one entry as far as time allows (a long-overdue one may pass several states)."""
    fired: list[str] = []
    try:
        with session.begin_nested():
            while (event := _step(session, keyring, entry, now)) is not None:
                fired.append(event)
    except Conflict:
        # Another worker moved it first; its events are theirs to report.
        session.expire(entry)
        return
    for event in fired:
        report.count(event)


def sweep(
    *,
    engine: Engine,
    keyring: Keyring,
    now: datetime,
    batch: int = BATCH,
    case_grace: timedelta = erasure.CASE_GRACE,
) -> SweepReport:
    """One pass over every entry with time-driven work due at `now`; the cases of an
    erroneous listing go `case_grace` after its shred (0: on the next pass)."""
    report = SweepReport()
    cursor = repo.DueCursor()
    today = local_date(now)
    while True:
        with Session(engine, expire_on_commit=False) as session:
            entries = repo.due_entries(session, today=today, cursor=cursor, limit=batch)
            if not entries:
                session.rollback()
                break
            chunks = ChunkedCommits(session)
            held, committed = {e.id for e in entries}, 0
            for at, entry in enumerate(entries):
                if chunks.commits != committed:
                    # A chunk's commit let go of the batch's claims: claim the rest again, so
                    # two sweepers never work one row (and wait on each other's locks).
                    committed = chunks.commits
                    held = repo.reclaim(session, [e.id for e in entries[at:]])
                if entry.id not in held:
                    continue
                report.examined += 1
                _advance(session, keyring, entry, now, report)
                # Each entry's step is guarded by its version, so a later chunk acting on a
                # row read before an earlier commit loses to any worker that moved it first.
                chunks.done_one()
            session.commit()
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
