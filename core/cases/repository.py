"""SQL every case shares: scoped lookups, guarded decisions, overdue scans, history, evidence.

Officer reads are scoped by department here as well as in the services. A decision is one
UPDATE conditioned on the version and status the officer read, so of two officers deciding
one case at once exactly one changes the row; the other finds nothing to change. Escalation
leaves the version alone, so it never makes a decision lose.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from contextlib import suppress
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, case, func, or_, select, update
from sqlmodel import Session, col

from core.cases.kind import OPEN, CaseKind, CaseRow
from core.cases.schemas import CaseFilter
from core.db import index_match
from core.models import CaseEvent, Entry, EvidenceFile


def overdue_clause(kind: CaseKind[CaseRow], today: date) -> ColumnElement[bool]:
    """True for an open case past the due date of a step still pending on `today`."""
    status = col(kind.model.status)
    return or_(
        *(
            and_(status.in_(step.statuses), getattr(kind.model, step.due) < today)
            for step in kind.steps
        )
    )


def due_clause(kind: CaseKind[CaseRow], day: date) -> ColumnElement[bool]:
    """True for an open case with a step still pending that is due on or before `day`."""
    status = col(kind.model.status)
    return or_(
        *(
            and_(status.in_(step.statuses), getattr(kind.model, step.due) <= day)
            for step in kind.steps
        )
    )


def _search(kind: CaseKind[CaseRow], text: str) -> ColumnElement[bool]:
    """A case by its id, or by its entry's public reference (or its start) or own reference."""
    found = [
        col(Entry.public_ref).startswith(text.upper(), autoescape=True),
        col(Entry.external_id) == text,
    ]
    with suppress(ValueError):
        found.append(col(kind.model.id) == uuid.UUID(text))
    return or_(*found)


def add(session: Session, row: CaseRow) -> None:
    """Insert a new case."""
    session.add(row)
    session.flush()


def for_department(
    session: Session, kind: CaseKind[CaseRow], *, case_id: uuid.UUID, department: str
) -> CaseRow | None:
    """One case of one department (another department's does not exist)."""
    stmt = select(kind.model).where(
        col(kind.model.id) == case_id, col(kind.model.department) == department
    )
    return session.execute(stmt).scalar_one_or_none()


def _owned_by(kind: CaseKind[CaseRow], owner: bytes | uuid.UUID) -> Any:
    """The owner column matches (a blind index also by its next column while rotating)."""
    column = getattr(kind.model, kind.owner)
    if isinstance(owner, bytes):
        return index_match(column, getattr(kind.model, kind.owner + "_next", column), owner)
    return column == owner


def for_owner(
    session: Session, kind: CaseKind[CaseRow], *, case_id: uuid.UUID, owner: bytes | uuid.UUID
) -> CaseRow | None:
    """One case filed by this owner (objector's blind index, applicant's subject id)."""
    stmt = select(kind.model).where(col(kind.model.id) == case_id, _owned_by(kind, owner))
    return session.execute(stmt).scalar_one_or_none()


def by_owner(
    session: Session, kind: CaseKind[CaseRow], *, owner: bytes | uuid.UUID
) -> Sequence[CaseRow]:
    """Every case of one owner, newest first."""
    stmt = (
        select(kind.model)
        .where(_owned_by(kind, owner))
        .order_by(col(kind.model.created_at).desc(), col(kind.model.id))
    )
    return session.execute(stmt).scalars().all()


def open_for_entry(
    session: Session, kind: CaseKind[CaseRow], *, entry_id: uuid.UUID
) -> CaseRow | None:
    """The entry's case still open, if any."""
    stmt = (
        select(kind.model)
        .where(col(kind.model.entry_id) == entry_id, col(kind.model.status).in_(OPEN))
        .limit(1)
    )
    return session.execute(stmt).scalars().first()


def filtered(
    kind: CaseKind[CaseRow],
    *,
    department: str,
    filters: CaseFilter,
    today: date,
    due_by: date | None = None,
) -> Select[Any]:
    """A department's cases, filtered, due by `due_by` if given (each kind orders its list)."""
    stmt = select(kind.model).where(col(kind.model.department) == department)
    if filters.list_kind is not None or filters.q is not None:
        stmt = stmt.join(Entry, col(Entry.id) == col(kind.model.entry_id))
    if filters.list_kind is not None:
        stmt = stmt.where(col(Entry.list_kind) == filters.list_kind)
    if filters.q is not None:
        stmt = stmt.where(_search(kind, filters.q))
    if due_by is not None:
        stmt = stmt.where(due_clause(kind, due_by))
    if filters.status is not None:
        stmt = stmt.where(col(kind.model.status) == filters.status)
    if filters.overdue is not None:
        late = overdue_clause(kind, today)
        stmt = stmt.where(late if filters.overdue else ~late)
    if filters.escalated is not None:
        stmt = stmt.where(col(kind.model.escalated).is_(filters.escalated))
    return stmt


