"""The tamper-evident query log (SPEC §6, §12): appending, checkpoints, proofs, audit.

Invariants:
- Leaf bodies are canonical JSON (sorted keys, compact separators, UTF-8) of flat
  fields holding pseudonyms and ids only; `append_leaves` refuses any other bytes, so
  a body re-encodes to itself and its leaf hash is reproducible by anyone.
- Leaf indices are dense, 0-based and assigned in append order under the lock on the
  single state row; a batch costs one state read and one state write, whatever its size.
- The state row holds the size and the compact-range frontier (one hash per set bit of
  the size), so append and root are O(log n); every interior node completed by an
  append is cached, so a proof reads O(log n) rows and never the whole log.
- Nothing here commits: the caller's transaction makes leaves, nodes and the new state
  visible together, or none of them.
- A checkpoint is a C2SP signed note over (origin, size, root) by the log's Ed25519
  key; at most one per size. `verify_log` trusts nothing stored: it re-hashes every
  body, re-proves it canonical, rebuilds the tree and checks every cached node, checkpoint
  and the state row, reading in bounded runs (O(log n) state besides one run).
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from core.errors import InvalidInput, KeysUnavailable, NotFound
from core.models.querylog import LogCheckpoint, LogState
from core.querylog import repository as repo
from crypto import secret_files
from crypto.checkpoint import (
    Checkpoint,
    CheckpointError,
    key_id,
    open_checkpoint,
    sign_checkpoint,
    verifier_key,
)
from crypto.merkle import (
    CompactRange,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    leaf_hashes,
    perfect_levels,
)
from crypto.receipt import build_receipt
from crypto.secret_files import SecretFileError

KEY_FILE_NAME = "query-log-key.json"
VERIFY_CHUNK = 8192  # leaves per read while verifying (a power of two)

_KEY_FILE_VERSION = 1
_MAX_KEY_FILE_BYTES = 16 * 1024
_Scalar = str | int | bool | None


class LogKeyError(KeysUnavailable):
    """The log signing key file is missing, malformed, or readable by others."""


# --- leaves ------------------------------------------------------------------------------


def _is_scalar(value: object) -> bool:
    # bool is an int subclass and passes as itself; float is refused (no canonical form).
    return value is None or isinstance(value, str | bool | int)


def canonical_leaf(fields: Mapping[str, object]) -> bytes:
    """The canonical JSON body of a leaf: flat str/int/bool/None (or lists of them) values."""
    if not isinstance(fields, Mapping):
        raise InvalidInput("a log leaf must be a mapping of fields")
    for key, value in fields.items():
        if not isinstance(key, str):
            raise InvalidInput("log leaf field names must be text")
        if isinstance(value, list):
            if not all(_is_scalar(v) for v in value):
                raise InvalidInput(f"log leaf field {key!r} holds a list of non-scalars")
        elif not _is_scalar(value):
            raise InvalidInput(f"log leaf field {key!r} has type {type(value).__name__}")
    try:
        text = json.dumps(dict(fields), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        return text.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidInput("log leaf text is not valid Unicode") from None


def _check_body(body: bytes) -> None:
    if not isinstance(body, bytes):
        raise InvalidInput("a log leaf body must be bytes")
    try:
        parsed = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        # RecursionError: arrays nested thousands deep, never canonical (values are flat).
        raise InvalidInput("a log leaf body must be canonical JSON") from None
    if not isinstance(parsed, dict) or canonical_leaf(parsed) != body:
        raise InvalidInput("a log leaf body must be canonical JSON")


def append_leaves(*, session: Session, bodies: Sequence[bytes], now: datetime) -> list[int]:
    """Append canonical leaf bodies in order under the state lock; return their indices."""
    if not bodies:
        return []
    start, _before, after, _checkpointed = _append(session, bodies, now)
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
    start, before, after, checkpointed = _append(session, [body], now)
    # The last leaf's audit path is the previous tree's frontier, smallest subtree first.
    return Appended(
        index=start,
        leaf_hash=leaf_hash(body),
        proof=list(reversed(before.hashes)),
        frontier=after,
        checkpointed=checkpointed,
    )


def _append(
    session: Session, bodies: Sequence[bytes], now: datetime
) -> tuple[int, CompactRange, CompactRange, int | None]:
    """Append under the state lock: the first new index, the frontiers before and after, and
    the largest stored checkpoint's size."""
    for body in bodies:
        _check_body(body)
    state = _locked_state(session, now)
    frontier = CompactRange.from_bytes(state.frontier)
    if state.size != frontier.size:
        raise RuntimeError("the query log state row is inconsistent with its frontier")
    before = CompactRange.from_bytes(state.frontier)
    start = frontier.size
    leaves: list[dict[str, object]] = []
    nodes: list[dict[str, object]] = []
    for body in bodies:
        h = leaf_hash(body)
        leaves.append({"idx": frontier.size, "leaf_hash": h, "body": body, "created_at": now})
        # Level 0 is the leaf itself, already stored in the leaf table.
        nodes.extend(
            {"level": n.level, "index": n.index, "digest": n.digest}
            for n in frontier.append(h)
            if n.level > 0
        )
    repo.insert_leaves(session, leaves)
    repo.insert_nodes(session, nodes)
    repo.write_state(session, size=frontier.size, frontier=frontier.to_bytes(), now=now)
    return start, before, frontier, state.checkpointed


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


