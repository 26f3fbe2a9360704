"""Failing closed (SPEC §6, §12): the log key signs nothing over a log that does not rehash.

Invariants:
- `check_before_signing` passes only when the latest stored checkpoint opens under the log
  key and names its stored size and root, that root is reproduced by the stored nodes of
  the tree at its size (its compact range: O(log n) reads), every leaf appended since is
  dense, rehashes from its stored body and is canonical JSON, every node those leaves
  complete equals the stored node, and the tree so rebuilt is the state row's frontier
  (and the tree the caller is about to sign). So the new tree extends the signed one, and
  nothing signed since it has changed. It costs one hash and one node comparison per leaf
  since that checkpoint and O(log n) statements, whatever the log's size.
- While a halt is open (`core.models.log_integrity.LogHalt`), nothing is signed and the
  check refuses at once with `LogHalted`.
- Nothing here commits: a failure raises `LogIntegrityFailure` inside the caller's
  transaction, which must be rolled back; `record_halt` then stores the halt in a
  transaction of its own (the failing one may hold the database's write lock).
- No message carries personal data: problems are fixed wording with leaf indices and
  checkpoint sizes.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import NoReturn

from sqlalchemy import Engine
from sqlmodel import Session

from core.errors import DomainError
from core.models.querylog import LogCheckpoint
from core.querylog import integrity_repository as halt_repo
from core.querylog import repository as repo
from core.querylog.leaves import CanonicalBodies
from crypto.checkpoint import CheckpointError, open_checkpoint
from crypto.log_signer import LogSigner
from crypto.merkle import CompactRange, Node, leaf_hashes

log = logging.getLogger("credence.querylog")
CHECK_CHUNK = 4096  # leaves read per statement while checking
RETRY_AFTER_SECONDS = 600  # a halt lasts until an operator clears it
_DETAIL = (
    "the query log failed an integrity check; agency queries are not answered and no "
    "checkpoint is signed until an operator has investigated and cleared it"
)


class LogIntegrityFailure(DomainError):
    """The stored log does not reproduce what was signed, or does not rehash since."""

    type_slug = "log-integrity-failure"
    title = "The query log failed its integrity check"
    retry_after_seconds = RETRY_AFTER_SECONDS

    def __init__(
        self,
        problem: str,
        *,
        found_by: str = "signing",
        bad_index: int | None = None,
        bad_checkpoint: int | None = None,
    ) -> None:
        super().__init__(_DETAIL, rule="log_integrity")
        self.problem = problem
        self.found_by = found_by
        self.bad_index = bad_index
        self.bad_checkpoint = bad_checkpoint

    def where(self) -> str:
        """Where the check failed: a leaf index or a checkpoint size, if it could say."""
        if self.bad_index is not None:
            return f"index {self.bad_index}"
        if self.bad_checkpoint is not None:
            return f"checkpoint of size {self.bad_checkpoint}"
        return "the log"


class LogHalted(LogIntegrityFailure):
    """A halt is open: refused before anything is checked or signed."""

    def __init__(self) -> None:
        super().__init__("the query log is halted")


@dataclass(frozen=True, slots=True)
class Checked:
    """What a check passed on: the latest stored checkpoint and the tree rebuilt."""

    latest: LogCheckpoint | None
    tree: CompactRange
    rehashed: int  # leaves rehashed from their bodies


def check_before_signing(
    *, session: Session, signer: LogSigner, tree: CompactRange | None = None, lock: bool = False
) -> Checked:
    """Check the log since its latest signed checkpoint; raise `LogIntegrityFailure` if not.

    `tree` is the tree about to be signed (the caller's append's frontier); `lock` takes
    the state row's lock first, for callers that did not append (so no append moves the
    tree between the check and the signature).
    """
    if halt_repo.is_halted(session):
        raise LogHalted()
    if lock:
        repo.lock_state(session)
    latest = repo.latest_checkpoint(session)
    start = 0 if latest is None else latest.size
    return check_log(session=session, signer=signer, start=start, latest=latest, tree=tree)


def check_recent(*, session: Session, signer: LogSigner, leaves: int) -> Checked:
    """The start-up check: the last `leaves` leaves and nodes, and the latest checkpoint."""
    latest = repo.latest_checkpoint(session)
    state = repo.read_state(session)
    size = 0 if state is None else state.size
    start = max(0, min(size - max(leaves, 0), size))
    return check_log(session=session, signer=signer, start=start, latest=latest, found="start-up")


def check_log(
    *,
    session: Session,
    signer: LogSigner,
    start: int,
    latest: LogCheckpoint | None,
    tree: CompactRange | None = None,
    found: str = "signing",
) -> Checked:
    """Rehash leaves [start, size) onto the stored compact range at `start`, compare the
    nodes they complete and the state row, and check `latest` against the stored nodes."""

    def fail(problem: str, *, index: int | None = None, cp: int | None = None) -> NoReturn:
        raise LogIntegrityFailure(problem, found_by=found, bad_index=index, bad_checkpoint=cp)

    state = repo.read_state(session)
    try:
        stored = CompactRange() if state is None else CompactRange.from_bytes(state.frontier)
    except ValueError:
        fail("state frontier does not decode", index=0 if state is None else state.size)
    size = stored.size
    if state is not None and state.size != size:
        fail("state size differs from its frontier", index=min(state.size, size))
    if latest is not None and latest.size > size:
        fail("checkpoint is larger than the log", cp=latest.size)
    nodes = repo.SessionNodes(session, size)
    try:
        frontier = CompactRange.from_source(nodes, start)
    except LookupError:
        fail("a stored node of the compact range is missing", index=start)
    if latest is not None:
        signed = frontier if latest.size == start else None
        _check_checkpoint(latest, signed, nodes, signer, fail)
    canonical = CanonicalBodies()
    at = start
    while at < size:
        indices, hashes, bodies = repo.leaf_run(
            session, start=at, limit=min(CHECK_CHUNK, size - at)
        )
        if indices != list(range(at, at + len(indices))) or not indices:
            missing = next((i for i, x in enumerate(indices, at) if x != i), at + len(indices))
            fail("leaf missing", index=missing)
        computed = leaf_hashes(bodies)
        for idx, mine, theirs, body in zip(indices, computed, hashes, bodies, strict=True):
            if mine != theirs:
                fail("leaf hash does not match its body", index=idx)
            if not canonical(body):
                fail("leaf body is not canonical JSON", index=idx)
        completed: list[Node] = []
        for h in computed:
            completed.extend(n for n in frontier.append(h) if n.level > 0)
        bad = _first_stored_mismatch(session, completed)
        if bad is not None:
            lo, hi = bad.index << bad.level, (bad.index + 1) << bad.level
            fail(f"cached node over leaves [{lo}, {hi}) does not match them", index=lo)
        at += len(indices)
    if frontier != stored:
        fail("state frontier differs from the rebuilt tree", index=size)
    if tree is not None and tree != frontier:
        fail("the tree to be signed differs from the rebuilt tree", index=size)
    return Checked(latest=latest, tree=frontier, rehashed=size - start)


def _check_checkpoint(
    latest: LogCheckpoint,
    signed: CompactRange | None,
    nodes: repo.SessionNodes,
    signer: LogSigner,
    fail: Callable[..., NoReturn],
) -> None:
    try:
        opened = open_checkpoint(latest.note, signer.name, signer.public_key)
    except CheckpointError:
        fail("checkpoint note does not open", cp=latest.size)
    if opened.size != latest.size or opened.root != latest.root:
        fail("checkpoint note differs from its stored size or root", cp=latest.size)
    try:
        # Its compact range as the stored nodes hold it (already read when it is `signed`).
        tiles = signed if signed is not None else CompactRange.from_source(nodes, latest.size)
        root = tiles.root()
    except LookupError:
        fail("a stored node under the checkpoint is missing", cp=latest.size)
    if root != latest.root:
        fail("checkpoint root differs from the stored nodes", cp=latest.size)


def _first_stored_mismatch(session: Session, completed: Sequence[Node]) -> Node | None:
    """The first computed node (by leaf position) whose stored node differs or is missing."""
    by_level: dict[int, list[Node]] = {}
    for node in completed:
        by_level.setdefault(node.level, []).append(node)
    bad: list[Node] = []
    for level, row in by_level.items():
        # An append completes the nodes of a level in index order, one after another.
        stored = repo.node_run(session, level=level, start=row[0].index, stop=row[-1].index + 1)
        for i, node in enumerate(row):
            if i >= len(stored) or stored[i] != node.digest:
                bad.append(node)
                break
    return min(bad, key=lambda n: (n.index << n.level, -n.level), default=None)


def is_halted(*, session: Session) -> bool:
    """Whether a halt is open."""
    return halt_repo.is_halted(session)


def record_halt(*, engine: Engine, failure: LogIntegrityFailure, now: datetime) -> bool:
    """Store an open halt for a failure, in a transaction of its own; True if it is new."""
    if isinstance(failure, LogHalted):
        return False
    with Session(engine) as session:
        if halt_repo.is_halted(session):
            session.rollback()
            return False
        halt_repo.add_halt(
            session,
            now=now,
            found_by=failure.found_by,
            problem=failure.problem,
            bad_index=failure.bad_index,
            bad_checkpoint=failure.bad_checkpoint,
        )
        session.commit()
    # Fixed wording, indices and sizes only: nothing personal.
    log.error(
        "query log integrity failure (found by %s) at %s: %s; signing and agency queries "
        "are halted until `credence log clear-halt`",
        failure.found_by,
        failure.where(),
        failure.problem,
    )
    return True


class HaltWatch:
    """One process's view of the halt: set at once by its own findings, re-read from the
    database at most every `every` (what another process found), on the project clock."""

    def __init__(self, every: timedelta = timedelta(seconds=1)) -> None:
        self._every = every
        self._lock = threading.Lock()
        self._halted = False
        self._read_at: datetime | None = None

    @property
    def halted(self) -> bool:
        """Whether the log was halted when last seen."""
        return self._halted

    def due(self, now: datetime) -> bool:
        """Whether the database should be asked again."""
        read_at = self._read_at
        return read_at is None or not read_at <= now < read_at + self._every

    def refresh(self, engine: Engine, now: datetime) -> bool:
        """Ask the database; return whether the log is halted."""
        with Session(engine) as session:
            halted = halt_repo.is_halted(session)
            session.rollback()
        self.mark(halted, now)
        return halted

    def mark(self, halted: bool, now: datetime) -> None:
        """Set what is known now."""
        with self._lock:
            self._halted, self._read_at = halted, now
