"""POST /queries with an Idempotency-Key: a retry gets the same answer and spends nothing."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import func
from sqlmodel import Session, select

from api.state import state_of
from core.clock import clock
from core.context import Context
from core.models import Authorization, LogLeaf, QueryIdempotency
from core.ops.maintenance import run_maintenance
from crypto.bound_receipt import verify_answer
from tests.factories import bearer, make_code, make_payload
from tests.factories.directory import make_agency

URL = "/api/v1/queries"
KEY = "5f0c2a4e-8d1b-4c7e-9a3f-2b6d8e1f0a94"
PROBLEM = "application/problem+json"
# The short code each grant of a test was given out with (shown once, at the grant).
_CODES: dict[str, str] = {}


def _leaves(runtime) -> int:
    with Session(runtime.engine) as s:
        return int(s.execute(select(func.count()).select_from(LogLeaf)).scalar_one())


def _uses(runtime, auth_id: str) -> int:
    with Session(runtime.engine) as s:
        auth = s.get(Authorization, uuid.UUID(auth_id))
        assert auth is not None
        return auth.uses


def _granted(client, mint, runtime, *, max_uses: int = 1) -> tuple[str, dict]:
    """A subject with a displayed black entry who granted bank-1 `max_uses` queries."""
    with Session(runtime.engine) as s:
        make_agency(Context(s, runtime.keyring), "bank-1")
        s.commit()
    code = make_code()
    recorder = bearer(mint("recorder", department="dept-a"))
    entry = make_payload(subject_code=code, list_kind="black")
    made = client.post("/api/v1/records", json=entry.model_dump(mode="json"), headers=recorder)
    assert made.status_code == 201, made.text
    clock.advance(timedelta(days=20))  # past the prior notice
    grant = client.post(
        "/api/v1/me/authorizations",
        headers=bearer(mint("citizen", credit_code=code)),
        json={
            "agency": "bank-1",
            "purpose": "credit_loan",
            "list_kinds": ["black"],
            "domains": [],
            "expires_at": (clock.now() + timedelta(days=30)).isoformat(),
            "max_uses": max_uses,
        },
    )
    assert grant.status_code == 201, grant.text
    _CODES[grant.json()["id"]] = grant.json()["authorization_code"]
    body = {"subject_code": code, "purpose": "credit_loan", "authorization_id": grant.json()["id"]}
    return grant.json()["id"], body


def _court_body(purpose: str = "licensing") -> dict:
    return {"subject_code": make_code(), "purpose": purpose, "legal_basis": "court_enforcement"}


def _ask(client, mint, body, key: str | None = KEY, agency: str = "bank-1"):
    headers = bearer(mint("agency", agency=agency))
    if key is not None:
        headers["Idempotency-Key"] = key
    return client.post(URL, headers=headers, json=body)


class TestRetry:
    def test_the_same_key_and_body_get_the_same_answer_and_spend_one_use(
        self, client, mint, runtime
    ):
        auth_id, body = _granted(client, mint, runtime, max_uses=1)
        first = _ask(client, mint, body)
        assert first.status_code == 200, first.text
        assert first.json()["entries"]
        logged = _leaves(runtime)
        clock.advance(timedelta(minutes=5))
        again = _ask(client, mint, body)
        assert again.status_code == 200, again.text
        # Byte for byte: the same log index, entries, opening and receipt.
        assert again.json() == first.json()
        assert _leaves(runtime) == logged
        assert _uses(runtime, auth_id) == 1
        vkey = client.get("/api/v1/public/log-key").text
        verify_answer(again.json()["receipt"], vkey)
        # Without the key the single use is gone: the authorization refuses a new query.
        fresh = _ask(client, mint, body, key=None)
        assert fresh.status_code == 403
        assert fresh.json()["rule"] == "authorization_used_up"

    def test_a_query_by_authorization_code_is_given_again(self, client, mint, runtime):
        auth_id, body = _granted(client, mint, runtime, max_uses=1)
        by_code = {k: v for k, v in body.items() if k != "authorization_id"}
        by_code["authorization_code"] = _CODES[auth_id]
        first = _ask(client, mint, by_code)
        assert first.status_code == 200, first.text
        assert _ask(client, mint, by_code).json() == first.json()
        assert _uses(runtime, auth_id) == 1
        assert by_code["authorization_code"] not in first.text

    def test_the_answer_is_the_same_after_a_checkpoint_is_stored(self, app, client, mint, runtime):
        _auth, body = _granted(client, mint, runtime, max_uses=2)
        first = _ask(client, mint, body).json()
        clock.advance(runtime.cadence.every)
        run_maintenance(
            engine=runtime.engine,
            signer=state_of(app).log_signer,
            cadence=runtime.cadence,
            now=clock.now(),
        )
        assert _ask(client, mint, body).json() == first

    def test_an_empty_answer_for_a_subject_not_on_record_is_given_again(
        self, client, mint, runtime
    ):
        body = _court_body()
        first = _ask(client, mint, body, agency="court-1")
        assert first.status_code == 200, first.text
        assert first.json()["outcome"] == "empty"
        assert _ask(client, mint, body, agency="court-1").json() == first.json()
        assert _leaves(runtime) == first.json()["log_index"] + 1


class TestKeys:
    def test_the_same_key_with_another_body_is_a_409_problem_and_changes_nothing(
        self, client, mint, runtime
    ):
        auth_id, body = _granted(client, mint, runtime, max_uses=3)
        assert _ask(client, mint, body).status_code == 200
        logged = _leaves(runtime)
        other = {**body, "subject_code": make_code()}
        res = _ask(client, mint, other)
        assert res.status_code == 409
        assert res.headers["content-type"] == PROBLEM
        problem = res.json()
        assert problem["type"] == "/problems/idempotency-key-reused"
        assert problem["rule"] == "idempotency_key_reused"
        assert other["subject_code"] not in res.text
        assert KEY not in res.text
        assert _leaves(runtime) == logged
        assert _uses(runtime, auth_id) == 1
        assert client.get(problem["type"]).status_code == 200

    def test_keys_are_the_agencys_own(self, client, mint, runtime):
        body = _court_body()
        one = _ask(client, mint, body, agency="court-1").json()
        two = _ask(client, mint, body, agency="court-2").json()
        assert one["log_index"] != two["log_index"]

    def test_a_key_is_remembered_for_a_day(self, client, mint, runtime):
        body = _court_body()
        first = _ask(client, mint, body, agency="court-1").json()
        clock.advance(timedelta(hours=23))
        assert _ask(client, mint, body, agency="court-1").json()["log_index"] == first["log_index"]
        clock.advance(timedelta(hours=2))
        later = _ask(client, mint, body, agency="court-1")
        assert later.status_code == 200
        assert later.json()["log_index"] > first["log_index"]
        with Session(runtime.engine) as s:
            rows = s.execute(select(QueryIdempotency)).scalars().all()
        assert [r.log_index for r in rows] == [later.json()["log_index"]]

    def test_a_refused_query_is_not_remembered(self, client, mint, runtime):
        body = {"subject_code": make_code(), "purpose": "credit_loan"}
        body["authorization_id"] = str(uuid.uuid4())  # no such authorization
        refused = _ask(client, mint, body, agency="court-1")
        assert refused.status_code == 404, refused.text
        again = _ask(client, mint, body, agency="court-1")
        assert again.json()["log_index"] == refused.json()["log_index"] + 1

    @pytest.mark.parametrize("key", ["", "has space", "x" * 256, "中文".encode()])
    def test_a_malformed_key_is_refused(self, client, mint, key: str | bytes):
        body = _court_body()
        headers = bearer(mint("agency", agency="court-1"))
        res = client.post(URL, headers={**headers, "Idempotency-Key": key}, json=body)
        assert res.status_code == 422
        assert res.headers["content-type"] == PROBLEM


class TestWhatIsKept:
    def test_only_keyed_hashes_and_the_log_index(self, client, mint, runtime):
        _auth, body = _granted(client, mint, runtime)
        answer = _ask(client, mint, body).json()
        with Session(runtime.engine) as s:
            (row,) = s.execute(select(QueryIdempotency)).scalars().all()
        assert row.log_index == answer["log_index"]
        assert row.receipt_size == answer["receipt"]["tree_size"]
        stored = row.key_hash + row.request_hash
        for secret in (KEY, body["subject_code"], "bank-1", json.dumps(body)):
            assert secret.encode() not in stored
        assert len(row.key_hash) == len(row.request_hash) == 32
