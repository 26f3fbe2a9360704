"""SQL for a blind-index key rotation: its state row, the back-fill, the column swap, and
the erased subjects that call for one."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, exists, func, select, update
from sqlmodel import Session, col

from core.models import DataKeyRow, Entry, IndexRotation, KeyCheck, Objection, StoredSecret, Subject

_ROW = 1


def rotation(session: Session) -> IndexRotation | None:
    """Where the rotation stands (None: none ever ran)."""
    return session.get(IndexRotation, _ROW)


def set_rotation(session: Session, *, state: str, now: datetime) -> None:
    """Enter a rotation state, stamped."""
    row = session.get(IndexRotation, _ROW)
    if row is None:
        session.add(IndexRotation(id=_ROW, state=state, changed_at=now))
    else:
        row.state = state
        row.changed_at = now
        session.add(row)
    session.flush()


def end_rotation(session: Session) -> None:
    """No rotation any more."""
    session.execute(delete(IndexRotation).where(col(IndexRotation.id) == _ROW))


def secrets_named(session: Session, names: Sequence[str]) -> dict[str, StoredSecret]:
    """Stored secrets by name."""
    stmt = select(StoredSecret).where(col(StoredSecret.name).in_(names))
    return {row.name: row for row in session.execute(stmt).scalars()}


def delete_secret(session: Session, name: str) -> None:
    """Delete a stored secret."""
    session.execute(delete(StoredSecret).where(col(StoredSecret.name) == name))


def set_index_checks(session: Session, value: bytes) -> None:
    """Replace the blind-index check value of every master version."""
    session.execute(update(KeyCheck).values(index_check=value))


def subjects_to_backfill(
    session: Session, *, limit: int
) -> Sequence[tuple[uuid.UUID, bytes, uuid.UUID, bytes]]:
    """Readable subjects without a next index: (id, code_ct, key id, wrapped key)."""
    stmt = (
        select(col(Subject.id), col(Subject.code_ct), col(DataKeyRow.id), col(DataKeyRow.wrapped))
        .join(DataKeyRow, col(DataKeyRow.id) == col(Subject.data_key_id))
        .where(
            col(Subject.code_index_next).is_(None),
            col(Subject.code_ct).is_not(None),
            col(Subject.code_index).is_not(None),
            col(DataKeyRow.wrapped).is_not(None),
        )
        .order_by(col(Subject.id))
        .limit(limit)
    )
    return [(a, b, c, d) for a, b, c, d in session.execute(stmt).all()]


def set_subject_next(session: Session, *, subject_id: uuid.UUID, value: bytes) -> None:
    """Fill one subject's next index (unless a writer already did)."""
    session.execute(
        update(Subject)
        .where(col(Subject.id) == subject_id, col(Subject.code_index_next).is_(None))
        .values(code_index_next=value)
        .execution_options(synchronize_session=False)
    )


def subject_objections_to_backfill(
    session: Session, *, limit: int
) -> Sequence[tuple[uuid.UUID, bytes]]:
    """Objections filed by the entry's own subject, without a next index: (id, next)."""
    stmt = (
        select(col(Objection.id), col(Subject.code_index_next))
        .join(Entry, col(Entry.id) == col(Objection.entry_id))
        .join(Subject, col(Subject.id) == col(Entry.subject_id))
        .where(
            col(Objection.objector_index_next).is_(None),
            col(Objection.objector_index).is_not(None),
            col(Objection.objector_index) == col(Subject.code_index),
            col(Subject.code_index_next).is_not(None),
        )
        .order_by(col(Objection.id))
        .limit(limit)
    )
    return [(a, b) for a, b in session.execute(stmt).all()]


def set_objection_next(session: Session, *, objection_id: uuid.UUID, value: bytes) -> None:
    """Fill one objection's next objector index (unless a writer already did)."""
    session.execute(
        update(Objection)
        .where(col(Objection.id) == objection_id, col(Objection.objector_index_next).is_(None))
        .values(objector_index_next=value)
        .execution_options(synchronize_session=False)
    )


def clear_unlinked_objectors(session: Session) -> int:
    """Clear the objector index no next index was found for (third parties); how many."""
    result = session.execute(
        update(Objection)
        .where(
            col(Objection.objector_index).is_not(None),
            col(Objection.objector_index_next).is_(None),
        )
        .values(objector_index=None)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def _swap(session: Session, model: Any, first: Any, nxt: Any, *, limit: int) -> int:
    """Move a chunk of next values into the first column of one table; how many moved."""
    ids = list(
        session.execute(
            select(col(model.id)).where(col(nxt).is_not(None)).order_by(col(model.id)).limit(limit)
        ).scalars()
    )
    if ids:
        session.execute(
            update(model)
            .where(col(model.id).in_(ids), col(nxt).is_not(None))
            .values({first: col(nxt), nxt: None})
            .execution_options(synchronize_session=False)
        )
    return len(ids)


def swap_subjects(session: Session, *, limit: int) -> int:
    """Move a chunk of next indexes into the first column; how many moved."""
    return _swap(session, Subject, Subject.code_index, Subject.code_index_next, limit=limit)


def swap_objections(session: Session, *, limit: int) -> int:
    """Move a chunk of next objector indexes into the first column; how many moved."""
    return _swap(
        session, Objection, Objection.objector_index, Objection.objector_index_next, limit=limit
    )


def count_backfill_left(session: Session) -> int:
    """Readable subjects still without a next index."""
    stmt = (
        select(func.count())
        .select_from(Subject)
        .join(DataKeyRow, col(DataKeyRow.id) == col(Subject.data_key_id))
        .where(
            col(Subject.code_index_next).is_(None),
            col(Subject.code_ct).is_not(None),
            col(Subject.code_index).is_not(None),
            col(DataKeyRow.wrapped).is_not(None),
        )
    )
    return int(session.execute(stmt).scalar_one())


def count_erased_since(session: Session, since: datetime) -> int:
    """How many subjects were erased at or after `since`."""
    stmt = select(func.count()).where(col(Subject.erased_at) >= since)
    return int(session.execute(stmt).scalar_one())


def any_erased_between(session: Session, start: datetime, end: datetime) -> bool:
    """Whether a subject was erased at or after `start` and at or before `end`."""
    erased = col(Subject.erased_at)
    return bool(session.execute(select(exists().where(erased >= start, erased <= end))).scalar())
