"""SQL for authorizations and freezes; every read of an authorization is scoped by its owner."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import exists, select, update
from sqlmodel import Session, col

from core.models.consents import Authorization, SubjectFreeze


def add(session: Session, row: Authorization | SubjectFreeze) -> None:
    """Stage a new row and flush it, so constraint violations surface here."""
    session.add(row)
    session.flush()


def authorizations_of(session: Session, *, subject_id: uuid.UUID) -> Sequence[Authorization]:
    """Every authorization of one subject, newest first."""
    stmt = (
        select(Authorization)
        .where(col(Authorization.subject_id) == subject_id)
        .order_by(col(Authorization.created_at).desc(), col(Authorization.id))
    )
    return session.execute(stmt).scalars().all()


def authorization_of(
    session: Session, *, authorization_id: uuid.UUID, subject_id: uuid.UUID
) -> Authorization | None:
    """One authorization, read fresh, only if it belongs to this subject."""
    stmt = (
        select(Authorization)
        .where(
            col(Authorization.id) == authorization_id,
            col(Authorization.subject_id) == subject_id,
        )
        .execution_options(populate_existing=True)
    )
    return session.execute(stmt).scalar_one_or_none()


def revoke(session: Session, *, authorization_id: uuid.UUID, now: datetime) -> bool:
    """Mark an unrevoked authorization revoked; False when it was already revoked."""
    stmt = (
        update(Authorization)
        .where(col(Authorization.id) == authorization_id, col(Authorization.revoked_at).is_(None))
        .values(revoked_at=now)
        .execution_options(synchronize_session=False)
    )
    return session.execute(stmt).rowcount == 1  # type: ignore[attr-defined,no-any-return]


def take_use(
    session: Session,
    *,
    authorization_id: uuid.UUID,
    subject_id: uuid.UUID,
    agency: str,
    purpose: str,
    now: datetime,
) -> bool:
    """Spend one use if every condition holds, in one statement; False if any does not.

    The statement writes before anything is read, so concurrent callers serialise on
    the row (PostgreSQL re-checks the WHERE after the lock; SQLite takes its write lock)
    and two of them can never both take the last use.
    """
    frozen = exists().where(
        col(SubjectFreeze.subject_id) == subject_id, col(SubjectFreeze.lifted_at).is_(None)
    )
    stmt = (
        update(Authorization)
        .where(
            col(Authorization.id) == authorization_id,
            col(Authorization.subject_id) == subject_id,
            col(Authorization.agency) == agency,
            col(Authorization.revoked_at).is_(None),
            col(Authorization.starts_at) <= now,
            col(Authorization.expires_at) > now,
            col(Authorization.uses) < col(Authorization.max_uses),
            col(Authorization.purpose) == purpose,
            ~frozen,
        )
        .values(uses=col(Authorization.uses) + 1)
        .execution_options(synchronize_session=False)
    )
    return session.execute(stmt).rowcount == 1  # type: ignore[attr-defined,no-any-return]


def open_freeze(session: Session, *, subject_id: uuid.UUID) -> SubjectFreeze | None:
    """The subject's current freeze, if the record is frozen."""
    stmt = select(SubjectFreeze).where(
        col(SubjectFreeze.subject_id) == subject_id, col(SubjectFreeze.lifted_at).is_(None)
    )
    return session.execute(stmt).scalar_one_or_none()


def lift_freeze(session: Session, *, subject_id: uuid.UUID, now: datetime) -> bool:
    """Close the subject's open freeze; False when there was none."""
    stmt = (
        update(SubjectFreeze)
        .where(col(SubjectFreeze.subject_id) == subject_id, col(SubjectFreeze.lifted_at).is_(None))
        .values(lifted_at=now)
        .execution_options(synchronize_session=False)
    )
    return session.execute(stmt).rowcount == 1  # type: ignore[attr-defined,no-any-return]


def freezes_of(session: Session, *, subject_id: uuid.UUID) -> Sequence[SubjectFreeze]:
    """Every freeze of one subject, oldest first (the history is kept)."""
    stmt = (
        select(SubjectFreeze)
        .where(col(SubjectFreeze.subject_id) == subject_id)
        .order_by(col(SubjectFreeze.frozen_at), col(SubjectFreeze.id))
    )
    return session.execute(stmt).scalars().all()
