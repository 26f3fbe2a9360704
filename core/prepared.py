"""Prepared Core statements for the hot paths (SPEC §12: the agency query and the log append).

A prepared statement is a module-level Core construct with named bind parameters: SQLAlchemy
computes its cache key once (it is memoised on the construct) and compiles it once per
engine, so running it costs the driver call and result handling, not the statement building,
cache-key walk and ORM loading an ORM `select(Model)` pays on every call (SPEC §12: ~600 µs
against ~17 µs for the raw driver). It runs on the session's own connection, inside the
caller's transaction; pending ORM objects are flushed first, as the ORM's autoflush would.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import CursorResult, Executable, Table
from sqlmodel import Session, SQLModel


def table(model: type[SQLModel]) -> Table:
    """The Core table of a table model (what prepared statements are built on)."""
    return model.metadata.tables[str(model.__tablename__)]


def run(
    session: Session,
    stmt: Executable,
    params: Mapping[str, Any] | Sequence[Mapping[str, Any]] | None = None,
) -> CursorResult[*tuple[Any, ...]]:
    """Run a prepared statement in the session's transaction (a list of rows: executemany)."""
    if session.autoflush:
        session.flush()
    return session.connection().execute(stmt, params)