def department_queue(
    session: Session,
    kind: CaseKind[CaseRow],
    *,
    department: str,
    filters: CaseFilter,
    today: date,
    order: Sequence[Any],
    offset: int | None = None,
    due_by: date | None = None,
) -> Sequence[CaseRow]:
    """A department's cases, filtered: overdue first, then in the kind's `order`; one page."""
    late = overdue_clause(kind, today)
    stmt = (
        filtered(kind, department=department, filters=filters, today=today, due_by=due_by)
        .order_by(case((late, 0), else_=1), *order)
        .limit(filters.limit)
    )
    # Only a kind whose list is paged has an offset (another's refuses the parameter).
    return session.execute(stmt if offset is None else stmt.offset(offset)).scalars().all()


def decide(
    session: Session,
    kind: CaseKind[CaseRow],
    *,
    case_id: uuid.UUID,
    version: int,
    status: str,
    values: Mapping[str, object],
) -> bool:
    """Apply a decision only if the case is still at the version and status read; else False."""
    result = session.execute(
        update(kind.model)
        .where(
            col(kind.model.id) == case_id,
            col(kind.model.version) == version,
            col(kind.model.status) == status,
        )
        .values(version=version + 1, **values)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0) == 1)


def overdue_unescalated(
    session: Session, kind: CaseKind[CaseRow], *, today: date
) -> Sequence[CaseRow]:
    """Open cases past a pending step's due date, not yet escalated."""
    stmt = (
        select(kind.model)
        .where(overdue_clause(kind, today), col(kind.model.escalated).is_(False))
        .order_by(col(kind.model.id))
    )
    return session.execute(stmt).scalars().all()


def mark_escalated(
    session: Session,
    kind: CaseKind[CaseRow],
    *,
    case_id: uuid.UUID,
    status: str,
    today: date,
    now: datetime,
) -> bool:
    """Flag one overdue case escalated, unless it moved or was flagged meanwhile."""
    result = session.execute(
        update(kind.model)
        .where(
            col(kind.model.id) == case_id,
            col(kind.model.status) == status,
            col(kind.model.escalated).is_(False),
            overdue_clause(kind, today),
        )
        .values(escalated=True, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0) == 1)


def count_overdue(session: Session, kind: CaseKind[CaseRow], *, today: date) -> int:
    """How many open cases are overdue on `today`, in every department."""
    stmt = select(func.count()).select_from(kind.model).where(overdue_clause(kind, today))
    return int(session.execute(stmt).scalar_one())


def add_event(session: Session, event: CaseEvent) -> None:
    """Append one history line (never changed or deleted)."""
    session.add(event)


def events(session: Session, *, kind: str, case_id: uuid.UUID) -> Sequence[CaseEvent]:
    """A case's history, oldest first."""
    stmt = (
        select(CaseEvent)
        .where(col(CaseEvent.case_kind) == kind, col(CaseEvent.case_id) == case_id)
        .order_by(col(CaseEvent.at), col(CaseEvent.id))
    )
    return session.execute(stmt).scalars().all()


def add_evidence(session: Session, row: EvidenceFile) -> None:
    """Store one sealed evidence file."""
    session.add(row)


def evidence_files(session: Session, *, kind: str, case_id: uuid.UUID) -> Sequence[EvidenceFile]:
    """A case's evidence files, oldest first."""
    stmt = (
        select(EvidenceFile)
        .where(col(EvidenceFile.case_kind) == kind, col(EvidenceFile.case_id) == case_id)
        .order_by(col(EvidenceFile.created_at), col(EvidenceFile.id))
    )
    return session.execute(stmt).scalars().all()


def evidence_file(
    session: Session, *, kind: str, case_id: uuid.UUID, file_id: uuid.UUID
) -> EvidenceFile | None:
    """One evidence file of one case."""
    stmt = select(EvidenceFile).where(
        col(EvidenceFile.id) == file_id,
        col(EvidenceFile.case_kind) == kind,
        col(EvidenceFile.case_id) == case_id,
    )
    return session.execute(stmt).scalar_one_or_none()
