"""The consent hand-off over HTTP: a grant names a registered agency (else 422 problem+json),
its code is shown once and lets the agency query, the agency's inbox, and the paged lists."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlmodel import Session

from core.clock import clock
from core.models import LogLeaf
from tests.factories import bearer, grant_json, make_code, make_payload, register_agency

PROBLEM = "application/problem+json"


@pytest.fixture
def bank(runtime) -> None:
    """The agencies the grants name, registered."""
    register_agency(runtime, "bank-1", name_zh="示范商业银行", name_en="Demo Commercial Bank")
    register_agency(runtime, "bank-2")


def _citizen(client, mint) -> tuple[str, dict[str, str]]:
    """A citizen with a displayed black entry, and their bearer headers."""
    code = make_code()
    rec = bearer(mint("recorder", department="dept-a"))
    body = make_payload(subject_code=code, list_kind="black").model_dump(mode="json")
    assert client.post("/api/v1/records", json=body, headers=rec).status_code == 201
    clock.advance(timedelta(days=20))  # past the black entry's prior notice
    return code, bearer(mint("citizen", credit_code=code))


def _grant(client, me, **overrides) -> dict:
    res = client.post("/api/v1/me/authorizations", json=grant_json(**overrides), headers=me)
    assert res.status_code == 201, res.text
    return res.json()


def _leaves(runtime) -> list[str]:
    with Session(runtime.engine) as s:
        return [bytes(b).decode() for b in s.scalars(select(LogLeaf.body).order_by(LogLeaf.idx))]


def _query(client, mint, code: str, agency: str = "bank-1", **basis: object):
    body = {"subject_code": code, "purpose": "credit_loan", **basis}
    return client.post("/api/v1/queries", headers=bearer(mint("agency", agency=agency)), json=body)


@pytest.mark.usefixtures("bank")
class TestGrantNamesARegisteredAgency:
    def test_an_unknown_agency_is_a_422_problem_and_nothing_is_stored(self, client, mint):
        _code, me = _citizen(client, mint)
        res = client.post(
            "/api/v1/me/authorizations", json=grant_json(agency="demo-bnak"), headers=me
        )
        assert res.status_code == 422
        assert res.headers["content-type"].startswith(PROBLEM)
        assert res.json()["rule"] == "agency_unknown"
        assert "demo-bnak" not in res.text
        assert client.get("/api/v1/me/authorizations", headers=me).json()["items"] == []

    def test_the_code_is_in_the_grant_s_response_only(self, client, mint):
        _code, me = _citizen(client, mint)
        made = _grant(client, me)
        code = made["authorization_code"]
        assert len(code) == 9
        assert code[4] == "-"
        listed = client.get("/api/v1/me/authorizations", headers=me)
        assert "authorization_code" not in listed.json()["items"][0]
        assert code not in listed.text
        assert code.replace("-", "") not in listed.text


@pytest.mark.usefixtures("bank")
class TestQueryByCode:
    def test_the_agency_queries_with_the_code_and_one_use_is_spent(self, client, mint, runtime):
        code, me = _citizen(client, mint)
        made = _grant(client, me)
        res = _query(client, mint, code, authorization_code=made["authorization_code"].lower())
        assert res.status_code == 200, res.text
        assert res.json()["outcome"] == "answered"
        assert res.json()["receipt"]["private"]["authorization_id"] == made["id"]
        listed = client.get("/api/v1/me/authorizations", headers=me).json()["items"]
        assert listed[0]["uses"] == 1
        plain = made["authorization_code"].replace("-", "")
        logged = "".join(_leaves(runtime)).upper()
        assert plain not in logged
        assert made["authorization_code"] not in logged

    @pytest.mark.parametrize("who", ["wrong code", "other agency", "other subject"])
    def test_a_code_that_is_not_this_agency_s_for_this_subject_is_refused(
        self, client, mint, runtime, who
    ):
        code, me = _citizen(client, mint)
        made = _grant(client, me)
        given, agency, subject = made["authorization_code"], "bank-1", code
        if who == "wrong code":
            given = "ZZZZ-ZZZZ" if given != "ZZZZ-ZZZZ" else "YYYY-YYYY"
        elif who == "other agency":
            agency = "bank-2"
        else:
            subject, _ = _citizen(client, mint)
        res = _query(client, mint, subject, agency=agency, authorization_code=given)
        assert res.status_code == 403
        assert res.headers["content-type"].startswith(PROBLEM)
        assert res.json()["rule"] == "authorization_code_unknown"
        assert given not in res.text
        # The refusal is logged with its receipt; nothing was spent.
        leaf = json.loads(_leaves(runtime)[-1])
        assert (leaf["outcome"], leaf["refusal_rule"]) == ("refused", "authorization_code_unknown")
        assert res.json()["receipt"]["leaf"] == leaf
        me = bearer(mint("citizen", credit_code=code))  # the clock may have moved past the first
        assert client.get("/api/v1/me/authorizations", headers=me).json()["items"][0]["uses"] == 0

    def test_a_code_and_an_id_together_are_refused(self, client, mint):
        code, me = _citizen(client, mint)
        made = _grant(client, me)
        res = _query(
            client,
            mint,
            code,
            authorization_id=made["id"],
            authorization_code=made["authorization_code"],
        )
        assert res.status_code == 422
        assert made["authorization_code"] not in res.text


@pytest.mark.usefixtures("bank")
class TestInbox:
    def test_sent_to_the_inbox_the_agency_lists_it_with_the_subject_masked(self, client, mint):
        code, me = _citizen(client, mint)
        made = _grant(client, me)
        bank = bearer(mint("agency", agency="bank-1"))
        assert client.get("/api/v1/agency/authorizations", headers=bank).json() == {
            "items": [],
            "next_cursor": None,
        }
        sent = client.post(f"/api/v1/me/authorizations/{made['id']}/delivery", headers=me)
        assert sent.status_code == 200
        assert sent.json()["delivered_at"] is not None
        listed = client.get("/api/v1/agency/authorizations", headers=bank)
        assert listed.status_code == 200
        (held,) = listed.json()["items"]
        assert held["id"] == made["id"]
        assert (held["state"], held["purpose"], held["max_uses"]) == ("active", "credit_loan", 2)
        assert held["subject"] == code[:2] + "*" * 14 + code[-2:]
        assert code not in listed.text
        assert made["authorization_code"] not in listed.text
        other = bearer(mint("agency", agency="bank-2"))
        assert client.get("/api/v1/agency/authorizations", headers=other).json()["items"] == []

    def test_a_revoked_grant_is_not_sent(self, client, mint):
        _code, me = _citizen(client, mint)
        made = _grant(client, me)
        client.delete(f"/api/v1/me/authorizations/{made['id']}", headers=me)
        res = client.post(f"/api/v1/me/authorizations/{made['id']}/delivery", headers=me)
        assert res.status_code == 409
        assert res.json()["rule"] == "not_deliverable"

    def test_another_citizen_cannot_send_it(self, client, mint):
        theirs, _ = _citizen(client, mint)
        _mine, me = _citizen(client, mint)
        other = bearer(mint("citizen", credit_code=theirs))
        made = _grant(client, me)
        res = client.post(f"/api/v1/me/authorizations/{made['id']}/delivery", headers=other)
        assert res.status_code == 404
        assert (
            client.get("/api/v1/me/authorizations", headers=me).json()["items"][0]["delivered_at"]
            is None
        )


@pytest.mark.usefixtures("bank")
class TestPagedLists:
    def _walk(self, client, path: str, headers: dict[str, str]) -> list[str]:
        seen: list[str] = []
        params: dict[str, object] = {"limit": 2}
        while True:
            page = client.get(path, headers=headers, params=params)
            assert page.status_code == 200, page.text
            body = page.json()
            assert set(body) == {"items", "next_cursor"}
            seen += [a["id"] for a in body["items"]]
            if body["next_cursor"] is None:
                return seen
            params = {"limit": 2, "cursor": body["next_cursor"]}

    def test_both_lists_page_with_one_cursor_style(self, client, mint):
        _code, me = _citizen(client, mint)
        ids = []
        for _ in range(5):
            ids.append(_grant(client, me)["id"])
            clock.advance(timedelta(seconds=1))
        for grant_id in ids:
            client.post(f"/api/v1/me/authorizations/{grant_id}/delivery", headers=me)
        newest_first = ids[::-1]
        assert self._walk(client, "/api/v1/me/authorizations", me) == newest_first
        bank = bearer(mint("agency", agency="bank-1"))
        assert self._walk(client, "/api/v1/agency/authorizations", bank) == newest_first

    @pytest.mark.parametrize("params", [{"cursor": "zz"}, {"cursor": "ab"}, {"limit": 0}])
    def test_a_bad_cursor_or_limit_is_a_422_problem(self, client, mint, params):
        _code, me = _citizen(client, mint)
        res = client.get("/api/v1/me/authorizations", headers=me, params=params)
        assert res.status_code == 422
        assert res.headers["content-type"].startswith(PROBLEM)
