"""The pool is sized to the worker's threads, never pings, and survives dropped connections."""

from __future__ import annotations

import threading

import pytest
from pydantic import SecretStr
from sqlalchemy import Engine, event, exc, text
from sqlmodel import Session

from core.db import POOL_OVERFLOW, is_busy, make_engine, reader
from core.runtime import open_runtime
from core.settings import Settings
from tests.conftest import PG_URL
from tests.support.postgres import terminate_backends


def _opened(engine: Engine) -> list[object]:
    """Every connection the engine's pool opens from now on."""
    opened: list[object] = []
    event.listen(engine, "connect", lambda conn, _record: opened.append(conn))
    return opened


class TestPoolSize:
    def test_the_pool_keeps_its_size_opens_no_overflow_and_waits_within_the_busy_budget(
        self, fresh_url
    ):
        engine = make_engine(fresh_url, pool_size=7, busy_seconds=3)
        try:
            pool = engine.pool
            assert pool.size() == 7  # type: ignore[attr-defined]
            assert pool._max_overflow == POOL_OVERFLOW  # type: ignore[attr-defined]
            assert pool._timeout == 3  # type: ignore[attr-defined]
            assert pool._pre_ping is False
        finally:
            engine.dispose()

    def test_the_runtime_sizes_its_pool_from_the_settings(self, tmp_path, fresh_url):
        settings = Settings(
            data_dir=tmp_path / "data",
            database_url=SecretStr(fresh_url),
            key_provider="file",
            db_pool_size=9,
        )
        runtime = open_runtime(settings)
        try:
            assert runtime.engine.pool.size() == 9  # type: ignore[attr-defined]
        finally:
            runtime.engine.dispose()

    def test_the_default_is_read_from_the_environment(self, monkeypatch):
        monkeypatch.setenv("CREDENCE_DB_POOL_SIZE", "12")
        assert Settings().db_pool_size == 12


class TestNoChurn:
    def test_bursts_of_threads_that_all_hold_a_connection_reuse_the_same_connections(
        self, fresh_url
    ):
        # Every round is a burst: each thread holds a connection while all the others hold
        # theirs, then all give them back. An undersized pool (the old 5 + 10 overflow)
        # closed what it could not keep idle and opened it again in the next burst.
        engine = make_engine(fresh_url)
        opened = _opened(engine)
        threads, rounds = 12, 10
        together = threading.Barrier(threads)
        failures: list[BaseException] = []

        def work() -> None:
            try:
                for _ in range(rounds):
                    with Session(reader(engine)) as session:
                        session.execute(text("SELECT 1"))
                        together.wait()
                    together.wait()
            except BaseException as error:  # reported by the assertion below
                failures.append(error)
                together.abort()

        pool = [threading.Thread(target=work) for _ in range(threads)]
        try:
            for t in pool:
                t.start()
            for t in pool:
                t.join()
            assert failures == []
            assert len(opened) == threads
        finally:
            engine.dispose()


@pytest.mark.skipif(PG_URL is None, reason="drops PostgreSQL backends")
class TestDroppedConnection:
    def test_a_dropped_connection_fails_as_busy_and_the_next_checkout_is_fresh(self, fresh_url):
        engine = make_engine(fresh_url)
        try:
            with Session(engine) as session:
                session.execute(text("SELECT 1"))
            assert terminate_backends(fresh_url) >= 1
            with pytest.raises(exc.DBAPIError) as raised, Session(engine) as session:
                session.execute(text("SELECT 1"))
            assert is_busy(raised.value)
            with Session(engine) as session:
                assert session.execute(text("SELECT 1")).scalar_one() == 1
        finally:
            engine.dispose()
