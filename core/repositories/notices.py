"""SQL for query notices."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlmodel import Session, col

from core.models.notices import QueryNotice


def add_notice(
    session: Session,
    *,
    subject_id: uuid.UUID,
    log_index: int,
    visible_from: datetime,
    now: datetime,
) -> None:
    """Queue a notice of one query for the subject."""
    session.add(
        QueryNotice(
            id=uuid.uuid4(),
            subject_id=subject_id,
            log_index=log_index,
            visible_from=visible_from,
            created_at=now,
        )
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
