"""An external_id that is (or holds) a subject code is refused, and never echoed."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlmodel import Session

from core.codes import org_check_char
from core.models import Entry
from tests.factories import bearer, make_code, make_payload

P = "/api/v1"


def _entries(runtime) -> int:
    with Session(runtime.engine) as s:
        return int(s.exec(select(func.count()).select_from(Entry)).one()[0])  # type: ignore[call-overload]


def _org_code() -> str:
    body = "91110108MA01ABCD1"
    return body + org_check_char(body)


class TestSingleRecord:
    def test_a_citizen_code_as_external_id_is_422_and_not_echoed(self, client, mint, runtime):
        code = make_code()
        for external_id in (code, code.lower(), f"TAX-{code}", _org_code()):
            body = make_payload().model_dump(mode="json") | {"external_id": external_id}
            res = client.post(f"{P}/records", json=body, headers=bearer(mint("recorder")))
            assert res.status_code == 422, external_id
            assert res.headers["content-type"] == "application/problem+json"
            errors = res.json()["errors"]
            assert [e["loc"] for e in errors] == [["body", "external_id"]]
            assert "subject code" in errors[0]["msg"]
            assert external_id not in res.text
            assert external_id.upper() not in res.text
        assert _entries(runtime) == 0

    def test_an_ordinary_reference_is_still_recorded(self, client, mint):
        body = make_payload(external_id="TAX-2026-000123").model_dump(mode="json")
        res = client.post(f"{P}/records", json=body, headers=bearer(mint("recorder")))
        assert res.status_code == 201


class TestBatch:
    def test_a_code_as_an_items_external_id_is_invalid_and_not_echoed(self, client, mint, runtime):
        code = make_code()
        good = make_payload().model_dump(mode="json")
        bad = make_payload().model_dump(mode="json") | {"external_id": code}
        res = client.post(
            f"{P}/records:batch", json={"items": [good, bad]}, headers=bearer(mint("recorder"))
        )
        assert res.status_code == 200
        result = res.json()
        assert (result["created"], result["invalid"]) == (1, 1)
        item = result["items"][1]
        assert item["status"] == "invalid"
        assert item["http_status"] == 422
        assert item["external_id"] is None
        assert [e["loc"] for e in item["errors"]] == [["external_id"]]
        assert code not in res.text
        assert _entries(runtime) == 1
