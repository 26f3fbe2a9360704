"""Connections the database dropped are a 503 to retry or a fresh connection, never a 500."""

from __future__ import annotations

import pytest

from tests.conftest import PG_URL
from tests.factories import make_payload
from tests.factories.entries import record_entry
from tests.support.postgres import terminate_backends

pytestmark = pytest.mark.skipif(PG_URL is None, reason="drops PostgreSQL backends")


def _calls(client, mint, code: str) -> dict[str, object]:
    citizen = {"Authorization": f"Bearer {mint('citizen', credit_code=code)}"}
    agency = {"Authorization": f"Bearer {mint('agency', agency='bank-x')}"}
    body = {"subject_code": code, "purpose": "credit_loan", "legal_basis": "court_enforcement"}
    return {
        "record": lambda: client.get("/api/v1/me/record", headers=citizen),
        "query": lambda: client.post("/api/v1/queries", json=body, headers=agency),
        "ready": lambda: client.get("/readyz"),
    }


class TestBackendsTerminated:
    def test_every_request_after_a_drop_answers_503_or_succeeds_and_then_succeeds(
        self, client, mint, fresh_url
    ):
        code = make_payload().subject_code
        record_entry(client, mint, subject_code=code)
        calls = _calls(client, mint, code)
        for call in calls.values():
            assert call().status_code == 200  # the pool holds live connections now
        assert terminate_backends(fresh_url) >= 1
        for name, call in calls.items():
            first = call()
            assert first.status_code in (200, 503), (name, first.status_code)
            if first.status_code == 503:
                assert first.headers["retry-after"].isdigit()
                assert first.json()["type"].endswith("/database-busy")
            assert call().status_code == 200, name
