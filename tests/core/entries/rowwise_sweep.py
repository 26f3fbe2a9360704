"""The sweep as it was before issue 17 part 4, one entry at a time: the reference the
set-based sweeper (core/entries/sweeper.py) is checked against. Used only by the tests."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import Engine, select
from sqlmodel import Session, col

from core.clock import local_date
from core.db import ChunkedCommits
from core.entries import erasure, lifecycle
from core.entries import lifecycle_repository as repo
from core.entries import states as rules
from core.entries.sweeper import ACTOR, SweepReport
from core.entries.sweeper import _erase_erroneous_cases as erase_erroneous_cases
from core.errors import Conflict
from core.keyring import Keyring
from core.models import Entry


def _reclaim(session: Session, entry_ids: Sequence[uuid.UUID]) -> set[uuid.UUID]:
    """Lock again the rows of a batch after a commit let go of them (PostgreSQL)."""
    if not entry_ids:
        return set()
    stmt = select(col(Entry.id)).where(col(Entry.id).in_(list(entry_ids)))
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True)
    return set(session.execute(stmt).scalars())


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
        session.expire(entry)
        return
    for event in fired:
        report.count(event)


def sweep_row_by_row(
    *,
    engine: Engine,
    keyring: Keyring,
    now: datetime,
    batch: int = 500,
    case_grace: timedelta = erasure.CASE_GRACE,
) -> SweepReport:
    """One pass, each due entry loaded and moved on its own (the sweep before issue 17)."""
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
                    committed = chunks.commits
                    held = _reclaim(session, [e.id for e in entries[at:]])
                if entry.id not in held:
                    continue
                report.examined += 1
                _advance(session, keyring, entry, now, report)
                chunks.done_one()
            session.commit()
    erase_erroneous_cases(
        engine=engine, keyring=keyring, now=now, batch=batch, grace=case_grace, report=report
    )
    return report
