"""SQL for data keys and master-key check values."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select, update
from sqlmodel import Session, col

from core.models import DataKeyRow, KeyCheck


def add_data_key(
    session: Session,
    *,
    key_id: uuid.UUID,
    owner: str,
    suite: str,
    wrapped: bytes,
    version: int,
    now: datetime,
) -> DataKeyRow:
    """Store a newly wrapped data key."""
    row = DataKeyRow(
        id=key_id,
        owner=owner,
        suite=suite,
        master_version=version,
        wrapped=wrapped,
        created_at=now,
    )
    session.add(row)
    return row


def _changed(result: object) -> bool:
    """Whether a DML statement touched a row."""
    return bool(getattr(result, "rowcount", 0))


def get_data_key(session: Session, key_id: uuid.UUID) -> DataKeyRow | None:
    """One data key row."""
    return session.get(DataKeyRow, key_id)


def stale_key_batch(session: Session, *, below: int, limit: int) -> Sequence[DataKeyRow]:
    """Live data keys wrapped under a master version older than `below`."""
    stmt = (
        select(DataKeyRow)
        .where(col(DataKeyRow.master_version) < below, col(DataKeyRow.wrapped).is_not(None))
        .order_by(col(DataKeyRow.id))
        .limit(limit)
    )
    return session.execute(stmt).scalars().all()


def set_wrapped(
    session: Session, *, key_id: uuid.UUID, old: bytes, new: bytes, version: int
) -> bool:
    """Replace a wrapped key only if it is still the one read (never revive a shredded key)."""
    stmt = (
        update(DataKeyRow)
        .where(col(DataKeyRow.id) == key_id, col(DataKeyRow.wrapped) == old)
        .values(wrapped=new, master_version=version)
    )
    return _changed(session.execute(stmt))


def shred_data_key(session: Session, *, key_id: uuid.UUID, now: datetime) -> bool:
    """Destroy a wrapped key for good; true if it was live."""
    stmt = (
        update(DataKeyRow)
        .where(col(DataKeyRow.id) == key_id, col(DataKeyRow.wrapped).is_not(None))
        .values(wrapped=None, shredded_at=now)
    )
    return _changed(session.execute(stmt))


def count_by_version(session: Session) -> dict[int, int]:
    """Live data keys per master version."""
    stmt = (
        select(col(DataKeyRow.master_version), func.count())
        .where(col(DataKeyRow.wrapped).is_not(None))
        .group_by(col(DataKeyRow.master_version))
    )
    return {int(v): int(n) for v, n in session.execute(stmt).all()}


def key_checks(session: Session) -> Sequence[KeyCheck]:
    """Every stored master-key check value."""
    return session.execute(select(KeyCheck).order_by(col(KeyCheck.master_version))).scalars().all()


def add_key_check(
    session: Session,
    *,
    version: int,
    key_id: uuid.UUID,
    wrapped: bytes,
    index_check: bytes,
    now: datetime,
) -> None:
    """Record the check value of a master version."""
    session.add(
        KeyCheck(
            master_version=version,
            key_id=key_id,
            wrapped=wrapped,
            index_check=index_check,
            created_at=now,
        )
    )
