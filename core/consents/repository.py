"""SQL for authorizations and freezes; every read of an authorization is scoped by its owner."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, and_, bindparam, exists, or_, select, true, update
from sqlmodel import Session, col

from core.models import DataKeyRow, Subject
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


def _after(position: tuple[datetime, uuid.UUID] | None) -> ColumnElement[bool]:
    """Rows after a listing position in its order (newest first, then by id)."""
    if position is None:
        return true()
    at, grant_id = position
    return or_(
        col(Authorization.created_at) < at,
        and_(col(Authorization.created_at) == at, col(Authorization.id) > grant_id),
    )


def page_of_subject(
    session: Session,
    *,
    subject_id: uuid.UUID,
    after: tuple[datetime, uuid.UUID] | None,
    limit: int,
) -> Sequence[Authorization]:
    """Up to `limit` of one subject's authorizations after a position, newest first."""
    stmt = (
        select(Authorization)
        .where(col(Authorization.subject_id) == subject_id, _after(after))
        .order_by(col(Authorization.created_at).desc(), col(Authorization.id))
        .limit(limit)
    )
    return session.execute(stmt).scalars().all()


def held_by(
    session: Session,
    *,
    agency: str,
    after: tuple[datetime, uuid.UUID] | None,
    limit: int,
) -> Sequence[Authorization]:
    """Up to `limit` grants the agency holds (sent to its inbox, or used), newest first."""
    stmt = (
        select(Authorization)
        .where(
            col(Authorization.agency) == agency,
            or_(col(Authorization.delivered_at).is_not(None), col(Authorization.uses) > 0),
            _after(after),
        )
        .order_by(col(Authorization.created_at).desc(), col(Authorization.id))
        .limit(limit)
    )
    return session.execute(stmt).scalars().all()


@dataclass(frozen=True)
class SealedCode:
    """A subject's sealed code with the wrapped data key that opens it (None once erased)."""

    subject_id: uuid.UUID
    code_ct: bytes | None
    key_id: uuid.UUID
    wrapped: bytes | None


def sealed_codes(session: Session, subject_ids: set[uuid.UUID]) -> dict[uuid.UUID, SealedCode]:
    """The sealed codes of some subjects, with their keys, by subject id (one statement)."""
    if not subject_ids:
        return {}
    stmt = (
        select(col(Subject.id), col(Subject.code_ct), col(DataKeyRow.id), col(DataKeyRow.wrapped))
        .join(DataKeyRow, col(DataKeyRow.id) == col(Subject.data_key_id))
        .where(col(Subject.id).in_(subject_ids))
    )
    return {
        row[0]: SealedCode(subject_id=row[0], code_ct=row[1], key_id=row[2], wrapped=row[3])
        for row in session.execute(stmt).all()
    }


def authorization_by_code(
    session: Session, *, code_hash: bytes, agency: str, subject_id: uuid.UUID
) -> Authorization | None:
    """The grant one agency holds for one subject under a code's keyed MAC, if any."""
    stmt = select(Authorization).where(
        col(Authorization.code_hash) == code_hash,
        col(Authorization.agency) == agency,
        col(Authorization.subject_id) == subject_id,
    )
    return session.execute(stmt).scalar_one_or_none()


def deliver(session: Session, *, authorization_id: uuid.UUID, now: datetime) -> bool:
    """Stamp a grant sent to its agency's inbox; False when it was sent already."""
    stmt = (
        update(Authorization)
        .where(col(Authorization.id) == authorization_id, col(Authorization.delivered_at).is_(None))
        .values(delivered_at=now)
        .execution_options(synchronize_session=False)
    )
    return session.execute(stmt).rowcount == 1  # type: ignore[attr-defined,no-any-return]


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
