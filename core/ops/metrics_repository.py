"""SQL for the metrics page: aggregates only (sizes, counts by status), never a row's content."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlmodel import Session, col

from core.models import Entry
from core.querylog import integrity_repository as halt_repo
from core.querylog import repository as log_repo


def entries_by_status(session: Session) -> dict[str, int]:
    """How many entries hold each stored lifecycle status (statuses with none are absent)."""
    stmt = select(col(Entry.status), func.count()).group_by(col(Entry.status))
    return {status: int(n) for status, n in session.execute(stmt).all()}


def log_leaves(session: Session) -> int:
    """Leaves in the query log, as its state row says."""
    # The log's own repository owns its tables' SQL; this only names the figure.
    state = log_repo.read_state(session)
    return 0 if state is None else state.size


def latest_checkpoint_size(session: Session) -> int:
    """Tree size of the latest stored checkpoint (0 before the first)."""
    latest = log_repo.latest_checkpoint(session)
    return 0 if latest is None else latest.size


def log_halted(session: Session) -> bool:
    """Whether the query log is halted by a failed integrity check."""
    return halt_repo.is_halted(session)


def log_full_check(session: Session) -> tuple[float, int] | None:
    """When (Unix seconds) and at what size the whole log last verified, if ever."""
    row = halt_repo.full_check(session)
    return None if row is None else (row.finished_at.timestamp(), row.size)
