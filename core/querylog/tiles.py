"""The query log in public (SPEC §6, §12): hash tiles, consistency proofs, checkpoint history.

Invariants:
- Everything here is bounded by the latest stored signed checkpoint, never by the log's
  current size: a tile, a proof or a listed checkpoint covers only leaves that a signed
  checkpoint already commits to, so nobody is shown a tree the log has not signed.
- Only hashes and signed notes are published. Leaf bodies (entry bundles) are not: they
  carry the ids of the entries an agency received, and every agency that received an
  entry (with the subject's name) could then read who else queried that person, sealed
  investigations included (docs/api.md, "The log as tiles").
- Nothing is written: every function only reads, in the caller's session.
"""

from __future__ import annotations

import base64

from sqlmodel import Session

from core import paging
from core.errors import InvalidInput, NotFound
from core.paging import Page
from core.querylog import proofs
from core.querylog import repository as repo
from core.querylog import tiles_repository as tiles_repo
from core.querylog.schemas import ConsistencyProof, PublishedCheckpoint
from crypto.tiles import TilePathError, TileRef, parse_tile_path, tile_bytes

_CHECKPOINTS = "checkpoints"


def signed_size(*, session: Session) -> int:
    """The size of the latest stored signed checkpoint (0 before the first one)."""
    latest = repo.latest_checkpoint(session)
    return 0 if latest is None else latest.size


def parse_tile(path: str) -> TileRef:
    """The tile a path below `tile/` names; InvalidInput unless it is the canonical name."""
    try:
        return parse_tile_path(path)
    except TilePathError as exc:
        raise InvalidInput(f"not a tile path: {exc}", rule="tile_path") from None


def hash_tile(*, session: Session, ref: TileRef) -> bytes:
    """The bytes of one hash tile, if the latest signed checkpoint covers all of it."""
    size = signed_size(session=session)
    if not ref.within(size):
        raise NotFound(f"no such tile in the signed tree of {size} leaves")
    start, stop = ref.first_node, ref.first_node + ref.width
    hashes = (
        tiles_repo.leaf_hashes(session, start=start, stop=stop)
        if ref.level == 0
        else repo.node_run(session, level=ref.node_level, start=start, stop=stop)
    )
    if len(hashes) != ref.width:
        # Inside a signed tree every leaf and every completed node is stored.
        raise LookupError(f"the log has lost hashes of tile {ref.level}/{ref.index}")
    return tile_bytes(hashes)


def consistency(*, session: Session, first: int, second: int) -> ConsistencyProof:
    """The consistency proof between two sizes, both within the latest signed checkpoint."""
    size = signed_size(session=session)
    if not 0 < first <= second:
        raise InvalidInput(
            f"a consistency proof needs 0 < from <= to, got {first} and {second}",
            rule="proof_sizes",
        )
    if second > size:
        raise InvalidInput(
            f"size {second} is past the latest signed checkpoint ({size} leaves)",
            rule="proof_sizes",
        )
    hashes = proofs.consistency(session=session, size1=first, size2=second)
    return ConsistencyProof(first=first, second=second, proof=[_b64(h) for h in hashes])


def checkpoint_history(
    *, session: Session, cursor: str | None, limit: int
) -> Page[PublishedCheckpoint]:
    """Stored signed checkpoints, smallest first; the cursor holds the last size served."""
    paging.check_limit(limit)
    start = 0
    if cursor is not None:
        (size,) = paging.read_cursor(cursor, scope=_CHECKPOINTS, shapes=(paging.COUNT,))
        if size == paging.NONE:
            raise paging.bad_cursor()
        start = int(size) + 1
    rows = repo.checkpoints_from(session, start=start, limit=limit + 1)
    page, next_cursor = paging.cut(
        rows, limit=limit, scope=_CHECKPOINTS, position=lambda r: (str(r.size),)
    )
    items = [PublishedCheckpoint(size=r.size, root=_b64(bytes(r.root)), note=r.note) for r in page]
    return Page(items=items, next_cursor=next_cursor)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")
