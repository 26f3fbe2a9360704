"""Auditing the query log (SPEC §6, §12): `verify_log` trusts nothing stored.

Invariants:
- Every body is re-hashed and re-proved canonical, the tree is rebuilt from the leaves, and
  every cached node, checkpoint and the state row is checked against it.
- The log is read in bounded runs: O(log n) state besides one run of `VERIFY_CHUNK` leaves.
- The report names the first leaf index or checkpoint size at fault, the same one whatever
  the run width (the leaf-by-leaf audit is the reference it defers to).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlmodel import Session

from core.errors import InvalidInput
from core.models.querylog import LogState
from core.progress import SILENT, Progress
from core.querylog import repository as repo
from core.querylog.leaves import CanonicalBodies, check_body
from crypto.checkpoint import CheckpointError, open_checkpoint
from crypto.merkle import CompactRange, leaf_hash, leaf_hashes, perfect_levels

VERIFY_CHUNK = 8192  # leaves per read while verifying (a power of two)
_CHECKPOINT_CHUNK = 1000

# `verify_log` reads the log in runs of VERIFY_CHUNK leaves (rounded down to a power of two,
# so a run starts on a node boundary) and checks each run as a whole: its indices, stored
# hashes and bodies, every cached node it completes (a statement per level), the checkpoints
# whose size falls in it. The first run that shows any discrepancy is audited again leaf by
# leaf from its start (`_verify_from`, which checks the same things one at a time, in log
# order), and that names the first index or checkpoint at fault. The run check only decides
# where the naming starts: it passes a run exactly when the leaf-by-leaf audit would.


@dataclass(frozen=True, slots=True)
class VerifyReport:
    """The outcome of `verify_log`: ok, or the first leaf index / checkpoint size that fails."""

    ok: bool
    leaves: int
    checkpoints: int
    bad_index: int | None = None
    bad_checkpoint: int | None = None
    problem: str | None = None


class _LevelStream:
    """Cached nodes of one level in index order from `start`, fetched a chunk at a time."""

    __slots__ = ("_buffer", "_level", "_next", "_session")

    def __init__(self, session: Session, level: int, start: int) -> None:
        self._session = session
        self._level = level
        self._next = start
        self._buffer: list[tuple[int, bytes]] = []

    def pop(self) -> tuple[int, bytes] | None:
        if not self._buffer:
            rows = repo.nodes_from(
                self._session, level=self._level, start=self._next, limit=VERIFY_CHUNK
            )
            # Reverse so pop() from the end yields ascending indices.
            self._buffer = list(reversed(rows))
        if not self._buffer:
            return None
        row = self._buffer.pop()
        self._next = row[0] + 1
        return row


class _Checkpoints:
    """Stored checkpoints of size >= `start` in size order, fetched a chunk at a time."""

    def __init__(self, session: Session, start: int) -> None:
        self._session = session
        self._next = start
        self._buffer: list[repo.StoredCheckpoint] = []

    def peek(self) -> repo.StoredCheckpoint | None:
        if not self._buffer:
            limit = min(VERIFY_CHUNK, _CHECKPOINT_CHUNK)  # table rows: keep the buffer small
            rows = repo.checkpoints_from(self._session, start=self._next, limit=limit)
            self._buffer = list(reversed(rows))
        return self._buffer[-1] if self._buffer else None

    def pop(self) -> repo.StoredCheckpoint:
        row = self._buffer.pop()
        self._next = row.size + 1
        return row


def _checkpoint_problem(
    row: repo.StoredCheckpoint, root: bytes, public_key: Ed25519PublicKey, name: str
) -> str | None:
    try:
        opened = open_checkpoint(row.note, name, public_key)
    except CheckpointError as exc:
        return f"checkpoint note does not open: {exc}"
    if opened.size != row.size or opened.root != row.root:
        return "checkpoint note differs from its stored size or root"
    if row.root != root:
        return "checkpoint root differs from the tree rebuilt from the leaves"
    return None


def _failed(
    frontier: CompactRange,
    checked: int,
    *,
    index: int | None = None,
    cp: int | None = None,
    why: str,
) -> VerifyReport:
    return VerifyReport(
        ok=False,
        leaves=frontier.size,
        checkpoints=checked,
        bad_index=index,
        bad_checkpoint=cp,
        problem=why,
    )


def _cover(levels: Sequence[Sequence[bytes]], count: int) -> list[bytes]:
    """The perfect nodes tiling the first `count` leaves of a run, largest first."""
    hashes: list[bytes] = []
    offset = 0
    for level in range(len(levels) - 1, -1, -1):
        if count >> level & 1:
            hashes.append(levels[level][offset >> level])
            offset += 1 << level
    return hashes


def verify_log(
    *,
    session: Session,
    signer_public_key: Ed25519PublicKey,
    name: str,
    progress: Progress = SILENT,
) -> VerifyReport:
    """Rebuild the tree from every stored body and check leaves, nodes, checkpoints, state."""
    state = repo.read_state(session)
    state_size = 0 if state is None else state.size
    progress.total(state_size)
    width = 1 << max(VERIFY_CHUNK.bit_length() - 1, 0)
    top = width.bit_length() - 1  # a whole run is the perfect node (top, start >> top)
    canonical = CanonicalBodies()
    checkpoints = _Checkpoints(session, start=0)
    # The tree of the runs checked so far, one leaf per run: its level l is the log's top + l.
    runs = CompactRange()
    checked = 0
    start = 0
    while True:
        entry, entry_checked = runs.hashes, checked  # the tree of the first `start` leaves
        indices, stored, bodies = repo.leaf_run(session, start=start, limit=width)
        count = len(indices)
        last = count < width
        computed = leaf_hashes(bodies)
        levels = perfect_levels(computed)
        clean = (
            indices == list(range(start, start + count))
            and start + count <= state_size
            and computed == stored
            and all(map(canonical, bodies))
            and all(
                levels[level]
                == repo.node_run(
                    session,
                    level=level,
                    start=start >> level,
                    stop=(start >> level) + len(levels[level]),
                )
                for level in range(1, len(levels))
            )
        )
        # The checkpoints of sizes in the run, and after the last run that of the log's size.
        while clean and (cp := checkpoints.peek()) is not None:
            if cp.size > start + count or (cp.size == start + count and not last):
                break
            checkpoints.pop()
            if cp.size < start:  # sizes come in order: only if the table changed under us
                clean = False
                break
            tiles = _cover(levels, cp.size - start)
            root = CompactRange.from_hashes(cp.size, [*entry, *tiles]).root()
            clean = _checkpoint_problem(cp, root, signer_public_key, name) is None
            checked += 1
        if clean and not last:
            # The nodes above the run that it completes, each over a multiple of runs.
            for node in runs.append(levels[top][0])[1:]:
                level, index = node.level + top, node.index
                cached = repo.node_run(session, level=level, start=index, stop=index + 1)
                if cached != [node.digest]:
                    clean = False
                    break
        if not clean:
            return _verify_from(
                session,
                state=state,
                frontier=CompactRange.from_hashes(start, entry),
                checked=entry_checked,
                public_key=signer_public_key,
                name=name,
            )
        progress.advance(count)
        if last:
            frontier = CompactRange.from_hashes(start + count, [*entry, *_cover(levels, count)])
            return _finish(session, state, frontier, checkpoints, checked)
        start += width


def verify_log_leaf_by_leaf(
    *, session: Session, signer_public_key: Ed25519PublicKey, name: str
) -> VerifyReport:
    """`verify_log`'s checks one leaf at a time, in log order: the reference it defers to."""
    return _verify_from(
        session,
        state=repo.read_state(session),
        frontier=CompactRange(),
        checked=0,
        public_key=signer_public_key,
        name=name,
    )


