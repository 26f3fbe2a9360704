"""Integers in paths and queries are bounded to what a 64-bit database column holds."""

from __future__ import annotations

import pytest

from core.paging import write_cursor
from tests.factories import make_code

TOO_BIG = 2**63
BIGGEST = 2**63 - 1
P = "/api/v1"

# (role, method, path): every integer path or query parameter, at 2**63.
CASES = [
    ("auditor", "GET", f"{P}/audit/proofs/inclusion/{TOO_BIG}?size=1", "index"),
    ("auditor", "GET", f"{P}/audit/proofs/inclusion/0?size={TOO_BIG}", "size"),
    ("auditor", "GET", f"{P}/audit/proofs/consistency?first={TOO_BIG}&second=1", "first"),
    ("auditor", "GET", f"{P}/audit/proofs/consistency?first=1&second={TOO_BIG}", "second"),
    ("auditor", "POST", f"{P}/audit/queries/{TOO_BIG}/flags", "index"),
    ("auditor", "GET", f"/audit/queries/{TOO_BIG}", "index"),
    ("auditor", "GET", f"/audit/queries/{TOO_BIG}/receipt", "index"),
    ("citizen", "GET", f"/me/queries/{TOO_BIG}/receipt", "log_index"),
]


def _headers(mint, role: str) -> dict[str, str]:
    claims = {"credit_code": make_code()} if role == "citizen" else {}
    return {"Authorization": f"Bearer {mint(role, **claims)}"}


class TestTooLargeIntegers:
    @pytest.mark.parametrize(("role", "method", "path", "name"), CASES)
    def test_two_to_the_63_is_a_422_problem_naming_the_parameter(
        self, client, mint, role, method, path, name
    ):
        body = {"reason": "other"} if method == "POST" else None
        res = client.request(method, path, headers=_headers(mint, role), json=body)
        assert res.status_code == 422, res.text
        assert res.headers["content-type"] == "application/problem+json"
        problem = res.json()
        assert problem["type"].endswith("/validation")
        assert [e["loc"][-1] for e in problem["errors"]] == [name]
        assert str(TOO_BIG) not in res.text

    def test_a_huge_number_is_refused_without_being_echoed(self, client, mint):
        huge = "9" * 5000
        res = client.get(
            f"{P}/audit/proofs/consistency?first={huge}&second=1",
            headers=_headers(mint, "auditor"),
        )
        assert res.status_code == 422
        assert "9" * 40 not in res.text

    def test_negative_sizes_and_indexes_are_refused(self, client, mint):
        auditor = _headers(mint, "auditor")
        for path in (
            f"{P}/audit/proofs/inclusion/-1?size=1",
            f"{P}/audit/proofs/inclusion/0?size=0",
            f"{P}/audit/proofs/consistency?first=-1&second=1",
        ):
            assert client.get(path, headers=auditor).status_code == 422, path


class TestTheLargestIntegerStillWorks:
    def test_the_bound_itself_reaches_the_service_and_is_refused_there(self, client, mint):
        auditor = _headers(mint, "auditor")
        # Past the end of the log: the service's own refusal, not a driver overflow.
        res = client.get(f"{P}/audit/proofs/inclusion/{BIGGEST}?size=1", headers=auditor)
        assert res.status_code == 422
        assert res.json()["type"].endswith("/invalid-input")
        res = client.post(
            f"{P}/audit/queries/{BIGGEST}/flags", headers=auditor, json={"reason": "other"}
        )
        assert res.status_code == 404
        # A page's position travels in an opaque cursor, whose numbers stop short of 2**63.
        farthest = "9" * 18
        audit = {"cursor": write_cursor("audit-queries", farthest)}
        assert client.get(f"{P}/audit/queries", headers=auditor, params=audit).is_success
        citizen = _headers(mint, "citizen")
        mine = {"cursor": write_cursor("queries", farthest)}
        assert client.get(f"{P}/me/queries", headers=citizen, params=mine).json() == {
            "items": [],
            "next_cursor": None,
        }
        officer = _headers(mint, "objection_officer")
        queue = {"cursor": write_cursor("objections", farthest)}
        assert client.get(f"{P}/objections", headers=officer, params=queue).json()["items"] == []

    @pytest.mark.parametrize(
        ("role", "path", "scope"),
        [
            ("auditor", f"{P}/audit/queries", "audit-queries"),
            ("citizen", f"{P}/me/queries", "queries"),
            ("objection_officer", f"{P}/objections", "objections"),
        ],
    )
    def test_a_cursor_past_the_bound_is_refused_as_a_bad_cursor(
        self, client, mint, role, path, scope
    ):
        for position in (str(TOO_BIG), str(BIGGEST), "1" * 19, "-1"):
            params = {"cursor": write_cursor(scope, position)}
            res = client.get(path, headers=_headers(mint, role), params=params)
            assert res.status_code == 422, res.text
            assert res.json()["rule"] == "bad_cursor"
            assert position not in res.text
