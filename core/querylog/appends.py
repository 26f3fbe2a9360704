"""Appending to the query log (SPEC §6, §12) under the lock on its single state row.

Invariants:
- `append_leaves` and `append_leaf` refuse any body that is not canonical JSON.
- Leaf indices are dense, 0-based and assigned in append order under the lock on the
  single state row; a batch costs one state read and one state write, whatever its size.
- The state row holds the size and the compact-range frontier (one hash per set bit of
  the size), so append and root are O(log n); every interior node completed by an
  append is cached, so a proof reads O(log n) rows and never the whole log.
- A batch (`lock_log`, then `append_locked`) costs the same one state read and one state
  write, and proves each of its leaves in the batch's tree from nodes it holds in memory.
- Nothing here commits: the caller's transaction makes leaves, nodes and the new state
  visible together, or none of them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from core.querylog import repository as repo
from core.querylog.leaves import check_body
from crypto.merkle import CompactRange, inclusion_proof, leaf_hash


def append_leaves(*, session: Session, bodies: Sequence[bytes], now: datetime) -> list[int]:
    """Append canonical leaf bodies in order under the state lock; return their indices."""
    if not bodies:
        return []
    state = lock_log(session, now)
    start, _before, after, _known = _append(session, state, bodies, now)
    return list(range(start, after.size))


@dataclass(frozen=True, slots=True)
class Appended:
    """One appended leaf: its index and hash, its inclusion proof, and the tree it is in.

    `checkpointed` is the size of the largest stored checkpoint as read under the append's
    lock (None while there is none), so deciding the next one costs no further read.
    """

    index: int
    leaf_hash: bytes
    proof: list[bytes]
    frontier: CompactRange
    checkpointed: int | None


def append_leaf(*, session: Session, body: bytes, now: datetime) -> Appended:
    """Append one leaf and return its inclusion proof in the new tree, with no extra reads."""
    state = lock_log(session, now)
    start, before, after, _known = _append(session, state, [body], now)
    # The last leaf's audit path is the previous tree's frontier, smallest subtree first.
    return Appended(
        index=start,
        leaf_hash=leaf_hash(body),
        proof=list(reversed(before.hashes)),
        frontier=after,
        checkpointed=state.checkpointed,
    )


class BatchNodes:
    """The perfect nodes a batch's proofs need: the frontier before it and every node it
    completed; anything else (never needed by a proof of its own leaves) from the tables."""

    __slots__ = ("_known", "_stored")

    def __init__(self, session: Session, size: int, known: dict[tuple[int, int], bytes]) -> None:
        self._known = known
        self._stored = repo.SessionNodes(session, size)

    @property
    def size(self) -> int:
        """Number of leaves in the batch's tree."""
        return self._stored.size

    def node(self, level: int, index: int) -> bytes:
        """The perfect node (level, index) of the batch's tree."""
        found = self._known.get((level, index))
        return found if found is not None else self._stored.node(level, index)


@dataclass(frozen=True, slots=True)
class Batch:
    """Leaves appended together: where they start, their hashes, and the tree after them."""

    start: int
    leaf_hashes: list[bytes]
    frontier: CompactRange
    checkpointed: int | None
    nodes: BatchNodes

    def proof(self, index: int) -> list[bytes]:
        """The inclusion proof of one of the batch's leaves in the tree after the batch."""
        return inclusion_proof(index, self.frontier.size, self.nodes)


def lock_log(session: Session, now: datetime) -> repo.LockedState:
    """Take the log's lock for this transaction (made before the first append); what it read."""
    return _locked_state(session, now)


def append_locked(
    session: Session, state: repo.LockedState, bodies: Sequence[bytes], now: datetime
) -> Batch:
    """Append bodies in order to the log `lock_log` locked in this transaction."""
    start, _before, after, known = _append(session, state, bodies, now)
    hashes = [known[(0, i)] for i in range(start, after.size)]
    return Batch(
        start=start,
        leaf_hashes=hashes,
        frontier=after,
        checkpointed=state.checkpointed,
        nodes=BatchNodes(session, after.size, known),
    )


def _append(
    session: Session, state: repo.LockedState, bodies: Sequence[bytes], now: datetime
) -> tuple[int, CompactRange, CompactRange, dict[tuple[int, int], bytes]]:
    """Append under the state lock: the first new index, the frontiers before and after, and
    every perfect node of the frontier before and of what the append completed."""
    for body in bodies:
        check_body(body)
    frontier = CompactRange.from_bytes(state.frontier)
    if state.size != frontier.size:
        raise RuntimeError("the query log state row is inconsistent with its frontier")
    before = CompactRange.from_bytes(state.frontier)
    start = frontier.size
    known = {(n.level, n.index): n.digest for n in before.nodes()}
    leaves: list[dict[str, object]] = []
    nodes: list[dict[str, object]] = []
    for body in bodies:
        h = leaf_hash(body)
        leaves.append({"idx": frontier.size, "leaf_hash": h, "body": body, "created_at": now})
        for n in frontier.append(h):
            known[(n.level, n.index)] = n.digest
            # Level 0 is the leaf itself, already stored in the leaf table.
            if n.level > 0:
                nodes.append({"level": n.level, "index": n.index, "digest": n.digest})
    repo.insert_leaves(session, leaves)
    repo.insert_nodes(session, nodes)
    repo.write_state(session, size=frontier.size, frontier=frontier.to_bytes(), now=now)
    return start, before, frontier, known


def _locked_state(session: Session, now: datetime) -> repo.LockedState:
    """The state row, locked; inserted empty (in a savepoint) before the very first append."""
    state = repo.lock_state(session)
    if state is not None:
        return state
    try:
        with session.begin_nested():
            repo.create_state(session, size=0, frontier=CompactRange().to_bytes(), now=now)
    except IntegrityError:
        # A concurrent first append inserted it; its commit released our wait, so it is
        # there to lock now.
        pass
    state = repo.lock_state(session)
    if state is None:
        raise RuntimeError("the query log state row could not be created")
    return state


def current_frontier(*, session: Session) -> CompactRange:
    """The frontier of the log as committed so far in this transaction's view."""
    state = repo.read_state(session)
    return CompactRange() if state is None else CompactRange.from_bytes(state.frontier)


def log_size(*, session: Session) -> int:
    """Number of leaves in the log."""
    state = repo.read_state(session)
    return 0 if state is None else state.size
