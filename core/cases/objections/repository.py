"""SQL of objections alone: the department's queue in its order, and an entry's correction.

The shared case SQL (scoped lookups, guarded decisions, overdue scans) is in
core.cases.repository.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import date, datetime

from sqlalchemy import case, update
from sqlmodel import Session, col

from core.cases import repository as case_repo
from core.cases.kind import CaseKind
from core.cases.objections.schemas import ObjectionFilter
from core.models import Entry, Objection, Subject


def department_queue(
    session: Session,
    kind: CaseKind[Objection],
    *,
    department: str,
    filters: ObjectionFilter,
    today: date,
) -> Sequence[Objection]:
    """A department's cases, filtered; overdue first, then the oldest."""
    late = case_repo.overdue_clause(kind, today)
    stmt = (
        case_repo.filtered(kind, department=department, filters=filters, today=today)
        .order_by(
            case((late, 0), else_=1),
            col(Objection.filed_on),
            col(Objection.created_at),
            col(Objection.id),
        )
        .limit(filters.limit)
        .offset(filters.offset)
    )
    return session.execute(stmt).scalars().all()


def subject_by_id(session: Session, subject_id: uuid.UUID) -> Subject | None:
    """One subject (to tell whether the objector is the entry's subject)."""
    return session.get(Subject, subject_id)


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
