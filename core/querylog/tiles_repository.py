"""SQL for the public tiles of the query log: runs of stored leaf hashes and cached nodes."""

from __future__ import annotations

from sqlalchemy import bindparam, select
from sqlmodel import Session

from core.models.querylog import LogLeaf, LogNode
from core.prepared import run, table

_LEAF = table(LogLeaf)
_NODE = table(LogNode)
# At most 256 rows a tile, read by primary key range: prepared once, compiled once per engine.
_LEAF_HASHES = (
    select(_LEAF.c.leaf_hash)
    .where(_LEAF.c.idx >= bindparam("start"), _LEAF.c.idx < bindparam("stop"))
    .order_by(_LEAF.c.idx)
)
_NODE_DIGESTS = (
    select(_NODE.c.digest)
    .where(
        _NODE.c.level == bindparam("level"),
        _NODE.c["index"] >= bindparam("start"),
        _NODE.c["index"] < bindparam("stop"),
    )
    .order_by(_NODE.c["index"])
)


def leaf_hashes(session: Session, *, start: int, stop: int) -> list[bytes]:
    """The stored leaf hashes with start <= idx < stop, in index order."""
    rows = run(session, _LEAF_HASHES, {"start": start, "stop": stop})
    return [bytes(r[0]) for r in rows]


def node_digests(session: Session, *, level: int, start: int, stop: int) -> list[bytes]:
    """The cached node digests of one level (>= 1) with start <= index < stop, in order."""
    rows = run(session, _NODE_DIGESTS, {"level": level, "start": start, "stop": stop})
    return [bytes(r[0]) for r in rows]
