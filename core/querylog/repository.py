"""SQL for the query log: leaves, the single state row, cached nodes and checkpoints."""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import Dialect, Select, bindparam, func, insert, select, update
from sqlalchemy.engine.interfaces import Compiled
from sqlmodel import Session, col

from core.models.querylog import STATE_ROW_ID, LogCheckpoint, LogLeaf, LogNode, LogState
from core.prepared import run, table

_STATE = table(LogState)
_CHECKPOINT = table(LogCheckpoint)
# The append path's statements are prepared (SPEC §12): built once, compiled once per engine.
_LATEST_CHECKPOINT_SIZE = select(func.max(_CHECKPOINT.c.size))
# SQLite has no row locks and FOR UPDATE is a no-op; a (no-op) write takes the database
# write lock now, so concurrent appenders queue on the busy timeout instead of failing later
# when their read snapshot can no longer be upgraded. It returns the row it locked, and the
# largest checkpoint: nothing else writes while the lock is held.
_LOCK_STATE_SQLITE = (
    update(_STATE)
    .where(_STATE.c.id == STATE_ROW_ID)
    .values(size=_STATE.c.size)
    .returning(_STATE.c.size, _STATE.c.frontier, _LATEST_CHECKPOINT_SIZE.scalar_subquery())
)
_LOCK_STATE = (
    select(_STATE.c.size, _STATE.c.frontier).where(_STATE.c.id == STATE_ROW_ID).with_for_update()
)
_WRITE_STATE = (
    update(_STATE)
    .where(_STATE.c.id == STATE_ROW_ID)
    .values(
        size=bindparam("new_size"), frontier=bindparam("new_frontier"), updated_at=bindparam("now")
    )
)
_INSERT_LEAF = insert(table(LogLeaf))
# A fixed key of the transaction-scoped advisory lock that fences the log's sequencer.
LOG_FENCE_KEY = 0x63726564656E6365  # "credence"
_FENCE = select(func.pg_advisory_xact_lock(LOG_FENCE_KEY))
_INSERT_NODE = insert(table(LogNode))


@dataclass(frozen=True, slots=True)
class LockedState:
    """The state row as locked for an append, and the largest stored checkpoint's size."""

    size: int
    frontier: bytes
    checkpointed: int | None  # None while no checkpoint is stored


def lock_state(session: Session) -> LockedState | None:
    """The state row, locked until the transaction ends (None before the first append),
    with the largest stored checkpoint's size as seen once the lock is held.

    SQLite: one statement, a no-op write returning both. PostgreSQL: the row lock, then the
    checkpoint read in a statement of its own, whose snapshot is taken after the lock is
    granted (a read in the locking statement would miss what the previous holder stored).
    """
    if session.get_bind().dialect.name == "sqlite":
        row = run(session, _LOCK_STATE_SQLITE).first()
        if row is None:
            return None
        checkpointed = row[2]
    else:
        row = run(session, _LOCK_STATE).first()
        if row is None:
            return None
        checkpointed = run(session, _LATEST_CHECKPOINT_SIZE).scalar()
    return LockedState(size=row[0], frontier=row[1], checkpointed=checkpointed)


def fence(session: Session) -> None:
    """Hold the log's advisory lock until the transaction ends (PostgreSQL): one sequencer
    appends at a time, whichever node it runs on. SQLite's one writer needs none."""
    if session.get_bind().dialect.name == "postgresql":
        run(session, _FENCE)


def read_state(session: Session) -> LogState | None:
    """The state row without locking it (for roots, proofs and checkpoints)."""
    stmt = (
        select(LogState)
        .where(col(LogState.id) == STATE_ROW_ID)
        .execution_options(populate_existing=True)
    )
    return session.execute(stmt).scalar_one_or_none()


def create_state(session: Session, *, size: int, frontier: bytes, now: datetime) -> None:
    """Insert the state row (first append only)."""
    session.execute(
        insert(LogState).values(id=STATE_ROW_ID, size=size, frontier=frontier, updated_at=now)
    )


def write_state(session: Session, *, size: int, frontier: bytes, now: datetime) -> None:
    """Overwrite the state row with a new size and frontier."""
    run(session, _WRITE_STATE, {"new_size": size, "new_frontier": frontier, "now": now})


