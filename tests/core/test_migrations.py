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


class TestEntryNoticeOccasion:
    def test_the_occasion_comes_and_goes_with_its_revision(self, fresh_url):
        engine = make_engine(fresh_url)
        migrate.upgrade(engine)

        def shape() -> tuple[set[str], list[list[str]]]:
            found = inspect(engine)
            columns = {c["name"] for c in found.get_columns("entry_notice")}
            uniques = [u["column_names"] for u in found.get_unique_constraints("entry_notice")]
            return columns, uniques

        columns, uniques = shape()
        assert "occasion" in columns
        assert uniques == [["entry_id", "kind", "occasion"]]
        migrate.downgrade(engine, "7e2b9c4d1a36")
        columns, uniques = shape()
        assert "occasion" not in columns
        assert uniques == [["entry_id", "kind"]]
        migrate.upgrade(engine)
        assert shape()[1] == [["entry_id", "kind", "occasion"]]
        engine.dispose()

    def test_going_down_keeps_one_notice_of_each_entry_and_kind(self, fresh_url, keyring):
        from datetime import timedelta

        from sqlalchemy import text
        from sqlmodel import Session

        from core.clock import clock
        from core.entries import lifecycle_repository as repo
        from core.models import Entry
        from tests.factories import make_entry_view

        engine = make_engine(fresh_url)
        migrate.upgrade(engine)
        with Session(engine) as s:
            made = make_entry_view(s, keyring)
            subject_id = s.get_one(Entry, made.id).subject_id
            for n in (2, 3):
                repo.add_entry_notice(
                    s,
                    subject_id=subject_id,
                    entry_id=made.id,
                    kind="corrected",
                    now=clock.now() + timedelta(minutes=n),
                    occasion=f"v{n}",
                )
            s.commit()
        migrate.downgrade(engine, "7e2b9c4d1a36")
        with engine.connect() as conn:
            corrected = conn.execute(
                text("SELECT count(*) FROM entry_notice WHERE kind = 'corrected'")
            ).scalar_one()
        # The old unique key (entry, kind) holds again: the earlier of the two is kept.
        assert corrected == 1
        migrate.upgrade(engine)
        engine.dispose()