def _verify_from(
    session: Session,
    *,
    state: LogState | None,
    frontier: CompactRange,
    checked: int,
    public_key: Ed25519PublicKey,
    name: str,
) -> VerifyReport:
    """The leaf-by-leaf audit of the log past `frontier` (the tree of the leaves already
    checked, with `checked` checkpoints): it names the first index or checkpoint at fault."""
    origin = start = frontier.size
    state_size = 0 if state is None else state.size
    levels: dict[int, _LevelStream] = {}
    checkpoints = _Checkpoints(session, start=start)

    def check_checkpoints_at_size() -> VerifyReport | None:
        nonlocal checked
        row = checkpoints.peek()
        while row is not None and row.size <= frontier.size:
            checkpoints.pop()
            if row.size < frontier.size:
                # Sizes come back in order, so a smaller one here was skipped: impossible
                # unless the table changed under us; treat it as a failure, not a pass.
                return _failed(frontier, checked, cp=row.size, why="checkpoint out of order")
            why = _checkpoint_problem(row, frontier.root(), public_key, name)
            if why is not None:
                return _failed(frontier, checked, cp=row.size, why=why)
            checked += 1
            row = checkpoints.peek()
        return None

    while True:
        if (bad := check_checkpoints_at_size()) is not None:
            return bad
        rows = repo.leaves_from(session, start=start, limit=VERIFY_CHUNK)
        if not rows:
            break
        for idx, stored_hash, body in rows:
            if (bad := check_checkpoints_at_size()) is not None:
                return bad
            if idx != frontier.size:
                return _failed(frontier, checked, index=frontier.size, why="leaf missing")
            if idx >= state_size:
                # Checked before the leaf joins the tree, so a stray leaf is named itself,
                # not the honest leaf whose cached pair node it would complete.
                why = "state size differs from leaves"
                return _failed(frontier, checked, index=idx, why=why)
            computed = leaf_hash(body)
            if computed != stored_hash:
                why = "leaf hash does not match its body"
                return _failed(frontier, checked, index=idx, why=why)
            try:
                check_body(body)
            except InvalidInput:
                why = "leaf body is not canonical JSON"
                return _failed(frontier, checked, index=idx, why=why)
            for node in frontier.append(computed):
                if node.level == 0:
                    continue
                stream = levels.get(node.level)
                if stream is None:
                    stream = levels[node.level] = _LevelStream(
                        session, node.level, origin >> node.level
                    )
                cached = stream.pop()
                if cached != (node.index, node.digest):
                    # The node cannot say which of its leaves changed: name its first.
                    lo, hi = node.index << node.level, (node.index + 1) << node.level
                    why = f"cached node over leaves [{lo}, {hi}) does not match them"
                    return _failed(frontier, checked, index=lo, why=why)
        start = rows[-1][0] + 1
    return _finish(session, state, frontier, checkpoints, checked)


def _finish(
    session: Session,
    state: LogState | None,
    frontier: CompactRange,
    checkpoints: _Checkpoints,
    checked: int,
) -> VerifyReport:
    """The checks once every leaf is in `frontier`: no checkpoint, cached node or state
    row may describe a larger or different log."""
    leftover = checkpoints.peek()
    if leftover is not None:
        why = "checkpoint is larger than the log"
        return _failed(frontier, checked, cp=leftover.size, why=why)
    stray = repo.first_node_beyond(session, frontier.size)
    if stray is not None:
        # The next append would collide with it: the log could no longer grow.
        level, index = stray
        why = f"cached node at level {level} lies beyond the log"
        return _failed(frontier, checked, index=index << level, why=why)
    stored = CompactRange() if state is None else CompactRange.from_bytes(state.frontier)
    if stored.size != frontier.size or (state is not None and state.size != stored.size):
        why = "state size differs from leaves"
        return _failed(frontier, checked, index=min(stored.size, frontier.size), why=why)
    if stored != frontier:
        why = "state frontier differs from the rebuilt tree"
        return _failed(frontier, checked, index=frontier.size, why=why)
    return VerifyReport(ok=True, leaves=frontier.size, checkpoints=checked)
