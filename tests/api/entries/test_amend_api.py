"""The recorder's API for its own entries: list with filters and a cursor, search by code in
the body, amend (problem+json and nothing changed on a refusal), history, withdraw."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from tests.factories import bearer, make_code, submit_entry

PROBLEM = "application/problem+json"


def _recorder(mint, department: str = "dept-a") -> dict[str, str]:
    return bearer(mint("recorder", department=department))


def _entry(client, mint, **overrides) -> dict:
    res = submit_entry(client, mint, **overrides)
    assert res.status_code == 201, res.text
    return dict(res.json())


def _get(client, mint, entry_id: str, department: str = "dept-a"):
    return client.get(f"/api/v1/records/{entry_id}", headers=_recorder(mint, department))


class TestAmend:
    def test_an_amendment_is_a_new_version_in_the_history(self, client, mint):
        made = _entry(client, mint)
        res = client.post(
            f"/api/v1/records/{made['id']}/amend",
            json={"facts": "逾期未缴税款八十万元", "version": made["version"]},
            headers=_recorder(mint),
        )
        assert res.status_code == 200, res.text
        assert (res.json()["facts"], res.json()["version"]) == ("逾期未缴税款八十万元", 2)
        history = client.get(
            f"/api/v1/records/{made['id']}/history", headers=_recorder(mint)
        ).json()
        assert history["next_cursor"] is None
        last = history["items"][-1]
        assert (last["event"], last["role"]) == ("corrected", "recorder")
        assert last["changed"] == ["facts"]
        assert "逾期" not in str(history)

    @pytest.mark.parametrize(
        ("body", "status", "rule"),
        [
            ({"display_until_days": 3000}, 422, "display_period_bounds"),
            ({"valid_until_days": -1}, 422, "validity_before_decision"),
            ({"facts": "逾期未缴税款一百二十万元"}, 422, "nothing_to_amend"),
            ({"facts": "x", "version": 9}, 409, "stale_version"),
        ],
    )
    def test_a_refusal_is_problem_json_and_changes_nothing(self, client, mint, body, status, rule):
        made = _entry(client, mint)
        decided = date.fromisoformat(made["decided_on"])
        sent = {
            (k.removesuffix("_days")): (decided + timedelta(days=v)).isoformat()
            if k.endswith("_days")
            else v
            for k, v in body.items()
        }
        res = client.post(f"/api/v1/records/{made['id']}/amend", json=sent, headers=_recorder(mint))
        assert res.status_code == status, res.text
        assert res.headers["content-type"].startswith(PROBLEM)
        assert res.json()["rule"] == rule
        assert "逾期" not in res.text
        assert _get(client, mint, made["id"]).json() == made

    def test_a_malformed_body_does_not_echo_its_input(self, client, mint):
        made = _entry(client, mint)
        res = client.post(
            f"/api/v1/records/{made['id']}/amend",
            json={"facts": "", "subject_name": "王秘密"},
            headers=_recorder(mint),
        )
        assert res.status_code == 422
        assert res.headers["content-type"].startswith(PROBLEM)
        assert "王秘密" not in res.text
        assert _get(client, mint, made["id"]).json()["version"] == 1

    def test_another_department_gets_404_and_nothing_changes(self, client, mint):
        made = _entry(client, mint)
        res = client.post(
            f"/api/v1/records/{made['id']}/amend",
            json={"facts": "另一部门的更正"},
            headers=_recorder(mint, "dept-b"),
        )
        assert res.status_code == 404
        assert res.headers["content-type"].startswith(PROBLEM)
        history = client.get(
            f"/api/v1/records/{made['id']}/history", headers=_recorder(mint, "dept-b")
        )
        assert history.status_code == 404
        assert _get(client, mint, made["id"]).json()["version"] == 1

    def test_other_roles_may_not_amend(self, client, mint):
        made = _entry(client, mint)
        for role in ("objection_officer", "auditor"):
            res = client.post(
                f"/api/v1/records/{made['id']}/amend",
                json={"facts": "x"},
                headers=bearer(mint(role)),
            )
            assert res.status_code == 403, role


class TestList:
    def test_filters_and_the_cursor(self, client, mint):
        ids = [_entry(client, mint)["id"] for _ in range(3)]
        _entry(client, mint, department="dept-b")
        seen: list[str] = []
        url = "/api/v1/records?limit=2&list_kind=black&state=pending_notice"
        while url:
            page = client.get(url, headers=_recorder(mint))
            assert page.status_code == 200, page.text
            body = page.json()
            seen += [item["id"] for item in body["items"]]
            assert all("subject_code" not in item for item in body["items"])
            cursor = body["next_cursor"]
            url = "" if cursor is None else f"/api/v1/records?limit=2&cursor={cursor}"
        assert sorted(seen) == sorted(ids)

    @pytest.mark.parametrize(
        "query",
        [
            "state=retained",
            "list_kind=warning",
            "decided_from=2026-02-02&decided_to=2026-01-01",
            "cursor=zz",
            "limit=500",
            "subject_code=110101199003074514",
        ],
    )
    def test_bad_filters_are_problem_json(self, client, mint, query):
        res = client.get(f"/api/v1/records?{query}", headers=_recorder(mint))
        assert res.status_code == 422, res.text
        assert res.headers["content-type"].startswith(PROBLEM)

    def test_a_search_by_code_posts_the_code(self, client, mint):
        code = make_code()
        mine = _entry(client, mint, subject_code=code)
        _entry(client, mint)
        res = client.post(
            "/api/v1/records:search", json={"subject_code": code}, headers=_recorder(mint)
        )
        assert res.status_code == 200, res.text
        assert [item["id"] for item in res.json()["items"]] == [mine["id"]]
        assert code not in res.text
        bad = code[:-1] + ("0" if code[-1] != "0" else "1")
        refused = client.post(
            "/api/v1/records:search", json={"subject_code": bad}, headers=_recorder(mint)
        )
        assert refused.status_code == 422
        assert bad not in refused.text
