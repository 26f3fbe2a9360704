"""Deadlines beyond the official holiday data (§4): the whole citizen flow over HTTP in a
provisional year, every deadline marked and nothing refused; official data counted again."""

from __future__ import annotations

import io
import json
import uuid
from datetime import date, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pypdf import PdfReader
from sqlmodel import Session

from api.app import create_app
from api.state import state_of
from core.calendar import provisional
from core.clock import clock
from core.models import Entry, Objection, RepairApplication
from core.runtime import Runtime
from core.settings import Settings
from tests.factories import (
    at,
    bearer,
    evidence_pdf,
    file_objection,
    file_repair,
    make_code,
    ok_json,
    page_items,
    record_entry,
    repairable_fields,
)

REASONS = "该笔税款已全额缴清，记录有误"
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\nPAID-IN-FULL-0042\n%%EOF\n"


def _object(client, mint, code: str, entry_id: str) -> dict:
    """An objection filed with this file's reasons and receipt."""
    files = evidence_pdf(PDF, "回执.pdf")
    return ok_json(file_objection(client, mint, code, entry_id, reasons=REASONS, files=files), 201)


def _all_provisional(clocks: list[dict]) -> None:
    assert clocks
    assert all(c["provisional"] for c in clocks), clocks


def _no_503(res) -> None:
    assert res.status_code != 503, res.text
    assert "calendar-out-of-range" not in res.text


class TestTheCitizenFlowInAProvisionalYear:
    @pytest.mark.parametrize("today", [date(2027, 6, 1), date(2031, 3, 1)])
    def test_record_object_decide_repair_list_report(self, client, mint, today):
        at(today)
        code = make_code()
        citizen = bearer(mint("citizen", credit_code=code))
        officer = bearer(mint("objection_officer", department="dept-a"))

        entry = record_entry(client, mint, **repairable_fields(subject_code=code))
        assert entry["state"] == "pending_notice"
        assert entry["notice_until"] > today.isoformat()
        assert entry["notice_until_provisional"] is True

        case = _object(client, mint, code, entry["id"])
        assert case["accept_due_provisional"] is True
        _all_provisional(case["clocks"])

        listed = page_items(client.get("/api/v1/objections", headers=officer))
        assert [c["id"] for c in listed] == [case["id"]]
        _all_provisional(listed[0]["clocks"])
        for body in (
            {"decision": "accept"},
            {"decision": "reject", "reasons": "经核查记录无误"},
        ):
            ok_json(
                client.post(f"/api/v1/objections/{case['id']}/decision", headers=officer, json=body)
            )

        clock.advance(timedelta(days=21))  # past the prior notice: the entry is displayed
        repair = ok_json(file_repair(client, mint, code, entry["id"]), 201)
        _all_provisional(repair["clocks"])
        queue = page_items(
            client.get(
                "/api/v1/repairs", headers=bearer(mint("repair_officer", department="dept-a"))
            )
        )
        _all_provisional(queue[0]["clocks"])

        citizen = bearer(mint("citizen", credit_code=code))  # minted on the moved clock
        (mine,) = page_items(client.get("/api/v1/me/objections", headers=citizen))
        assert mine["status"] == "rejected"
        assert mine["accept_due_provisional"] is True
        (applied,) = page_items(client.get("/api/v1/me/repairs", headers=citizen))
        _all_provisional(applied["clocks"])

        report = ok_json(client.get("/api/v1/me/report", headers=citizen))
        (reported,) = report["entries"]
        assert reported["notice_until_provisional"] is True
        assert report["objections"][0]["accept_due_provisional"] is True
        _all_provisional(report["repairs"][0]["clocks"])
        # The notice end, the objection's accept deadline, the repair's two clocks.
        assert report["summary"]["provisional_deadlines"] == 4
        for path in ("/me/report?lang=en", "/me/report.pdf?lang=en", "/api/v1/me/export"):
            _no_503(client.get(path, headers=citizen))


