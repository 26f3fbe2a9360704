"""Master versions, the stored blind-index key, rotation, retirement and erasure by destruction.

Invariants:
- The database names the current master version, so every process of a fleet wraps new
  keys under it (each re-reads it within the keyring's TTL); the provider only holds keys.
- The service refuses to run when the provider lacks a version the database still needs,
  or when the blind-index key is not the one the data was indexed with.
- Rotation re-wraps data keys, never re-encrypts data, commits in batches, and only
  replaces a wrapped key that is still the one it read; a version is destroyed only
  when nothing references it any more.
- Erasure is made real by destruction: a shredded data key's erasure completes when
  every master version it was ever wrapped under is destroyed, after the keys that
  live on under those versions were moved to a fresh one. Old wrapped copies in a WAL,
  a dead row version, a backup or a replica are then noise.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine
from sqlmodel import Session

from core.clock import clock
from core.db import ChunkedCommits, reader
from core.errors import InvalidInput, KeysUnavailable
from core.keyring import CURRENT_TTL, IndexKeys, Keyring
from core.models import DataKeyRow, StoredSecret
from core.ops import index_repository as index_repo
from core.ops import keys_repository as repo
from core.progress import SILENT, Progress
from crypto.blind_index import INDEX_KEY_LEN, BlindIndexer
from crypto.envelope import DataKey, unwrap
from crypto.keys import KeyProvider, KeyProviderError
from crypto.suites import DecryptionError, Suite

INDEX_LABEL = "credence/index-check"
# Names of stored secrets, not secrets.
INDEX_SECRET = "blind-index"  # noqa: S105
NEXT_INDEX_SECRET = "blind-index-next"  # noqa: S105
CSRF_SECRET = "csrf"  # noqa: S105
CERTIFICATE_SECRET = "certificate-index"  # noqa: S105
# A demoted version is split only after every process has re-read the current one.
SPLIT_GRACE = 2 * CURRENT_TTL


@dataclass(frozen=True)
class KeyStatus:
    """What `credence keys status` reports."""

    current: int
    held: list[int]
    destroyed: list[int]
    live_keys_by_version: dict[int, int]
    pending_erasures: int
    suite: str


def secret_aad(name: str) -> bytes:
    return b"stored_secret/" + name.encode("ascii")


def _index_check(session: Session, keyring: Keyring) -> bytes:
    """The check value under the index key stored now, not under a process's cached copy
    (a rotation behind for up to a TTL); the row lock orders it with an index-key switch."""
    row = repo.lock_secret(session, INDEX_SECRET)
    if row is None:
        return bytes(keyring.blind_index(INDEX_LABEL))
    key = keyring.provider.unwrap(row.master_version, row.wrapped, secret_aad(INDEX_SECRET))
    return BlindIndexer(suite=keyring.suite, key=key).index(INDEX_LABEL)


def _add_check(session: Session, keyring: Keyring, version: int) -> None:
    canary = DataKey.generate(keyring.suite)
    repo.add_key_check(
        session,
        version=version,
        key_id=canary.id,
        wrapped=keyring.wrap(canary, version),
        index_check=_index_check(session, keyring),
        now=clock.now(),
    )


def _seed_versions(session: Session, provider: KeyProvider) -> int:
    """Record the provider's versions on first start (creating version 1 if it has none)."""
    held = provider.versions()
    if not held:
        provider.create(1)
        held = [1]
    now = clock.now()
    for version in held:
        repo.add_master_version(
            session, version=version, state="current" if version == held[-1] else "active", now=now
        )
    session.flush()
    return held[-1]


def _indexer(session: Session, provider: KeyProvider, suite: Suite, current: int) -> BlindIndexer:
    """The stored blind-index key, created on first start."""
    row = repo.stored_secret(session, INDEX_SECRET)
    if row is None:
        indexer = BlindIndexer.generate(suite)
        wrapped = provider.wrap(current, indexer.key, secret_aad(INDEX_SECRET))
        repo.add_stored_secret(
            session, name=INDEX_SECRET, version=current, wrapped=wrapped, now=clock.now()
        )
        return indexer
    try:
        key = provider.unwrap(row.master_version, row.wrapped, secret_aad(INDEX_SECRET))
    except (KeyProviderError, DecryptionError):
        raise KeysUnavailable(
            f"master key version {row.master_version} is missing or wrong: the key provider "
            "does not hold the key this database's blind index is wrapped with"
        ) from None
    if len(key) != INDEX_KEY_LEN:
        raise KeysUnavailable("the stored blind-index key has the wrong length")
    return BlindIndexer(suite=suite, key=key)


def _stable_secret(session: Session, provider: KeyProvider, name: str) -> bytes | None:
    """A stored stable secret (the CSRF or certificate key), once a rotation stored it."""
    row = repo.stored_secret(session, name)
    if row is None:
        return None
    return provider.unwrap(row.master_version, row.wrapped, secret_aad(name))


