"""SQL for query notices."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import insert, select
from sqlmodel import Session, col

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
) -> None:
    """Queue a notice of one query for the subject (a prepared insert: the query path's)."""
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
        },
    )


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
