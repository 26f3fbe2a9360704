"""Master-key checks, status, rotation (re-wrap) of data keys.

Invariants: the service refuses to run when the provider does not hold every
master version the database has a check value for, or when the blind-index key
changed (it would silently find nothing); rotation re-wraps data keys, never
re-encrypts data, commits in batches, and only replaces a wrapped key that is
still the one it read, so concurrent reads and shreds stay correct throughout.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session

from core.clock import clock
from core.db import ChunkedCommits
from core.errors import KeysUnavailable
from core.keyring import Keyring
from core.ops import keys_repository as repo
from crypto.envelope import DataKey, rewrap, unwrap, wrap
from crypto.keys import KeyProviderError, MasterKey
from crypto.suites import DecryptionError

_INDEX_LABEL = "credence/index-check"


@dataclass(frozen=True)
class KeyStatus:
    """What `credence keys status` reports."""

    current: int
    held: list[int]
    live_keys_by_version: dict[int, int]
    suite: str


def _add_check(session: Session, keyring: Keyring, master: MasterKey) -> None:
    canary = DataKey.generate(keyring.suite)
    repo.add_key_check(
        session,
        version=master.version,
        key_id=canary.id,
        wrapped=wrap(canary, master),
        index_check=keyring.blind_index(_INDEX_LABEL),
        now=clock.now(),
    )


def verify_keys(*, session: Session, keyring: Keyring) -> None:
    """Prove the provider holds every version the data needs; record the current one's check."""
    checks = repo.key_checks(session)
    for check in checks:
        try:
            unwrap(check.key_id, check.wrapped, keyring.provider)
        except (KeyProviderError, DecryptionError):
            raise KeysUnavailable(
                f"master key version {check.master_version} is missing or wrong: the key "
                "provider does not hold the key this database was encrypted with"
            ) from None
        if check.index_check != keyring.blind_index(_INDEX_LABEL):
            raise KeysUnavailable(
                "the blind-index key or crypto suite differs from the one this database uses"
            )
    current = keyring.provider.current()
    if all(c.master_version != current.version for c in checks):
        _add_check(session, keyring, current)
        session.flush()


def has_key_checks(session: Session) -> bool:
    """Whether this database already holds data encrypted under some master key."""
    return bool(repo.key_checks(session))


def key_status(*, session: Session, keyring: Keyring) -> KeyStatus:
    """Current version, versions held, and live data keys per version."""
    return KeyStatus(
        current=keyring.provider.current().version,
        held=keyring.provider.versions(),
        live_keys_by_version=repo.count_by_version(session),
        suite=keyring.suite.name,
    )


def rewrap_stale(*, session: Session, keyring: Keyring, batch: int = 500) -> int:
    """Re-wrap every data key older than the current master version; resumable, batch commits."""
    current = keyring.provider.current().version
    done = 0
    while True:
        rows = repo.stale_key_batch(session, below=current, limit=batch)
        if not rows:
            return done
        chunks = ChunkedCommits(session)
        for row in rows:
            if row.wrapped is None:
                continue
            new = rewrap(row.id, row.wrapped, keyring.provider)
            # Replaces only the wrapped key it read, so a chunk committed late is still right.
            done += repo.set_wrapped(
                session, key_id=row.id, old=row.wrapped, new=new, version=current
            )
            chunks.done_one()
        session.commit()
        session.expire_all()


def rotate_master_key(*, session: Session, keyring: Keyring, batch: int = 500) -> int:
    """Add a master version, record its check value, then re-wrap every data key under it."""
    master = keyring.provider.add_version()
    _add_check(session, keyring, master)
    session.commit()
    return rewrap_stale(session=session, keyring=keyring, batch=batch)