def _index_reader(
    engine: Engine, provider: KeyProvider, suite: Suite, first: BlindIndexer
) -> Callable[[], IndexKeys]:
    """Reads the index keys in use from the database (see core/ops/index_rotation.py)."""
    read_only = reader(engine)
    unwrapped: dict[tuple[str, bytes], BlindIndexer] = {}

    def indexer(row: StoredSecret) -> BlindIndexer:
        hit = unwrapped.get((row.name, row.wrapped))
        if hit is None:
            key = provider.unwrap(row.master_version, row.wrapped, secret_aad(row.name))
            hit = BlindIndexer(suite=suite, key=key)
            unwrapped[(row.name, row.wrapped)] = hit
        return hit

    def read() -> IndexKeys:
        # The state first, then the secrets: a switch committed in between still reads
        # right (no next key stored but a rotation under way: the primary is the next key).
        with Session(read_only) as session:
            state = index_repo.rotation(session)
            rotating = state is not None and state.state in ("backfill", "switched")
            rows = index_repo.secrets_named(session, [INDEX_SECRET, NEXT_INDEX_SECRET])
        # Not committed yet (the first start is still creating it): the key it created.
        primary = indexer(rows[INDEX_SECRET]) if INDEX_SECRET in rows else first
        if NEXT_INDEX_SECRET in rows:
            return IndexKeys(primary=primary, next=indexer(rows[NEXT_INDEX_SECRET]))
        return IndexKeys(primary=primary, next=primary if rotating else None)

    return read


def _current_reader(engine: Engine) -> Callable[[], int]:
    # A read-only connection: it is called from inside write transactions.
    read_only = reader(engine)

    def read() -> int:
        with Session(read_only) as session:
            version = repo.current_version(session)
        if version is None:
            raise KeysUnavailable("the database names no current master key version")
        return version

    return read


def open_keyring(engine: Engine, provider: KeyProvider, suite: Suite) -> Keyring:
    """The keyring of this database: versions, stored index key, checks; or KeysUnavailable."""
    with Session(engine) as session:
        current = repo.current_version(session)
        if current is None:
            if repo.key_checks(session):
                raise KeysUnavailable(
                    "this database was encrypted by a release before stored master versions; "
                    "it cannot be opened by this one"
                )
            current = _seed_versions(session, provider)
        indexer = _indexer(session, provider, suite, current)
        keyring = Keyring(
            provider,
            suite,
            indexer=indexer,
            index_keys=_index_reader(engine, provider, suite, indexer),
            csrf_key=_stable_secret(session, provider, CSRF_SECRET),
            certificate_key=_stable_secret(session, provider, CERTIFICATE_SECRET),
            current=_current_reader(engine),
        )
        verify_keys(session=session, keyring=keyring)
        session.commit()
    keyring.index_changed()
    return keyring


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
        if check.index_check != bytes(keyring.blind_index(INDEX_LABEL)):
            raise KeysUnavailable(
                "the blind-index key or crypto suite differs from the one this database uses"
            )
    current = repo.current_version(session) or keyring.current_version()
    if all(c.master_version != current for c in checks):
        _add_check(session, keyring, current)
        session.flush()


def has_key_checks(session: Session) -> bool:
    """Whether this database already holds data encrypted under some master key."""
    return bool(repo.key_checks(session))


def key_status(*, session: Session, keyring: Keyring) -> KeyStatus:
    """Current version, versions held and destroyed, and live data keys per version."""
    rows = repo.master_versions(session)
    counts = repo.count_by_version(session)
    return KeyStatus(
        current=repo.current_version(session) or keyring.current_version(),
        held=[r.version for r in rows if r.state != "destroyed"],
        destroyed=[r.version for r in rows if r.state == "destroyed"],
        live_keys_by_version={
            r.version: counts.get(r.version, 0) for r in rows if r.state != "destroyed"
        },
        pending_erasures=len(repo.pending_erasures(session)),
        suite=keyring.suite.name,
    )


def _next_version(session: Session, keyring: Keyring) -> int:
    known = [r.version for r in repo.master_versions(session)]
    return max([*known, *keyring.provider.versions(), 0]) + 1


def _new_version(session: Session, keyring: Keyring, *, current: bool) -> int:
    """Create a key object in the provider and record it (current or not); committed."""
    version = _next_version(session, keyring)
    try:
        keyring.provider.create(version)
    except KeyProviderError as exc:
        raise KeysUnavailable(str(exc)) from None
    now = clock.now()
    repo.add_master_version(session, version=version, state="active", now=now)
    session.flush()
    if current:
        repo.make_current(session, version=version, now=now)
    _add_check(session, keyring, version)
    session.commit()
    keyring.current_changed()
    return version


def _move_keys(
    session: Session,
    keyring: Keyring,
    *,
    select_batch: Callable[[], list[DataKeyRow]],
    to: int,
    progress: Progress = SILENT,
) -> int:
    """Re-wrap batches of live data keys under `to` until the selection is empty."""
    done = 0
    while True:
        rows = select_batch()
        if not rows:
            return done
        chunks = ChunkedCommits(session)
        for row in rows:
            if row.wrapped is None:
                continue
            new = keyring.wrap(keyring.data_key(row.id, row.wrapped), to)
            # Replaces only the wrapped key it read, so a chunk committed late is still right.
            done += repo.set_wrapped(session, key_id=row.id, old=row.wrapped, new=new, version=to)
            chunks.done_one()
        session.commit()
        session.expire_all()
        progress.advance(len(rows))


