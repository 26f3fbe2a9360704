"""A busy database is a 503 with Retry-After that changed nothing, never a 500 (SQLite)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlmodel import Session

from core import migrate
from core.db import make_engine
from core.models import Entry
from core.ops.keys import verify_keys
from core.runtime import Runtime
from core.settings import Settings
from tests.conftest import PG_URL
from tests.factories import make_payload

pytestmark = pytest.mark.skipif(PG_URL is not None, reason="holds SQLite's write lock")


@pytest.fixture
def runtime(fresh_url, keyring, tmp_path: Path) -> Iterator[Runtime]:
    """A runtime whose writers wait at most 0.2 s for the database."""
    engine = make_engine(fresh_url, busy_seconds=0.2)
    migrate.upgrade(engine)
    with Session(engine) as session:
        verify_keys(session=session, keyring=keyring)
        session.commit()
    settings = Settings(data_dir=tmp_path, maintenance_every_seconds=0)
    yield Runtime(settings=settings, engine=engine, keyring=keyring)
    engine.dispose()


@pytest.fixture
def held(runtime: Runtime, fresh_url: str) -> Iterator[object]:
    """Another program holding the database's write lock until the test lets go."""

    class Holder:
        def __init__(self) -> None:
            self.conn = sqlite3.connect(fresh_url.removeprefix("sqlite:///"), isolation_level=None)

        def take(self) -> None:
            self.conn.execute("BEGIN IMMEDIATE")

        def let_go(self) -> None:
            self.conn.execute("ROLLBACK")

    holder = Holder()
    yield holder
    holder.conn.close()


def _record(client: TestClient, token: str):
    body = make_payload().model_dump(mode="json")
    return client.post(
        "/api/v1/records", json=body, headers={"Authorization": f"Bearer {token}"}
    ), body


def _entries(runtime: Runtime) -> int:
    with Session(runtime.read_engine) as s:
        return int(s.scalar(select(func.count()).select_from(Entry)) or 0)


class TestHeldWriteLock:
    def test_a_writer_gets_503_with_retry_after_and_nothing_changes(
        self, runtime, client, mint, held
    ):
        token = mint("recorder", department="d")
        held.take()
        res, body = _record(client, token)
        held.let_go()
        assert res.status_code == 503
        assert res.headers["content-type"].startswith("application/problem+json")
        assert res.headers["retry-after"].isdigit()
        problem = res.json()
        assert problem["type"].endswith("/database-busy")
        assert problem["status"] == 503
        assert body["subject_code"] not in res.text
        assert body["external_id"] not in res.text
        assert _entries(runtime) == 0
        # Once the lock is free, the same request goes through.
        again = client.post(
            "/api/v1/records", json=body, headers={"Authorization": f"Bearer {token}"}
        )
        assert again.status_code == 201
        assert _entries(runtime) == 1

    def test_an_agency_query_gets_503_and_is_not_half_logged(self, client, mint, held):
        token = mint("agency", agency="bank-x")
        held.take()
        res = client.post(
            "/api/v1/queries",
            json={
                "subject_code": make_payload().subject_code,
                "purpose": "credit_loan",
                "legal_basis": "court_enforcement",
            },
            headers={"Authorization": f"Bearer {token}"},
        )
        held.let_go()
        assert res.status_code == 503
        assert "retry-after" in res.headers
        checkpoint = client.get("/api/v1/public/checkpoint")
        assert checkpoint.status_code == 200
        assert "\n0\n" in checkpoint.text  # no leaf was appended for the refused request

    def test_reads_go_on_while_the_lock_is_held(self, client, held):
        held.take()
        try:
            assert client.get("/readyz").status_code == 200
            assert client.get("/api/v1/public/lists/black").status_code == 200
        finally:
            held.let_go()
