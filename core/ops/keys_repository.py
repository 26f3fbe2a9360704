"""SQL for data keys, master versions, stored secrets and master-key check values."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import String, cast, delete, func, select, update
from sqlmodel import Session, col

from core.models import DataKeyRow, KeyCheck, MasterKeyRow, StoredSecret


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
        wrapped_versions=str(version),
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
    history = (
        func.coalesce(
            col(DataKeyRow.wrapped_versions), cast(col(DataKeyRow.master_version), String)
        )
        + f",{version}"
    )
    stmt = (
        update(DataKeyRow)
        .where(col(DataKeyRow.id) == key_id, col(DataKeyRow.wrapped) == old)
        .values(wrapped=new, master_version=version, wrapped_versions=history)
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


def master_versions(session: Session) -> Sequence[MasterKeyRow]:
    """Every master version the database has known, ascending."""
    stmt = select(MasterKeyRow).order_by(col(MasterKeyRow.version))
    return session.execute(stmt).scalars().all()


def current_version(session: Session) -> int | None:
    """The version new data keys are wrapped with, as the database says."""
    stmt = select(col(MasterKeyRow.version)).where(col(MasterKeyRow.state) == "current")
    return session.execute(stmt).scalar_one_or_none()


def add_master_version(session: Session, *, version: int, state: str, now: datetime) -> None:
    """Record a master version the provider now holds."""
    session.add(MasterKeyRow(version=version, state=state, created_at=now))


def make_current(session: Session, *, version: int, now: datetime) -> None:
    """Demote the current version (stamped) and make `version` current, in one transaction."""
    session.execute(
        update(MasterKeyRow)
        .where(col(MasterKeyRow.state) == "current", col(MasterKeyRow.version) != version)
        .values(state="active", demoted_at=now)
    )
    session.execute(
        update(MasterKeyRow).where(col(MasterKeyRow.version) == version).values(state="current")
    )


def mark_destroyed(session: Session, *, version: int, now: datetime) -> None:
    """Record that a master version was destroyed in the provider; drop its check value."""
    session.execute(
        update(MasterKeyRow)
        .where(col(MasterKeyRow.version) == version)
        .values(state="destroyed", destroyed_at=now)
    )
    session.execute(delete(KeyCheck).where(col(KeyCheck.master_version) == version))


def references(session: Session, version: int) -> int:
    """Live data keys and stored secrets still wrapped under a version."""
    keys = select(func.count()).where(
        col(DataKeyRow.master_version) == version, col(DataKeyRow.wrapped).is_not(None)
    )
    secrets = select(func.count()).where(col(StoredSecret.master_version) == version)
    return int(session.execute(keys).scalar_one()) + int(session.execute(secrets).scalar_one())


def keys_under(session: Session, *, version: int, limit: int) -> Sequence[DataKeyRow]:
    """Live data keys wrapped under exactly this version."""
    stmt = (
        select(DataKeyRow)
        .where(col(DataKeyRow.master_version) == version, col(DataKeyRow.wrapped).is_not(None))
        .order_by(col(DataKeyRow.id))
        .limit(limit)
    )
    return session.execute(stmt).scalars().all()


def stored_secret(session: Session, name: str) -> StoredSecret | None:
    """One stored secret."""
    return session.get(StoredSecret, name)


def lock_secret(session: Session, name: str) -> StoredSecret | None:
    """A stored secret, row-locked until the transaction ends (PostgreSQL; SQLite has one
    writer), so a change of it and what is derived from it are ordered."""
    stmt = select(StoredSecret).where(col(StoredSecret.name) == name).with_for_update()
    return session.execute(stmt).scalars().first()


def add_stored_secret(
    session: Session, *, name: str, version: int, wrapped: bytes, now: datetime
) -> None:
    """Store a process secret wrapped under a master version."""
    session.add(StoredSecret(name=name, master_version=version, wrapped=wrapped, created_at=now))


def secrets_not_under(session: Session, version: int) -> Sequence[StoredSecret]:
    """Stored secrets wrapped under another version than `version`."""
    stmt = select(StoredSecret).where(col(StoredSecret.master_version) != version)
    return session.execute(stmt).scalars().all()


def secrets_under(session: Session, version: int) -> Sequence[StoredSecret]:
    """Stored secrets wrapped under `version`."""
    stmt = select(StoredSecret).where(col(StoredSecret.master_version) == version)
    return session.execute(stmt).scalars().all()


def set_secret_wrapped(session: Session, *, name: str, wrapped: bytes, version: int) -> None:
    """Replace a stored secret's wrapped form."""
    session.execute(
        update(StoredSecret)
        .where(col(StoredSecret.name) == name)
        .values(wrapped=wrapped, master_version=version)
    )


def add_retired_secret(
    session: Session, *, suite: str, versions: Sequence[int], current: int, now: datetime
) -> None:
    """Record a secret taken out of service as a shredded key awaiting erasure: it is
    erased once every master version in `versions` (all that may have wrapped it) is gone."""
    session.add(
        DataKeyRow(
            id=uuid.uuid4(),
            owner="retired-secret",
            suite=suite,
            master_version=current,
            wrapped=None,
            wrapped_versions=",".join(str(v) for v in sorted(set(versions))),
            created_at=now,
            shredded_at=now,
        )
    )


def set_secret_since(session: Session, *, name: str, since: datetime) -> None:
    """Set when a stored secret came into being (the index key: when its rotation began)."""
    session.execute(
        update(StoredSecret).where(col(StoredSecret.name) == name).values(created_at=since)
    )


def pending_erasures(session: Session) -> Sequence[DataKeyRow]:
    """Shredded data keys whose erasure is not complete yet."""
    stmt = select(DataKeyRow).where(
        col(DataKeyRow.wrapped).is_(None), col(DataKeyRow.erased_at).is_(None)
    )
    return session.execute(stmt).scalars().all()


def has_pending_erasures(session: Session) -> bool:
    """Whether any shredded data key still waits for its erasure to complete (indexed)."""
    stmt = (
        select(col(DataKeyRow.id))
        .where(col(DataKeyRow.wrapped).is_(None), col(DataKeyRow.erased_at).is_(None))
        .limit(1)
    )
    return session.execute(stmt).first() is not None


def mark_erased(session: Session, *, key_ids: Sequence[uuid.UUID], now: datetime) -> None:
    """Record that these shredded keys can no longer be recovered from anything."""
    if key_ids:
        session.execute(
            update(DataKeyRow).where(col(DataKeyRow.id).in_(key_ids)).values(erased_at=now)
        )
