"""Engines, the connection settings every database gets, and the one rule for writers.

Invariants:
- Every transaction is a writer unless it runs on `reader(engine)`. On SQLite a writer
  takes the database's write lock when it begins (`BEGIN IMMEDIATE`), so it never reads
  a snapshot it later cannot upgrade; no caller has to remember to ask for it.
- Inside one process, writers queue in arrival order at a gate; between processes, the
  gate's holder takes a lock file beside the database; only then does it ask SQLite for
  its lock. So SQLite's busy handler (which polls with sleeps of up to 100 ms) is only
  met by programs that do not use this engine, and a waiting writer starts the moment
  the one before it ends.
- A writer that cannot get the gate and then the lock within the engine's busy budget
  raises `DatabaseBusy`; the budget covers both waits together.
- The gate is released when the transaction ends (commit, rollback, a failed BEGIN, a
  connection closed or invalidated), never later.
"""

from __future__ import annotations

import fcntl
import os
import threading
import time
from collections import deque
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, exc, insert, literal, make_url, or_, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from core.errors import DatabaseBusy

READ_ONLY = "credence_read_only"
DEFAULT_BUSY_SECONDS = 10.0
# Connections a pool keeps open: one for each thread of the worker's thread pool (anyio's
# default, 40), and 8 for a thread's second connection (the keyring re-reads its master
# version and index keys on one of their own) and for sessions still closing on the event
# loop. More than the threads, so a thread waiting for a second one never waits forever;
# no overflow, so none is opened and closed per request under load.
DEFAULT_POOL_SIZE = 48
POOL_OVERFLOW = 0
# PostgreSQL connections are replaced after this long instead of pinged at every checkout;
# one the server dropped in between fails its request as busy (503) and the pool renews.
POOL_RECYCLE_SECONDS = 1800
# A long job's transaction is committed after about this much work, so that requests
# queued behind its write lock wait no longer than this.
CHUNK_SECONDS = 0.05


class WriterGate:
    """A first-come, first-served lock with a timeout, handed directly to the next waiter."""

    def __init__(self) -> None:
        self._mutex = threading.Lock()
        self._held = False
        self._waiters: deque[threading.Lock] = deque()

    def acquire(self, timeout: float) -> bool:
        """Wait up to `timeout` seconds for the gate; True once it is ours."""
        with self._mutex:
            if not self._held:
                self._held = True
                return True
            baton = threading.Lock()
            baton.acquire()
            self._waiters.append(baton)
        if baton.acquire(timeout=max(timeout, 0.0)):
            return True
        with self._mutex:
            try:
                self._waiters.remove(baton)
            except ValueError:
                # Handed to us between the timeout and the mutex: the gate is ours.
                return True
            return False

    def release(self) -> None:
        """Hand the gate to the longest waiter, or open it."""
        with self._mutex:
            if self._waiters:
                self._waiters.popleft().release()
            else:
                self._held = False


# SQLSTATEs of PostgreSQL for a wait that ran out or a transaction the server gave up on.
_PG_BUSY = frozenset({"55P03", "57014", "40001", "40P01"})


def is_busy(error: BaseException) -> bool:
    """Whether an error means the database could not be had in time (retry later)."""
    if isinstance(error, DatabaseBusy | exc.TimeoutError):
        return True
    if not isinstance(error, exc.DBAPIError):
        return False
    if error.connection_invalidated:
        return True
    state = getattr(error.orig, "sqlstate", None)
    if state in _PG_BUSY:
        return True
    text = str(error.orig).lower()
    return isinstance(error, exc.OperationalError) and (
        "database is locked" in text or "database table is locked" in text
    )


# Where a transaction's connection notes when it began (after any wait for the write lock).
_BEGAN = "credence_began"


def held_seconds(session: Session) -> float:
    """How long the session's transaction has run since it began (0 outside one).

    A writer's begin counts from when it got the lock, not from when it asked: a long job
    paced on this holds the lock for its bound, however long it queued for it.
    """
    if not session.in_transaction():
        return 0.0
    began = session.connection().info.get(_BEGAN)
    return 0.0 if began is None else time.monotonic() - float(began)


class ChunkedCommits:
    """Commit a long job's session whenever a chunk of work has held its transaction
    `seconds` (wall time, from when the transaction got the write lock).

    Every unit of the job must be complete by itself (idempotent, or resumable from what
    is stored), since the job may stop between any two chunks.
    """

    def __init__(self, session: Session, seconds: float = CHUNK_SECONDS) -> None:
        self._session = session
        self._seconds = seconds
        self.commits = 0

    def done_one(self) -> None:
        """One unit is done: commit if the chunk has run its time."""
        # Counted from the lock, not from the last commit: under load the wait for the lock
        # can exceed the whole bound, and a chunk would then hold one unit a transaction.
        if held_seconds(self._session) >= self._seconds:
            self._session.commit()
            self.commits += 1


