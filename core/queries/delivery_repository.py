"""SQL of the notice outbox: fill it from new notices, claim due rows, record attempts."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Table, insert, literal, select, update
from sqlmodel import Session, col

from core.models import DeliveryAttempt, EntryNotice, NoticeDelivery

_OUTBOX: Table = NoticeDelivery.__table__  # type: ignore[attr-defined]
_NOTICES: Table = EntryNotice.__table__  # type: ignore[attr-defined]


def enqueue_new(session: Session, *, now: datetime) -> int:
    """Put every notice not yet in the outbox into it, due now; how many went in."""
    new = select(
        _NOTICES.c.id,
        literal("pending"),
        literal(0),
        literal(now, type_=_OUTBOX.c.next_at.type),
        literal(now, type_=_OUTBOX.c.created_at.type),
    ).where(~_NOTICES.c.id.in_(select(_OUTBOX.c.notice_id)))
    stmt = insert(_OUTBOX).from_select(
        ["notice_id", "status", "attempts", "next_at", "created_at"], new
    )
    # Counted from what it returns: psycopg reports no row count for INSERT … SELECT.
    return len(session.execute(stmt.returning(_OUTBOX.c.notice_id)).all())


def claim_due(
    session: Session, *, now: datetime, lease_until: datetime, limit: int
) -> list[tuple[uuid.UUID, int]]:
    """Claim up to `limit` pending rows due by `now` until `lease_until`: (notice, attempts).

    The claim moves their next try to the lease's end, so another worker passes them by,
    and a worker that dies mid-way leaves them to be tried again when the lease ends.
    """
    due = (
        select(_OUTBOX.c.notice_id)
        .where(_OUTBOX.c.status == "pending", _OUTBOX.c.next_at <= now)
        .order_by(_OUTBOX.c.next_at, _OUTBOX.c.notice_id)
        .limit(limit)
    )
    stmt = (
        update(_OUTBOX)
        .where(_OUTBOX.c.notice_id.in_(due), _OUTBOX.c.status == "pending")
        .values(next_at=lease_until)
        .returning(_OUTBOX.c.notice_id, _OUTBOX.c.attempts)
    )
    return [(row[0], int(row[1])) for row in session.execute(stmt).all()]


def record_attempt(
    session: Session,
    *,
    notice_id: uuid.UUID,
    at: datetime,
    outcome: str,
    error_class: str | None,
    status: str,
    attempts: int,
    next_at: datetime,
) -> None:
    """Write one attempt and move the outbox row to what came of it."""
    session.execute(
        insert(DeliveryAttempt).values(
            id=uuid.uuid4(), notice_id=notice_id, at=at, outcome=outcome, error_class=error_class
        )
    )
    session.execute(
        update(_OUTBOX)
        .where(_OUTBOX.c.notice_id == notice_id)
        .values(status=status, attempts=attempts, next_at=next_at)
    )


def notice(session: Session, notice_id: uuid.UUID) -> EntryNotice | None:
    """One citizen notice by id."""
    return session.get(EntryNotice, notice_id)


def attempts_of(session: Session, notice_id: uuid.UUID) -> list[DeliveryAttempt]:
    """A notice's delivery attempts, oldest first."""
    stmt = (
        select(DeliveryAttempt)
        .where(col(DeliveryAttempt.notice_id) == notice_id)
        .order_by(col(DeliveryAttempt.at), col(DeliveryAttempt.id))
    )
    return list(session.execute(stmt).scalars())


def delivery(session: Session, notice_id: uuid.UUID) -> NoticeDelivery | None:
    """A notice's outbox row."""
    return session.get(NoticeDelivery, notice_id)
