"""The auditor's registry: filters, rule flags (bulk, night, refused-then-retried), manual flags."""

from __future__ import annotations

from datetime import datetime, timedelta

from core.clock import CST, clock
from tests.factories import (
    agency_query,
    bearer,
    every_item,
    make_code,
    page_items,
    record_entry,
    watch_fields,
)


def _record(client, mint) -> str:
    code = make_code()
    # A watch entry is shown at once (a black one would first wait out its prior notice).
    record_entry(client, mint, subject_code=code, **watch_fields())
    return code


def _audit(client, mint, **params):
    return every_item(
        client, "/api/v1/audit/queries", headers=bearer(mint("auditor")), params=params
    )


def _rule_flags(item) -> set[str]:
    return {f["reason"] for f in item["flags"] if f["raised_by"].startswith("rule:")}


class TestRuleFlags:
    def test_night_queries_are_flagged_and_office_hours_are_not(self, client, mint):
        code = _record(client, mint)
        clock.freeze(datetime(2026, 11, 24, 2, 30, tzinfo=CST))
        night = agency_query(client, mint, code).json()["log_index"]
        clock.freeze(datetime(2026, 11, 24, 10, 0, tzinfo=CST))
        day = agency_query(client, mint, code).json()["log_index"]
        items = {i["log_index"]: i for i in _audit(client, mint)}
        assert _rule_flags(items[night]) == {"night"}
        assert _rule_flags(items[day]) == set()
        assert [i["log_index"] for i in _audit(client, mint, flag="night")] == [night]

    def test_bulk_querying_flags_the_queries_past_the_threshold(self, client, mint, runtime):
        runtime.settings.audit_bulk_queries = 3
        clock.freeze(datetime(2026, 11, 24, 10, 0, tzinfo=CST))
        codes = [_record(client, mint) for _ in range(5)]
        indexes = []
        for code in codes:
            indexes.append(agency_query(client, mint, code, agency="bulk-bank").json()["log_index"])
            clock.advance(timedelta(minutes=1))
        agency_query(client, mint, codes[0], agency="quiet-bank")
        flagged = [i["log_index"] for i in _audit(client, mint, flag="bulk")]
        assert flagged == indexes[3:][::-1]
        # Outside the window the count starts again.
        clock.advance(runtime.audit_rules.bulk_window)
        later = agency_query(client, mint, codes[1], agency="bulk-bank").json()["log_index"]
        assert later not in [i["log_index"] for i in _audit(client, mint, flag="bulk")]

    def test_a_retry_after_a_refusal_is_flagged(self, client, mint):
        clock.freeze(datetime(2026, 11, 24, 10, 0, tzinfo=CST))
        code = _record(client, mint)
        bank = bearer(mint("agency", agency="bank-1"))
        refused = client.post(
            "/api/v1/queries",
            headers=bank,
            json={"subject_code": code, "purpose": "licensing", "legal_basis": "made_up_basis"},
        )
        # A schema refusal is logged without a subject: it flags no retry of this one.
        assert refused.status_code == 422
        stale = client.post(
            "/api/v1/queries",
            headers=bank,
            json={
                "subject_code": code,
                "purpose": "credit_loan",
                "authorization_id": "00000000-0000-4000-8000-000000000000",
            },
        )
        assert stale.status_code == 404
        clock.advance(timedelta(minutes=5))
        retry = agency_query(client, mint, code, agency="bank-1").json()["log_index"]
        other = agency_query(client, mint, _record(client, mint), agency="bank-1")
        flagged = _audit(client, mint, flag="refused_then_retried")
        assert [i["log_index"] for i in flagged] == [retry]
        assert other.json()["log_index"] != retry