class FileLock:
    """An exclusive lock on a file beside the database, shared by every process using it,
    and taken in turns.

    SQLite's own busy handler polls with sleeps of up to 100 ms, so two processes taking
    turns at its lock leave it idle between them; the kernel's lock is handed over at
    once. The wait polls without blocking so that it still ends within a budget.

    A process that always has more to write (a busy log sequencer) would take the lock
    again the instant it let go, before a polling waiter in another process woke: the
    waiter would starve (a recorder's batch stored a few rows a minute). So a waiter first
    takes a turnstile file and holds it while it waits: a holder that wants the lock back
    must pass the turnstile too, and queues behind it.
    """

    def __init__(self, path: Path) -> None:
        self._path = path
        self._turnstile = path.with_name(path.name + "-turnstile")
        self._fd: int | None = None
        self._turn_fd: int | None = None

    def acquire(self, timeout: float) -> bool:
        """Wait up to `timeout` seconds for the lock; True once it is ours."""
        if self._fd is None:
            self._fd = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o600)
            self._turn_fd = os.open(self._turnstile, os.O_RDWR | os.O_CREAT, 0o600)
        assert self._turn_fd is not None  # noqa: S101 - opened together above
        deadline = time.monotonic() + timeout
        if not _flock_until(self._turn_fd, deadline):
            return False
        try:
            return _flock_until(self._fd, deadline)
        finally:
            fcntl.flock(self._turn_fd, fcntl.LOCK_UN)

    def release(self) -> None:
        """Let the next process in."""
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)


def _flock_until(fd: int, deadline: float) -> bool:
    """Take an exclusive lock on `fd`, polling until `deadline` (monotonic seconds)."""
    pause = 0.0002
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            if time.monotonic() >= deadline:
                return False
            time.sleep(pause)
            pause = min(pause * 2, 0.002)


def reader(engine: Engine) -> Engine:
    """The same engine and pool, whose transactions only read (SQLite: a plain BEGIN)."""
    return engine.execution_options(**{READ_ONLY: True})


def make_engine(
    url: str,
    *,
    busy_seconds: float = DEFAULT_BUSY_SECONDS,
    synchronous: str = "NORMAL",
    pool_size: int = DEFAULT_POOL_SIZE,
    **kwargs: Any,
) -> Engine:
    """An engine for SQLite (WAL, foreign keys, secure delete) or PostgreSQL.

    The pool keeps up to `pool_size` connections, each opened when first needed and kept
    until recycled or dropped; a checkout waits for one at most the busy budget (then
    `is_busy`: a 503), and none pings the database.

    `synchronous` is SQLite's: FULL syncs the WAL at every commit, so what a commit appended
    to the query log is on disk before its receipt is sent (the server's setting, default
    FULL); NORMAL may lose the last commits on power loss (tests, tools). PostgreSQL always
    runs with `synchronous_commit` on: a commit returns once its WAL is flushed.
    """
    if synchronous not in _SYNCHRONOUS:
        raise ValueError(f"SQLite synchronous must be one of {sorted(_SYNCHRONOUS)}")
    pool = {"pool_size": pool_size, "max_overflow": POOL_OVERFLOW, "pool_timeout": busy_seconds}
    if url.startswith("sqlite"):
        database = make_url(url).database
        on_disk = bool(database) and database != ":memory:" and not url.startswith("sqlite://?")
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": busy_seconds},
            # An in-memory database has a pool of its own kind (one connection a thread).
            **({**pool, **kwargs} if on_disk else kwargs),
        )
        _sqlite_pragmas(engine, synchronous)
        lock = FileLock(Path(f"{database}-writer.lock")) if on_disk and database else None
        _sqlite_writers(engine, busy_seconds, lock)
    else:
        # A lock held past the budget is answered like a busy SQLite, not waited on forever.
        # Durable before answered: whatever the server or role says, a commit (a log leaf
        # behind a receipt) returns only once it is flushed.
        options = f"-c lock_timeout={int(busy_seconds * 1000)} -c synchronous_commit=on"
        engine = create_engine(
            url,
            pool_recycle=POOL_RECYCLE_SECONDS,
            connect_args={"options": options},
            **{**pool, **kwargs},
        )

        @event.listens_for(engine, "begin")
        def _began(conn: Any) -> None:
            conn.info[_BEGAN] = time.monotonic()

    return engine


_SYNCHRONOUS = frozenset({"FULL", "NORMAL"})


def _sqlite_pragmas(engine: Engine, synchronous: str) -> None:
    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_conn: Any, _record: Any) -> None:
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA foreign_keys=ON")
        # Overwrite freed pages so a shredded key leaves no bytes behind in the file.
        cur.execute("PRAGMA secure_delete=ON")
        cur.execute(f"PRAGMA synchronous={synchronous}")
        cur.close()
        # pysqlite issues no BEGIN before a SAVEPOINT, so RELEASE would commit the whole
        # transaction: take transaction control away from the driver and BEGIN ourselves.
        dbapi_conn.isolation_level = None


