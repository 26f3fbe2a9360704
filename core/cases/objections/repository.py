"""SQL for objections: cases scoped by objector or department, guarded decisions, overdue scans.

A decision is one conditional UPDATE on (id, version, status): of two officers deciding the
same case at once exactly one changes the row; the other finds nothing to change.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, or_, select, update
from sqlmodel import Session, col

from core.models import Entry, EvidenceFile, Objection

OPEN = ("filed", "accepted")


def overdue_clause(today: date) -> ColumnElement[bool]:
    """True for an open case past the due date of a step still pending on `today`."""
    return or_(
        and_(col(Objection.status) == "filed", col(Objection.accept_due) < today),
        and_(col(Objection.status).in_(OPEN), col(Objection.resolve_due) < today),
    )


def add(session: Session, objection: Objection) -> None:
    """Insert a new case."""
    session.add(objection)
    session.flush()


def get(session: Session, objection_id: uuid.UUID) -> Objection | None:
    """One case, unscoped (callers scope it)."""
    return session.get(Objection, objection_id)


def for_department(
    session: Session, *, objection_id: uuid.UUID, department: str
) -> Objection | None:
    """One case of one department."""
    stmt = select(Objection).where(
        col(Objection.id) == objection_id, col(Objection.department) == department
    )
    return session.execute(stmt).scalar_one_or_none()


def for_objector(
    session: Session, *, objection_id: uuid.UUID, objector_index: bytes
) -> Objection | None:
    """One case filed by the objector with this blind index."""
    stmt = select(Objection).where(
        col(Objection.id) == objection_id, col(Objection.objector_index) == objector_index
    )
    return session.execute(stmt).scalar_one_or_none()


def open_for_entry(session: Session, *, entry_id: uuid.UUID) -> Objection | None:
    """The entry's open case, if any."""
    stmt = (
        select(Objection)
        .where(col(Objection.entry_id) == entry_id, col(Objection.status).in_(OPEN))
        .limit(1)
    )
    return session.execute(stmt).scalars().first()


def by_objector(session: Session, *, objector_index: bytes) -> Sequence[Objection]:
    """Every case of one objector, newest first."""
    stmt = (
        select(Objection)
        .where(col(Objection.objector_index) == objector_index)
        .order_by(col(Objection.created_at).desc(), col(Objection.id))
    )
    return session.execute(stmt).scalars().all()


def department_queue(
    session: Session,
    *,
    department: str,
    today: date,
    status: str | None,
    overdue: bool | None,
    escalated: bool | None,
    limit: int,
    offset: int,
) -> Sequence[Objection]:
    """A department's cases, filtered; overdue first, then the oldest."""
    late = overdue_clause(today)
    stmt = select(Objection).where(col(Objection.department) == department)
    if status is not None:
        stmt = stmt.where(col(Objection.status) == status)
    if overdue is not None:
        stmt = stmt.where(late if overdue else ~late)
    if escalated is not None:
        stmt = stmt.where(col(Objection.escalated).is_(escalated))
    stmt = (
        stmt.order_by(
            case((late, 0), else_=1),
            col(Objection.filed_on),
            col(Objection.created_at),
            col(Objection.id),
        )
        .limit(limit)
        .offset(offset)
    )
    return session.execute(stmt).scalars().all()


def decide(
    session: Session,
    *,
    objection_id: uuid.UUID,
    version: int,
    status_from: str,
    status_to: str,
    decision_reasons_ct: bytes | None,
    now: datetime,
) -> bool:
    """Move a case to its decision if it still holds the version and status read; else False."""
    # The reasons of this decision replace the last one's (None clears them); every
    # decision's reasons stay in the history.
    values: dict[str, Any] = {
        "status": status_to,
        "version": version + 1,
        "decision_reasons_ct": decision_reasons_ct,
        "updated_at": now,
    }
    result = session.execute(
        update(Objection)
        .where(
            col(Objection.id) == objection_id,
            col(Objection.version) == version,
            col(Objection.status) == status_from,
        )
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0) == 1)


def overdue_unescalated(session: Session, *, today: date) -> Sequence[Objection]:
    """Open overdue cases not yet escalated."""
    stmt = (
        select(Objection)
        .where(overdue_clause(today), col(Objection.escalated).is_(False))
        .order_by(col(Objection.id))
    )
    return session.execute(stmt).scalars().all()


def mark_escalated(session: Session, *, objection_id: uuid.UUID, now: datetime) -> bool:
    """Flag one case escalated, once; False if another worker did it first.

    The version is left alone: an escalation must not make an officer's decision conflict.
    """
    result = session.execute(
        update(Objection)
        .where(col(Objection.id) == objection_id, col(Objection.escalated).is_(False))
        .values(escalated=True, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0) == 1)


def count_overdue(session: Session, *, today: date) -> int:
    """How many open cases are overdue on `today`."""
    stmt = select(func.count()).select_from(Objection).where(overdue_clause(today))
    return int(session.execute(stmt).scalar_one())


def evidence_file(
    session: Session, *, objection_id: uuid.UUID, file_id: uuid.UUID
) -> EvidenceFile | None:
    """One evidence file of one objection."""
    stmt = select(EvidenceFile).where(
        col(EvidenceFile.id) == file_id,
        col(EvidenceFile.case_kind) == "objection",
        col(EvidenceFile.case_id) == objection_id,
    )
    return session.execute(stmt).scalar_one_or_none()


def correct_entry(
    session: Session,
    *,
    entry_id: uuid.UUID,
    version: int,
    values: Mapping[str, object],
    now: datetime,
) -> bool:
    """Write an entry's corrected fields if it is still at `version`; else False."""
    result = session.execute(
        update(Entry)
        .where(col(Entry.id) == entry_id, col(Entry.version) == version)
        .values(updated_at=now, **values)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0) == 1)
