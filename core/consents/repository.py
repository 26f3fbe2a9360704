"""SQL for authorizations and freezes; every read of an authorization is scoped by its owner."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import bindparam, exists, select, update
from sqlmodel import Session, col

from core.models.consents import Authorization, SubjectFreeze

_FROZEN = exists().where(
    col(SubjectFreeze.subject_id) == bindparam("take_subject"),
    col(SubjectFreeze.lifted_at).is_(None),
)
# Prepared (SPEC §12: the agency query's hot path): built once, compiled once per engine.
# Its bind names differ from column names, which an UPDATE reserves for its SET clause.
_TAKE_USE = (
    update(Authorization)
    .where(
        col(Authorization.id) == bindparam("take_id"),
        col(Authorization.subject_id) == bindparam("take_subject"),
        col(Authorization.agency) == bindparam("take_agency"),
        col(Authorization.revoked_at).is_(None),
        col(Authorization.starts_at) <= bindparam("take_at"),
        col(Authorization.expires_at) > bindparam("take_at"),
        col(Authorization.uses) < col(Authorization.max_uses),
        col(Authorization.purpose) == bindparam("take_purpose"),
        ~_FROZEN,
    )
    .values(uses=col(Authorization.uses) + 1)
    .returning(Authorization)
    .execution_options(synchronize_session=False, populate_existing=True)
)


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
) -> Authorization | None:
    """Spend one use if every condition holds, in one statement; the row as spent, or None.

    The statement writes before anything is read, so concurrent callers serialise on
    the row (PostgreSQL re-checks the WHERE after the lock; SQLite takes its write lock)
    and two of them can never both take the last use. It returns the updated row, so the
    caller needs no second read; an instance already in the session is refreshed from it.
    """
    params = {
        "take_id": authorization_id,
        "take_subject": subject_id,
        "take_agency": agency,
        "take_purpose": purpose,
        "take_at": now,
    }
    return session.execute(_TAKE_USE, params).scalar_one_or_none()


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
