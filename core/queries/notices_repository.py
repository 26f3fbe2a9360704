"""SQL for query notices."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import bindparam, insert, select
from sqlmodel import Session, col

from core.models import Subject
from core.models.notices import QueryNotice
from core.prepared import run, table

_ADD_NOTICE = insert(table(QueryNotice))


_NOTICE = table(QueryNotice)
_SUBJECT = table(Subject)
# Per subject, the newest unsealed notice's chain tag, along (subject_id, log_index).
_HEAD = (
    select(_NOTICE.c.chain_tag)
    .where(_NOTICE.c.subject_id == _SUBJECT.c.id, _NOTICE.c.in_chain)
    .order_by(_NOTICE.c.log_index.desc())
    .limit(1)
    .correlate(_SUBJECT)
    .scalar_subquery()
)
_CHAIN_HEADS = select(_SUBJECT.c.id, _HEAD).where(
    _SUBJECT.c.id.in_(bindparam("ids", expanding=True))
)


def notice_row(
    *,
    subject_id: uuid.UUID,
    log_index: int,
    visible_from: datetime,
    now: datetime,
    private_ct: bytes | None = None,
    chain_tag: bytes | None = None,
) -> dict[str, object]:
    """A notice of one query for the subject; with a chain tag it is the subject's newest
    link (`chain_heads`)."""
    return {
        "id": uuid.uuid4(),
        "subject_id": subject_id,
        "log_index": log_index,
        "visible_from": visible_from,
        "created_at": now,
        "delivered_at": None,
        "private_ct": private_ct,
        "chain_tag": chain_tag,
        "in_chain": chain_tag is not None,
    }


def add_notices(session: Session, rows: Sequence[dict[str, object]]) -> None:
    """Queue notices of queries (one prepared executemany: the query path's)."""
    if rows:
        run(session, _ADD_NOTICE, list(rows))


def chain_heads(
    session: Session, subject_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, bytes | None]:
    """The chain tag of each subject's newest unsealed query (None before their first).

    Read with the log locked, so no other writer can add a link meanwhile."""
    if not subject_ids:
        return {}
    rows = run(session, _CHAIN_HEADS, {"ids": list(subject_ids)}).all()
    return {r[0]: r[1] for r in rows}


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
