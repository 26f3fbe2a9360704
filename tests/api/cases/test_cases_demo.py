"""Done-when on the demo: an objection upheld as erroneous, a repair by volunteering (issue
#6), and a donation refused without a receipt signed by a registered charity (issue #19)."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlmodel import Session
from typer.testing import CliRunner

from cli.main import app
from core.clock import CST, clock
from core.demo.dataset import DEPARTMENTS, load_demo
from core.demo.issuers import DEMO_CHARITY, issue
from core.demo.people import demo_people
from tests.factories import (
    bearer,
    court_query,
    decide_objection,
    decide_repair,
    entry_ids,
    events,
    file_objection,
    file_repair,
    my_entries,
    page_items,
    repair_officer,
)


@pytest.fixture
def demo(runtime):
    """The demo data set in the test database, at a fixed working-day morning."""
    clock.freeze(datetime(2026, 11, 23, 10, 0, tzinfo=CST))
    with Session(runtime.engine) as s:
        load_demo(session=s, keyring=runtime.keyring)
    return demo_people(50)


class TestObjectionUpheldOnTheDemo:
    def test_objection_clock_uphold_vanish_and_apology(self, client, mint, demo):
        person, entry = next(
            (p, e)
            for p in demo
            for e in my_entries(client, mint, p.code)
            if e["list_kind"] == "black" and e["state"] == "displayed"
        )
        assert entry["id"] in entry_ids(court_query(client, mint, person.code))
        me = bearer(mint("citizen", credit_code=person.code))
        reasons = "我从未经营过该企业，系他人冒用身份"
        filed = file_objection(client, mint, person.code, entry["id"], reasons=reasons, files=[])
        assert filed.status_code == 201, filed.text
        (mine,) = page_items(client.get("/api/v1/me/objections", headers=me))
        accept = next(c for c in mine["clocks"] if c["step"] == "accept")
        assert accept["working_days_left"] == 2
        assert not accept["overdue"]
        (marked,) = [e for e in my_entries(client, mint, person.code) if e["id"] == entry["id"]]
        assert marked["under_objection"] is True

        department = entry["department"]
        accepted = decide_objection(client, mint, mine["id"], {"decision": "accept"}, department)
        assert accepted.status_code == 200
        upheld = decide_objection(
            client,
            mint,
            mine["id"],
            {"decision": "uphold", "erroneous": True, "reasons": "核实为身份冒用，认定错误"},
            department,
        )
        assert upheld.status_code == 200, upheld.text

        assert entry["id"] not in entry_ids(court_query(client, mint, person.code))
        black = client.get("/api/v1/public/lists/black", params={"limit": 100})
        if black.status_code == 200:
            assert entry["public_ref"] not in black.text
        assert entry["id"] not in [e["id"] for e in my_entries(client, mint, person.code)]
        notes = page_items(client.get("/api/v1/me/notifications", headers=me))
        assert "apology" in [n["entry"]["kind"] for n in notes if n["type"] == "entry"]
        (case,) = page_items(client.get("/api/v1/me/objections", headers=me))
        assert case["status"] == "upheld"
        assert events(case)[:3] == ["filed", "accepted", "upheld"]
        assert "apology_issued" in events(case)


class TestRepairByVolunteeringOnTheDemo:
    def test_black_becomes_watch_with_both_histories(self, client, mint, demo):
        person = demo[3]
        (entry,) = [
            e for e in my_entries(client, mint, person.code) if e["external_id"] == "DEMO-R001"
        ]
        assert (entry["list_kind"], entry["state"]) == ("black", "displayed")
        me = bearer(mint("citizen", credit_code=person.code))
        filed = file_repair(
            client,
            mint,
            person.code,
            entry["id"],
            "volunteering",
            commitment="本人承诺今后依法诚信经营，按时足额支付劳动报酬",
            credential=issue(
                "volunteering",
                code=person.code,
                issued_at=clock.now(),
                credential_id="VOL-2026-000123",
                hours=48,
            ),
        )
        assert filed.status_code == 201, filed.text
        case_id = filed.json()["id"]
        officer = repair_officer(mint, DEPARTMENTS["labour"])
        for decision in ("accept", "approve"):
            res = decide_repair(client, mint, case_id, decision, "材料齐全", DEPARTMENTS["labour"])
            assert res.status_code == 200, res.text

        entries = {e["external_id"]: e for e in my_entries(client, mint, person.code)}
        assert (entries["DEMO-R001"]["state"], entries["DEMO-R001"]["exit_reason"]) == (
            "exited",
            "repaired",
        )
        watch = entries["DEMO-R001:watch"]
        assert (watch["list_kind"], watch["state"]) == ("watch", "displayed")
        assert entry["id"] not in entry_ids(court_query(client, mint, person.code))
        (case,) = page_items(client.get("/api/v1/me/repairs", headers=me))
        assert case["status"] == "approved"
        assert events(case)[:3] == ["filed", "accepted", "approved"]
        officer_view = client.get(f"/api/v1/repairs/{case_id}", headers=officer).json()
        assert events(officer_view) == events(case)


class TestRepairByDonationOnTheDemo:
    def test_refused_without_a_signed_receipt_and_accepted_with_one(self, client, mint, demo):
        person = demo[3]
        (entry,) = [
            e for e in my_entries(client, mint, person.code) if e["external_id"] == "DEMO-R001"
        ]
        bare = file_repair(client, mint, person.code, entry["id"], "donation")
        assert (bare.status_code, bare.json()["rule"]) == (422, "credential_required")
        # A receipt for someone else, and one whose amount was changed after signing.
        other = issue("donation", code=demo[4].code, issued_at=clock.now(), amount_cents=20000)
        wrong = file_repair(client, mint, person.code, entry["id"], "donation", credential=other)
        assert wrong.json()["rule"] == "credential_wrong_subject"
        receipt = issue("donation", code=person.code, issued_at=clock.now(), amount_cents=20000)
        changed = receipt.replace("20000", "90000")
        bad = file_repair(client, mint, person.code, entry["id"], "donation", credential=changed)
        assert bad.json()["rule"] == "credential_bad_signature"
        assert (
            page_items(
                client.get(
                    "/api/v1/me/repairs", headers=bearer(mint("citizen", credit_code=person.code))
                )
            )
            == []
        )
        filed = file_repair(client, mint, person.code, entry["id"], "donation", credential=receipt)
        assert filed.status_code == 201, filed.text
        evidence = filed.json()["evidence"]
        assert (evidence["organisation_code"], evidence["amount_cents"]) == (
            DEMO_CHARITY.organisation.code,
            20000,
        )

    def test_the_cli_issues_a_receipt_the_form_accepts(self, client, mint, demo):
        person = demo[3]
        (entry,) = [
            e for e in my_entries(client, mint, person.code) if e["external_id"] == "DEMO-R001"
        ]
        out = CliRunner().invoke(
            app, ["demo-credential", "--code", person.code, "--amount-cents", "30000"]
        )
        assert out.exit_code == 0, out.output
        filed = file_repair(
            client, mint, person.code, entry["id"], "donation", credential=out.stdout.strip()
        )
        assert filed.status_code == 201, filed.text
        assert filed.json()["evidence"]["amount_cents"] == 30000
