"""`credence log verify` passes over a log holding a malformed query's subjectless leaf."""

from __future__ import annotations

import json
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlmodel import Session

from api.app import create_app
from api.state import state_of
from core.clock import clock
from core.identity.tokens import mint_access_token
from core.models import LogLeaf
from core.runtime import open_runtime
from core.settings import Settings
from tests.factories import make_code
from tests.support.server import run_credence, use_data_dir_keys


def test_log_verify_passes_after_a_malformed_query(tmp_path, monkeypatch):
    use_data_dir_keys(monkeypatch, tmp_path)
    settings = Settings(data_dir=tmp_path, maintenance_every_seconds=0)
    runtime = open_runtime(settings)
    app = create_app(runtime=runtime)
    code = make_code()
    bad = code[:-1] + ("0" if code[-1] != "0" else "1")
    with TestClient(app) as client:
        token = mint_access_token(
            keys=state_of(app).issuer_keys,
            issuer=settings.embedded_issuer_id,
            audience=settings.token_audience,
            subject="test:agency",
            claims={"role": "agency", "agency": "bank-1"},
            ttl=timedelta(minutes=5),
            now=clock.now(),
            client_id="test-agency",
        )
        bank = {"Authorization": f"Bearer {token}"}
        query = {"subject_code": code, "purpose": "licensing", "legal_basis": "court_enforcement"}
        assert client.post("/api/v1/queries", headers=bank, json=query).status_code == 200
        malformed = query | {"subject_code": bad}
        assert client.post("/api/v1/queries", headers=bank, json=malformed).status_code == 422
    with Session(runtime.engine) as session:
        bodies = [leaf.body for leaf in session.scalars(select(LogLeaf).order_by(LogLeaf.idx))]
    runtime.engine.dispose()
    # The malformed query's leaf commits to no subject; the good one's does.
    assert [json.loads(b)["commit"] is None for b in bodies] == [False, True]
    run_credence(tmp_path, "log", "checkpoint")
    verified = run_credence(tmp_path, "log", "verify")
    assert "ok: 2 leaves" in verified.stdout
