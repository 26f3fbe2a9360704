"""Agency queries: authorized, scoped, displayed-only, logged (refusals too) with a receipt."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import select
from sqlmodel import Session

from api.state import state_of
from core.clock import clock
from core.models import LogLeaf
from core.ops.maintenance import run_maintenance
from core.querylog.verify import verify_log
from crypto.bound_receipt import verify_answer
from crypto.receipt import verify_receipt
from tests.factories import bearer, make_code, make_payload, page_items, register_agency


def _leaves(runtime) -> list[dict]:
    with Session(runtime.engine) as s:
        return [json.loads(leaf.body) for leaf in s.scalars(select(LogLeaf).order_by(LogLeaf.idx))]


def _setup(client, mint, *, max_uses: int = 1, kinds=("black",)):
    code = make_code()
    rec = bearer(mint("recorder", department="dept-a"))
    black = make_payload(subject_code=code, subject_name="欧阳锋", list_kind="black")
    watch = make_payload(
        subject_code=code,
        subject_name="欧阳锋",
        list_kind="watch",
        severity="general",
        display_until=clock.today() + timedelta(days=190),
        repairable=False,
        repair_ways=[],
        domain="volunteering",
    )
    ids = {}
    for p in (black, watch):
        res = client.post("/api/v1/records", json=p.model_dump(mode="json"), headers=rec)
        ids[p.list_kind] = res.json()["id"]
    clock.advance(timedelta(days=20))  # past the black entry's prior notice (§5.1)
    me = bearer(mint("citizen", credit_code=code))
    register_agency(state_of(client.app).runtime)
    grant = client.post(
        "/api/v1/me/authorizations",
        headers=me,
        json={
            "agency": "bank-1",
            "purpose": "credit_loan",
            "list_kinds": list(kinds),
            "domains": [],
            "expires_at": (clock.now() + timedelta(days=30)).isoformat(),
            "max_uses": max_uses,
        },
    ).json()
    return code, me, ids, grant["id"]


class TestAuthorizedQuery:
    def test_answer_is_scoped_logged_and_comes_with_a_verifiable_receipt(
        self, client, mint, runtime
    ):
        code, _me, ids, auth_id = _setup(client, mint)
        bank = bearer(mint("agency", agency="bank-1"))
        res = client.post(
            "/api/v1/queries",
            headers=bank,
            json={"subject_code": code, "purpose": "credit_loan", "authorization_id": auth_id},
        )
        assert res.status_code == 200
        body = res.json()
        assert [e["id"] for e in body["entries"]] == [ids["black"]]
        assert body["entries"][0]["subject_name"] == "欧阳锋"
        vkey = client.get("/api/v1/public/log-key").text
        cp = verify_receipt(body["receipt"], vkey)
        assert cp.size == body["log_index"] + 1
        leaf = _leaves(runtime)[body["log_index"]]
        assert leaf["outcome"] == "answered"
        assert leaf["agency"] == "bank-1"
        assert leaf["returned"] == 1
        # The receipt carries the leaf and opens its commitment for the asking agency.
        assert body["receipt"]["leaf"] == leaf
        assert body["receipt"]["private"]["entries"] == [ids["black"]]
        assert body["receipt"]["private"]["authorization_id"] == auth_id
        assert verify_answer(body["receipt"], vkey).size == cp.size
        raw = json.dumps(_leaves(runtime), ensure_ascii=False)
        assert code not in raw
        assert "欧阳锋" not in raw
        # In public the leaf names neither the entries nor the consent.
        assert ids["black"] not in raw
        assert auth_id not in raw

    def test_used_up_authorization_is_refused_and_the_refusal_is_logged(
        self, client, mint, runtime
    ):
        code, _me, _ids, auth_id = _setup(client, mint, max_uses=1)
        bank = bearer(mint("agency", agency="bank-1"))
        req = {"subject_code": code, "purpose": "credit_loan", "authorization_id": auth_id}
        assert client.post("/api/v1/queries", headers=bank, json=req).status_code == 200
        refused = client.post("/api/v1/queries", headers=bank, json=req)
        assert refused.status_code == 403
        assert refused.json()["rule"] == "authorization_used_up"
        last = _leaves(runtime)[-1]
        assert (last["outcome"], last["refusal_rule"]) == ("refused", "authorization_used_up")
        # The refusal is on the record with a receipt of its own.
        assert refused.json()["log_index"] == len(_leaves(runtime)) - 1
        assert refused.json()["receipt"]["leaf"] == last
        verify_answer(refused.json()["receipt"], client.get("/api/v1/public/log-key").text)

    def test_other_agency_cannot_use_the_authorization(self, client, mint, runtime):
        code, _me, _ids, auth_id = _setup(client, mint)
        other = bearer(mint("agency", agency="bank-2"))
        res = client.post(
            "/api/v1/queries",
            headers=other,
            json={"subject_code": code, "purpose": "credit_loan", "authorization_id": auth_id},
        )
        assert res.status_code == 404
        assert _leaves(runtime)[-1]["agency"] == "bank-2"
        assert res.json()["receipt"]["leaf"] == _leaves(runtime)[-1]
        verify_answer(res.json()["receipt"], client.get("/api/v1/public/log-key").text)

    def test_frozen_record_refuses_authorization_queries(self, client, mint):
        code, me, _ids, auth_id = _setup(client, mint)
        client.put("/api/v1/me/freeze", headers=me)
        res = client.post(
            "/api/v1/queries",
            headers=bearer(mint("agency", agency="bank-1")),
            json={"subject_code": code, "purpose": "credit_loan", "authorization_id": auth_id},
        )
        assert res.status_code == 403
        assert res.json()["rule"] == "record_frozen"


class TestLegalBasisQuery:
    def test_runs_on_a_frozen_record_and_is_flagged(self, client, mint, runtime):
        code, me, ids, _auth_id = _setup(client, mint)
        client.put("/api/v1/me/freeze", headers=me)
        court = bearer(mint("agency", agency="court-1"))
        res = client.post(
            "/api/v1/queries",
            headers=court,
            json={"subject_code": code, "purpose": "licensing", "legal_basis": "court_enforcement"},
        )
        assert res.status_code == 200
        assert sorted(e["id"] for e in res.json()["entries"]) == sorted(ids.values())
        assert _leaves(runtime)[-1]["frozen"] is True

    def test_only_investigating_bodies_may_seal(self, client, mint, runtime):
        code, _me, _ids, _a = _setup(client, mint)
        court = bearer(mint("agency", agency="court-1"))
        until = (clock.today() + timedelta(days=90)).isoformat()
        refused = client.post(
            "/api/v1/queries",
            headers=court,
            json={
                "subject_code": code,
                "purpose": "licensing",
                "legal_basis": "court_enforcement",
                "sealed_until": until,
            },
        )
        assert refused.status_code == 422
        assert _leaves(runtime)[-1]["outcome"] == "refused"
        police = bearer(mint("agency", agency="police-1"))
        sealed = client.post(
            "/api/v1/queries",
            headers=police,
            json={
                "subject_code": code,
                "purpose": "licensing",
                "legal_basis": "criminal_investigation",
                "sealed_until": until,
            },
        )
        assert sealed.status_code == 200
        assert _leaves(runtime)[-1]["sealed_until"] == until

    def test_expired_entries_are_never_answered(self, client, mint, runtime):
        code, _me, _ids, _a = _setup(client, mint)
        clock.advance(timedelta(days=800))
        res = client.post(
            "/api/v1/queries",
            headers=bearer(mint("agency", agency="court-1")),
            json={"subject_code": code, "purpose": "licensing", "legal_basis": "court_enforcement"},
        )
        assert res.json()["entries"] == []
        assert res.json()["outcome"] == "empty"

    def test_unknown_subject_is_an_empty_logged_answer(self, client, mint, runtime):
        before = len(_leaves(runtime))
        res = client.post(
            "/api/v1/queries",
            headers=bearer(mint("agency", agency="court-1")),
            json={
                "subject_code": make_code(),
                "purpose": "licensing",
                "legal_basis": "court_enforcement",
            },
        )
        assert res.json()["outcome"] == "empty"
        assert len(_leaves(runtime)) == before + 1


class TestBadQueries:
    def test_free_text_basis_both_bases_and_bad_codes_are_422_without_echo(self, client, mint):
        bank = bearer(mint("agency", agency="bank-1"))
        code = make_code()
        bad = code[:-1] + ("0" if code[-1] != "0" else "1")
        cases = [
            {"subject_code": code, "purpose": "credit_loan", "legal_basis": "I am the police"},
            {
                "subject_code": code,
                "purpose": "credit_loan",
                "legal_basis": "court_enforcement",
                "authorization_id": "00000000-0000-0000-0000-000000000000",
            },
            {"subject_code": code, "purpose": "credit_loan"},
            {"subject_code": bad, "purpose": "credit_loan", "legal_basis": "court_enforcement"},
        ]
        for case in cases:
            res = client.post("/api/v1/queries", headers=bank, json=case)
            assert res.status_code == 422
            assert bad not in res.text

    def test_log_verifies_after_a_mix_of_queries(self, client, mint, runtime, app):
        code, _me, _ids, auth_id = _setup(client, mint)
        bank = bearer(mint("agency", agency="bank-1"))
        req = {"subject_code": code, "purpose": "credit_loan", "authorization_id": auth_id}
        client.post("/api/v1/queries", headers=bank, json=req)
        client.post("/api/v1/queries", headers=bank, json=req)
        with Session(runtime.engine) as s:
            report = verify_log(
                session=s,
                signer_public_key=state_of(app).log_signer.public_key,
                name=runtime.settings.log_key_name,
            )
        assert report.ok
        assert report.leaves == 2


class TestCitizenHistory:
    def test_citizen_sees_every_query_with_receipts_and_sealed_ones_only_after_the_seal(
        self, client, mint, runtime, app
    ):
        code, me, _ids, auth_id = _setup(client, mint, max_uses=1)
        bank = bearer(mint("agency", agency="bank-1"))
        police = bearer(mint("agency", agency="police-1"))
        req = {"subject_code": code, "purpose": "credit_loan", "authorization_id": auth_id}
        client.post("/api/v1/queries", headers=bank, json=req)
        client.post("/api/v1/queries", headers=bank, json=req)  # refused: used up
        until = clock.today() + timedelta(days=30)
        client.post(
            "/api/v1/queries",
            headers=police,
            json={
                "subject_code": code,
                "purpose": "licensing",
                "legal_basis": "criminal_investigation",
                "sealed_until": until.isoformat(),
            },
        )

        history = page_items(client.get("/api/v1/me/queries", headers=me))
        assert [(h["agency"], h["outcome"]) for h in history] == [
            ("bank-1", "refused"),
            ("bank-1", "answered"),
        ]
        # No stored checkpoint covers them yet: the receipts are pending, not missing.
        assert [(h["receipt"], h["receipt_pending"]) for h in history] == [(None, True)] * 2
        clock.advance(runtime.cadence.every)
        run_maintenance(
            engine=runtime.engine,
            signer=state_of(app).log_signer,
            cadence=runtime.cadence,
            now=clock.now(),
        )
        history = page_items(client.get("/api/v1/me/queries", headers=me))
        vkey = client.get("/api/v1/public/log-key").text
        published = client.get("/api/v1/public/checkpoint").text
        for item in history:
            assert item["receipt_pending"] is False
            anchored = verify_receipt(item["receipt"], vkey)
            assert item["receipt"]["checkpoint"] == published
            assert anchored.size == 3
        notes = page_items(client.get("/api/v1/me/notifications", headers=me))
        # The two queries, the black entry's prior notice (1798号 §7) and the watch warning
        # (§17).
        assert len(notes) == 4

        # Auditors see the sealed query at once.
        audit = page_items(client.get("/api/v1/audit/queries", headers=bearer(mint("auditor"))))
        assert audit[0]["leaf"]["agency"] == "police-1"

        clock.advance(timedelta(days=31))
        me_later = bearer(mint("citizen", credit_code=code))  # the old token has expired
        later = page_items(client.get("/api/v1/me/queries", headers=me_later))
        assert later[0]["agency"] == "police-1"
        assert later[0]["basis"] == "legal"

    def test_another_citizen_sees_none_of_it(self, client, mint):
        code, _me, _ids, auth_id = _setup(client, mint)
        client.post(
            "/api/v1/queries",
            headers=bearer(mint("agency", agency="bank-1")),
            json={"subject_code": code, "purpose": "credit_loan", "authorization_id": auth_id},
        )
        _c2, other, _i2, _a2 = _setup(client, mint)
        assert page_items(client.get("/api/v1/me/queries", headers=other)) == []