# --- signing key -------------------------------------------------------------------------


class LogSigner:
    """The log's Ed25519 checkpoint key with its origin line and signed-note key name."""

    __slots__ = ("_private", "name", "origin")

    def __init__(self, private_key: Ed25519PrivateKey, *, origin: str, name: str) -> None:
        # Checkpoint and key-id rules validate origin and name now, not at first signature.
        Checkpoint(origin=origin, size=0, root=bytes(32))
        key_id(name, private_key.public_key())
        self._private = private_key
        self.origin = origin
        self.name = name

    @classmethod
    def load_or_create(cls, path: Path, *, origin: str, name: str) -> LogSigner:
        """The signer kept in `path` (a 0600 JSON file), generated there on first use."""
        if not path.exists():
            _create_key_file(path, origin=origin, name=name)
        signer = _read_key_file(path)
        if signer.origin != origin or signer.name != name:
            raise LogKeyError(f"log key file {path} belongs to another origin or key name")
        return signer

    @classmethod
    def for_data_dir(cls, data_dir: Path, *, origin: str, name: str) -> LogSigner:
        """The signer kept under the service's data directory."""
        return cls.load_or_create(data_dir / KEY_FILE_NAME, origin=origin, name=name)

    @property
    def public_key(self) -> Ed25519PublicKey:
        """The Ed25519 public key checkpoints verify with."""
        return self._private.public_key()

    def verifier_key(self) -> str:
        """The signed-note vkey string to publish (`name+keyid+base64 key`)."""
        return verifier_key(self.name, self.public_key)

    def sign(self, checkpoint: Checkpoint) -> str:
        """The checkpoint as a signed note."""
        return sign_checkpoint(checkpoint, self.name, self._private)

    def __repr__(self) -> str:
        return f"LogSigner(origin={self.origin!r}, key={self.verifier_key()!r})"


def _create_key_file(path: Path, *, origin: str, name: str) -> None:
    private = Ed25519PrivateKey.generate()
    LogSigner(private, origin=origin, name=name)  # validate before anything touches disk
    raw = private.private_bytes(
        serialization.Encoding.Raw,
        serialization.PrivateFormat.Raw,
        serialization.NoEncryption(),
    )
    content = json.dumps(
        {
            "version": _KEY_FILE_VERSION,
            "origin": origin,
            "name": name,
            "ed25519_private": base64.b64encode(raw).decode("ascii"),
        },
        indent=1,
    ).encode("utf-8")
    # Never replaces: when two processes start at once, both use the first one's key.
    secret_files.create_private(path, content)


def _read_key_file(path: Path) -> LogSigner:
    try:
        raw = secret_files.read_private(path, max_bytes=_MAX_KEY_FILE_BYTES)
    except SecretFileError as exc:
        raise LogKeyError(f"log key file {exc}") from None
    try:
        data = json.loads(raw)
        if data["version"] != _KEY_FILE_VERSION:
            raise ValueError("version")
        key = base64.b64decode(data["ed25519_private"], validate=True)
        private = Ed25519PrivateKey.from_private_bytes(key)
        return LogSigner(private, origin=str(data["origin"]), name=str(data["name"]))
    except (ValueError, TypeError, KeyError, binascii.Error, CheckpointError):
        # Never echo the file: it holds the private key.
        raise LogKeyError(f"log key file {path} is malformed") from None


# --- checkpoints -------------------------------------------------------------------------


def make_checkpoint(*, session: Session, signer: LogSigner, now: datetime) -> LogCheckpoint:
    """Sign the log's current size and root, unless the latest checkpoint has this size."""
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


def latest_checkpoint_note(*, session: Session) -> str:
    """The newest signed checkpoint note, as published to everyone."""
    latest = repo.latest_checkpoint(session)
    if latest is None:
        raise NotFound("the query log has no checkpoint yet")
    return latest.note


@dataclass(frozen=True, slots=True)
class Cadence:
    """When to store a checkpoint: after `every_leaves` new leaves, or `every` after the last."""

    every_leaves: int = 1000
    every: timedelta = timedelta(seconds=10)


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


# --- proofs ------------------------------------------------------------------------------


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
    return build_receipt(index, leaf, stored.size, proof, stored.note)