class TestFilters:
    def test_agency_outcome_and_time_filters_combine(self, client, mint):
        clock.freeze(datetime(2026, 11, 24, 9, 0, tzinfo=CST))
        code = _record(client, mint)
        first = agency_query(client, mint, code, agency="court-1").json()["log_index"]
        clock.advance(timedelta(hours=2))
        second = agency_query(client, mint, code, agency="court-2").json()["log_index"]
        empty = agency_query(client, mint, make_code(), agency="court-1").json()["log_index"]
        assert [i["log_index"] for i in _audit(client, mint, agency="court-1")] == [empty, first]
        assert [i["log_index"] for i in _audit(client, mint, outcome="empty")] == [empty]
        since = datetime(2026, 11, 24, 10, 0, tzinfo=CST).isoformat()
        assert [i["log_index"] for i in _audit(client, mint, since=since)] == [empty, second]
        until = since
        assert [i["log_index"] for i in _audit(client, mint, until=until)] == [first]
        both = _audit(client, mint, agency="court-1", since=since)
        assert [i["log_index"] for i in both] == [empty]
        # A page at a time, newest first, filters kept from page to page.
        auditor = bearer(mint("auditor"))
        page = client.get("/api/v1/audit/queries", headers=auditor, params={"limit": 2})
        assert [i["log_index"] for i in page_items(page)] == [empty, second]
        rest = client.get(
            "/api/v1/audit/queries",
            headers=auditor,
            params={"limit": 2, "cursor": page.json()["next_cursor"]},
        )
        assert [i["log_index"] for i in page_items(rest)] == [first]
        assert rest.json()["next_cursor"] is None
        one = _audit(client, mint, agency="court-1", limit=1)
        assert [i["log_index"] for i in one] == [empty, first]

    def test_bad_filters_are_422_problems(self, client, mint):
        auditor = bearer(mint("auditor"))
        for params in (
            {"outcome": "maybe"},
            {"flag": "free text"},
            {"since": "2026-11-24T10:00:00"},  # no zone: ambiguous
            {"since": "2026-11-24T10:00:00+08:00", "until": "2026-11-24T09:00:00+08:00"},
            {"limit": 0},
            {"limit": 101},
            {"unknown": "x"},
            {"before": 1},
            {"cursor": "not-a-cursor"},
        ):
            res = client.get("/api/v1/audit/queries", headers=auditor, params=params)
            assert res.status_code == 422, params
            assert res.headers["content-type"].startswith("application/problem+json")


class TestManualFlags:
    def test_flag_once_then_conflict_and_it_shows(self, client, mint):
        clock.freeze(datetime(2026, 11, 24, 10, 0, tzinfo=CST))  # office hours: no rule flag
        code = _record(client, mint)
        index = agency_query(client, mint, code).json()["log_index"]
        auditor = bearer(mint("auditor"))
        url = f"/api/v1/audit/queries/{index}/flags"
        made = client.post(url, headers=auditor, json={"reason": "purpose_mismatch"})
        assert made.status_code == 201
        assert made.json()["raised_by"] == "auditor:test:auditor"
        again = client.post(url, headers=auditor, json={"reason": "purpose_mismatch"})
        assert again.status_code == 409
        assert again.json()["rule"] == "already_flagged"
        (item,) = _audit(client, mint, flag="purpose_mismatch")
        assert item["log_index"] == index
        assert [f["reason"] for f in item["flags"]] == ["purpose_mismatch"]

    def test_unknown_index_free_text_and_other_roles_are_refused(self, client, mint):
        auditor = bearer(mint("auditor"))
        missing = client.post(
            "/api/v1/audit/queries/999/flags", headers=auditor, json={"reason": "other"}
        )
        assert missing.status_code == 404
        code = _record(client, mint)
        index = agency_query(client, mint, code).json()["log_index"]
        url = f"/api/v1/audit/queries/{index}/flags"
        text = client.post(url, headers=auditor, json={"reason": "looked at his ex"})
        assert text.status_code == 422
        assert "looked at" not in text.text
        agency = client.post(
            url, headers=bearer(mint("agency", agency="court-1")), json={"reason": "other"}
        )
        assert agency.status_code == 403
        assert _audit(client, mint, flag="other") == []
