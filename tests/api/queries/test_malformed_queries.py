"""A malformed agency query is still logged: refused, with no subject, and the log verifies."""

from __future__ import annotations

import json

from sqlalchemy import select
from sqlmodel import Session

from api.state import state_of
from core.models import LogLeaf, QueryFacet
from core.querylog.verify import verify_log
from crypto.bound_receipt import verify_answer
from tests.factories import bearer, make_code, page_items


def _leaves(runtime) -> list[dict]:
    with Session(runtime.engine) as s:
        return [json.loads(leaf.body) for leaf in s.scalars(select(LogLeaf).order_by(LogLeaf.idx))]


def _verify(app, runtime):
    with Session(runtime.engine) as s:
        return verify_log(
            session=s,
            signer_public_key=state_of(app).log_signer.public_key,
            name=runtime.settings.log_key_name,
        )


def _bad_code() -> str:
    code = make_code()
    return code[:-1] + ("0" if code[-1] != "0" else "1")


class TestMalformedQuery:
    def test_an_invalid_code_is_422_and_logged_refused_without_subject(self, client, mint, runtime):
        bad = _bad_code()
        req = {"subject_code": bad, "purpose": "credit_loan", "legal_basis": "court_enforcement"}
        res = client.post(
            "/api/v1/queries", headers=bearer(mint("agency", agency="bank-9")), json=req
        )
        assert res.status_code == 422
        assert res.headers["content-type"] == "application/problem+json"
        assert res.json()["type"].endswith("/validation")
        assert bad not in res.text
        (leaf,) = _leaves(runtime)
        assert leaf["agency"] == "bank-9"
        assert leaf["outcome"] == "refused"
        assert leaf["refusal_rule"] == "invalid_subject_code"
        # No subject: nothing to commit to, and no chain to join.
        assert (leaf["commit"], leaf["prev"], leaf["returned"]) == (None, None, 0)
        assert leaf["purpose"] is None
        assert bad not in json.dumps(leaf)
        # The refusal comes with its receipt, whose leaf rebuilds to the one proven.
        problem = res.json()
        assert problem["log_index"] == 0
        assert problem["receipt"]["leaf"] == leaf
        verify_answer(problem["receipt"], client.get("/api/v1/public/log-key").text)
        with Session(runtime.engine) as s:
            (facet,) = s.scalars(select(QueryFacet)).all()
        assert (facet.agency, facet.outcome, facet.subject) == ("bank-9", "refused", "")

    def test_other_malformed_bodies_are_logged_as_invalid_requests(self, client, mint, runtime):
        bank = bearer(mint("agency", agency="bank-9"))
        code = make_code()
        res = client.post("/api/v1/queries", headers=bank, json={"subject_code": code})
        assert res.status_code == 422
        (leaf,) = _leaves(runtime)
        assert leaf["refusal_rule"] == "invalid_request"
        assert code not in json.dumps(leaf)

    def test_the_log_verifies_with_malformed_and_valid_queries(self, app, client, mint, runtime):
        bank = bearer(mint("agency", agency="bank-9"))
        good = {
            "subject_code": make_code(),
            "purpose": "licensing",
            "legal_basis": "court_enforcement",
        }
        bad = good | {"subject_code": _bad_code()}
        assert client.post("/api/v1/queries", headers=bank, json=bad).status_code == 422
        assert client.post("/api/v1/queries", headers=bank, json=good).status_code == 200
        assert client.post("/api/v1/queries", headers=bank, json=bad).status_code == 422
        report = _verify(app, runtime)
        assert report.ok, report.problem
        assert report.leaves == 3
        # The auditor sees the refusals like any other, by agency and outcome.
        audited = page_items(
            client.get(
                "/api/v1/audit/queries",
                headers=bearer(mint("auditor")),
                params={"agency": "bank-9", "outcome": "refused"},
            )
        )
        assert len(audited) == 2

    def test_without_an_agency_token_nothing_is_logged(self, client, runtime):
        req = {"subject_code": _bad_code(), "purpose": "credit_loan"}
        assert client.post("/api/v1/queries", json=req).status_code == 401
        assert _leaves(runtime) == []
