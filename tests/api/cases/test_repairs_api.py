"""Credit repair through HTTP (§8): filing, the officer's decisions, the registry, the clocks."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, text
from sqlmodel import Session, col

from core.cases.repairs import service as repair_service
from core.clock import clock
from core.models import CaseEvent, EntryEvent, ExitAnnouncement, RepairApplication
from crypto import credential as signed
from tests.factories import (
    COMMITMENT,
    Issuer,
    at,
    court_query,
    decide_repair,
    entry_ids,
    evidence_pdf,
    file_repair,
    make_code,
    my_entries,
    my_repairs,
    page_items,
    post_entry,
    post_serious,
    register_issuer,
)
from tests.factories import bearer as _auth
from tests.factories.credentials import sealed

PROOF = b"%PDF-1.7\n" + "完税证明-编号ZXQ-778812".encode() + b"\n%%EOF"
CERTIFICATE = "VC-2026-ZXQ-0042"
REASONS = "未能提供完整的履约证明材料"
NAME = "司马长风"

# The national-day test calls the repair service directly, and a change to the service's
# signatures is editing it: it keeps the old names of these factories until that lands.
_at, _decide, _file, _mine, _serious = at, decide_repair, file_repair, my_repairs, post_serious


def _register(client, mint, code: str, name: str = "北京市志愿服务联合会"):
    return client.post(
        "/api/v1/admin/certifying-organisations",
        json={"code": code, "name": name},
        headers=_auth(mint("admin")),
    )


def _public_refs(client, url: str) -> list[str]:
    res = client.get(url)
    assert res.status_code == 200, res.text
    return [item["public_ref"] for item in res.json()["items"]]


class TestApproval:
    def test_approval_ends_display_at_once_and_moves_black_to_watch(self, client, mint, runtime):
        code = make_code()
        entry_id = post_serious(client, mint, code)
        at(date(2026, 4, 1))
        assert entry_ids(court_query(client, mint, code)) == [entry_id]

        filed = file_repair(client, mint, code, entry_id, "performance", files=evidence_pdf(PROOF))
        assert filed.status_code == 201, filed.text
        case = filed.json()
        assert case["status"] == "filed"
        accept_due = runtime.calendar.add_working_days(date(2026, 4, 1), 3)
        assert case["clocks"][0] == {
            "step": "accept",
            "due": accept_due.isoformat(),
            "working_days_left": 3,
            "overdue": False,
            "provisional": False,
        }
        assert case["commitment"]["text"] == COMMITMENT
        assert case["commitment"]["signed_at"].startswith("2026-04-01T02:00")
        assert [(f["name"], f["size"]) for f in case["files"]] == [("完税证明.pdf", len(PROOF))]

        officer = _auth(mint("repair_officer", department="dept-a"))
        listed = page_items(client.get("/api/v1/repairs", headers=officer))
        assert [c["id"] for c in listed] == [case["id"]]
        public_ref = listed[0]["entry_public_ref"]
        assert public_ref in _public_refs(client, "/api/v1/public/lists/black")
        assert "commitment" not in listed[0]
        detail = client.get(f"/api/v1/repairs/{case['id']}", headers=officer).json()
        assert detail["entry"]["subject_name"] == "欧阳小明"
        file_id = detail["files"][0]["id"]
        got = client.get(f"/api/v1/repairs/{case['id']}/evidence/{file_id}", headers=officer)
        assert got.status_code == 200
        assert got.content == PROOF
        assert got.headers["content-type"] == "application/pdf"
        assert got.headers["x-content-type-options"] == "nosniff"
        assert got.headers["content-disposition"].startswith("attachment;")

        at(date(2026, 4, 2))
        accepted = decide_repair(client, mint, case["id"], "accept")
        assert accepted.status_code == 200, accepted.text
        decide_due = runtime.calendar.add_working_days(date(2026, 4, 2), 10)
        assert accepted.json()["clocks"][0]["due"] == decide_due.isoformat()
        assert entry_ids(court_query(client, mint, code)) == [entry_id]

        at(date(2026, 4, 8))
        approved = decide_repair(client, mint, case["id"], "approve", reasons="履约证明核实无误")
        assert approved.status_code == 200, approved.text
        assert approved.json()["status"] == "approved"
        again = decide_repair(client, mint, case["id"], "approve")
        assert again.status_code == 409
        assert again.json()["rule"] == "illegal_decision"

        # Display ended at once: no agency answer or public list holds it, the exit is
        # announced, and the owner sees it exited.
        assert entry_id not in entry_ids(court_query(client, mint, code))
        assert public_ref not in _public_refs(client, "/api/v1/public/lists/black")
        announced = client.get("/api/v1/public/announcements").json()["items"]
        assert [(a["public_ref"], a["reason"]) for a in announced] == [(public_ref, "repaired")]
        entries = {e["id"]: e for e in my_entries(client, mint, code)}
        black = entries.pop(entry_id)
        assert (black["state"], black["exit_reason"]) == ("exited", "repaired")
        assert {v["audience"] for v in black["visible_to"]} == {"you", "recording_department"}
        ((watch_id, watch),) = entries.items()
        assert (watch["list_kind"], watch["state"]) == ("watch", "displayed")

        (mine,) = my_repairs(client, mint, code)
        assert mine["status"] == "approved"
        assert mine["clocks"] == []
        assert [(h["event"], h["actor"]) for h in mine["history"]] == [
            ("filed", "citizen"),
            ("accepted", "test:repair_officer"),
            ("approved", "test:repair_officer"),
        ]
        assert mine["history"][2]["note"] == "履约证明核实无误"
        remains = mine["what_remains"]
        assert remains["entry_state"] == "exited"
        assert remains["exited_on"] == "2026-04-08"
        assert remains["kept_until"] == black["retain_until"]
        assert {v["audience"]: v["until"] for v in remains["visible_to"]} == {
            "you": black["retain_until"],
            "recording_department": black["retain_until"],
        }
        assert remains["watch_entry_id"] == watch_id
        assert remains["watch_until"] == watch["display_until"]

        notes = page_items(
            client.get("/api/v1/me/notifications", headers=_auth(mint("citizen", credit_code=code)))
        )
        assert "repaired" in [n["entry"]["kind"] for n in notes if n["type"] == "entry"]
        with Session(runtime.engine) as s:
            (announced,) = s.execute(select(ExitAnnouncement)).scalars().all()
            assert (str(announced.entry_id), announced.reason) == (entry_id, "repaired")
            events = s.execute(
                select(col(EntryEvent.event), col(EntryEvent.actor)).where(
                    col(EntryEvent.entry_id) == announced.entry_id
                )
            ).all()
            # No sweep ran: approval records the end of the prior notice first.
            assert sorted(events) == [
                ("notice_ended", "system"),
                ("recorded", "test:recorder"),
                ("repaired", "test:repair_officer"),
                ("retained", "test:repair_officer"),
            ]
        # The approved entry can never be filed for again: it is no longer displayed.
        refiled = file_repair(client, mint, code, entry_id)
        assert refiled.status_code == 409
        assert refiled.json()["rule"] == "entry_not_displayed"


class TestRejectionAndDecline:
    def test_rejection_gives_reasons_and_the_date_to_apply_again(self, client, mint):
        code = make_code()
        entry_id = post_serious(client, mint, code)
        at(date(2026, 5, 6))
        case_id = file_repair(client, mint, code, entry_id).json()["id"]
        early = decide_repair(client, mint, case_id, "approve")
        assert early.status_code == 409
        assert early.json()["rule"] == "illegal_decision"
        at(date(2026, 5, 7))
        assert decide_repair(client, mint, case_id, "accept").status_code == 200
        bare = decide_repair(client, mint, case_id, "reject")
        assert bare.status_code == 422
        assert bare.json()["rule"] == "reasons_required"

        at(date(2026, 5, 8))
        rejected = decide_repair(client, mint, case_id, "reject", reasons=REASONS)
        assert rejected.status_code == 200, rejected.text
        assert rejected.json()["retry_from"] == "2026-06-07"
        assert decide_repair(client, mint, case_id, "reject", reasons=REASONS).status_code == 409

        (mine,) = my_repairs(client, mint, code)
        assert (mine["status"], mine["decision_reasons"]) == ("rejected", REASONS)
        assert mine["retry_from"] == "2026-06-07"
        assert mine["what_remains"] is None
        assert [h["event"] for h in mine["history"]] == ["filed", "accepted", "rejected"]
        notes = page_items(
            client.get("/api/v1/me/notifications", headers=_auth(mint("citizen", credit_code=code)))
        )
        kinds = [n["entry"]["kind"] for n in notes if n["type"] == "entry"]
        # Newest first: the rejection, after the black entry's prior notice (1798号 §7).
        assert kinds == ["repair_rejected", "prior_notice"]

        at(date(2026, 6, 6))
        too_early = file_repair(client, mint, code, entry_id)
        assert too_early.status_code == 422
        assert too_early.json()["rule"] == "repair_retry_too_early"
        assert "2026-06-07" in too_early.json()["detail"]
        assert len(my_repairs(client, mint, code)) == 1
        at(date(2026, 6, 7))
        assert file_repair(client, mint, code, entry_id).status_code == 201

    def test_decline_allows_filing_again_at_once_and_other_departments_see_nothing(
        self, client, mint
    ):
        code = make_code()
        entry_id = post_serious(client, mint, code)
        at(date(2026, 5, 6))
        case_id = file_repair(client, mint, code, entry_id).json()["id"]
        open_twice = file_repair(client, mint, code, entry_id)
        assert open_twice.status_code == 409
        assert open_twice.json()["rule"] == "repair_open"

        other = _auth(mint("repair_officer", department="dept-b"))
        assert client.get(f"/api/v1/repairs/{case_id}", headers=other).status_code == 404
        assert page_items(client.get("/api/v1/repairs", headers=other)) == []
        assert (
            decide_repair(client, mint, case_id, "accept", department="dept-b").status_code == 404
        )

        assert decide_repair(client, mint, case_id, "decline").json()["rule"] == "reasons_required"
        declined = decide_repair(
            client, mint, case_id, "decline", reasons="材料不全：缺少承诺书签名"
        )
        assert declined.status_code == 200
        assert declined.json()["status"] == "declined"
        assert declined.json()["retry_from"] is None
        assert decide_repair(client, mint, case_id, "accept").status_code == 409
        at(date(2026, 5, 6), hour=11)
        again = file_repair(client, mint, code, entry_id)
        assert again.status_code == 201, again.text
        statuses = [c["status"] for c in my_repairs(client, mint, code)]
        assert statuses == ["filed", "declined"]


class TestRefusals:
    def test_each_bad_filing_is_refused_and_changes_nothing(self, client, mint, runtime):
        code, other = make_code(), make_code()
        entry_id = post_serious(client, mint, code)
        fixed = post_serious(client, mint, code, repairable=False, repair_ways=[])
        at(date(2026, 4, 1))
        # Decided long ago, recorded today: eligible, but its prior notice still runs.
        pending = post_entry(
            client,
            mint,
            subject_code=code,
            decided_on=date(2025, 3, 1),
            display_until=date(2027, 3, 1),
            valid_until=date(2028, 3, 1),
        )
        # Decided 1 June 2025: its minimum display period runs until 1 June 2026.
        fresh = post_entry(client, mint, subject_code=code, decided_on=date(2025, 6, 1))
        cases = [
            (file_repair(client, mint, other, entry_id), 404, None),
            (file_repair(client, mint, code, fixed), 422, "not_repairable"),
            (file_repair(client, mint, code, entry_id, "donation"), 422, "repair_way_not_allowed"),
            (file_repair(client, mint, code, pending), 409, "entry_not_displayed"),
            (file_repair(client, mint, code, entry_id, "performance"), 422, "proof_required"),
            (file_repair(client, mint, code, entry_id, hours=5), 422, "volunteering_fields_signed"),
            (
                file_repair(
                    client, mint, code, entry_id, files=evidence_pdf(b"MZ\x90\x00", "x.pdf")
                ),
                422,
                "evidence_type_mismatch",
            ),
            (
                file_repair(
                    client, mint, code, entry_id, files=[("files", ("a.txt", b"hi", "text/plain"))]
                ),
                422,
                "evidence_type",
            ),
            (
                file_repair(
                    client, mint, code, entry_id, files=evidence_pdf(PROOF + b"0" * 5 * 1024 * 1024)
                ),
                422,
                "evidence_too_large",
            ),
            (
                file_repair(client, mint, code, entry_id, files=evidence_pdf(PROOF) * 6),
                422,
                "too_many_files",
            ),
            (file_repair(client, mint, code, fresh), 422, "repair_not_yet_eligible"),
        ]
        got = [(res.status_code, res.json().get("rule")) for res, _status, _rule in cases]
        assert got == [(status, rule) for _res, status, rule in cases]
        missing = client.post(
            "/api/v1/me/repairs",
            data={"entry_id": entry_id, "way": "commitment"},
            headers=_auth(mint("citizen", credit_code=code)),
        )
        assert missing.status_code == 422
        assert [e["loc"] for e in missing.json()["errors"]] == [["body", "commitment"]]
        with Session(runtime.engine) as s:
            assert s.execute(select(RepairApplication)).first() is None
            assert s.execute(select(CaseEvent)).first() is None
        assert my_repairs(client, mint, code) == []

    @pytest.mark.parametrize(("day", "status"), [(date(2026, 5, 9), 422), (date(2026, 5, 10), 201)])
    def test_eligible_from_the_end_of_the_minimum_display_period(self, client, mint, day, status):
        # A general entry must show at least 3 months: decided 10 Feb → repairable from 10 May.
        code = make_code()
        at(date(2026, 2, 12))
        entry_id = post_entry(
            client,
            mint,
            subject_code=code,
            severity="general",
            decided_on=date(2026, 2, 10),
            display_until=date(2026, 11, 10),
            valid_until=date(2026, 12, 10),
        )
        at(day, hour=0)
        res = file_repair(client, mint, code, entry_id)
        assert res.status_code == status, res.text
        if status == 422:
            assert res.json()["rule"] == "repair_not_yet_eligible"
            assert "2026-05-10" in res.json()["detail"]


VOLUNTEERS = Issuer("BJ-VOL", "volunteer_organisation", "北京市志愿服务联合会")
CHARITY = Issuer("BJ-CHARITY", "charity", "北京市慈善基金会")
TRAINER = Issuer("BJ-TRAIN", "training_provider", "北京市信用培训中心")


class TestVolunteering:
    def test_registry_organisations_and_certificates_used_once(self, client, mint, runtime):
        assert register_issuer(client, mint, VOLUNTEERS).status_code == 201
        assert (
            _register(client, mint, "BJ-VOL", "另一个").json()["rule"] == "duplicate_organisation"
        )
        code, other = make_code(), make_code()
        first = post_serious(client, mint, code)
        second = post_serious(client, mint, other)
        at(date(2026, 7, 1))

        def volunteer(who, entry, cert=CERTIFICATE, issuer=VOLUNTEERS, **fields):
            credential = issuer.credential(who, "volunteering", cert)
            return file_repair(
                client, mint, who, entry, "volunteering", credential=credential, **fields
            )

        assert file_repair(client, mint, code, first, "volunteering").json()["rule"] == (
            "credential_required"
        )
        typed = volunteer(code, first, hours=40, organisation_code="BJ-VOL")
        assert typed.json()["rule"] == "volunteering_fields_signed"
        stranger = Issuer("NOPE", "volunteer_organisation")
        assert volunteer(code, first, issuer=stranger).json()["rule"] == "unknown_issuer"
        filed = volunteer(code, first)
        assert filed.status_code == 201, filed.text
        evidence = filed.json()["evidence"]
        assert evidence | {"issued_at": None} == {
            "hours": 40,
            "organisation_code": "BJ-VOL",
            "organisation_name": "北京市志愿服务联合会",
            "certificate_id": CERTIFICATE,
            "credential_kind": "volunteering_certificate",
            "amount_cents": None,
            "issued_at": None,
        }
        # The same certificate id, in other letter case, issued to another person.
        reused = volunteer(other, second, cert="vc-2026-zxq-0042")
        assert reused.status_code == 409
        assert reused.json()["rule"] == "certificate_used"
        assert my_repairs(client, mint, other) == []

        # A declined application releases its certificate.
        declined = decide_repair(
            client, mint, filed.json()["id"], "decline", reasons="证书信息待核实"
        )
        assert declined.status_code == 200
        assert volunteer(other, second).status_code == 201

        admin = _auth(mint("admin"))
        (org,) = page_items(client.get("/api/v1/admin/certifying-organisations", headers=admin))
        assert (org["kind"], [k["public_key"] for k in org["keys"]]) == (
            "volunteer_organisation",
            [VOLUNTEERS.public_b64()],
        )
        off = client.post(
            f"/api/v1/admin/certifying-organisations/{org['id']}/deactivate", headers=admin
        )
        assert (off.status_code, off.json()["active"]) == (200, False)
        inactive = volunteer(code, first, cert="VC-OTHER-1")
        assert inactive.json()["rule"] == "organisation_inactive"
        unknown = client.post(
            "/api/v1/admin/certifying-organisations/00000000-0000-4000-8000-000000000000/deactivate",
            headers=admin,
        )
        assert unknown.status_code == 404
        bad = _register(client, mint, "has space")
        assert bad.status_code == 422


def _count(runtime, model) -> int:
    with Session(runtime.engine) as s:
        return len(s.execute(select(model)).scalars().all())


class TestSignedEvidence:
    def test_donation_refused_without_a_good_receipt_and_accepted_with_one(
        self, client, mint, runtime
    ):
        for issuer in (CHARITY, VOLUNTEERS, TRAINER):
            assert register_issuer(client, mint, issuer).status_code == 201
        code, other = make_code(), make_code()
        entry = post_serious(client, mint, code, repair_ways=["commitment", "donation", "training"])
        at(date(2026, 7, 1))

        def donate(credential=None, way="donation"):
            return file_repair(client, mint, code, entry, way, credential=credential)

        refusals = {
            "credential_required": donate(),
            "credential_malformed": donate("{not json"),
            "credential_wrong_kind": donate(CHARITY.credential(code, "training", "R-1")),
            "unknown_issuer": donate(Issuer("X-1", "charity").credential(code, "donation", "R-1")),
            "credential_wrong_subject": donate(CHARITY.credential(other, "donation", "R-1")),
        }
        # A volunteer organisation cannot issue donation receipts, even signed by its own key.
        wrong_issuer = VOLUNTEERS.body(code, "donation", "R-1")
        refusals["credential_wrong_kind_issuer"] = donate(
            sealed(wrong_issuer, signed.sign(VOLUNTEERS.private_key(), wrong_issuer))
        )
        # Another key's signature; a changed amount; a credential from the future.
        forged = Issuer("BJ-CHARITY", "charity", seed="forger")
        refusals["bad_key"] = donate(forged.credential(code, "donation", "R-1"))
        body = CHARITY.body(code, "donation", "R-1")
        signature = signed.sign(CHARITY.private_key(), body)
        refusals["tampered"] = donate(sealed(body | {"amount_cents": 99}, signature))
        refusals["future"] = donate(
            CHARITY.credential(code, "donation", "R-1", issued_at=clock.now() + timedelta(days=1))
        )
        refusals["not_for_commitment"] = donate(
            CHARITY.credential(code, "donation", "R-1"), way="commitment"
        )
        expected = {
            "credential_wrong_kind_issuer": "credential_wrong_kind",
            "bad_key": "credential_bad_signature",
            "tampered": "credential_bad_signature",
            "future": "credential_bad_signature",
            "not_for_commitment": "credential_not_for_way",
        }
        for name, res in refusals.items():
            assert res.status_code == 422, (name, res.text)
            assert res.headers["content-type"].startswith("application/problem+json")
            assert res.json()["rule"] == expected.get(name, name), name
            assert code not in res.text
        assert my_repairs(client, mint, code) == []
        assert _count(runtime, RepairApplication) == 0

        filed = donate(CHARITY.credential(code, "donation", "R-1"))
        assert filed.status_code == 201, filed.text
        evidence = filed.json()["evidence"]
        assert (evidence["credential_kind"], evidence["amount_cents"]) == (
            "donation_receipt",
            50000,
        )
        assert evidence["organisation_code"] == "BJ-CHARITY"
        # The same receipt again, even for another entry of the same person: used once.
        again = post_serious(client, mint, code, repair_ways=["donation"], external_id="E-2")
        at(date(2026, 7, 1))
        used = file_repair(
            client,
            mint,
            code,
            again,
            "donation",
            credential=CHARITY.credential(code, "donation", "R-1"),
        )
        assert (used.status_code, used.json()["rule"]) == (409, "certificate_used")

    def test_training_completion_and_key_rotation(self, client, mint, runtime):
        made = register_issuer(client, mint, TRAINER).json()
        code = make_code()
        entry = post_serious(client, mint, code, repair_ways=["training"])
        at(date(2026, 7, 1))
        old = TRAINER.credential(code, "training", "T-OLD")  # issued under the first key
        admin = _auth(mint("admin"))
        url = f"/api/v1/admin/certifying-organisations/{made['id']}/keys"
        for bad in ("not base64!", "AAAA", ""):
            res = client.post(url, json={"public_key": bad}, headers=admin)
            assert res.status_code == 422, bad
            assert res.headers["content-type"].startswith("application/problem+json")
        at(date(2026, 7, 2))
        rotated = Issuer("BJ-TRAIN", "training_provider", seed="rotated")
        admin = _auth(mint("admin"))
        res = client.post(url, json={"public_key": rotated.public_b64()}, headers=admin)
        assert res.status_code == 201, res.text
        keys = res.json()["keys"]
        assert [k["retired_at"] is None for k in keys] == [False, True]
        dup = client.post(url, json={"public_key": rotated.public_b64()}, headers=admin)
        assert (dup.status_code, dup.json()["rule"]) == (409, "duplicate_public_key")
        # After rotation the old key no longer signs, but what it signed before still counts.
        late = TRAINER.credential(code, "training", "T-LATE")
        res = file_repair(client, mint, code, entry, "training", credential=late)
        assert res.json()["rule"] == "credential_bad_signature"
        filed = file_repair(client, mint, code, entry, "training", credential=old)
        assert filed.status_code == 201, filed.text
        assert filed.json()["evidence"]["credential_kind"] == "training_completion"


class TestClocksAcrossHolidays:
    def test_national_day_week_overdue_escalation_and_the_decision_clock(
        self, client, mint, runtime
    ):
        code = make_code()
        entry_id = _serious(client, mint, code)
        # Wednesday 30 September 2026: 1–7 October are the National Day holidays and
        # Saturday 10 October is a make-up working day, so the three days are 8, 9, 10 Oct.
        _at(date(2026, 9, 30))
        case = _file(client, mint, code, entry_id).json()
        accept = case["clocks"][0]
        assert (accept["due"], accept["working_days_left"]) == ("2026-10-10", 3)
        _at(date(2026, 10, 7))
        (mine,) = _mine(client, mint, code)
        assert mine["clocks"][0]["working_days_left"] == 3
        _at(date(2026, 10, 10), hour=23)
        (mine,) = _mine(client, mint, code)
        assert mine["clocks"][0]["overdue"] is False

        _at(date(2026, 10, 11))
        officer = _auth(mint("repair_officer", department="dept-a"))
        other_code = make_code()
        other_entry = _serious(client, mint, other_code)
        _at(date(2026, 10, 11))
        on_time = _file(client, mint, other_code, other_entry).json()
        listed = page_items(client.get("/api/v1/repairs", headers=officer))
        assert [(c["id"], c["overdue"]) for c in listed] == [
            (case["id"], True),
            (on_time["id"], False),
        ]
        late = page_items(client.get("/api/v1/repairs?overdue=true", headers=officer))
        assert [c["id"] for c in late] == [case["id"]]
        with Session(runtime.engine) as s:
            assert repair_service.count_overdue(session=s, today=clock.today()) == 1
            made = repair_service.escalate_overdue(
                session=s, today=clock.today(), now=clock.now(), calendar=runtime.calendar
            )
            s.commit()
        assert made == 1
        escalated = page_items(client.get("/api/v1/repairs?escalated=true", headers=officer))
        assert [c["id"] for c in escalated] == [case["id"]]

        _at(date(2026, 10, 12))
        accepted = _decide(client, mint, case["id"], "accept")
        assert accepted.status_code == 200
        body = accepted.json()
        assert body["clocks"][0]["due"] == "2026-10-26"
        assert (body["overdue"], body["escalated"]) == (False, False)
        assert [h["event"] for h in body["history"]] == [
            "filed",
            "escalated_accept_overdue",
            "accepted",
        ]


class TestConfidentialityAtRest:
    def test_no_plaintext_of_evidence_commitment_certificate_or_reasons(
        self, client, mint, runtime
    ):
        if runtime.engine.url.get_backend_name() != "sqlite":
            pytest.skip("reads the SQLite database file")
        issuer = Issuer("SH-VOL", "volunteer_organisation")
        code = make_code()
        entry_id = post_serious(client, mint, code, subject_name=NAME)
        assert register_issuer(client, mint, issuer).status_code == 201
        at(date(2026, 4, 1))
        volunteering = file_repair(
            client,
            mint,
            code,
            entry_id,
            "volunteering",
            files=evidence_pdf(PROOF),
            credential=issuer.credential(code, "volunteering", CERTIFICATE, hours=120),
        )
        assert volunteering.status_code == 201, volunteering.text
        case_id = volunteering.json()["id"]
        assert decide_repair(client, mint, case_id, "accept").status_code == 200
        assert decide_repair(client, mint, case_id, "reject", reasons=REASONS).status_code == 200
        with runtime.read_engine.connect() as conn:
            conn.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
        path = Path(str(runtime.engine.url.database))
        raw = b"".join(p.read_bytes() for p in (path, Path(f"{path}-wal")) if p.exists())
        # The read sees the committed rows: the registry's code is stored in clear.
        assert b"SH-VOL" in raw
        binding = signed.subject_binding(code, CERTIFICATE)
        # Nor the person's code, name, or the credential's binding to them.
        person = (code, NAME, binding)
        secrets = (COMMITMENT, CERTIFICATE, CERTIFICATE.upper(), REASONS, "完税证明", *person)
        for secret in secrets:
            assert secret.encode() not in raw, secret
        assert PROOF not in raw
