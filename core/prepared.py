"""Prepared Core statements for the hot paths (SPEC §12: the agency query and the log append).

A prepared statement is a module-level Core construct with named bind parameters: SQLAlchemy
computes its cache key once (it is memoised on the construct) and compiles it once per
engine, so running it costs the driver call and result handling, not the statement building,
cache-key walk and ORM loading an ORM `select(Model)` pays on every call (SPEC §12: ~600 µs
against ~17 µs for the raw driver). It runs on the session's own connection, inside the
caller's transaction; pending ORM objects are flushed first, as the ORM's autoflush would.
A `DriverStatement` goes one step further for the agency query's read: the DBAPI cursor.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import CursorResult, Dialect, Executable, Select, Table, exc
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


@dataclass(frozen=True)
class _Compiled:
    sql: str
    names: tuple[str, ...] | None  # bind names in order (positional paramstyle), else None
    convert: tuple[tuple[int, Callable[[Any], Any]], ...]  # column index -> result processor


class DriverStatement:
    """A prepared SELECT run on the DBAPI cursor itself, for the hottest reads (SPEC §12).

    Its SQL is compiled from the Core statement once per dialect, so it is the statement
    SQLAlchemy would send; rows are converted by the columns' own result processors (UUIDs
    and dates on SQLite), and driver errors are raised wrapped as SQLAlchemy's, so busy and
    disconnect handling see what they expect. What this skips is SQLAlchemy's execution
    context, its result object and the cursor events: nothing listens to those on the
    statements that go this way.
    """

    def __init__(self, stmt: Select[Any]) -> None:
        self._stmt = stmt
        self._compiled: dict[type[Dialect], _Compiled] = {}

    def __repr__(self) -> str:
        return f"DriverStatement({len(self._stmt.selected_columns)} columns)"

    def _for(self, dialect: Dialect) -> _Compiled:
        found = self._compiled.get(type(dialect))
        if found is not None:
            return found
        compiled = self._stmt.compile(dialect=dialect)
        if "POSTCOMPILE" in compiled.string:
            raise ValueError("a driver statement cannot have expanding parameters")
        convert = []
        for n, column in enumerate(self._stmt.selected_columns):
            processor = column.type.dialect_impl(dialect).result_processor(dialect, None)
            if processor is not None:
                convert.append((n, processor))
        names = tuple(compiled.positiontup or ()) if compiled.positional else None
        found = _Compiled(compiled.string, names, tuple(convert))
        self._compiled[type(dialect)] = found
        return found

    def rows(self, session: Session, params: Mapping[str, Any]) -> list[list[Any]]:
        """Every row, converted, in the session's transaction (pending objects flushed first)."""
        if session.autoflush:
            session.flush()
        conn = session.connection()
        dialect = conn.dialect
        compiled = self._for(dialect)
        args: Any = params if compiled.names is None else [params[n] for n in compiled.names]
        raw = conn.connection.driver_connection
        if raw is None:
            raise exc.InvalidRequestError("the session's connection has no driver connection")
        cursor = raw.cursor()
        try:
            cursor.execute(compiled.sql, args)
            fetched = cursor.fetchall()
        except dialect.loaded_dbapi.Error as error:
            gone = dialect.is_disconnect(error, conn.connection, cursor)
            if gone:
                conn.invalidate(error)
            # Parameters hidden: a blind index has no business in a traceback either.
            raise exc.DBAPIError.instance(
                compiled.sql,
                None,
                error,
                dialect.loaded_dbapi.Error,
                hide_parameters=True,
                connection_invalidated=gone,
                dialect=dialect,
            ) from error
        finally:
            cursor.close()
        rows = []
        for fetched_row in fetched:
            row = list(fetched_row)
            for n, processor in compiled.convert:
                row[n] = processor(row[n])
            rows.append(row)
        return rows
