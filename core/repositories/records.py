"""SQL for subjects, entries and entry history; reads are scoped by the caller's department."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import select
from sqlmodel import Session

from core.models import DataKeyRow, Entry, EntryEvent, Subject


def subject_by_index(session: Session, code_index: bytes) -> Subject | None:
    """The subject whose blind index matches."""
    stmt = select(Subject).where(Subject.code_index == code_index)  # type: ignore[arg-type]
    return session.execute(stmt).scalar_one_or_none()


def entry_for_department(
    session: Session, *, entry_id: uuid.UUID, department: str
) -> tuple[Entry, Subject, DataKeyRow, DataKeyRow] | None:
    """One entry of one department, with its subject and both data key rows."""
    subject_key = DataKeyRow.__table__.alias("subject_key")  # type: ignore[attr-defined]
    stmt = (
        select(Entry, Subject, DataKeyRow, subject_key.c.id)
        .join(Subject, Subject.id == Entry.subject_id)  # type: ignore[arg-type]
        .join(DataKeyRow, DataKeyRow.id == Entry.data_key_id)  # type: ignore[arg-type]
        .join(subject_key, subject_key.c.id == Subject.data_key_id)
        .where(Entry.id == entry_id, Entry.department == department)  # type: ignore[arg-type]
    )
    row = session.execute(stmt).first()
    if row is None:
        return None
    entry, subject, entry_key, subject_key_id = row
    skey = session.get(DataKeyRow, subject_key_id)
    if skey is None:
        return None
    return entry, subject, entry_key, skey


def entries_of_subject(
    session: Session, *, subject_id: uuid.UUID
) -> Sequence[tuple[Entry, DataKeyRow]]:
    """Every entry of one subject with its data key row, oldest decision first."""
    stmt = (
        select(Entry, DataKeyRow)
        .join(DataKeyRow, DataKeyRow.id == Entry.data_key_id)  # type: ignore[arg-type]
        .where(Entry.subject_id == subject_id)  # type: ignore[arg-type]
        .order_by(Entry.decided_on, Entry.id)  # type: ignore[arg-type]
    )
    return [(e, k) for e, k in session.execute(stmt).all()]


def entry_by_external_id(session: Session, *, department: str, external_id: str) -> Entry | None:
    """The department's entry with this external id, if any."""
    stmt = select(Entry).where(
        Entry.department == department,  # type: ignore[arg-type]
        Entry.external_id == external_id,  # type: ignore[arg-type]
    )
    return session.execute(stmt).scalar_one_or_none()


def history(session: Session, *, entry_id: uuid.UUID) -> Sequence[EntryEvent]:
    """An entry's history, oldest first."""
    stmt = (
        select(EntryEvent)
        .where(EntryEvent.entry_id == entry_id)  # type: ignore[arg-type]
        .order_by(EntryEvent.at, EntryEvent.id)  # type: ignore[arg-type]
    )
    return session.execute(stmt).scalars().all()
