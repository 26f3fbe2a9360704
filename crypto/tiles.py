"""C2SP tlog-tiles: the names of hash tiles and which leaves and tree nodes each one covers.

A hash tile at level L, index N and width W (1..256; 256 is a full tile) holds the W
Merkle Tree Hashes of the perfect subtrees of height 8L at indices N*256 .. N*256+W-1,
in order, 32 bytes each. Level 0 tiles hold leaf hashes.

Invariants:
- `parse_tile_path` accepts exactly the canonical names `tile_path` writes and nothing
  else: L in 0..63 without leading zeros; N in 3-digit groups, all but the last prefixed
  `x`, with no leading all-zero group; `.p/W` only for W in 1..255 without leading zeros.
  Every other spelling of a tile is refused, so one tile has one URL and one cache entry.
- A tile of width W at (L, N) is wholly inside a tree of `size` leaves iff its end leaf,
  (N*256 + W) * 256**L, is at most `size`; no tile reaches past the tree it is served for.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

TILE_HEIGHT = 8
TILE_WIDTH = 1 << TILE_HEIGHT
HASH_SIZE = 32
MAX_LEVEL = 63
# Indices beyond a 64-bit tree never occur; seven 3-digit groups hold every one of them.
_MAX_GROUPS = 7

_LEVEL = re.compile(r"0|[1-9][0-9]?")
_GROUP = re.compile(r"x[0-9]{3}")
_LAST = re.compile(r"([0-9]{3})(\.p)?")
_WIDTH = re.compile(r"[1-9][0-9]{0,2}")


class TilePathError(ValueError):
    """A tile path that is not the canonical name of any tile."""


@dataclass(frozen=True, slots=True)
class TileRef:
    """One hash tile: its level, its index within the level and its width (256 if full)."""

    level: int
    index: int
    width: int = TILE_WIDTH

    def __post_init__(self) -> None:
        if not 0 <= self.level <= MAX_LEVEL:
            raise TilePathError(f"tile level {self.level} is outside 0..{MAX_LEVEL}")
        if self.index < 0:
            raise TilePathError("a tile index is never negative")
        if not 1 <= self.width <= TILE_WIDTH:
            raise TilePathError(f"tile width {self.width} is outside 1..{TILE_WIDTH}")

    @property
    def full(self) -> bool:
        """Whether this is a full tile (256 hashes)."""
        return self.width == TILE_WIDTH

    @property
    def node_level(self) -> int:
        """The Merkle level (height above the leaves) of the hashes in this tile."""
        return self.level * TILE_HEIGHT

    @property
    def first_node(self) -> int:
        """The index, at `node_level`, of the first hash in this tile."""
        return self.index * TILE_WIDTH

    @property
    def end_leaf(self) -> int:
        """One past the last leaf the tile's hashes cover."""
        return (self.first_node + self.width) << self.node_level

    def within(self, size: int) -> bool:
        """Whether every hash of this tile is a perfect subtree of the tree of `size` leaves."""
        return self.end_leaf <= size


def encode_index(index: int) -> str:
    """N as tlog-tiles writes it: 3-digit groups, all but the last prefixed with `x`."""
    if index < 0:
        raise TilePathError("a tile index is never negative")
    groups = [f"{index % 1000:03d}"]
    index //= 1000
    while index:
        groups.append(f"x{index % 1000:03d}")
        index //= 1000
    return "/".join(reversed(groups))


def tile_path(ref: TileRef) -> str:
    """The path of a hash tile below the log prefix: `tile/<L>/<N>[.p/<W>]`."""
    path = f"tile/{ref.level}/{encode_index(ref.index)}"
    return path if ref.full else f"{path}.p/{ref.width}"


def parse_tile_path(path: str) -> TileRef:
    """The tile a canonical path `<L>/<N>[.p/<W>]` (below `tile/`) names."""
    parts = path.split("/")
    if len(parts) < 2 or _LEVEL.fullmatch(parts[0]) is None:
        raise TilePathError("a tile path starts with its level, 0 to 63")
    level = int(parts[0])
    if level > MAX_LEVEL:
        raise TilePathError("a tile path starts with its level, 0 to 63")
    rest = parts[1:]
    # Find the last group of the index: the first that does not start with "x".
    last = next((i for i, part in enumerate(rest) if not part.startswith("x")), None)
    if last is None or last >= _MAX_GROUPS:
        raise TilePathError("a tile index is 3-digit groups, all but the last led by x")
    groups, final = rest[:last], _LAST.fullmatch(rest[last])
    if final is None or any(_GROUP.fullmatch(g) is None for g in groups):
        raise TilePathError("a tile index is 3-digit groups, all but the last led by x")
    if groups and groups[0] == "x000":
        raise TilePathError("a tile index has no leading group of zeros")
    index = int("".join(g[1:] for g in groups) + final.group(1))
    trailing = rest[last + 1 :]
    if final.group(2) is None:
        if trailing:
            raise TilePathError("nothing follows a full tile's index")
        return TileRef(level=level, index=index)
    if len(trailing) != 1 or _WIDTH.fullmatch(trailing[0]) is None:
        raise TilePathError("a partial tile ends in .p/<W>, W from 1 to 255")
    width = int(trailing[0])
    if width >= TILE_WIDTH:
        raise TilePathError("a partial tile ends in .p/<W>, W from 1 to 255")
    return TileRef(level=level, index=index, width=width)


def tile_bytes(hashes: list[bytes]) -> bytes:
    """The body of a tile: its hashes concatenated, each exactly 32 bytes."""
    if not 1 <= len(hashes) <= TILE_WIDTH or any(len(h) != HASH_SIZE for h in hashes):
        raise ValueError("a tile holds 1 to 256 hashes of 32 bytes")
    return b"".join(hashes)
