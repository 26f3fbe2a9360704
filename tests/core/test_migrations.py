"""Migrations: upgrade, downgrade, upgrade again; and the models match the revisions."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from core import migrate
from core.db import make_engine
from core.models import metadata


class TestMigrations:
    def test_upgrade_downgrade_upgrade(self, fresh_url):
        engine = make_engine(fresh_url)
        migrate.upgrade(engine)
        assert {"entry", "subject", "data_key", "key_check"} <= set(
            inspect(engine).get_table_names()
        )
        migrate.downgrade(engine, "base")
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
        migrate.upgrade(engine)
        assert "entry" in inspect(engine).get_table_names()
        engine.dispose()

    def test_autogenerate_finds_no_drift(self, fresh_engine):
        with fresh_engine.connect() as conn:
            ctx = MigrationContext.configure(conn, opts={"compare_type": True})
            assert compare_metadata(ctx, metadata) == []

    def test_revision_files_are_dated(self):
        import re
        from pathlib import Path

        versions = Path(migrate.__file__).resolve().parents[1] / "migrations" / "versions"
        names = [p.name for p in versions.glob("*.py")]
        assert names
        assert all(re.match(r"^\d{4}-\d{2}-\d{2}-\d{4}_\w+\.py$", n) for n in names)
