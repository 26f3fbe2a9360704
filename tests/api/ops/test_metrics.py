"""`/metrics`: aggregate counts in Prometheus text, and nothing personal."""

from __future__ import annotations

from tests.factories import bearer, make_code, make_payload


class TestMetrics:
    def test_counts_the_log_and_entries_and_names_no_one(self, client, mint):
        code = make_code()
        payload = make_payload(subject_code=code, subject_name="诸葛明")
        client.post(
            "/api/v1/records",
            json=payload.model_dump(mode="json"),
            headers=bearer(mint("recorder", department="dept-a")),
        )
        client.post(
            "/api/v1/queries",
            headers=bearer(mint("agency", agency="court-1")),
            json={"subject_code": code, "purpose": "licensing", "legal_basis": "court_enforcement"},
        )
        res = client.get("/metrics")
        assert res.status_code == 200
        assert res.headers["content-type"].startswith("text/plain")
        lines = set(res.text.splitlines())
        assert "credence_query_log_leaves 1" in lines
        assert 'credence_entries{status="pending_notice"} 1' in lines
        assert 'credence_entries{status="shredded"} 0' in lines
        for needle in (code, code[:6], "诸葛明", payload.facts):
            assert needle not in res.text
