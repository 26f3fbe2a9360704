"""SQL for witness cosignatures of the query log's checkpoints."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from core.models.cosignatures import LogCosignature


def cosignature_lines(session: Session, size: int) -> list[str]:
    """The stored cosignature lines on the checkpoint of one size, by key id."""
    stmt = (
        select(col(LogCosignature.line))
        .where(col(LogCosignature.checkpoint_size) == size)
        .order_by(col(LogCosignature.key_id))
    )
    return list(session.execute(stmt).scalars())


def last_cosigned_size(session: Session, key_id: bytes) -> int | None:
    """The largest checkpoint size a witness (by key id) has a stored cosignature on."""
    stmt = select(func.max(col(LogCosignature.checkpoint_size))).where(
        col(LogCosignature.key_id) == key_id
    )
    return session.execute(stmt).scalar()


def has_cosignature(session: Session, size: int, key_id: bytes) -> bool:
    """Whether a witness's cosignature on one checkpoint is stored."""
    stmt = select(col(LogCosignature.key_id)).where(
        col(LogCosignature.checkpoint_size) == size, col(LogCosignature.key_id) == key_id
    )
    return session.execute(stmt).first() is not None


def newest_size_with(session: Session, key_ids: list[bytes], quorum: int) -> int | None:
    """The largest checkpoint size cosigned by at least `quorum` of the given witnesses."""
    stmt = (
        select(col(LogCosignature.checkpoint_size))
        .where(col(LogCosignature.key_id).in_(key_ids))
        .group_by(col(LogCosignature.checkpoint_size))
        .having(func.count() >= quorum)
        .order_by(col(LogCosignature.checkpoint_size).desc())
        .limit(1)
    )
    return session.execute(stmt).scalar()


def add_cosignature(
    session: Session,
    *,
    size: int,
    key_id: bytes,
    witness: str,
    line: str,
    timestamp: int,
    now: datetime,
) -> bool:
    """Store a verified cosignature; false if one by that witness was already stored."""
    try:
        with session.begin_nested():
            session.execute(
                insert(LogCosignature).values(
                    checkpoint_size=size,
                    key_id=key_id,
                    witness=witness,
                    line=line,
                    timestamp=timestamp,
                    created_at=now,
                )
            )
    except IntegrityError:
        return False
    return True
