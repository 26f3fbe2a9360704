"""problem+json everywhere; 422 bodies never echo input; health and readiness."""

from __future__ import annotations

import secrets

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from core.entries.schemas import EntryCreate
from tests.factories import make_code, make_payload


@pytest.fixture
def client(runtime) -> TestClient:
    app = create_app(runtime=runtime)

    # Probe routes exercising the shared error handling with the real submission schema.
    @app.post("/probe/entry")
    def probe(payload: EntryCreate) -> dict[str, str]:
        return {"ok": "yes"}

    @app.get("/probe/boom")
    def boom() -> None:
        raise RuntimeError("secret 110105198001010011 王小明")

    # raise_server_exceptions=True: an exception reaching the server would fail the test.
    # The probes declare no policy; a bearer header lets their bodies past the check that
    # refuses bodies sent without any credentials (api/limits.py), which they do not test.
    with TestClient(
        app, raise_server_exceptions=True, headers={"Authorization": "Bearer probe"}
    ) as c:
        yield c


class TestOps:
    def test_healthz(self, client):
        assert client.get("/healthz").json() == {"status": "ok"}

    def test_readyz_checks_database_and_keys(self, client):
        assert client.get("/readyz").json() == {"status": "ready"}

    def test_readyz_fails_with_wrong_keys(self, runtime, keyring_factory):
        runtime.keyring = keyring_factory()
        with TestClient(create_app(runtime=runtime)) as c:
            res = c.get("/readyz")
        assert res.status_code == 503
        assert res.headers["content-type"] == "application/problem+json"

    def test_docs_and_openapi_served(self, client):
        assert client.get("/docs").status_code == 200
        assert client.get("/openapi.json").json()["info"]["title"] == "Credence"


class TestProblems:
    def test_unknown_route_is_problem_json(self, client):
        res = client.get("/no/such/route")
        assert res.status_code == 404
        assert res.headers["content-type"] == "application/problem+json"
        assert res.json()["type"].endswith("/not-found")

    def test_422_never_echoes_input(self, client):
        code = make_code()
        bad_code = code[:-1] + ("1" if code[-1] != "1" else "2")
        body = make_payload().model_dump(mode="json")
        body.update(
            subject_code=bad_code,
            subject_name="慕容复" + "名" * 70,
            list_kind="grey",
            facts="隐私事实" * 1200,
        )
        res = client.post("/probe/entry", json=body)
        assert res.status_code == 422
        assert res.headers["content-type"] == "application/problem+json"
        text = res.text
        for secret in (bad_code, bad_code[:8], bad_code[-6:], "慕容复", "隐私事实", "grey"):
            assert secret not in text
        fields = {tuple(e["loc"]) for e in res.json()["errors"]}
        assert ("body", "subject_code") in fields
        assert ("body", "list_kind") in fields
        assert any("check_character" in e["msg"] for e in res.json()["errors"])

    def test_malformed_json_is_422_problem(self, client):
        res = client.post(
            "/probe/entry", content=b"{not json", headers={"content-type": "application/json"}
        )
        assert res.status_code == 422
        assert res.json()["type"].endswith("/validation")

    def test_unhandled_error_is_500_without_detail_or_traceback(self, client, caplog):
        res = client.get("/probe/boom")
        assert res.status_code == 500
        assert "secret" not in res.text
        assert "Traceback" not in res.text
        assert "110105198001010011" not in caplog.text
        assert "王小明" not in caplog.text

    def test_valid_probe_passes(self, client):
        body = make_payload(external_id=f"X-{secrets.token_hex(3)}").model_dump(mode="json")
        assert client.post("/probe/entry", json=body).json() == {"ok": "yes"}
