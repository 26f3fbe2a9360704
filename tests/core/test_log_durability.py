"""Durable before answered: the server's engine syncs every commit (a leaf is on disk before
its receipt leaves); SQLite FULL by default, PostgreSQL with synchronous_commit on."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from core.db import make_engine
from core.runtime import open_runtime
from core.settings import Settings

_FULL, _NORMAL = 2, 1  # PRAGMA synchronous values


class TestTheServersEngineIsDurable:
    def test_open_runtime_syncs_every_sqlite_commit(self, tmp_path: Path) -> None:
        engine = open_runtime(Settings(data_dir=tmp_path)).engine
        with engine.connect() as conn:
            assert conn.execute(text("PRAGMA synchronous")).scalar_one() == _FULL
        engine.dispose()

    def test_normal_only_when_asked(self, tmp_path: Path) -> None:
        settings = Settings(data_dir=tmp_path, sqlite_synchronous="NORMAL")
        engine = open_runtime(settings).engine
        with engine.connect() as conn:
            assert conn.execute(text("PRAGMA synchronous")).scalar_one() == _NORMAL
        engine.dispose()

    def test_an_unknown_level_is_refused(self, tmp_path: Path) -> None:
        with pytest.raises(ValueError, match="synchronous"):
            make_engine(f"sqlite:///{tmp_path / 'x.db'}", synchronous="OFF")

    def test_every_connection_commits_synchronously(self, fresh_url: str) -> None:
        engine = make_engine(fresh_url, synchronous="FULL")
        with engine.connect() as conn:
            if engine.dialect.name == "postgresql":
                assert conn.execute(text("SHOW synchronous_commit")).scalar_one() == "on"
            else:
                assert conn.execute(text("PRAGMA synchronous")).scalar_one() == _FULL
        engine.dispose()