class TestDoneWhen:
    def test_on_2027_03_01_a_citizen_objects_repairs_and_downloads_the_report(self, client, mint):
        code = make_code()
        at(date(2027, 2, 15))
        displayed = record_entry(client, mint, **repairable_fields(subject_code=code))
        at(date(2027, 3, 1))
        pending = record_entry(client, mint, **repairable_fields(subject_code=code))
        citizen = bearer(mint("citizen", credit_code=code))

        objection = _object(client, mint, code, pending["id"])
        assert objection["accept_due"] == "2027-03-03"  # Tue 2, Wed 3
        assert objection["accept_due_provisional"] is True
        _all_provisional(objection["clocks"])
        repair = ok_json(file_repair(client, mint, code, displayed["id"]), 201)
        # accept: Mar 2, 3, 4; decide: 10 working days after Mar 4 → Mar 18.
        assert [(c["step"], c["due"]) for c in repair["clocks"]] == [
            ("accept", "2027-03-04"),
            ("decide", "2027-03-18"),
        ]
        _all_provisional(repair["clocks"])

        report = ok_json(client.get("/api/v1/me/report", headers=citizen))
        notices = {e["id"]: e for e in report["entries"]}
        assert notices[pending["id"]]["notice_until_provisional"] is True
        assert notices[displayed["id"]]["notice_until_provisional"] is True
        (case,) = report["objections"]
        assert case["accept_due_provisional"] is True
        _all_provisional(case["clocks"])
        _all_provisional(report["repairs"][0]["clocks"])

        pdf = client.get("/me/report.pdf?lang=en", headers=citizen)
        assert pdf.status_code == 200
        text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
        assert "(provisional)" in text
        assert "provisional calendar" in text
        for lang, word in (("en", "provisional"), ("zh", "暂定")):
            page = client.get(f"/me/report?lang={lang}", headers=citizen)
            assert page.status_code == 200
            assert 'class="mark provisional"' in page.text
            assert word in page.text


class TestPagesShowTheMark:
    def test_objection_repair_and_record_pages(self, client, mint):
        client.base_url = "https://testserver"  # type: ignore[assignment]
        code = make_code()
        at(date(2027, 2, 15))
        displayed = record_entry(client, mint, **repairable_fields(subject_code=code))
        at(date(2027, 3, 1))
        pending = record_entry(client, mint, **repairable_fields(subject_code=code))
        citizen = bearer(mint("citizen", credit_code=code))
        objection = _object(client, mint, code, pending["id"])
        repair = ok_json(file_repair(client, mint, code, displayed["id"]), 201)
        paths = [
            "/me/objections",
            f"/me/objections/{objection['id']}",
            "/me/repairs",
            f"/me/repairs/{repair['id']}",
            "/me",
        ]
        for lang, word in (("en", "provisional"), ("zh", "暂定")):
            for path in paths:
                page = client.get(f"{path}?lang={lang}", headers=citizen)
                assert page.status_code == 200, (path, page.status_code)
                assert 'class="mark provisional"' in page.text, path
                assert word in page.text, path

    def test_an_official_year_shows_no_mark(self, client, mint):
        client.base_url = "https://testserver"  # type: ignore[assignment]
        code = make_code()
        at(date(2026, 6, 1))
        entry = record_entry(client, mint, **repairable_fields(subject_code=code))
        _object(client, mint, code, entry["id"])
        page = client.get(
            "/me/objections?lang=en", headers=bearer(mint("citizen", credit_code=code))
        )
        assert page.status_code == 200
        assert 'class="mark provisional"' not in page.text


class TestMetrics:
    def test_open_provisional_deadlines_are_counted(self, client, mint):
        code = make_code()
        at(date(2027, 3, 1))
        entry = record_entry(client, mint, **repairable_fields(subject_code=code))
        _object(client, mint, code, entry["id"])
        body = client.get("/metrics").text
        assert 'credence_provisional_deadlines{kind="entry_notice"} 1' in body
        assert 'credence_provisional_deadlines{kind="objection"} 1' in body
        assert 'credence_provisional_deadlines{kind="repair"} 0' in body
        assert "# TYPE credence_provisional_deadlines gauge" in body


def _official_app(runtime: Runtime, tmp_path: Path, days: dict[str, bool]) -> TestClient:
    """The same database served once the official 2027 schedule arrived (overrides file)."""
    path = tmp_path / "holidays-2027.json"
    path.write_text(json.dumps({"years": [2027], "days": days}), "utf-8")
    settings = Settings(data_dir=tmp_path, maintenance_every_seconds=0, holiday_overrides_file=path)
    later = Runtime(settings=settings, engine=runtime.engine, keyring=runtime.keyring)
    return TestClient(create_app(runtime=later), raise_server_exceptions=False)