def receipt_for(*, signer: LogSigner, appended: Appended) -> dict[str, object]:
    """A receipt for a just-appended leaf against a checkpoint signed now for its tree."""
    tree = appended.frontier
    note = signer.sign(Checkpoint(origin=signer.origin, size=tree.size, root=tree.root()))
    return build_receipt(appended.index, appended.leaf_hash, tree.size, appended.proof, note)


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


def checkpoint_after_append(
    *, session: Session, signer: LogSigner, cadence: Cadence, appended: Appended, now: datetime
) -> LogCheckpoint | None:
    """`checkpoint_if_count_due` for a leaf just appended, deciding from the largest stored
    checkpoint its append read once it held the lock (so with no read of its own)."""
    tree, latest = appended.frontier, appended.checkpointed
    if latest is not None and (tree.size - latest < cadence.every_leaves or latest == tree.size):
        return None
    return _store_checkpoint(session, signer, tree, now)


def _store_checkpoint(
    session: Session, signer: LogSigner, tree: CompactRange, now: datetime
) -> LogCheckpoint | None:
    root = tree.root()
    note = signer.sign(Checkpoint(origin=signer.origin, size=tree.size, root=root))
    repo.add_checkpoint(session, size=tree.size, root=root, note=note, now=now)
    return repo.checkpoint_at(session, tree.size)


def fresh_receipt(*, session: Session, signer: LogSigner, index: int) -> dict[str, object]:
    """A receipt for leaf `index` against a checkpoint signed now for the current size.

    The checkpoint need not be stored: its holder can ask for a consistency proof from its
    size to any later published checkpoint, which is what binds the log to this answer.
    """
    frontier = current_frontier(session=session)
    size = frontier.size
    leaf = repo.leaf_hash_at(session, index)
    if leaf is None or not 0 <= index < size:
        raise NotFound("the log has no entry at this index")
    note = signer.sign(Checkpoint(origin=signer.origin, size=size, root=frontier.root()))
    proof = inclusion(session=session, index=index, size=size)
    return build_receipt(index, leaf, size, proof, note)


# --- audit -------------------------------------------------------------------------------
#
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


# Canonical bodies of the usual kind, as `canonical_leaf` writes them: a flat object whose
# strings need no escape and whose integers have at most 18 digits. Such a body, with its
# field names strictly increasing, is canonical by construction; any other body is judged
# by `_check_body` itself, so these patterns can make the audit faster, never looser.
# Possessive repeats: nothing here ever needs to give characters back, so none are tracked.
_STRING = r'"[^"\\\x00-\x1f]*+"'
_SCALAR = _STRING + r"|null|true|false|0|-?[1-9][0-9]{0,17}+"
_VALUE = rf"{_SCALAR}|\[(?:(?:{_SCALAR})(?:,(?:{_SCALAR}))*)?\]"
_FLAT_OBJECT = re.compile(rf"\{{(?:{_STRING}:(?:{_VALUE})(?:,{_STRING}:(?:{_VALUE}))*)?\}}")
# On a body `_FLAT_OBJECT` matched, field by field from the first: the names, in order.
_FIELD_NAMES = re.compile(rf'"([^"]*)":(?:{_VALUE})')
_MAX_SHAPES = 16
_CHECKPOINT_CHUNK = 1000


def _shape(names: Sequence[str]) -> re.Pattern[str]:
    """The flat objects with exactly these field names, in this order."""
    fields = ",".join(f'"{re.escape(n)}":(?:{_VALUE})' for n in names)
    return re.compile(rf"\{{{fields}\}}")


class CanonicalBodies:
    """Whether leaf bodies are canonical JSON: the same verdict as `append_leaves` gives, cheaper.

    A log holds few shapes (lists of field names), so each shape found is remembered (up to
    `_MAX_SHAPES`) as one pattern that checks a body's names, order and values in one pass.
    """

    __slots__ = ("_shapes",)

    def __init__(self) -> None:
        self._shapes: list[re.Pattern[str]] = []

    def __call__(self, body: bytes) -> bool:
        if isinstance(body, bytes):
            try:
                text = body.decode("utf-8")
            except UnicodeDecodeError:
                return False
            for shape in self._shapes:
                if shape.fullmatch(text) is not None:
                    return True
            if _FLAT_OBJECT.fullmatch(text) is not None:
                names = _FIELD_NAMES.findall(text)
                if names == sorted(set(names)):
                    if len(self._shapes) < _MAX_SHAPES:
                        self._shapes.append(_shape(names))
                    return True
        try:
            _check_body(body)
        except InvalidInput:
            return False
        return True


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


def verify_log(*, session: Session, signer_public_key: Ed25519PublicKey, name: str) -> VerifyReport:
    """Rebuild the tree from every stored body and check leaves, nodes, checkpoints, state."""
    state = repo.read_state(session)
    state_size = 0 if state is None else state.size
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
                _check_body(body)
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
