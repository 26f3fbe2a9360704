"""SQL for the auditor's projection of the query log and its flags."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import exists, func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from core.models.audit import QueryFacet, QueryFlag
from core.models.querylog import LogLeaf


def add_facet(
    session: Session,
    *,
    log_index: int,
    at: datetime,
    agency: str,
    subject: str,
    outcome: str,
    basis: str,
) -> None:
    """Insert the searchable projection of one leaf."""
    session.execute(
        insert(QueryFacet).values(
            log_index=log_index, at=at, agency=agency, subject=subject, outcome=outcome, basis=basis
        )
    )


def add_flag(
    session: Session, *, log_index: int, reason: str, raised_by: str, now: datetime
) -> bool:
    """Flag a query for a reason; False (and nothing written) if it already has that flag."""
    try:
        with session.begin_nested():
            session.execute(
                insert(QueryFlag).values(
                    id=uuid.uuid4(),
                    log_index=log_index,
                    reason=reason,
                    raised_by=raised_by,
                    created_at=now,
                )
            )
    except IntegrityError:
        return False
    return True


def agency_queries_since(session: Session, *, agency: str, since: datetime) -> int:
    """How many queries an agency made at or after `since`."""
    stmt = select(func.count()).where(col(QueryFacet.agency) == agency, col(QueryFacet.at) >= since)
    return int(session.execute(stmt).scalar_one())


def refused_since(session: Session, *, agency: str, subject: str, since: datetime) -> bool:
    """Whether the agency had a query of this subject refused at or after `since`."""
    stmt = select(
        exists().where(
            col(QueryFacet.agency) == agency,
            col(QueryFacet.subject) == subject,
            col(QueryFacet.outcome) == "refused",
            col(QueryFacet.at) >= since,
        )
    )
    return bool(session.execute(stmt).scalar_one())


def search(
    session: Session,
    *,
    agency: str | None,
    since: datetime | None,
    until: datetime | None,
    outcome: str | None,
    flag: str | None,
    before: int | None,
    limit: int,
) -> Sequence[tuple[int, bytes]]:
    """Leaves (index, body) matching every given filter, newest first."""
    stmt = select(col(LogLeaf.idx), col(LogLeaf.body)).join(
        QueryFacet, col(QueryFacet.log_index) == col(LogLeaf.idx)
    )
    if agency is not None:
        stmt = stmt.where(col(QueryFacet.agency) == agency)
    if since is not None:
        stmt = stmt.where(col(QueryFacet.at) >= since)
    if until is not None:
        stmt = stmt.where(col(QueryFacet.at) < until)
    if outcome is not None:
        stmt = stmt.where(col(QueryFacet.outcome) == outcome)
    if flag is not None:
        stmt = stmt.where(
            exists().where(
                col(QueryFlag.log_index) == col(LogLeaf.idx), col(QueryFlag.reason) == flag
            )
        )
    if before is not None:
        stmt = stmt.where(col(LogLeaf.idx) < before)
    stmt = stmt.order_by(col(LogLeaf.idx).desc()).limit(limit)
    return [(int(i), b) for i, b in session.execute(stmt).all()]


def flags_of(session: Session, indexes: Sequence[int]) -> Sequence[QueryFlag]:
    """Every flag on the given queries, oldest first."""
    if not indexes:
        return []
    stmt = (
        select(QueryFlag)
        .where(col(QueryFlag.log_index).in_(indexes))
        .order_by(col(QueryFlag.created_at), col(QueryFlag.reason))
    )
    return session.execute(stmt).scalars().all()
