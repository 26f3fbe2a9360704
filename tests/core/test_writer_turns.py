"""Processes take the SQLite writer lock in turns: one that always wants it back cannot
starve another that waits (each `FileLock` here has its own open file, as a process would)."""

from __future__ import annotations

import fcntl
import os
import threading
import time
from pathlib import Path

from sqlalchemy import text
from sqlmodel import Session

from core.db import ChunkedCommits, FileLock, held_seconds, make_engine

WAIT = 30.0  # a budget no healthy handover comes near


def _held_by_someone(path: Path) -> bool:
    """Whether another open file holds the lock on `path` (probed without waiting)."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    else:
        fcntl.flock(fd, fcntl.LOCK_UN)
        return False
    finally:
        os.close(fd)


def _until(condition: object) -> None:
    """Poll a thread's progress (a real thread, so real time; nothing is timed)."""
    for _ in range(30_000):
        if callable(condition) and condition():
            return
        time.sleep(0.001)
    raise AssertionError("the other thread made no progress")


class TestWriterTurns:
    def test_a_holder_that_takes_the_lock_again_queues_behind_a_waiter(self, tmp_path: Path):
        path = tmp_path / "db-writer.lock"
        busy, patient = FileLock(path), FileLock(path)
        order: list[str] = []
        assert busy.acquire(WAIT)
        patient_done = threading.Event()

        def wait_for_turn() -> None:
            assert patient.acquire(WAIT)
            order.append("patient")
            patient.release()
            patient_done.set()

        waiter = threading.Thread(target=wait_for_turn)
        waiter.start()
        # The patient one now holds the turnstile and polls for the lock.
        _until(lambda: _held_by_someone(path.with_name(path.name + "-turnstile")))
        busy.release()
        assert busy.acquire(WAIT)  # at once again, as a busy log sequencer does
        order.append("busy")
        busy.release()
        waiter.join(WAIT)
        assert patient_done.is_set()
        assert order == ["patient", "busy"]

    def test_a_waiter_gives_up_within_its_budget_and_leaves_the_turnstile_free(
        self, tmp_path: Path
    ):
        path = tmp_path / "db-writer.lock"
        holder, waiter = FileLock(path), FileLock(path)
        assert holder.acquire(WAIT)
        assert not waiter.acquire(0.01)
        assert not _held_by_someone(path.with_name(path.name + "-turnstile"))
        holder.release()
        assert waiter.acquire(WAIT)
        waiter.release()


class TestChunksCountFromTheLock:
    def test_a_job_that_waited_for_the_lock_still_does_a_whole_chunk(self, tmp_path: Path):
        engine = make_engine(f"sqlite:///{tmp_path / 'chunks.db'}")
        with engine.begin() as conn:
            conn.execute(text("CREATE TABLE unit (n INTEGER)"))
        holder = Session(engine)
        holder.execute(text("INSERT INTO unit VALUES (0)"))  # holds the write lock
        job = Session(engine)
        chunks = ChunkedCommits(job, seconds=1.0)
        done = threading.Event()

        def one_unit() -> None:
            job.execute(text("INSERT INTO unit VALUES (1)"))  # waits for the lock first
            chunks.done_one()
            done.set()

        worker = threading.Thread(target=one_unit)
        worker.start()
        # A real thread waiting on a real lock for longer than the chunk's bound: the bug
        # this guards against counted that wait as the chunk's work.
        time.sleep(1.2)
        holder.commit()
        worker.join(WAIT)
        assert done.is_set()
        assert chunks.commits == 0  # one unit of work is not a chunk's worth of lock
        assert held_seconds(job) < 1.0
        job.commit()
        holder.close()
        job.close()
        engine.dispose()
