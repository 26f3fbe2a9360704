"""Checkpoints of the query log (SPEC §6, §12): when one is due, signing and storing it.

Invariants:
- A checkpoint is a C2SP signed note over (origin, size, root) by the log's Ed25519 key;
  at most one is stored per size.
- The request path decides by leaf count only, from what its append read under the lock,
  so a quiet log costs a request no signature; the background maintenance applies the
  interval as well.
- Nothing is signed over a log that does not rehash since the latest signed checkpoint,
  nor while a halt is open: `check_before_signing` raises first (core/querylog/integrity.py).
- Nothing here commits: a checkpoint is stored in the caller's transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session

from core.errors import NotFound
from core.models.querylog import LogCheckpoint
from core.querylog import repository as repo
from core.querylog.appends import Batch, log_size
from core.querylog.integrity import check_before_signing
from core.querylog.witnesses import WitnessSet, cosigned_note, published_checkpoint
from crypto.checkpoint import Checkpoint
from crypto.log_signer import LogSigner
from crypto.merkle import CompactRange


@dataclass(frozen=True, slots=True)
class Cadence:
    """When to store a checkpoint: after `every_leaves` new leaves, or `every` after the last."""

    every_leaves: int = 1000
    every: timedelta = timedelta(seconds=10)


def make_checkpoint(*, session: Session, signer: LogSigner, now: datetime) -> LogCheckpoint:
    """Sign the log's current size and root, unless the latest checkpoint has this size.

    Fails closed: raises `LogIntegrityFailure` unless the log since the latest signed
    checkpoint rehashes (`core.querylog.integrity`), with the state row locked meanwhile.
    """
    check_before_signing(session=session, signer=signer, lock=True)
    state = repo.read_state(session)
    frontier = CompactRange() if state is None else CompactRange.from_bytes(state.frontier)
    latest = repo.latest_checkpoint(session)
    if latest is not None and latest.size == frontier.size:
        return latest
    root = frontier.root()
    note = signer.sign(Checkpoint(origin=signer.origin, size=frontier.size, root=root))
    repo.add_checkpoint(session, size=frontier.size, root=root, note=note, now=now)
    made = repo.checkpoint_at(session, frontier.size)
    if made is None:
        raise RuntimeError("the checkpoint just written is missing")
    return made


def latest_checkpoint_note(*, session: Session, witnesses: WitnessSet | None = None) -> str:
    """The newest signed checkpoint note, as published to everyone: with witnesses, the
    newest one a quorum cosigned, carrying the cosignature lines after the log's signature."""
    latest = published_checkpoint(session, witnesses)
    if latest is None:
        raise NotFound("the query log has no checkpoint yet")
    return cosigned_note(session, latest)


def maybe_checkpoint(
    *, session: Session, signer: LogSigner, cadence: Cadence, now: datetime, by_time: bool = True
) -> LogCheckpoint | None:
    """Store a checkpoint if the cadence calls for one now (by count only unless `by_time`)."""
    # The request path checks the count only, so a quiet log costs a request no signature;
    # the background maintenance applies the interval.
    every = cadence.every if by_time else timedelta.max
    if not checkpoint_due(session=session, every_n=cadence.every_leaves, every=every, now=now):
        return None
    return make_checkpoint(session=session, signer=signer, now=now)


def checkpoint_due(*, session: Session, every_n: int, every: timedelta, now: datetime) -> bool:
    """Whether new leaves await a checkpoint: `every_n` of them, or older than `every`."""
    size = log_size(session=session)
    latest = repo.latest_checkpoint(session)
    if latest is None:
        return size > 0
    if size <= latest.size:
        return False
    return size - latest.size >= every_n or now - latest.created_at >= every


def checkpoint_if_count_due(
    *, session: Session, signer: LogSigner, cadence: Cadence, tree: CompactRange, now: datetime
) -> LogCheckpoint | None:
    """Store a checkpoint of `tree` (the log as just appended) if enough leaves await one."""
    latest = repo.latest_checkpoint(session)
    if latest is not None and tree.size - latest.size < cadence.every_leaves:
        return None
    if latest is not None and latest.size == tree.size:
        return latest
    return _store_checkpoint(session, signer, tree, now)


def _store_checkpoint(
    session: Session, signer: LogSigner, tree: CompactRange, now: datetime
) -> LogCheckpoint | None:
    # Fails closed (core.querylog.integrity); the caller's append holds the state lock.
    check_before_signing(session=session, signer=signer, tree=tree)
    root = tree.root()
    note = signer.sign(Checkpoint(origin=signer.origin, size=tree.size, root=root))
    repo.add_checkpoint(session, size=tree.size, root=root, note=note, now=now)
    return repo.checkpoint_at(session, tree.size)


def checkpoint_for_batch(
    *, session: Session, signer: LogSigner, cadence: Cadence, batch: Batch, now: datetime
) -> LogCheckpoint | None:
    """Store a checkpoint of the tree right after a batch if the count calls for one (after
    the check before signing); its note is then what the batch's receipts are against."""
    tree, latest = batch.frontier, batch.checkpointed
    if latest is None or (tree.size - latest >= cadence.every_leaves and latest != tree.size):
        return _store_checkpoint(session, signer, tree, now)
    return None


def batch_note(*, signer: LogSigner, batch: Batch) -> str:
    """A note signed for the tree right after a batch, for its receipts only (not stored;
    it needs nothing from the database, so it may be signed after the commit)."""
    tree = batch.frontier
    return signer.sign(Checkpoint(origin=signer.origin, size=tree.size, root=tree.root()))
