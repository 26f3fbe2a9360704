"""SQL for query notices."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import insert, select
from sqlmodel import Session, col

from core.models import Subject
from core.models.notices import QueryNotice
from core.prepared import run, table

_ADD_NOTICE = insert(table(QueryNotice))


def add_notice(
    session: Session,
    *,
    subject_id: uuid.UUID,
    log_index: int,
    visible_from: datetime,
    now: datetime,
    private_ct: bytes | None = None,
    chain_tag: bytes | None = None,
) -> None:
    """Queue a notice of one query for the subject (a prepared insert: the query path's);
    with a chain tag it is the subject's newest link (`chain_head`)."""
    run(
        session,
        _ADD_NOTICE,
        {
            "id": uuid.uuid4(),
            "subject_id": subject_id,
            "log_index": log_index,
            "visible_from": visible_from,
            "created_at": now,
            "delivered_at": None,
            "private_ct": private_ct,
            "chain_tag": chain_tag,
            "in_chain": chain_tag is not None,
        },
    )


def lock_chain(session: Session, subject_id: uuid.UUID) -> None:
    """Hold the subject's row until commit, so its leaves chain one after another
    (PostgreSQL; SQLite's one writer already orders them)."""
    session.execute(select(col(Subject.id)).where(col(Subject.id) == subject_id).with_for_update())


def chain_head(session: Session, subject_id: uuid.UUID) -> bytes | None:
    """The chain tag of the subject's newest unsealed query, if any."""
    stmt = (
        select(col(QueryNotice.chain_tag))
        .where(col(QueryNotice.subject_id) == subject_id, col(QueryNotice.in_chain))
        .order_by(col(QueryNotice.log_index).desc())
        .limit(1)
    )
    return session.execute(stmt).scalars().first()


def visible_notices(
    session: Session, *, subject_id: uuid.UUID, now: datetime, before: int | None, limit: int
) -> Sequence[QueryNotice]:
    """The subject's notices visible now (sealed ones only once their seal lifted), newest first."""
    stmt = select(QueryNotice).where(
        col(QueryNotice.subject_id) == subject_id, col(QueryNotice.visible_from) <= now
    )
    if before is not None:
        stmt = stmt.where(col(QueryNotice.log_index) < before)
    stmt = stmt.order_by(col(QueryNotice.log_index).desc()).limit(limit)
    return session.execute(stmt).scalars().all()
