"""Engines and the connection settings every database gets."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session

WRITE_INTENT = "credence_write_intent"


def begin_write(session: Session) -> None:
    """Start the session's next transaction as a writer (SQLite: BEGIN IMMEDIATE).

    Call before the transaction's first statement; inside a running one it changes nothing.
    """
    if not session.in_transaction():
        session.connection(execution_options={WRITE_INTENT: True})


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for SQLite (WAL, foreign keys, secure delete) or PostgreSQL."""
    if url.startswith("sqlite"):
        engine = create_engine(
            url, connect_args={"check_same_thread": False, "timeout": 30}, **kwargs
        )

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            # Overwrite freed pages so a shredded key leaves no bytes behind in the file.
            cur.execute("PRAGMA secure_delete=ON")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()
            # pysqlite issues no BEGIN before a SAVEPOINT, so RELEASE would commit the whole
            # transaction: take transaction control away from the driver and BEGIN ourselves.
            dbapi_conn.isolation_level = None

        @event.listens_for(engine, "begin")
        def _begin(conn: Any) -> None:
            # A writer takes the write lock at BEGIN, waiting on the busy timeout; one that
            # read first could not upgrade its snapshot later and would fail at once.
            writer = conn.get_execution_options().get(WRITE_INTENT, False)
            conn.exec_driver_sql("BEGIN IMMEDIATE" if writer else "BEGIN")

        return engine
    return create_engine(url, pool_pre_ping=True, **kwargs)