def insert_leaves(session: Session, rows: Sequence[Mapping[str, object]]) -> None:
    """Insert leaf rows (idx, leaf_hash, body, created_at) in one executemany."""
    if rows:
        run(session, _INSERT_LEAF, list(rows))


def insert_nodes(session: Session, rows: Sequence[Mapping[str, object]]) -> None:
    """Insert cached node rows (level, index, digest) in one executemany."""
    if rows:
        run(session, _INSERT_NODE, list(rows))


def leaf_hash_at(session: Session, idx: int) -> bytes | None:
    """The stored leaf hash at an index."""
    stmt = select(col(LogLeaf.leaf_hash)).where(col(LogLeaf.idx) == idx)
    return session.execute(stmt).scalar_one_or_none()


def node_digest(session: Session, level: int, index: int) -> bytes | None:
    """The cached digest of the perfect node (level >= 1, index)."""
    stmt = select(col(LogNode.digest)).where(
        col(LogNode.level) == level, col(LogNode.index) == index
    )
    return session.execute(stmt).scalar_one_or_none()


def leaves_from(session: Session, *, start: int, limit: int) -> Sequence[tuple[int, bytes, bytes]]:
    """Up to `limit` leaves (idx, leaf_hash, body) with idx >= start, in index order."""
    stmt = (
        select(col(LogLeaf.idx), col(LogLeaf.leaf_hash), col(LogLeaf.body))
        .where(col(LogLeaf.idx) >= start)
        .order_by(col(LogLeaf.idx))
        .limit(limit)
    )
    return [(i, h, b) for i, h, b in session.execute(stmt).all()]


def nodes_from(
    session: Session, *, level: int, start: int, limit: int
) -> Sequence[tuple[int, bytes]]:
    """Up to `limit` cached nodes (index, digest) of one level with index >= start, in order."""
    stmt = (
        select(col(LogNode.index), col(LogNode.digest))
        .where(col(LogNode.level) == level, col(LogNode.index) >= start)
        .order_by(col(LogNode.index))
        .limit(limit)
    )
    return [(i, d) for i, d in session.execute(stmt).all()]


# --- bulk reads for `verify_log` ----------------------------------------------------------
#
# Auditing reads every leaf, cached node and checkpoint once, thousands per statement, so the
# cost per row is what counts: these run on the driver's own cursor, in the session's
# transaction, and return the driver's tuples (SQLAlchemy builds and compiles each statement
# once per dialect, but makes no result row of its own per row).

_LEAF = table(LogLeaf)
_NODE = table(LogNode)
_CHECKPOINTS = table(LogCheckpoint)
_LEAF_RUN = (
    select(_LEAF.c.idx, _LEAF.c.leaf_hash, _LEAF.c.body)
    .where(_LEAF.c.idx >= bindparam("start"))
    .order_by(_LEAF.c.idx)
    .limit(bindparam("limit"))
)
_NODE_RUN = (
    select(_NODE.c.digest)
    .where(
        _NODE.c.level == bindparam("level"),
        _NODE.c["index"] >= bindparam("start"),
        _NODE.c["index"] < bindparam("stop"),
    )
    .order_by(_NODE.c["index"])
)
_CHECKPOINT_RUN = (
    select(_CHECKPOINTS.c.size, _CHECKPOINTS.c.root, _CHECKPOINTS.c.note)
    .where(_CHECKPOINTS.c.size >= bindparam("start"))
    .order_by(_CHECKPOINTS.c.size)
    .limit(bindparam("limit"))
)


@functools.lru_cache(maxsize=16)
def _compiled(stmt: Select[Any], dialect: Dialect) -> Compiled:
    return stmt.compile(dialect=dialect)


def _driver_rows(session: Session, stmt: Select[Any], params: dict[str, Any]) -> list[Any]:
    """Every row of a prepared select, as the driver's tuples, in the session's transaction."""
    conn = session.connection()
    compiled = _compiled(stmt, conn.dialect)
    bound = compiled.construct_params(params) or {}
    # A positional paramstyle (SQLite's qmark) takes the values in the order compiled.
    positions = getattr(compiled, "positiontup", None)
    args = bound if positions is None else tuple(bound[name] for name in positions)
    cursor = conn.connection.cursor()
    try:
        cursor.execute(compiled.string, args)
        return list(cursor.fetchall())
    finally:
        cursor.close()


