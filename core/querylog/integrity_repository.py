"""SQL for the query log's integrity record: open halts and the last full check."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlmodel import Session, col

from core.models.log_integrity import FULL_CHECK_ROW_ID, LogFullCheck, LogHalt


def open_halt(session: Session) -> LogHalt | None:
    """The earliest halt not yet cleared (None while the log is trusted)."""
    stmt = (
        select(LogHalt)
        .where(col(LogHalt.cleared_at).is_(None))
        .order_by(col(LogHalt.id))
        .limit(1)
        .execution_options(populate_existing=True)
    )
    return session.execute(stmt).scalar_one_or_none()


def is_halted(session: Session) -> bool:
    """Whether a halt is open (one indexed read, no row loaded)."""
    stmt = select(col(LogHalt.id)).where(col(LogHalt.cleared_at).is_(None)).limit(1)
    return session.execute(stmt).first() is not None


def add_halt(
    session: Session,
    *,
    now: datetime,
    found_by: str,
    problem: str,
    bad_index: int | None,
    bad_checkpoint: int | None,
) -> None:
    """Insert an open halt."""
    session.add(
        LogHalt(
            halted_at=now,
            found_by=found_by,
            problem=problem,
            bad_index=bad_index,
            bad_checkpoint=bad_checkpoint,
        )
    )
    session.flush()


def clear_halts(session: Session, *, now: datetime, reason: str) -> int:
    """Mark every open halt cleared with the operator's reason; how many were open."""
    stmt = (
        update(LogHalt)
        .where(col(LogHalt.cleared_at).is_(None))
        .values(cleared_at=now, cleared_reason=reason)
    )
    return int(getattr(session.execute(stmt), "rowcount", 0) or 0)


def full_check(session: Session) -> LogFullCheck | None:
    """When the whole log last verified (None before the first full check)."""
    stmt = (
        select(LogFullCheck)
        .where(col(LogFullCheck.id) == FULL_CHECK_ROW_ID)
        .execution_options(populate_existing=True)
    )
    return session.execute(stmt).scalar_one_or_none()


def record_full_check(session: Session, *, now: datetime, size: int) -> None:
    """Store the time and size of a full check that passed."""
    row = session.get(LogFullCheck, FULL_CHECK_ROW_ID)
    if row is None:
        session.add(LogFullCheck(id=FULL_CHECK_ROW_ID, finished_at=now, size=size))
    else:
        row.finished_at, row.size = now, size
        session.add(row)
    session.flush()
