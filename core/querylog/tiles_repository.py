"""SQL for the public tiles of the query log: runs of stored leaf hashes (the cached
nodes of higher tiles are read with `repository.node_run`)."""

from __future__ import annotations

from sqlalchemy import bindparam, select
from sqlmodel import Session

from core.models.querylog import LogLeaf
from core.prepared import run, table

_LEAF = table(LogLeaf)
# At most 256 rows a tile, read by primary key range: prepared once, compiled once per engine.
_LEAF_HASHES = (
    select(_LEAF.c.leaf_hash)
    .where(_LEAF.c.idx >= bindparam("start"), _LEAF.c.idx < bindparam("stop"))
    .order_by(_LEAF.c.idx)
)


def leaf_hashes(session: Session, *, start: int, stop: int) -> list[bytes]:
    """The stored leaf hashes with start <= idx < stop, in index order."""
    rows = run(session, _LEAF_HASHES, {"start": start, "stop": stop})
    return [bytes(r[0]) for r in rows]
