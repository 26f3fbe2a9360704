"""Citizen authorizations and freeze over HTTP; the public checkpoint; auditor proofs."""

from __future__ import annotations

import base64
from datetime import timedelta

import pytest
from sqlmodel import Session

from api.state import state_of
from core.clock import clock
from core.querylog.appends import append_leaves
from core.querylog.checkpoints import make_checkpoint
from core.querylog.leaves import canonical_leaf
from crypto.checkpoint import open_checkpoint, parse_verifier_key
from crypto.merkle import leaf_hash, verify_consistency, verify_inclusion
from tests.factories import bearer, grant_json, make_code, make_payload, register_agency


def _citizen_with_entry(client, mint) -> tuple[str, dict[str, str]]:
    code = make_code()
    rec = bearer(mint("recorder", department="dept-a"))
    body = make_payload(subject_code=code).model_dump(mode="json")
    assert client.post("/api/v1/records", json=body, headers=rec).status_code == 201
    return code, bearer(mint("citizen", credit_code=code))


@pytest.fixture
def bank(runtime) -> None:
    """The agency the grants name, registered."""
    register_agency(runtime)


@pytest.mark.usefixtures("bank")
class TestAuthorizations:
    def test_grant_list_revoke(self, client, mint):
        _code, me = _citizen_with_entry(client, mint)
        made = client.post("/api/v1/me/authorizations", json=grant_json(), headers=me)
        assert made.status_code == 201
        assert made.json()["state"] == "active"
        listed = client.get("/api/v1/me/authorizations", headers=me).json()
        assert [a["id"] for a in listed["items"]] == [made.json()["id"]]
        assert listed["next_cursor"] is None
        gone = client.delete(f"/api/v1/me/authorizations/{made.json()['id']}", headers=me)
        assert gone.json()["state"] == "revoked"
        again = client.delete(f"/api/v1/me/authorizations/{made.json()['id']}", headers=me)
        assert again.status_code == 409

    def test_another_citizen_cannot_revoke(self, client, mint):
        _c1, me = _citizen_with_entry(client, mint)
        _c2, other = _citizen_with_entry(client, mint)
        made = client.post("/api/v1/me/authorizations", json=grant_json(), headers=me).json()
        res = client.delete(f"/api/v1/me/authorizations/{made['id']}", headers=other)
        assert res.status_code == 404
        listed = client.get("/api/v1/me/authorizations", headers=me).json()["items"]
        assert listed[0]["state"] == "active"

    def test_free_text_purpose_and_overlong_validity_are_refused(self, client, mint):
        _code, me = _citizen_with_entry(client, mint)
        bad_purpose = client.post(
            "/api/v1/me/authorizations", json=grant_json(purpose="because I said so"), headers=me
        )
        assert bad_purpose.status_code == 422
        too_long = (clock.now() + timedelta(days=400)).isoformat()
        res = client.post(
            "/api/v1/me/authorizations", json=grant_json(expires_at=too_long), headers=me
        )
        assert res.status_code == 422
        assert client.get("/api/v1/me/authorizations", headers=me).json()["items"] == []


class TestFreeze:
    def test_freeze_and_lift_once_each(self, client, mint):
        _code, me = _citizen_with_entry(client, mint)
        assert client.put("/api/v1/me/freeze", headers=me).json() == {"frozen": True}
        assert client.put("/api/v1/me/freeze", headers=me).status_code == 409
        assert client.delete("/api/v1/me/freeze", headers=me).json() == {"frozen": False}
        assert client.delete("/api/v1/me/freeze", headers=me).status_code == 409


class TestPublicCheckpointAndProofs:
    def test_checkpoint_verifies_and_auditor_proofs_check_out(self, client, mint, runtime, app):
        signer = state_of(app).log_signer
        bodies = [canonical_leaf({"n": i, "agency": "bank-1"}) for i in range(7)]
        with Session(runtime.engine) as session:
            append_leaves(session=session, bodies=bodies[:3], now=clock.now())
            first_root = make_checkpoint(session=session, signer=signer, now=clock.now()).root
            append_leaves(session=session, bodies=bodies[3:], now=clock.now())
            make_checkpoint(session=session, signer=signer, now=clock.now())
            session.commit()
        note = client.get("/api/v1/public/checkpoint")
        assert note.status_code == 200
        vkey = client.get("/api/v1/public/log-key").text
        parsed = parse_verifier_key(vkey)
        cp = open_checkpoint(note.text, parsed.name, parsed.public_key)
        assert cp.size == 7

        auditor = bearer(mint("auditor"))
        inc = client.get("/api/v1/audit/proofs/inclusion/4", params={"size": 7}, headers=auditor)
        proof = [base64.b64decode(h) for h in inc.json()["proof"]]
        verify_inclusion(leaf_hash(bodies[4]), 4, 7, proof, cp.root)
        con = client.get(
            "/api/v1/audit/proofs/consistency", params={"first": 3, "second": 7}, headers=auditor
        )
        verify_consistency(
            3, 7, [base64.b64decode(h) for h in con.json()["proof"]], first_root, cp.root
        )
        out_of_range = client.get(
            "/api/v1/audit/proofs/inclusion/9", params={"size": 7}, headers=auditor
        )
        assert out_of_range.status_code == 422
        assert (
            client.get(
                "/api/v1/audit/proofs/inclusion/1",
                params={"size": 7},
                headers=bearer(mint("agency")),
            ).status_code
            == 403
        )