def _sqlite_writers(engine: Engine, busy_seconds: float, lock: FileLock | None) -> None:
    gate = WriterGate()
    holders: set[int] = set()

    def release(conn: Any) -> None:
        # SQLAlchemy hands the dialect the pool's proxy, pool events the driver's connection.
        key = id(getattr(conn, "dbapi_connection", conn))
        if key in holders:
            holders.discard(key)
            if lock is not None:
                lock.release()
            gate.release()

    @event.listens_for(engine, "begin")
    def _begin(conn: Any) -> None:
        if conn.get_execution_options().get(READ_ONLY, False):
            conn.exec_driver_sql("BEGIN")
            return
        dbapi_conn = conn.connection.dbapi_connection
        started = time.monotonic()
        refused = DatabaseBusy(f"no write access to the database within {busy_seconds:g} s")
        if not gate.acquire(busy_seconds):
            raise refused
        if lock is not None and not lock.acquire(busy_seconds - (time.monotonic() - started)):
            gate.release()
            raise refused
        holders.add(id(dbapi_conn))
        left = max(busy_seconds - (time.monotonic() - started), 0.001)
        try:
            conn.exec_driver_sql(f"PRAGMA busy_timeout={int(left * 1000)}")
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:
            release(dbapi_conn)
            raise
        conn.info[_BEGAN] = time.monotonic()

    dialect = engine.dialect
    commit, rollback = dialect.do_commit, dialect.do_rollback

    def do_commit(dbapi_conn: Any) -> None:
        try:
            commit(dbapi_conn)
        finally:
            release(dbapi_conn)

    def do_rollback(dbapi_conn: Any) -> None:
        try:
            rollback(dbapi_conn)
        finally:
            release(dbapi_conn)

    # The gate must open after COMMIT has run, not before (the "commit" event fires first).
    setattr(dialect, "do_commit", do_commit)  # noqa: B010
    setattr(dialect, "do_rollback", do_rollback)  # noqa: B010

    @event.listens_for(engine, "checkin")
    def _checkin(dbapi_conn: Any, _record: Any) -> None:
        # A transaction SQLAlchemy believes ended (a COMMIT that failed or never ran) must
        # not go back to the pool still open, holding SQLite's lock and the gate.
        if dbapi_conn is not None and dbapi_conn.in_transaction:
            dbapi_conn.rollback()
        release(dbapi_conn)

    @event.listens_for(engine, "close")
    def _close(dbapi_conn: Any, _record: Any) -> None:
        release(dbapi_conn)

    @event.listens_for(engine, "invalidate")
    def _invalidate(dbapi_conn: Any, _record: Any, _exc: Any) -> None:
        release(dbapi_conn)


def ping(session: Session) -> None:
    """Ask the database for nothing, to see that it answers."""
    session.execute(text("SELECT 1"))


def finish_erasure_on_disk(engine: Engine) -> bool:
    """On SQLite, checkpoint and truncate the WAL so no old page image outlives an erasure.

    `secure_delete` overwrites freed pages in the main file only; the WAL keeps old page
    images until it is checkpointed and truncated. False while a reader held an old
    snapshot (the next pass retries). PostgreSQL needs nothing here: erasure there rests on
    the destroyed master version, not on the files.
    """
    if engine.dialect.name != "sqlite":
        return True
    # Outside any transaction: the engine's connections begin one, and a checkpoint inside
    # it would find its own tables locked.
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        busy = cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        cursor.close()
    finally:
        raw.close()
    return busy is not None and int(busy[0]) == 0


def index_match(first: Any, second: Any, index: bytes) -> Any:
    """`first = index`, or while the index key rotates `first = index OR second = next`."""
    nxt = getattr(index, "next", None)
    match = first == bytes(index)
    return match if nxt is None else or_(match, second == nxt)


def insert_once(session: Session, model: type, values: Mapping[str, object]) -> bool:
    """Insert a row unless one with the same unique key exists; true if it was inserted.

    On SQLite and PostgreSQL one `INSERT … ON CONFLICT DO NOTHING`, so a race on a unique
    key never becomes an error (whose DETAIL would print the key in the server log); any
    other integrity error still raises. Elsewhere a savepoint around a plain INSERT.
    """
    dialect = session.get_bind().dialect.name
    if dialect in ("sqlite", "postgresql"):
        make = sqlite.insert if dialect == "sqlite" else postgresql.insert
        # RETURNING says whether the row went in (an ORM insert's rowcount is -1 on psycopg).
        stmt = make(model).values(**values).on_conflict_do_nothing().returning(literal(1))
        return session.execute(stmt).first() is not None
    try:
        with session.begin_nested():
            session.execute(insert(model).values(**values))
    except exc.IntegrityError:
        return False
    return True
