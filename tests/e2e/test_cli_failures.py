"""The command line under a busy database: one line naming what failed, a non-zero exit,
the traceback only with --debug, and no alembic chatter on a normal run."""

from __future__ import annotations

import sqlite3

import pytest

from tests.conftest import PG_URL
from tests.support.server import run_credence

pytestmark = pytest.mark.skipif(PG_URL is not None, reason="holds SQLite's write lock")


def _hold_write_lock(data_dir) -> sqlite3.Connection:
    conn = sqlite3.connect(data_dir / "credence.db", isolation_level=None)
    conn.execute("BEGIN IMMEDIATE")
    return conn


class TestBusyDatabase:
    def test_a_locked_database_is_one_line_and_exit_1(self, tmp_path):
        run_credence(tmp_path, "migrate")
        holder = _hold_write_lock(tmp_path)
        try:
            res = run_credence(tmp_path, "demo", check=False, CREDENCE_DB_BUSY_SECONDS="0.3")
        finally:
            holder.close()
        assert res.returncode == 1
        # Beside the warning that the tests pinned the command's clock, one line.
        lines = [
            line
            for line in res.stderr.splitlines()
            if line.strip() and "CREDENCE_CLOCK_AT" not in line
        ]
        assert lines == [lines[0]]
        assert lines[0].startswith("credence: demo failed: the database is busy")
        assert "Traceback" not in res.stderr + res.stdout
        # Nothing was half loaded: the demo then runs whole.
        again = run_credence(tmp_path, "demo")
        assert "54 entries created, 0 already present" in again.stdout

    def test_debug_shows_the_traceback(self, tmp_path):
        run_credence(tmp_path, "migrate")
        holder = _hold_write_lock(tmp_path)
        try:
            res = run_credence(
                tmp_path, "--debug", "keys", "rotate", check=False, CREDENCE_DB_BUSY_SECONDS="0.3"
            )
        finally:
            holder.close()
        assert res.returncode == 1
        assert "Traceback (most recent call last)" in res.stderr
        assert "credence: keys rotate failed: the database is busy" in res.stderr


class TestQuietRun:
    def test_migrate_prints_no_alembic_info(self, tmp_path):
        res = run_credence(tmp_path, "migrate")
        assert "alembic" not in (res.stdout + res.stderr).lower()
        assert res.stdout.strip() == "database migrated (sqlite)"
