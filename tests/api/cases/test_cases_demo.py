"""Issue #6 done-when on the demo: an objection upheld as erroneous, a repair by volunteering."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlmodel import Session

from core.clock import CST, clock
from core.demo.dataset import DEMO_ORGANISATION, DEPARTMENTS, load_demo
from core.demo.people import demo_people


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def demo(runtime):
    """The demo data set in the test database, at a fixed working-day morning."""
    clock.freeze(datetime(2026, 11, 23, 10, 0, tzinfo=CST))
    with Session(runtime.engine) as s:
        load_demo(session=s, keyring=runtime.keyring)
    return demo_people(50)


def _record(client, mint, code):
    res = client.get("/api/v1/me/record", headers=_auth(mint("citizen", credit_code=code)))
    assert res.status_code == 200
    return res.json()["entries"]


def _court(client, mint, code):
    res = client.post(
        "/api/v1/queries",
        headers=_auth(mint("agency", agency="court-1")),
        json={"subject_code": code, "purpose": "licensing", "legal_basis": "court_enforcement"},
    )
    assert res.status_code == 200
    return [e["id"] for e in res.json()["entries"]]


def _events(case) -> list[str]:
    return [h["event"] for h in case["history"]]


class TestObjectionUpheldOnTheDemo:
    def test_objection_clock_uphold_vanish_and_apology(self, client, mint, demo):
        person, entry = next(
            (p, e)
            for p in demo
            for e in _record(client, mint, p.code)
            if e["list_kind"] == "black" and e["state"] == "displayed"
        )
        assert entry["id"] in _court(client, mint, person.code)
        me = _auth(mint("citizen", credit_code=person.code))
        filed = client.post(
            "/api/v1/me/objections",
            headers=me,
            data={"entry_id": entry["id"], "reasons": "我从未经营过该企业，系他人冒用身份"},
        )
        assert filed.status_code == 201, filed.text
        (mine,) = client.get("/api/v1/me/objections", headers=me).json()
        accept = next(c for c in mine["clocks"] if c["step"] == "accept")
        assert accept["working_days_left"] == 2
        assert not accept["overdue"]
        (marked,) = [e for e in _record(client, mint, person.code) if e["id"] == entry["id"]]
        assert marked["under_objection"] is True

        officer = _auth(mint("objection_officer", department=entry["department"]))
        url = f"/api/v1/objections/{mine['id']}/decision"
        assert client.post(url, headers=officer, json={"decision": "accept"}).status_code == 200
        upheld = client.post(
            url,
            headers=officer,
            json={"decision": "uphold", "erroneous": True, "reasons": "核实为身份冒用，认定错误"},
        )
        assert upheld.status_code == 200, upheld.text

        assert entry["id"] not in _court(client, mint, person.code)
        black = client.get("/api/v1/public/lists/black", params={"limit": 100})
        if black.status_code == 200:
            assert entry["public_ref"] not in black.text
        assert entry["id"] not in [e["id"] for e in _record(client, mint, person.code)]
        notes = client.get("/api/v1/me/notifications", headers=me).json()
        assert "apology" in [n["entry"]["kind"] for n in notes if n["type"] == "entry"]
        (case,) = client.get("/api/v1/me/objections", headers=me).json()
        assert case["status"] == "upheld"
        assert _events(case)[:3] == ["filed", "accepted", "upheld"]
        assert "apology_issued" in _events(case)


class TestRepairByVolunteeringOnTheDemo:
    def test_black_becomes_watch_with_both_histories(self, client, mint, demo):
        person = demo[3]
        (entry,) = [
            e for e in _record(client, mint, person.code) if e["external_id"] == "DEMO-R001"
        ]
        assert (entry["list_kind"], entry["state"]) == ("black", "displayed")
        me = _auth(mint("citizen", credit_code=person.code))
        filed = client.post(
            "/api/v1/me/repairs",
            headers=me,
            data={
                "entry_id": entry["id"],
                "way": "volunteering",
                "commitment": "本人承诺今后依法诚信经营，按时足额支付劳动报酬",
                "hours": "48",
                "organisation_code": DEMO_ORGANISATION.code,
                "certificate_id": "VOL-2026-000123",
            },
        )
        assert filed.status_code == 201, filed.text
        case_id = filed.json()["id"]
        officer = _auth(mint("repair_officer", department=DEPARTMENTS["labour"]))
        url = f"/api/v1/repairs/{case_id}/decision"
        for decision in ("accept", "approve"):
            res = client.post(
                url, headers=officer, json={"decision": decision, "reasons": "材料齐全"}
            )
            assert res.status_code == 200, res.text

        entries = {e["external_id"]: e for e in _record(client, mint, person.code)}
        assert (entries["DEMO-R001"]["state"], entries["DEMO-R001"]["exit_reason"]) == (
            "exited",
            "repaired",
        )
        watch = entries["DEMO-R001:watch"]
        assert (watch["list_kind"], watch["state"]) == ("watch", "displayed")
        assert entry["id"] not in _court(client, mint, person.code)
        (case,) = client.get("/api/v1/me/repairs", headers=me).json()
        assert case["status"] == "approved"
        assert _events(case)[:3] == ["filed", "accepted", "approved"]
        officer_view = client.get(f"/api/v1/repairs/{case_id}", headers=officer).json()
        assert _events(officer_view) == _events(case)