class StoredCheckpoint(NamedTuple):
    """A stored checkpoint as `verify_log` reads it."""

    size: int
    root: bytes
    note: str


def checkpoints_from(session: Session, *, start: int, limit: int) -> list[StoredCheckpoint]:
    """Up to `limit` checkpoints with size >= start, smallest first."""
    rows = _driver_rows(session, _CHECKPOINT_RUN, {"start": start, "limit": limit})
    return [StoredCheckpoint(*row) for row in rows]


def leaf_run(
    session: Session, *, start: int, limit: int
) -> tuple[list[int], list[bytes], list[bytes]]:
    """Up to `limit` leaves with idx >= start in index order, as (indices, hashes, bodies)."""
    rows = _driver_rows(session, _LEAF_RUN, {"start": start, "limit": limit})
    return [r[0] for r in rows], [r[1] for r in rows], [r[2] for r in rows]


def node_run(session: Session, *, level: int, start: int, stop: int) -> list[bytes]:
    """The cached digests of one level with start <= index < stop, in index order."""
    rows = _driver_rows(session, _NODE_RUN, {"level": level, "start": start, "stop": stop})
    return [r[0] for r in rows]


def first_node_beyond(session: Session, size: int) -> tuple[int, int] | None:
    """The first cached node (level, index) not wholly inside the first `size` leaves."""
    levels = session.execute(select(col(LogNode.level)).distinct().order_by(col(LogNode.level)))
    for (level,) in levels.all():
        # Perfect nodes of this level inside the tree have index < size >> level.
        stmt = (
            select(col(LogNode.index))
            .where(col(LogNode.level) == level, col(LogNode.index) >= size >> level)
            .order_by(col(LogNode.index))
            .limit(1)
        )
        index = session.execute(stmt).scalar_one_or_none()
        if index is not None:
            return int(level), int(index)
    return None


def add_checkpoint(session: Session, *, size: int, root: bytes, note: str, now: datetime) -> None:
    """Insert a signed checkpoint."""
    session.add(LogCheckpoint(size=size, root=root, note=note, created_at=now))
    session.flush()


def latest_checkpoint(session: Session) -> LogCheckpoint | None:
    """The checkpoint with the largest size."""
    stmt = select(LogCheckpoint).order_by(col(LogCheckpoint.size).desc()).limit(1)
    return session.execute(stmt).scalar_one_or_none()


def checkpoint_at(session: Session, size: int) -> LogCheckpoint | None:
    """The checkpoint of one size."""
    return session.get(LogCheckpoint, size)


def latest_checkpoint_covering(session: Session, index: int) -> LogCheckpoint | None:
    """The largest checkpoint whose tree contains leaf `index`."""
    stmt = (
        select(LogCheckpoint)
        .where(col(LogCheckpoint.size) > index)
        .order_by(col(LogCheckpoint.size).desc())
        .limit(1)
    )
    return session.execute(stmt).scalar_one_or_none()


class SessionNodes:
    """A `crypto.merkle.NodeSource` over the leaf and node tables, limited to `size` leaves."""

    __slots__ = ("_session", "_size")

    def __init__(self, session: Session, size: int) -> None:
        self._session = session
        self._size = size

    @property
    def size(self) -> int:
        """Number of leaves proofs may cover."""
        return self._size

    def node(self, level: int, index: int) -> bytes:
        """The perfect node (level, index): a leaf hash at level 0, a cached node above."""
        if level < 0 or index < 0 or (index + 1) << level > self._size:
            raise IndexError(f"no perfect node at level {level}, index {index}")
        found = (
            leaf_hash_at(self._session, index)
            if level == 0
            else node_digest(self._session, level, index)
        )
        if found is None:
            raise LookupError(f"the log has lost node at level {level}, index {index}")
        return found


def leaf_bodies(session: Session, indexes: Sequence[int]) -> dict[int, bytes]:
    """The bodies of the given leaves."""
    stmt = select(col(LogLeaf.idx), col(LogLeaf.body)).where(col(LogLeaf.idx).in_(indexes))
    return {int(i): b for i, b in session.execute(stmt).all()}
