"""SQL for the query log: leaves, the single state row, cached nodes and checkpoints."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from sqlalchemy import insert, select, update
from sqlmodel import Session, col

from core.models.querylog import STATE_ROW_ID, LogCheckpoint, LogLeaf, LogNode, LogState


def lock_state(session: Session) -> LogState | None:
    """The state row, locked until the transaction ends (None before the first append)."""
    if session.get_bind().dialect.name == "sqlite":
        # SQLite has no row locks and FOR UPDATE is a no-op; a (no-op) write takes the
        # database write lock now, so concurrent appenders queue on the busy timeout instead
        # of failing later when their read snapshot can no longer be upgraded.
        session.execute(
            update(LogState).where(col(LogState.id) == STATE_ROW_ID).values(size=LogState.size)
        )
    stmt = (
        select(LogState)
        .where(col(LogState.id) == STATE_ROW_ID)
        .with_for_update()
        # The row changes under other transactions: never answer from the identity map.
        .execution_options(populate_existing=True)
    )
    return session.execute(stmt).scalar_one_or_none()


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
    session.execute(
        update(LogState)
        .where(col(LogState.id) == STATE_ROW_ID)
        .values(size=size, frontier=frontier, updated_at=now)
    )


def insert_leaves(session: Session, rows: Sequence[Mapping[str, object]]) -> None:
    """Insert leaf rows (idx, leaf_hash, body, created_at) in one executemany."""
    if rows:
        session.execute(insert(LogLeaf), list(rows))


def insert_nodes(session: Session, rows: Sequence[Mapping[str, object]]) -> None:
    """Insert cached node rows (level, index, digest) in one executemany."""
    if rows:
        session.execute(insert(LogNode), list(rows))


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


def checkpoints_from(session: Session, *, start: int, limit: int) -> Sequence[LogCheckpoint]:
    """Up to `limit` checkpoints with size >= start, smallest first."""
    stmt = (
        select(LogCheckpoint)
        .where(col(LogCheckpoint.size) >= start)
        .order_by(col(LogCheckpoint.size))
        .limit(limit)
    )
    return session.execute(stmt).scalars().all()


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


def leaves_newest_first(
    session: Session, *, before: int | None, limit: int
) -> Sequence[tuple[int, bytes]]:
    """Up to `limit` leaves (idx, body) below `before`, newest first (the auditor's view)."""
    stmt = select(col(LogLeaf.idx), col(LogLeaf.body))
    if before is not None:
        stmt = stmt.where(col(LogLeaf.idx) < before)
    stmt = stmt.order_by(col(LogLeaf.idx).desc()).limit(limit)
    return [(int(i), b) for i, b in session.execute(stmt).all()]
