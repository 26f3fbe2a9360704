"""Proofs from the query log (SPEC §6): inclusion, consistency, and receipts for one leaf.

Invariants:
- A proof reads O(log n) cached nodes, never the whole log, and covers only leaves that
  the state row says are in the log.
- A receipt is checked against a checkpoint: a stored one covering the leaf, or one signed
  now for the tree the leaf is in (its holder binds it to later ones by consistency proofs).
"""

from __future__ import annotations

from sqlmodel import Session

from core.errors import InvalidInput, NotFound
from core.models.querylog import LogCheckpoint
from core.querylog import cosignature_repository as cos_repo
from core.querylog import repository as repo
from core.querylog.appends import Appended, Batch, current_frontier, log_size
from core.querylog.integrity import LogHalted, is_halted
from crypto.checkpoint import Checkpoint
from crypto.cosignature import with_cosignatures
from crypto.log_signer import LogSigner
from crypto.merkle import consistency_proof, inclusion_proof, root_from_inclusion_proof
from crypto.receipt import build_receipt


def _source(session: Session, size: int) -> repo.SessionNodes:
    available = log_size(session=session)
    if isinstance(size, bool) or not isinstance(size, int) or not 0 <= size <= available:
        raise InvalidInput(f"tree size {size!r} is outside the log's {available} leaves")
    return repo.SessionNodes(session, size)


def inclusion(*, session: Session, index: int, size: int) -> list[bytes]:
    """The inclusion proof of leaf `index` in the tree of the first `size` leaves."""
    if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < size:
        raise InvalidInput(f"index {index!r} is outside a tree of size {size}")
    return inclusion_proof(index, size, _source(session, size))


def consistency(*, session: Session, size1: int, size2: int) -> list[bytes]:
    """The consistency proof from the tree of `size1` leaves to the tree of `size2`."""
    if not 0 < size1 <= size2:
        raise InvalidInput(f"consistency proofs need 0 < size1 <= size2, got {size1}, {size2}")
    return consistency_proof(size1, size2, _source(session, size2))


def receipt(
    *, session: Session, index: int, checkpoint: LogCheckpoint | None = None
) -> dict[str, object]:
    """A receipt for leaf `index` against a stored checkpoint covering it (latest by default)."""
    stored = (
        repo.latest_checkpoint_covering(session, index)
        if checkpoint is None
        else repo.checkpoint_at(session, checkpoint.size)
    )
    if stored is None or (checkpoint is not None and stored.note != checkpoint.note):
        raise NotFound("no stored checkpoint covers this log entry")
    if not 0 <= index < stored.size:
        raise InvalidInput(f"index {index} is outside the checkpoint of size {stored.size}")
    leaf = repo.leaf_hash_at(session, index)
    if leaf is None:
        raise NotFound("the log has no entry at this index")
    proof = inclusion(session=session, index=index, size=stored.size)
    # A stored checkpoint carries the witnesses' cosignatures collected so far.
    note = with_cosignatures(stored.note, cos_repo.cosignature_lines(session, stored.size))
    return build_receipt(index, leaf, stored.size, proof, note)


def receipt_for(*, signer: LogSigner, appended: Appended) -> dict[str, object]:
    """A receipt for a just-appended leaf against a checkpoint signed now for its tree."""
    tree = appended.frontier
    note = signer.sign(Checkpoint(origin=signer.origin, size=tree.size, root=tree.root()))
    return build_receipt(appended.index, appended.leaf_hash, tree.size, appended.proof, note)


def batch_receipt(*, batch: Batch, index: int, note: str) -> dict[str, object]:
    """A receipt for one leaf of a batch against the one note signed for the batch's tree."""
    size = batch.frontier.size
    if not batch.start <= index < size:
        raise InvalidInput(f"index {index} is not in the batch [{batch.start}, {size})")
    leaf = batch.leaf_hashes[index - batch.start]
    return build_receipt(index, leaf, size, batch.proof(index), note)


def receipt_again(
    *, session: Session, signer: LogSigner, index: int, size: int
) -> dict[str, object]:
    """The receipt leaf `index` was given in its batch, whose tree had `size` leaves: the
    stored note of that size, or the same note signed again (Ed25519 signs deterministically)."""
    leaf = repo.leaf_hash_at(session, index)
    if leaf is None:
        raise NotFound("the log has no entry at this index")
    proof = inclusion(session=session, index=index, size=size)
    stored = repo.checkpoint_at(session, size)
    if stored is not None:
        note = stored.note
    else:
        if is_halted(session=session):
            raise LogHalted()  # nothing is signed over a log that failed its integrity check
        root = root_from_inclusion_proof(leaf, index, size, proof)
        note = signer.sign(Checkpoint(origin=signer.origin, size=size, root=root))
    return build_receipt(index, leaf, size, proof, note)


def fresh_receipt(*, session: Session, signer: LogSigner, index: int) -> dict[str, object]:
    """A receipt for leaf `index` against a checkpoint signed now for the current size.

    The checkpoint need not be stored: its holder can ask for a consistency proof from its
    size to any later published checkpoint, which is what binds the log to this answer.
    """
    if is_halted(session=session):
        raise LogHalted()  # nothing is signed over a log that failed its integrity check
    frontier = current_frontier(session=session)
    size = frontier.size
    leaf = repo.leaf_hash_at(session, index)
    if leaf is None or not 0 <= index < size:
        raise NotFound("the log has no entry at this index")
    note = signer.sign(Checkpoint(origin=signer.origin, size=size, root=frontier.root()))
    proof = inclusion(session=session, index=index, size=size)
    return build_receipt(index, leaf, size, proof, note)
