"""A batch item resent with its external id: existing when identical, a conflict when changed."""

from __future__ import annotations

from datetime import timedelta

from tests.factories import bearer, make_code, make_payload

BATCH = "/api/v1/records:batch"


def _items(*payloads) -> dict:
    return {"items": [p.model_dump(mode="json") for p in payloads]}


class TestBatchResend:
    def test_identical_items_are_existing_and_changed_ones_conflicts(self, client, mint):
        rec = bearer(mint("recorder"))
        same, facts, code, summary = (make_payload() for _ in range(4))
        first = client.post(BATCH, json=_items(same, facts, code, summary), headers=rec).json()
        assert first["created"] == 4
        ids = [i["id"] for i in first["items"]]
        changed = [
            same,
            facts.model_copy(update={"facts": "另一份事实"}),
            code.model_copy(update={"subject_code": make_code()}),
            summary.model_copy(update={"public_summary": None}),
        ]
        res = client.post(BATCH, json=_items(*changed), headers=rec)
        assert res.status_code == 200
        second = res.json()
        assert (second["created"], second["existing"], second["conflict"]) == (0, 1, 3)
        assert second["items"][0] == {
            "index": 0,
            "external_id": same.external_id,
            "status": "existing",
            "http_status": 200,
            "id": ids[0],
            "errors": [],
        }
        for item in second["items"][1:]:
            assert item["status"] == "conflict"
            assert item["http_status"] == 409
            assert item["id"] is None
            assert [e["type"] for e in item["errors"]] == ["duplicate_external_id"]
        assert "另一份事实" not in res.text
        assert changed[2].subject_code not in res.text
        # Nothing was changed: the stored entry still holds what was first sent.
        stored = client.get(f"/api/v1/records/{ids[1]}", headers=rec).json()
        assert stored["facts"] == facts.facts

    def test_a_default_display_period_resends_as_the_same(self, client, mint):
        rec = bearer(mint("recorder"))
        base = make_payload()
        # The default period of a serious entry is its maximum, three years.
        payload = make_payload(
            display_until=None, valid_until=base.decided_on + timedelta(days=1500)
        )
        assert client.post(BATCH, json=_items(payload), headers=rec).json()["created"] == 1
        again = client.post(BATCH, json=_items(payload), headers=rec).json()
        assert (again["existing"], again["conflict"]) == (1, 0), again

    def test_a_single_post_after_a_batch_is_still_409(self, client, mint):
        rec = bearer(mint("recorder"))
        payload = make_payload()
        client.post(BATCH, json=_items(payload), headers=rec)
        res = client.post("/api/v1/records", json=payload.model_dump(mode="json"), headers=rec)
        assert res.status_code == 409