class TestTheOfficialScheduleArrives:
    def test_deadlines_are_counted_again_at_read_time_and_settled(
        self, client, mint, runtime, tmp_path
    ):
        code = make_code()
        at(date(2027, 2, 3))
        # Provisionally Feb 5–10 are off: notice Feb 4, 11, 12, 15, 16 → in effect Feb 17.
        entry = record_entry(client, mint, **repairable_fields(subject_code=code))
        assert entry["notice_until"] == "2027-02-17"
        case = _object(client, mint, code, entry["id"])
        assert case["accept_due"] == "2027-02-11"  # Feb 4, 11
        # The schedule as published: only 除夕 (Fri 5) and 初三 (Mon 8) off on weekdays.
        official = {"2027-02-05": False, "2027-02-08": False}
        with _official_app(runtime, tmp_path, official) as later:
            citizen = bearer(mint("citizen", credit_code=code))
            (entry_now,) = ok_json(later.get("/api/v1/me/record", headers=citizen))["entries"]
            # Officially the notice would end on Feb 13; the citizen keeps Feb 17.
            assert entry_now["notice_until"] == "2027-02-17"
            assert entry_now["notice_until_provisional"] is False
            (case_now,) = page_items(later.get("/api/v1/me/objections", headers=citizen))
            # The department's own deadline follows the official count: Feb 4, 9.
            assert case_now["accept_due"] == "2027-02-09"
            assert case_now["accept_due_provisional"] is False
            assert not any(c["provisional"] for c in case_now["clocks"])
            calendar = state_of(later.app).runtime.calendar
        with Session(runtime.engine) as session:
            settled = provisional.settle(session=session, calendar=calendar)
            session.commit()
        assert (settled.entries, settled.objections, settled.repairs) == (1, 1, 0)
        with Session(runtime.engine) as session:
            stored = session.get(Entry, uuid.UUID(entry["id"]))
            assert stored is not None
            assert (stored.notice_until, stored.notice_provisional_days) == (
                date(2027, 2, 17),
                None,
            )
            row = session.get(Objection, uuid.UUID(case["id"]))
            assert row is not None
            assert (row.accept_due, row.accept_provisional_days) == (date(2027, 2, 9), None)
            again = provisional.settle(session=session, calendar=calendar)
        assert again == provisional.Settled()

    def test_a_notice_the_schedule_lengthens_follows_it(self, client, mint, runtime, tmp_path):
        code = make_code()
        at(date(2027, 4, 26))
        entry = record_entry(client, mint, **repairable_fields(subject_code=code))
        # Apr 27–30, (May 1–4 off) May 5 → in effect May 6.
        assert entry["notice_until"] == "2027-05-06"
        with _official_app(
            runtime, tmp_path, {"2027-05-03": False, "2027-05-04": False, "2027-05-05": False}
        ) as later:
            citizen = bearer(mint("citizen", credit_code=code))
            (entry_now,) = ok_json(later.get("/api/v1/me/record", headers=citizen))["entries"]
            assert entry_now["notice_until"] == "2027-05-07"
            assert entry_now["notice_until_provisional"] is False
            calendar = state_of(later.app).runtime.calendar
        with Session(runtime.engine) as session:
            provisional.settle(session=session, calendar=calendar)
            session.commit()
            stored = session.get(Entry, uuid.UUID(entry["id"]))
            assert stored is not None
            assert stored.notice_until == date(2027, 5, 7)

    def test_a_repair_is_counted_again_from_its_acceptance(self, client, mint, runtime, tmp_path):
        code = make_code()
        at(date(2027, 1, 20))
        entry = record_entry(client, mint, **repairable_fields(subject_code=code))
        at(date(2027, 2, 3))
        repair = ok_json(file_repair(client, mint, code, entry["id"]), 201)
        # accept: Feb 4, 11, 12; decide: 10 working days after Feb 12 → Feb 26.
        assert [c["due"] for c in repair["clocks"]] == ["2027-02-12", "2027-02-26"]
        ok_json(
            client.post(
                f"/api/v1/repairs/{repair['id']}/decision",
                json={"decision": "accept"},
                headers=bearer(mint("repair_officer", department="dept-a")),
            )
        )
        with Session(runtime.engine) as session:
            row = session.get(RepairApplication, uuid.UUID(repair["id"]))
            assert row is not None
            # Accepted Feb 3: Feb 4, 11, 12, 15–19, 22, 23 → Feb 23, provisional.
            assert (row.decide_from, row.decide_due, row.decide_provisional_days) == (
                date(2027, 2, 3),
                date(2027, 2, 23),
                10,
            )
        with _official_app(runtime, tmp_path, {"2027-02-05": False, "2027-02-08": False}) as later:
            (now,) = page_items(
                later.get("/api/v1/me/repairs", headers=bearer(mint("citizen", credit_code=code)))
            )
            # Officially Feb 4, 9–12, 15–19 → Feb 19, no longer provisional.
            assert [(c["step"], c["due"], c["provisional"]) for c in now["clocks"]] == [
                ("decide", "2027-02-19", False)
            ]
