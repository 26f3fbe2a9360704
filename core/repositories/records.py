"""SQL for subjects, entries and entry history; reads are scoped by the caller's department."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import select
from sqlmodel import Session, col

from core.models import DataKeyRow, Entry, EntryEvent, Subject


def subject_by_index(session: Session, code_index: bytes) -> Subject | None:
    """The subject whose blind index matches."""
    stmt = select(Subject).where(col(Subject.code_index) == code_index)
    return session.execute(stmt).scalar_one_or_none()


def entry_for_department(
    session: Session, *, entry_id: uuid.UUID, department: str
) -> tuple[Entry, Subject, DataKeyRow, DataKeyRow] | None:
    """One entry of one department, with its subject and both data key rows."""
    stmt = (
        select(Entry, Subject, DataKeyRow)
        .join(Subject, col(Subject.id) == col(Entry.subject_id))
        .join(DataKeyRow, col(DataKeyRow.id) == col(Entry.data_key_id))
        .where(col(Entry.id) == entry_id, col(Entry.department) == department)
    )
    row = session.execute(stmt).first()
    if row is None:
        return None
    entry, subject, entry_key = row
    subject_key = session.get(DataKeyRow, subject.data_key_id)
    if subject_key is None:
        return None
    return entry, subject, entry_key, subject_key


def entries_of_subject(
    session: Session, *, subject_id: uuid.UUID
) -> Sequence[tuple[Entry, DataKeyRow]]:
    """Every entry of one subject with its data key row, oldest decision first."""
    stmt = (
        select(Entry, DataKeyRow)
        .join(DataKeyRow, col(DataKeyRow.id) == col(Entry.data_key_id))
        .where(col(Entry.subject_id) == subject_id)
        .order_by(col(Entry.decided_on), col(Entry.id))
    )
    return [(e, k) for e, k in session.execute(stmt).all()]


def entry_by_external_id(session: Session, *, department: str, external_id: str) -> Entry | None:
    """The department's entry with this external id, if any."""
    stmt = select(Entry).where(
        col(Entry.department) == department,
        col(Entry.external_id) == external_id,
    )
    return session.execute(stmt).scalar_one_or_none()


def history(session: Session, *, entry_id: uuid.UUID) -> Sequence[EntryEvent]:
    """An entry's history, oldest first."""
    stmt = (
        select(EntryEvent)
        .where(col(EntryEvent.entry_id) == entry_id)
        .order_by(col(EntryEvent.at), col(EntryEvent.id))
    )
    return session.execute(stmt).scalars().all()