def _move_secrets(session: Session, keyring: Keyring, rows: list[StoredSecret], to: int) -> None:
    for row in rows:
        secret = keyring.provider.unwrap(row.master_version, row.wrapped, secret_aad(row.name))
        wrapped = keyring.provider.wrap(to, secret, secret_aad(row.name))
        repo.set_secret_wrapped(session, name=row.name, wrapped=wrapped, version=to)
    session.commit()


def rewrap_stale(
    *, session: Session, keyring: Keyring, batch: int = 500, progress: Progress = SILENT
) -> int:
    """Re-wrap every data key and secret not under the current version; resumable."""
    current = repo.current_version(session) or keyring.current_version()
    progress.total(sum(n for v, n in repo.count_by_version(session).items() if v < current))
    done = _move_keys(
        session,
        keyring,
        select_batch=lambda: list(repo.stale_key_batch(session, below=current, limit=batch)),
        to=current,
        progress=progress,
    )
    _move_secrets(session, keyring, list(repo.secrets_not_under(session, current)), current)
    return done


def rotate_master_key(
    *, session: Session, keyring: Keyring, batch: int = 500, progress: Progress = SILENT
) -> int:
    """Add a master version and make it current, then re-wrap every data key under it."""
    _new_version(session, keyring, current=True)
    return rewrap_stale(session=session, keyring=keyring, batch=batch, progress=progress)


def retire_version(*, session: Session, keyring: Keyring, version: int) -> None:
    """Destroy a master version nothing references any more; refused otherwise."""
    row = {r.version: r for r in repo.master_versions(session)}.get(version)
    if row is None:
        raise InvalidInput(f"master key version {version} is unknown", rule="unknown_version")
    if row.state == "destroyed":
        raise InvalidInput(
            f"master key version {version} was already destroyed", rule="already_destroyed"
        )
    if row.state == "current":
        raise InvalidInput(
            f"master key version {version} is current; rotate first", rule="version_current"
        )
    in_use = repo.references(session, version)
    if in_use:
        raise InvalidInput(
            f"master key version {version} still wraps {in_use} keys; run `keys rotate` "
            "(or wait for it to finish) first",
            rule="version_in_use",
        )
    _destroy(session, keyring, version)


def _destroy(session: Session, keyring: Keyring, version: int) -> None:
    # The database says "destroyed" only after the provider did it.
    keyring.provider.destroy(version)
    repo.mark_destroyed(session, version=version, now=clock.now())
    session.commit()
    keyring.forget_all()


def _split(session: Session, keyring: Keyring, version: int, batch: int) -> bool:
    """Move what lives on under `version` to a fresh version, then destroy `version`."""
    fresh = _new_version(session, keyring, current=False)
    _move_keys(
        session,
        keyring,
        select_batch=lambda: list(repo.keys_under(session, version=version, limit=batch)),
        to=fresh,
    )
    _move_secrets(session, keyring, list(repo.secrets_under(session, version)), fresh)
    if repo.references(session, version):
        return False  # Something new arrived meanwhile: the next pass finishes it.
    _destroy(session, keyring, version)
    return True


@dataclass(frozen=True)
class ErasureProgress:
    """What one pass of `complete_erasures` did."""

    completed: int
    pending: int
    destroyed_versions: list[int]


def complete_erasures(
    *, session: Session, keyring: Keyring, now: datetime | None = None, batch: int = 500
) -> ErasureProgress:
    """Destroy every master version a shredded key was wrapped under; record what completed.

    A version still current is demoted first (a fresh current takes over) and split on a
    later pass, once every process has stopped wrapping under it (`SPLIT_GRACE`).
    """
    at = now or clock.now()
    rows = {r.version: r for r in repo.master_versions(session)}
    pending = list(repo.pending_erasures(session))
    needed = {
        int(v)
        for key in pending
        for v in (key.wrapped_versions or str(key.master_version)).split(",")
    }
    destroyed: list[int] = []
    for version in sorted(needed):
        row = rows.get(version)
        if row is None or row.state == "destroyed":
            continue
        if row.state == "current":
            _new_version(session, keyring, current=True)
            continue
        if row.demoted_at is not None and at - row.demoted_at < SPLIT_GRACE:
            continue
        if _split(session, keyring, version, batch):
            destroyed.append(version)
    gone = {r.version for r in repo.master_versions(session) if r.state == "destroyed"}
    done = [
        key.id
        for key in pending
        if all(int(v) in gone for v in (key.wrapped_versions or str(key.master_version)).split(","))
    ]
    repo.mark_erased(session, key_ids=done, now=at)
    session.commit()
    return ErasureProgress(
        completed=len(done), pending=len(pending) - len(done), destroyed_versions=destroyed
    )


def erasure_bound() -> timedelta:
    """How long after a shred its erasure completes at most, with a pass every tick."""
    return SPLIT_GRACE
