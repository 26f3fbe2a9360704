"""SQL for the auditor's projection of the query log and its flags."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime

from sqlalchemy import bindparam, exists, func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from core.models.audit import QueryFacet, QueryFlag
from core.models.querylog import LogLeaf
from core.prepared import run, table

_FACET = table(QueryFacet)
_FLAG = table(QueryFlag)
# Both counts leave the new row out by its index: PostgreSQL's RETURNING subqueries see the
# table as the statement began, SQLite's see the row just inserted.
_OTHERS = _FACET.alias("earlier")
_REFUSED_BEFORE = (
    exists()
    .where(
        _OTHERS.c.agency == bindparam("agency"),
        _OTHERS.c.subject == bindparam("subject"),
        _OTHERS.c.outcome == "refused",
        _OTHERS.c.at >= bindparam("retry_since"),
        _OTHERS.c.log_index != bindparam("log_index"),
    )
    .label("refused_before")
)
# Counted up to a cap (the bulk threshold): the cost stays flat however busy the agency.
_AGENCY_RECENT = (
    select(_OTHERS.c.log_index)
    .where(
        _OTHERS.c.agency == bindparam("agency"),
        _OTHERS.c.at >= bindparam("bulk_since"),
        _OTHERS.c.log_index != bindparam("log_index"),
    )
    .limit(bindparam("bulk_cap"))
    .subquery("recent")
)
_AGENCY_BEFORE = (
    select(func.count()).select_from(_AGENCY_RECENT).scalar_subquery().label("agency_before")
)
_ADD_FACET = (
    insert(_FACET)
    .values(
        log_index=bindparam("log_index"),
        at=bindparam("at"),
        agency=bindparam("agency"),
        subject=bindparam("subject"),
        outcome=bindparam("outcome"),
        basis=bindparam("basis"),
    )
    .returning(_REFUSED_BEFORE, _AGENCY_BEFORE)
)
_ADD_FLAG = insert(_FLAG)


def add_facet_with_counts(
    session: Session,
    *,
    log_index: int,
    at: datetime,
    agency: str,
    subject: str,
    outcome: str,
    basis: str,
    retry_since: datetime,
    bulk_since: datetime,
    bulk_cap: int,
) -> tuple[bool, int]:
    """Insert one leaf's projection and, in the same statement, read what its rules need.

    Returns whether the agency had a query of this subject refused at or after
    `retry_since`, and how many queries the agency made at or after `bulk_since` (counted
    up to `bulk_cap`), both among the other rows (this one left out).
    """
    row = run(
        session,
        _ADD_FACET,
        {
            "log_index": log_index,
            "at": at,
            "agency": agency,
            "subject": subject,
            "outcome": outcome,
            "basis": basis,
            "retry_since": retry_since,
            "bulk_since": bulk_since,
            "bulk_cap": bulk_cap,
        },
    ).one()
    return bool(row.refused_before), int(row.agency_before)


def flag_row(*, log_index: int, reason: str, raised_by: str, now: datetime) -> dict[str, object]:
    """A flag row for `add_new_flags`."""
    return {
        "id": uuid.uuid4(),
        "log_index": log_index,
        "reason": reason,
        "raised_by": raised_by,
        "created_at": now,
    }


def add_new_flags(session: Session, rows: Sequence[Mapping[str, object]]) -> None:
    """Insert flags of leaves appended in this transaction in one executemany: a leaf that
    is new has no flag to collide with, so no savepoint is needed."""
    if rows:
        run(session, _ADD_FLAG, list(rows))


def add_flag(
    session: Session, *, log_index: int, reason: str, raised_by: str, now: datetime
) -> bool:
    """Flag a query for a reason; False (and nothing written) if it already has that flag."""
    try:
        with session.begin_nested():
            run(
                session,
                _ADD_FLAG,
                {
                    "id": uuid.uuid4(),
                    "log_index": log_index,
                    "reason": reason,
                    "raised_by": raised_by,
                    "created_at": now,
                },
            )
    except IntegrityError:
        return False
    return True


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
