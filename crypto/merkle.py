"""RFC 9162 Merkle tree over SHA-256 for the tamper-evident query log.

Invariants:
- Leaf and node hashes are domain-separated (prefix 0x00 for a leaf, 0x01 for an
  interior node), so a leaf can never be passed off as a node or the reverse; the
  root of the empty tree is SHA-256 of the empty string.
- A tree of n > 1 leaves splits at k, the largest power of two strictly below n.
  Every proof here, generated or verified, walks that same split, so a statement
  (an index in a tree size, or a subtree [start, end) in a tree size) has exactly
  one proof.
- A subtree [start, end) is valid when start <= end and start is a multiple of
  BIT_CEIL(end - start) (the Merkle Tree Certificates definition); exactly those
  ranges are nodes of some tree, and only those are accepted.
- The frontier (`CompactRange`) holds exactly one hash per set bit of its size,
  largest subtree first, so appending and taking the root each touch O(log n)
  hashes and the frontier persists as at most 64 hashes plus the size.
- Verifiers need only the proof and the claimed sizes and hashes, never the tree;
  they return None on success and raise `ProofError` (a ValueError) naming what
  failed. Sizes and indices are unsigned 64-bit integers, as in RFC 9162.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Protocol, runtime_checkable

HASH_SIZE = 32
MAX_SIZE = (1 << 64) - 1
EMPTY_ROOT = hashlib.sha256(b"").digest()

_LEAF_PREFIX = b"\x00"
_NODE_PREFIX = b"\x01"
_SIZE_BYTES = 8


class ProofError(ValueError):
    """A proof, or a size, index or hash it was checked with, does not verify."""


def leaf_hash(data: bytes) -> bytes:
    """The hash of one log entry: SHA-256(0x00 || data)."""
    return hashlib.sha256(_LEAF_PREFIX + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """The hash of an interior node: SHA-256(0x01 || left || right)."""
    return hashlib.sha256(_NODE_PREFIX + left + right).digest()


def leaf_hashes(bodies: Iterable[bytes]) -> list[bytes]:
    """`leaf_hash` of each log entry, in order (one tight loop, for auditing many at once)."""
    sha256 = hashlib.sha256
    return [sha256(_LEAF_PREFIX + data).digest() for data in bodies]


def perfect_levels(leaves: Sequence[bytes]) -> list[list[bytes]]:
    """Every perfect node over a run of leaf hashes, level by level.

    Level 0 is the leaves; level l + 1 hashes level l in pairs, a trailing odd node having
    no parent yet. When the run starts at a multiple of 2**top (top being the highest level
    returned), node i of level l is the tree's perfect node (l, start // 2**l + i).
    """
    sha256 = hashlib.sha256
    levels = [list(leaves)]
    row = levels[0]
    while len(row) > 1:
        pairs = iter(row)
        # One iterator zipped with itself yields (row[0], row[1]), (row[2], row[3]), ...;
        # not strict: an odd last node is left out.
        row = [
            sha256(_NODE_PREFIX + left + right).digest()
            for left, right in zip(pairs, pairs, strict=False)
        ]
        levels.append(row)
    return levels


def is_valid_subtree(start: int, end: int) -> bool:
    """Whether [start, end) is a subtree: start <= end, start a multiple of BIT_CEIL(end-start)."""
    return 0 <= start <= end and start % _bit_ceil(end - start) == 0


def _bit_ceil(n: int) -> int:
    return 1 if n <= 1 else 1 << (n - 1).bit_length()


def _split(n: int) -> int:
    # The largest power of two strictly below n, for n >= 2: where MTH splits.
    return 1 << ((n - 1).bit_length() - 1)


def _fold(hashes: Sequence[bytes]) -> bytes:
    # Perfect subtrees listed largest first hash together right to left, exactly as
    # MTH recurses down the right edge of a tree.
    if not hashes:
        return EMPTY_ROOT
    acc = hashes[-1]
    for h in reversed(hashes[:-1]):
        acc = node_hash(h, acc)
    return acc


def _perfect_cover(start: int, end: int) -> list[tuple[int, int]]:
    """(level, index) of the perfect subtrees, largest first, that tile a valid subtree."""
    cover: list[tuple[int, int]] = []
    lo = start
    width = end - start
    for level in range(width.bit_length() - 1, -1, -1):
        if (width >> level) & 1:
            cover.append((level, lo >> level))
            lo += 1 << level
    return cover


@dataclass(frozen=True, slots=True)
class Node:
    """A perfect subtree: 2**level leaves starting at leaf index * 2**level, and its hash."""

    level: int
    index: int
    digest: bytes


@runtime_checkable
class NodeSource(Protocol):
    """Read access to the perfect subtrees of a log (in memory, or a table of cached nodes)."""

    @property
    def size(self) -> int:
        """Number of leaves the source holds."""
        ...

    def node(self, level: int, index: int) -> bytes:
        """Hash of the perfect subtree over leaves [index * 2**level, (index + 1) * 2**level)."""
        ...


class MemoryTree:
    """An in-memory `NodeSource` over a list of leaf hashes that keeps every perfect node."""

    __slots__ = ("_levels",)

    def __init__(self, leaf_hashes: Iterable[bytes] = ()) -> None:
        # _levels[l][i] is the perfect node (l, i); level l holds size >> l nodes.
        self._levels: list[list[bytes]] = [[]]
        for h in leaf_hashes:
            self.append(h)

    @property
    def size(self) -> int:
        """Number of leaves."""
        return len(self._levels[0])

    def append(self, leaf: bytes) -> None:
        """Add one leaf hash, completing its perfect ancestors (amortised O(1))."""
        _require_hash("leaf hash", leaf, ValueError)
        if self.size >= MAX_SIZE:
            raise ValueError("the tree is full")
        self._levels[0].append(leaf)
        level = 0
        while len(self._levels[level]) % 2 == 0:
            row = self._levels[level]
            parent = node_hash(row[-2], row[-1])
            level += 1
            if level == len(self._levels):
                self._levels.append([])
            self._levels[level].append(parent)

    def node(self, level: int, index: int) -> bytes:
        """Hash of the perfect node (level, index); IndexError if it is not complete yet."""
        if level < 0 or index < 0 or level >= len(self._levels):
            raise IndexError(f"no perfect node at level {level}, index {index}")
        row = self._levels[level]
        if index >= len(row):
            raise IndexError(f"no perfect node at level {level}, index {index}")
        return row[index]

    def leaf(self, index: int) -> bytes:
        """The leaf hash at an index."""
        return self.node(0, index)

    def root(self, size: int | None = None) -> bytes:
        """Root of the tree made of the first `size` leaves (all of them by default)."""
        return range_hash(self, 0, self.size if size is None else size)


def _require_hash(what: str, value: object, error: type[ValueError]) -> None:
    if not isinstance(value, bytes) or len(value) != HASH_SIZE:
        got = f"{len(value)} bytes" if isinstance(value, bytes) else type(value).__name__
        raise error(f"{what} must be {HASH_SIZE} bytes, got {got}")


def range_hash(source: NodeSource, start: int, end: int) -> bytes:
    """MTH of the valid subtree [start, end), read from O(log n) perfect nodes of a source."""
    if not is_valid_subtree(start, end):
        raise ValueError(f"[{start}, {end}) is not a valid subtree")
    if end > source.size:
        raise ValueError(f"[{start}, {end}) reaches past the {source.size} leaves available")
    return _fold([source.node(level, index) for level, index in _perfect_cover(start, end)])


def subtree_root(leaves: Sequence[bytes], start: int = 0, end: int | None = None) -> bytes:
    """MTH of the leaf hashes leaves[start:end] (the whole list by default), in O(n)."""
    stop = len(leaves) if end is None else end
    if not 0 <= start <= stop <= len(leaves):
        raise ValueError(f"[{start}, {stop}) is not a range of {len(leaves)} leaves")
    frontier = CompactRange()
    for h in leaves[start:stop]:
        frontier.append(h)
    return frontier.root()


class CompactRange:
    """The frontier of a log: roots of the perfect subtrees covering [0, size), largest first."""

    __slots__ = ("_hashes", "_size")

    def __init__(self) -> None:
        self._size = 0
        self._hashes: list[bytes] = []

    @classmethod
    def from_hashes(cls, size: int, hashes: Iterable[bytes]) -> CompactRange:
        """Rebuild a persisted frontier, checking one 32-byte hash per set bit of the size."""
        if isinstance(size, bool) or not isinstance(size, int) or not 0 <= size <= MAX_SIZE:
            raise ValueError(f"frontier size must be in [0, 2**64), got {size!r}")
        stored = list(hashes)
        if len(stored) != size.bit_count():
            raise ValueError(
                f"a frontier of size {size} holds {size.bit_count()} hashes, got {len(stored)}"
            )
        for i, h in enumerate(stored):
            _require_hash(f"frontier hash {i}", h, ValueError)
        frontier = cls()
        frontier._size = size
        frontier._hashes = stored
        return frontier

    @classmethod
    def from_bytes(cls, data: bytes) -> CompactRange:
        """Decode `to_bytes` output: 8-byte big-endian size, then the hashes."""
        if len(data) < _SIZE_BYTES or (len(data) - _SIZE_BYTES) % HASH_SIZE:
            raise ValueError(f"a serialised frontier cannot be {len(data)} bytes long")
        size = int.from_bytes(data[:_SIZE_BYTES], "big")
        body = data[_SIZE_BYTES:]
        hashes = [body[i : i + HASH_SIZE] for i in range(0, len(body), HASH_SIZE)]
        return cls.from_hashes(size, hashes)

    @classmethod
    def from_source(cls, source: NodeSource, size: int | None = None) -> CompactRange:
        """The frontier of the first `size` leaves of a source (all of them by default)."""
        n = source.size if size is None else size
        if not 0 <= n <= source.size:
            raise ValueError(f"size {n} is outside the {source.size} leaves available")
        return cls.from_hashes(n, [source.node(lv, ix) for lv, ix in _perfect_cover(0, n)])

    @property
    def size(self) -> int:
        """Number of leaves covered."""
        return self._size

    @property
    def hashes(self) -> tuple[bytes, ...]:
        """The frontier hashes, largest subtree first."""
        return tuple(self._hashes)

    def nodes(self) -> tuple[Node, ...]:
        """The frontier as perfect nodes with their positions, largest first."""
        cover = _perfect_cover(0, self._size)
        return tuple(Node(lv, ix, h) for (lv, ix), h in zip(cover, self._hashes, strict=True))

    def append(self, leaf: bytes) -> tuple[Node, ...]:
        """Add a leaf hash; return the perfect nodes it completes (the leaf first, then parents)."""
        _require_hash("leaf hash", leaf, ValueError)
        n = self._size
        if n >= MAX_SIZE:
            raise ValueError("the log is full")
        completed = [Node(0, n, leaf)]
        digest = leaf
        level = 0
        # Each trailing one bit of n is a same-sized left sibling waiting to be merged.
        while (n >> level) & 1:
            digest = node_hash(self._hashes.pop(), digest)
            level += 1
            completed.append(Node(level, n >> level, digest))
        self._hashes.append(digest)
        self._size = n + 1
        return tuple(completed)

    def extend(self, leaves: Iterable[bytes]) -> None:
        """Append several leaf hashes in order."""
        for h in leaves:
            self.append(h)

    def root(self) -> bytes:
        """The tree root of the leaves covered so far."""
        return _fold(self._hashes)

    def to_bytes(self) -> bytes:
        """Serialise as the 8-byte big-endian size followed by the hashes."""
        return self._size.to_bytes(_SIZE_BYTES, "big") + b"".join(self._hashes)

    def copy(self) -> CompactRange:
        """An independent copy."""
        return CompactRange.from_hashes(self._size, self._hashes)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, CompactRange):
            return NotImplemented
        return self._size == other._size and self._hashes == other._hashes

    def __repr__(self) -> str:
        return f"CompactRange(size={self._size}, root={self.root().hex()})"


# --- proof shape -------------------------------------------------------------------------


class _Turn(Enum):
    LEFT = "left"  # target in the left child; the sibling is the right child, after the target
    RIGHT = "right"  # target in the right child; the sibling is the left child, before it
    SPLIT = "split"  # target straddles the split; the left child lies inside the target


@dataclass(frozen=True, slots=True)
class _Step:
    turn: _Turn
    lo: int  # the sibling covers leaves [lo, hi)
    hi: int


@dataclass(frozen=True, slots=True)
class _Path:
    steps: tuple[_Step, ...]  # from the top of the tree down
    known: bool  # the target is itself a node, so the verifier already holds its hash
    base: tuple[int, int]  # the node the descent ends on

    @property
    def proof_length(self) -> int:
        return len(self.steps) + (0 if self.known else 1)


def _walk(start: int, end: int, lo: int, hi: int) -> _Path:
    """Descend from node [lo, hi) to the non-empty valid subtree [start, end) inside it."""
    steps: list[_Step] = []
    known = True
    while (start, end) != (lo, hi):
        mid = lo + _split(hi - lo)
        if end <= mid:
            steps.append(_Step(_Turn.LEFT, mid, hi))
            hi = mid
        elif start >= mid:
            steps.append(_Step(_Turn.RIGHT, lo, mid))
            lo = mid
        else:
            # Only a subtree starting at lo can straddle the split; the callers have
            # checked validity, so this is a guard against misuse, not a verdict.
            if start != lo:
                raise ProofError(f"[{start}, {end}) is not a valid subtree")
            steps.append(_Step(_Turn.SPLIT, lo, mid))
            start = lo = mid
            known = False
    return _Path(tuple(steps), known, (lo, hi))


def _chain(path: _Path, seed: bytes, proof: Sequence[bytes]) -> tuple[bytes, bytes]:
    """Recompute (target hash, root hash) bottom-up; seed is the target hash when it is known."""
    if len(proof) != path.proof_length:
        raise ProofError(f"proof has {len(proof)} hashes, expected {path.proof_length}")
    for i, h in enumerate(proof):
        _require_hash(f"proof hash {i}", h, ProofError)
    hashes = iter(proof)
    base = seed if path.known else next(hashes)
    target = root = base
    for step, sibling in zip(reversed(path.steps), hashes, strict=True):
        if step.turn is _Turn.LEFT:
            root = node_hash(root, sibling)
        elif step.turn is _Turn.RIGHT:
            root = node_hash(sibling, root)
        else:
            # A sibling inside the target contributes to both the target and the root.
            root = node_hash(sibling, root)
            target = node_hash(sibling, target)
    return target, root


def _check_u64(what: str, value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_SIZE:
        raise ProofError(f"{what} must be an integer in [0, 2**64), got {value!r}")


def _check_match(what: str, calculated: bytes, expected: bytes) -> None:
    if not isinstance(expected, bytes) or not hmac.compare_digest(calculated, expected):
        shown = expected.hex() if isinstance(expected, bytes) else repr(expected)
        raise ProofError(f"calculated {what} {calculated.hex()} does not match expected {shown}")


def _check_subtree(start: int, end: int) -> None:
    _check_u64("subtree start", start)
    _check_u64("subtree end", end)
    if start > end:
        raise ProofError(f"subtree start {start} is after its end {end}")
    if not is_valid_subtree(start, end):
        raise ProofError(f"[{start}, {end}) is not a valid subtree")


# --- verification ------------------------------------------------------------------------


def root_from_inclusion_proof(leaf: bytes, index: int, size: int, proof: Sequence[bytes]) -> bytes:
    """The root a tree of `size` leaves must have if `proof` places `leaf` at `index`."""
    _check_u64("index", index)
    _check_u64("tree size", size)
    if index >= size:
        raise ProofError(f"index {index} is outside a tree of size {size}")
    _require_hash("leaf hash", leaf, ProofError)
    return _chain(_walk(index, index + 1, 0, size), leaf, proof)[1]


def verify_inclusion(
    leaf: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes
) -> None:
    """Check that `proof` places `leaf` at `index` in the tree of `size` leaves with `root`."""
    _check_match("root", root_from_inclusion_proof(leaf, index, size, proof), root)


def root_from_subtree_inclusion_proof(
    leaf: bytes, index: int, start: int, end: int, proof: Sequence[bytes]
) -> bytes:
    """The hash subtree [start, end) must have if `proof` places `leaf` at `index` in it."""
    _check_subtree(start, end)
    _check_u64("index", index)
    if start == end:
        raise ProofError(f"subtree [{start}, {end}) is empty and includes no leaf")
    if not start <= index < end:
        raise ProofError(f"index {index} is outside subtree [{start}, {end})")
    _require_hash("leaf hash", leaf, ProofError)
    return _chain(_walk(index, index + 1, start, end), leaf, proof)[1]


def verify_subtree_inclusion(
    leaf: bytes, index: int, start: int, end: int, proof: Sequence[bytes], root: bytes
) -> None:
    """Check that `proof` places `leaf` at `index` in subtree [start, end) with hash `root`."""
    calculated = root_from_subtree_inclusion_proof(leaf, index, start, end, proof)
    _check_match("subtree hash", calculated, root)


def root_from_subtree_consistency_proof(
    start: int, end: int, size: int, proof: Sequence[bytes], subtree_hash: bytes
) -> bytes:
    """The root a tree of `size` leaves must have if `proof` shows subtree [start, end) in it."""
    _check_subtree(start, end)
    _check_u64("tree size", size)
    if end > size:
        raise ProofError(f"subtree [{start}, {end}) ends past a tree of size {size}")
    if start == end:
        raise ProofError("an empty subtree is in every tree and fixes no root")
    target, root = _chain(_walk(start, end, 0, size), subtree_hash, proof)
    _check_match("subtree hash", target, subtree_hash)
    return root


def verify_subtree_consistency(
    start: int, end: int, size: int, proof: Sequence[bytes], subtree_hash: bytes, root: bytes
) -> None:
    """Check that subtree [start, end) with `subtree_hash` is in the tree of `size` with `root`."""
    _check_subtree(start, end)
    _check_u64("tree size", size)
    if end > size:
        raise ProofError(f"subtree [{start}, {end}) ends past a tree of size {size}")
    if start == end:
        # The empty subtree is trivially part of any tree; only its own hash is checked.
        if proof:
            raise ProofError(f"proof has {len(proof)} hashes, expected 0 for an empty subtree")
        _check_match("subtree hash", EMPTY_ROOT, subtree_hash)
        return
    calculated = root_from_subtree_consistency_proof(start, end, size, proof, subtree_hash)
    _check_match("root", calculated, root)


def root_from_consistency_proof(
    size1: int, size2: int, proof: Sequence[bytes], root1: bytes
) -> bytes:
    """The root of the tree of `size2` implied by `proof`, after checking it against `root1`."""
    _check_u64("size1", size1)
    _check_u64("size2", size2)
    if size1 > size2:
        raise ProofError(f"size1 {size1} is greater than size2 {size2}")
    if size1 == 0:
        # Every tree extends the empty one; such a proof would prove nothing.
        raise ProofError("a consistency proof from the empty tree is meaningless")
    return root_from_subtree_consistency_proof(0, size1, size2, proof, root1)


def verify_consistency(
    size1: int, size2: int, proof: Sequence[bytes], root1: bytes, root2: bytes
) -> None:
    """Check that the tree of `size1` with `root1` is a prefix of that of `size2` with `root2`."""
    _check_match("root2", root_from_consistency_proof(size1, size2, proof, root1), root2)


# --- generation --------------------------------------------------------------------------


def _as_source(source: NodeSource | Sequence[bytes]) -> NodeSource:
    # A list or tuple of leaf hashes is the only other kind; checking for it first skips
    # the runtime protocol check, which costs more than a whole proof's hashing here.
    if isinstance(source, list | tuple):
        return MemoryTree(source)
    if isinstance(source, NodeSource):
        return source
    return MemoryTree(source)


def _check_tree_size(size: int, source: NodeSource) -> None:
    if isinstance(size, bool) or not isinstance(size, int) or not 0 <= size <= source.size:
        raise ValueError(f"tree size {size!r} is outside the {source.size} leaves available")


def _proof_hashes(source: NodeSource, path: _Path) -> list[bytes]:
    proof = [] if path.known else [range_hash(source, *path.base)]
    proof.extend(range_hash(source, step.lo, step.hi) for step in reversed(path.steps))
    return proof


def inclusion_proof(index: int, size: int, source: NodeSource | Sequence[bytes]) -> list[bytes]:
    """RFC 9162 inclusion proof for leaf `index` in the tree of the first `size` leaves."""
    src = _as_source(source)
    _check_tree_size(size, src)
    if not 0 <= index < size:
        raise ValueError(f"index {index} is outside a tree of size {size}")
    return _proof_hashes(src, _walk(index, index + 1, 0, size))


def subtree_inclusion_proof(
    index: int, start: int, end: int, source: NodeSource | Sequence[bytes]
) -> list[bytes]:
    """Inclusion proof for leaf `index` in the valid, non-empty subtree [start, end)."""
    src = _as_source(source)
    if not is_valid_subtree(start, end) or start == end:
        raise ValueError(f"[{start}, {end}) is not a valid non-empty subtree")
    _check_tree_size(end, src)
    if not start <= index < end:
        raise ValueError(f"index {index} is outside subtree [{start}, {end})")
    return _proof_hashes(src, _walk(index, index + 1, start, end))


def subtree_consistency_proof(
    start: int, end: int, size: int, source: NodeSource | Sequence[bytes]
) -> list[bytes]:
    """Proof that the valid subtree [start, end) is part of the tree of the first `size` leaves."""
    src = _as_source(source)
    _check_tree_size(size, src)
    if not is_valid_subtree(start, end) or end > size:
        raise ValueError(f"[{start}, {end}) is not a valid subtree of a tree of size {size}")
    if start == end:
        return []
    return _proof_hashes(src, _walk(start, end, 0, size))


def consistency_proof(size1: int, size2: int, source: NodeSource | Sequence[bytes]) -> list[bytes]:
    """RFC 9162 consistency proof from the tree of `size1` leaves to the tree of `size2`."""
    src = _as_source(source)
    _check_tree_size(size2, src)
    if not 0 < size1 <= size2:
        raise ValueError(f"consistency proofs need 0 < size1 <= size2, got {size1}, {size2}")
    return _proof_hashes(src, _walk(0, size1, 0, size2))


__all__ = [
    "EMPTY_ROOT",
    "HASH_SIZE",
    "MAX_SIZE",
    "CompactRange",
    "MemoryTree",
    "Node",
    "NodeSource",
    "ProofError",
    "consistency_proof",
    "inclusion_proof",
    "is_valid_subtree",
    "leaf_hash",
    "leaf_hashes",
    "node_hash",
    "perfect_levels",
    "range_hash",
    "root_from_consistency_proof",
    "root_from_inclusion_proof",
    "root_from_subtree_consistency_proof",
    "root_from_subtree_inclusion_proof",
    "subtree_consistency_proof",
    "subtree_inclusion_proof",
    "subtree_root",
    "verify_consistency",
    "verify_inclusion",
    "verify_subtree_consistency",
    "verify_subtree_inclusion",
]
