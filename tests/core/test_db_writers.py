"""The one rule for writers (core/db.py): every transaction writes unless it is a reader's,
writers take the lock when they begin and queue in order, a held lock is a clear refusal."""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import Engine, event, text
from sqlalchemy.exc import OperationalError
from sqlmodel import Session

from core.db import ChunkedCommits, WriterGate, is_busy, make_engine, reader
from core.errors import DatabaseBusy
from tests.conftest import PG_URL

pytestmark = pytest.mark.skipif(PG_URL is not None, reason="SQLite's write lock")


def _sqlite_engine(tmp_path: Path, busy: float = 0.3) -> Engine:
    engine = make_engine(f"sqlite:///{tmp_path / 'w.db'}", busy_seconds=busy)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (n INTEGER)"))
    return engine


class TestWriterGate:
    def test_waiters_are_served_in_arrival_order(self):
        gate = WriterGate()
        assert gate.acquire(1)
        order: list[int] = []
        threads = []
        for n in range(5):
            t = threading.Thread(target=lambda n=n: (gate.acquire(30), order.append(n)))
            t.start()
            threads.append(t)
            # Each waiter is queued before the next starts (the queue, not a sleep, orders).
            while len(gate._waiters) < n + 1:
                time.sleep(0.001)
        for served in range(1, 6):
            gate.release()
            # The waiter it was handed to records itself before the next hand-over.
            while len(order) < served:
                time.sleep(0.001)
        for t in threads:
            t.join()
        assert order == [0, 1, 2, 3, 4]
        gate.release()
        assert gate.acquire(0)

    def test_a_wait_that_runs_out_leaves_the_queue(self):
        gate = WriterGate()
        assert gate.acquire(1)
        assert gate.acquire(0.01) is False
        assert list(gate._waiters) == []
        gate.release()
        assert gate.acquire(0)


class TestEveryTransactionWrites:
    def test_a_plain_transaction_holds_the_write_lock_from_its_first_read(self, tmp_path):
        engine = _sqlite_engine(tmp_path)
        other = sqlite3.connect(tmp_path / "w.db", timeout=0)
        try:
            with engine.connect() as conn:
                conn.execute(text("SELECT count(*) FROM t")).scalar()
                # Another program cannot write now: the reader-looking transaction is a writer.
                with pytest.raises(sqlite3.OperationalError, match="locked"):
                    other.execute("BEGIN IMMEDIATE")
                conn.rollback()
            other.execute("BEGIN IMMEDIATE")
            other.rollback()
        finally:
            other.close()
            engine.dispose()

    def test_a_reader_takes_no_lock_and_reads_while_another_program_writes(self, tmp_path):
        engine = _sqlite_engine(tmp_path)
        other = sqlite3.connect(tmp_path / "w.db", timeout=0, isolation_level=None)
        try:
            other.execute("BEGIN IMMEDIATE")
            other.execute("INSERT INTO t VALUES (1)")
            with reader(engine).connect() as conn:
                assert conn.execute(text("SELECT count(*) FROM t")).scalar() == 0
            other.execute("COMMIT")
        finally:
            other.close()
            engine.dispose()

    def test_a_held_lock_is_database_busy_within_the_budget_and_then_free_again(self, tmp_path):
        engine = _sqlite_engine(tmp_path, busy=0.2)
        other = sqlite3.connect(tmp_path / "w.db", timeout=0, isolation_level=None)
        try:
            other.execute("BEGIN IMMEDIATE")
            with pytest.raises(OperationalError) as caught, engine.connect() as conn:
                conn.execute(text("INSERT INTO t VALUES (2)"))
            assert is_busy(caught.value)
            other.execute("ROLLBACK")
            # The refused writer left neither the gate nor the file lock held.
            with engine.begin() as conn:
                conn.execute(text("INSERT INTO t VALUES (3)"))
            with engine.connect() as conn:
                assert conn.execute(text("SELECT n FROM t")).scalars().all() == [3]
        finally:
            other.close()
            engine.dispose()

    def test_a_second_writer_in_the_process_waits_its_turn_then_is_refused_in_time(self, tmp_path):
        engine = _sqlite_engine(tmp_path, busy=0.2)
        try:
            with engine.connect() as holder:
                holder.execute(text("INSERT INTO t VALUES (1)"))
                refused: list[BaseException] = []

                def second() -> None:
                    try:
                        with engine.connect() as conn:
                            conn.execute(text("INSERT INTO t VALUES (2)"))
                    except DatabaseBusy as exc:
                        refused.append(exc)

                t = threading.Thread(target=second)
                t.start()
                t.join()
                assert len(refused) == 1
                assert is_busy(refused[0])
                holder.commit()
            with engine.connect() as conn:
                assert conn.execute(text("SELECT n FROM t")).scalars().all() == [1]
        finally:
            engine.dispose()

    def test_writers_of_two_engines_on_one_file_exclude_each_other_through_the_lock_file(
        self, tmp_path
    ):
        first = _sqlite_engine(tmp_path, busy=0.2)
        second = make_engine(f"sqlite:///{tmp_path / 'w.db'}", busy_seconds=0.2)
        try:
            with first.connect() as conn:
                conn.execute(text("INSERT INTO t VALUES (1)"))
                with pytest.raises(DatabaseBusy), second.connect() as other:
                    other.execute(text("INSERT INTO t VALUES (2)"))
                conn.commit()
            assert (tmp_path / "w.db-writer.lock").exists()
            assert (tmp_path / "w.db-writer.lock").stat().st_size == 0
            with second.begin() as other:
                other.execute(text("INSERT INTO t VALUES (2)"))
        finally:
            first.dispose()
            second.dispose()

    def test_a_commit_that_never_ran_does_not_leave_the_lock_held(self, tmp_path):
        engine = _sqlite_engine(tmp_path, busy=0.2)

        class Crashed(Exception):
            pass

        def crash(_conn) -> None:
            raise Crashed  # fires before COMMIT: SQLAlchemy then forgets the transaction

        event.listen(engine, "commit", crash)
        try:
            with Session(engine) as session:
                session.execute(text("INSERT INTO t VALUES (1)"))
                with pytest.raises(Crashed):
                    session.commit()
        finally:
            event.remove(engine, "commit", crash)
        try:
            # The connection went back to the pool with SQLite's transaction still open;
            # returning it rolled that back and let the gate go.
            with engine.begin() as conn:
                conn.execute(text("INSERT INTO t VALUES (2)"))
            with engine.connect() as conn:
                assert conn.execute(text("SELECT n FROM t")).scalars().all() == [2]
        finally:
            engine.dispose()


class TestChunkedCommits:
    def test_commits_once_a_chunk_has_run_its_time_and_not_before(self, tmp_path):
        engine = _sqlite_engine(tmp_path)
        with Session(engine) as session:
            slow = ChunkedCommits(session, seconds=3600)
            for n in range(3):
                session.execute(text("INSERT INTO t VALUES (:n)"), {"n": n})
                slow.done_one()
            assert slow.commits == 0
            every = ChunkedCommits(session, seconds=0)
            session.execute(text("INSERT INTO t VALUES (9)"))
            every.done_one()
            assert every.commits == 1
            session.rollback()  # nothing left to roll back: the chunk was committed
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM t")).scalar() == 4
        engine.dispose()
