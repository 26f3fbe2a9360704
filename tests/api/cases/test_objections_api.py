"""Objections (§7) through HTTP: filing with evidence, the mark everywhere, every decision and
its effects on the entry, legal clocks across holidays, and every refusal changing nothing."""

from __future__ import annotations

import json
import uuid
from datetime import date, datetime, timedelta
from functools import partial
from pathlib import Path

import pytest
from sqlalchemy import func, select, text
from sqlmodel import Session, col

from core.cases.objections.service import escalate_overdue
from core.clock import CST, clock
from core.context import Context
from core.entries import store
from core.entries.service import shred_entry
from core.models import CaseEvent, Entry, EntryEvent, EvidenceFile, ExitAnnouncement, Objection
from tests.factories import (
    OBJECTION_REASONS,
    RED,
    court_query,
    decide_objection,
    events,
    every_item,
    evidence_pdf,
    file_objection,
    make_code,
    my_entries,
    my_objections,
    objection_officer,
    page_items,
    post_entry,
)
from tests.factories import bearer as _auth

URL = "/api/v1/me/objections"
REASONS = OBJECTION_REASONS
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\nZEBRA-EVIDENCE-7731 paid in full\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
EVIDENCE = evidence_pdf(PDF)

# Two tests call core services directly, and a change to the services' signatures is editing
# them: they keep the old names of these factories until that lands.
_decide, _events, _mine, _officer = decide_objection, events, my_objections, objection_officer
_file = partial(file_objection, files=EVIDENCE)


def _record_entry(client, mint, code: str, entry_id: str) -> dict:
    return next(e for e in my_entries(client, mint, code) if e["id"] == entry_id)


def _entry_notices(client, mint, code: str) -> list[str]:
    got = client.get("/api/v1/me/notifications", headers=_auth(mint("citizen", credit_code=code)))
    return [n["entry"]["kind"] for n in page_items(got) if n["type"] == "entry"]


def _agency_notices(client, mint, agency: str = "court-1") -> list[tuple[str, str]]:
    got = client.get("/api/v1/agency/notifications", headers=_auth(mint("agency", agency=agency)))
    return [(n["entry_id"], n["kind"]) for n in page_items(got)]


def _case_rows(runtime) -> tuple[int, int, int]:
    with Session(runtime.engine) as s:
        return (
            s.execute(select(func.count()).select_from(Objection)).scalar_one(),
            s.execute(select(func.count()).select_from(CaseEvent)).scalar_one(),
            s.execute(select(func.count()).select_from(EvidenceFile)).scalar_one(),
        )


def _flagged(runtime, entry_id: str) -> bool:
    with Session(runtime.engine) as s:
        entry = s.get(Entry, uuid.UUID(entry_id))
        assert entry is not None
        return entry.under_objection


@pytest.fixture
def displayed(client, mint):
    """A citizen with a black entry past its prior notice, already received by court-1."""
    clock.freeze(datetime(2026, 6, 1, 10, 0, tzinfo=CST))
    code = make_code()
    entry_id = post_entry(client, mint, subject_code=code)
    clock.advance(timedelta(days=20))
    (shown,) = court_query(client, mint, code)["entries"]
    assert shown["id"] == entry_id
    assert shown["under_objection"] is False
    return code, entry_id


def _filed_case(client, mint, code: str, entry_id: str) -> dict:
    res = file_objection(client, mint, code, entry_id, files=EVIDENCE)
    assert res.status_code == 201, res.text
    clock.advance(timedelta(hours=1))
    return res.json()


def _accepted_case(client, mint, code: str, entry_id: str) -> dict:
    case = _filed_case(client, mint, code, entry_id)
    res = decide_objection(client, mint, case["id"], {"decision": "accept"})
    assert res.status_code == 200, res.text
    assert res.json()["status"] == "accepted"
    clock.advance(timedelta(hours=1))
    return res.json()


class TestFiling:
    def test_the_subject_files_and_the_entry_is_marked_at_once_everywhere(
        self, client, mint, displayed
    ):
        code, entry_id = displayed
        res = file_objection(client, mint, code, entry_id, files=EVIDENCE)
        assert res.status_code == 201, res.text
        case = res.json()
        assert case["entry_id"] == entry_id
        assert case["status"] == "filed"
        assert case["reasons"] == REASONS
        assert case["department"] == "dept-a"
        assert [c["step"] for c in case["clocks"]] == ["accept", "resolve"]
        assert case["overdue"] is False
        assert [(e["name"], e["media_type"], e["size"]) for e in case["evidence"]] == [
            ("完税证明.pdf", "application/pdf", len(PDF))
        ]
        assert [(h["event"], h["actor"]) for h in case["history"]] == [("filed", "objector")]

        # Marked at once: in the owner's record and in agency answers.
        assert _record_entry(client, mint, code, entry_id)["under_objection"] is True
        (shown,) = court_query(client, mint, code)["entries"]
        assert shown["under_objection"] is True
        assert [c["id"] for c in my_objections(client, mint, code)] == [case["id"]]
        single = client.get(f"{URL}/{case['id']}", headers=_auth(mint("citizen", credit_code=code)))
        assert single.status_code == 200
        assert single.json()["id"] == case["id"]

    def test_the_evidence_goes_to_the_objector_and_the_department_only(
        self, client, mint, displayed
    ):
        code, entry_id = displayed
        case = _filed_case(client, mint, code, entry_id)
        (evidence,) = case["evidence"]
        url = f"/api/v1/objections/{case['id']}/evidence/{evidence['id']}"
        for headers in (_auth(mint("citizen", credit_code=code)), objection_officer(mint)):
            got = client.get(url, headers=headers)
            assert got.status_code == 200, got.text
            assert got.content == PDF
            assert got.headers["content-type"] == "application/pdf"
            assert got.headers["content-disposition"].startswith("attachment;")
            assert "filename*=UTF-8''%E5%AE%8C%E7%A8%8E" in got.headers["content-disposition"]
            assert got.headers["x-content-type-options"] == "nosniff"
        for headers in (
            _auth(mint("citizen", credit_code=make_code())),
            objection_officer(mint, "dept-b"),
        ):
            assert client.get(url, headers=headers).status_code == 404
        other_file = f"/api/v1/objections/{case['id']}/evidence/{case['id']}"
        assert client.get(other_file, headers=objection_officer(mint)).status_code == 404

    def test_anyone_signed_in_may_object_to_a_red_entry_and_its_subject_is_told(self, client, mint):
        clock.freeze(datetime(2026, 6, 1, 10, 0, tzinfo=CST))
        code, stranger = make_code(), make_code()
        # Under public notice (公示) for now.
        red_id = post_entry(client, mint, subject_code=code, **RED, domain="volunteering")
        res = file_objection(client, mint, stranger, red_id, files=[])
        assert res.status_code == 201, res.text
        assert res.json()["list_kind"] == "red"
        assert [c["id"] for c in my_objections(client, mint, stranger)] == [res.json()["id"]]
        assert my_objections(client, mint, code) == []
        assert _entry_notices(client, mint, code) == ["objection_filed"]
        page = client.get(f"/api/v1/objections/{res.json()['id']}", headers=objection_officer(mint))
        assert page.json()["objector_is_subject"] is False

    def test_a_browsers_crlf_line_breaks_are_kept_as_one_line_feed(self, client, mint, displayed):
        code, entry_id = displayed
        res = file_objection(
            client,
            mint,
            code,
            entry_id,
            reasons="第一行\r\n第二行",
            files=[],
        )
        assert res.status_code == 201, res.text
        assert res.json()["reasons"] == "第一行\n第二行"
        assert res.json()["evidence"] == []


class TestFilingRefusals:
    """Each refusal leaves no case, no history line, no evidence and no mark on the entry."""

    def _nothing_changed(self, runtime, entry_id: str, before: tuple[int, int, int]) -> None:
        assert _case_rows(runtime) == before
        assert _flagged(runtime, entry_id) is False

    def test_someone_elses_entry_does_not_exist(self, client, mint, runtime, displayed):
        code, entry_id = displayed
        before = _case_rows(runtime)
        res = file_objection(client, mint, make_code(), entry_id, files=EVIDENCE)
        assert res.status_code == 404
        assert res.headers["content-type"].startswith("application/problem+json")
        unknown = file_objection(
            client, mint, code, "7f1d1b9e-0000-4000-8000-000000000000", files=EVIDENCE
        )
        assert unknown.status_code == 404
        assert res.json()["detail"] == unknown.json()["detail"]
        self._nothing_changed(runtime, entry_id, before)

    def test_a_second_open_objection_is_refused(self, client, mint, runtime, displayed):
        code, entry_id = displayed
        _filed_case(client, mint, code, entry_id)
        before = _case_rows(runtime)
        again = file_objection(client, mint, code, entry_id, files=EVIDENCE)
        assert again.status_code == 409
        assert again.json()["rule"] == "objection_open"
        assert _case_rows(runtime) == before
        assert len(my_objections(client, mint, code)) == 1

    def test_an_erased_entry_can_no_longer_be_objected_to(self, client, mint, runtime, displayed):
        code, entry_id = displayed
        done = client.post(
            f"/api/v1/records/{entry_id}/withdraw",
            headers=_auth(mint("recorder", department="dept-a")),
            json={"reason": "recorded in error", "kind": "withdrawn"},
        )
        assert done.status_code == 200, done.text
        # A withdrawn entry is still kept, and may still be contested, until it is erased.
        with Session(runtime.engine) as s:
            shred_entry(
                Context(s, runtime.keyring),
                department="dept-a",
                entry_id=uuid.UUID(entry_id),
                actor="t",
            )
            s.commit()
        before = _case_rows(runtime)
        res = _file(client, mint, code, entry_id)
        assert res.status_code == 409
        assert res.json()["rule"] == "not_objectable"
        self._nothing_changed(runtime, entry_id, before)

    @pytest.mark.parametrize(
        ("files", "rule"),
        [
            ([("files", ("note.txt", b"plain text", "text/plain"))], "evidence_type"),
            ([("files", ("fake.pdf", PNG, "application/pdf"))], "evidence_type_mismatch"),
            (
                [
                    ("files", ("a.pdf", PDF, "application/pdf")),
                    ("files", ("b.html", b"<html>", "text/html")),
                ],
                "evidence_type",
            ),
            ([("files", (f"p{n}.png", PNG, "image/png")) for n in range(6)], "too_many_files"),
        ],
    )
    def test_bad_evidence_is_refused(self, client, mint, runtime, displayed, files, rule):
        code, entry_id = displayed
        before = _case_rows(runtime)
        res = file_objection(client, mint, code, entry_id, files=files)
        assert res.status_code == 422, res.text
        assert res.json()["rule"] == rule
        self._nothing_changed(runtime, entry_id, before)

    def test_too_large_evidence_is_refused(self, client, mint, runtime, displayed, monkeypatch):
        code, entry_id = displayed
        monkeypatch.setattr(runtime.settings, "evidence_max_bytes", len(PDF) - 1)
        before = _case_rows(runtime)
        res = file_objection(client, mint, code, entry_id, files=EVIDENCE)
        assert res.status_code == 422
        assert res.json()["rule"] == "evidence_too_large"
        self._nothing_changed(runtime, entry_id, before)
        monkeypatch.setattr(runtime.settings, "evidence_max_bytes", len(PDF))
        assert file_objection(client, mint, code, entry_id, files=EVIDENCE).status_code == 201

    @pytest.mark.parametrize(
        "reasons", ["", "   ", "长" * 2001, "bell\x07 KIWI-1", "nul\x00 KIWI-2", "esc\x1b KIWI-3"]
    )
    def test_bad_reasons_are_refused_without_echo(self, client, mint, runtime, displayed, reasons):
        code, entry_id = displayed
        before = _case_rows(runtime)
        res = file_objection(client, mint, code, entry_id, reasons=reasons, files=EVIDENCE)
        assert res.status_code == 422
        assert "KIWI" not in res.text
        assert "长长长" not in res.text
        self._nothing_changed(runtime, entry_id, before)

    def test_missing_fields_are_refused(self, client, mint, runtime, displayed):
        code, entry_id = displayed
        me = _auth(mint("citizen", credit_code=code))
        assert client.post(URL, headers=me, data={"entry_id": entry_id}).status_code == 422
        assert client.post(URL, headers=me, data={"reasons": REASONS}).status_code == 422
        assert _flagged(runtime, entry_id) is False


class TestLegalClocks:
    def test_the_accept_clock_runs_past_the_national_day_week(self, client, mint, runtime):
        # Filed on Wednesday 30 September 2026: 1–7 October are off, so the two working
        # days are 8 and 9 October; the resolve clock counts 20 calendar days.
        clock.freeze(datetime(2026, 9, 30, 9, 0, tzinfo=CST))
        code = make_code()
        entry_id = post_entry(client, mint, subject_code=code)
        case = _filed_case(client, mint, code, entry_id)
        assert (case["accept_due"], case["resolve_due"]) == ("2026-10-09", "2026-10-20")
        accept, resolve = case["clocks"]
        assert (accept["step"], accept["working_days_left"], accept["overdue"]) == (
            "accept",
            2,
            False,
        )
        assert resolve["due"] == "2026-10-20"

        clock.freeze(datetime(2026, 10, 7, 12, 0, tzinfo=CST))  # still the holiday
        (mine,) = _mine(client, mint, code)
        assert mine["clocks"][0]["working_days_left"] == 2
        clock.freeze(datetime(2026, 10, 9, 18, 0, tzinfo=CST))  # the last day
        (mine,) = _mine(client, mint, code)
        assert (mine["clocks"][0]["working_days_left"], mine["overdue"]) == (0, False)
        # Saturday 10 October 2026 is a make-up working day: a day late already.
        clock.freeze(datetime(2026, 10, 10, 9, 0, tzinfo=CST))
        (mine,) = _mine(client, mint, code)
        assert mine["clocks"][0] == {
            "step": "accept",
            "due": "2026-10-09",
            "working_days_left": -1,
            "overdue": True,
            "provisional": False,
        }
        assert mine["overdue"] is True
        (queued,) = page_items(client.get("/api/v1/objections", headers=_officer(mint)))
        assert queued["overdue"] is True

        with Session(runtime.engine) as s:
            assert (
                escalate_overdue(
                    session=s, today=clock.today(), now=clock.now(), calendar=runtime.calendar
                )
                == 1
            )
            s.commit()
        supervisor = _officer(mint, supervisor=True)
        (escalated,) = page_items(
            client.get("/api/v1/objections", headers=supervisor, params={"escalated": "true"})
        )
        assert escalated["id"] == case["id"]
        clock.advance(timedelta(hours=1))
        # Accepted late, the resolve clock is all that is left.
        res = _decide(client, mint, case["id"], {"decision": "accept"})
        assert [c["step"] for c in res.json()["clocks"]] == ["resolve"]
        assert res.json()["overdue"] is False
        assert _events(res.json()) == ["filed", "escalated", "accepted"]


class TestOfficerQueue:
    def test_own_department_only_filtered_overdue_first_then_oldest(self, client, mint):
        clock.freeze(datetime(2026, 6, 1, 10, 0, tzinfo=CST))
        codes = [make_code() for _ in range(3)]
        entries = [post_entry(client, mint, subject_code=c) for c in codes]
        clock.freeze(datetime(2026, 6, 22, 10, 0, tzinfo=CST))  # Monday
        oldest = _filed_case(client, mint, codes[0], entries[0])
        assert (
            decide_objection(client, mint, oldest["id"], {"decision": "accept"}).status_code == 200
        )
        clock.freeze(datetime(2026, 6, 25, 10, 0, tzinfo=CST))  # accept due Mon 29 June
        middle = _filed_case(client, mint, codes[1], entries[1])
        clock.freeze(datetime(2026, 6, 26, 10, 0, tzinfo=CST))  # accept due Tue 30 June
        newest = _filed_case(client, mint, codes[2], entries[2])

        def queue(**params: str) -> list[dict]:
            res = client.get("/api/v1/objections", headers=objection_officer(mint), params=params)
            return page_items(res)

        clock.freeze(datetime(2026, 6, 30, 10, 0, tzinfo=CST))
        got = queue()
        assert [q["id"] for q in got] == [middle["id"], oldest["id"], newest["id"]]
        assert [q["overdue"] for q in got] == [True, False, False]
        clock.freeze(datetime(2026, 7, 1, 10, 0, tzinfo=CST))
        got = queue()
        assert [q["id"] for q in got] == [middle["id"], newest["id"], oldest["id"]]
        assert [q["overdue"] for q in got] == [True, True, False]
        assert "reasons" not in got[0]
        assert [q["id"] for q in queue(overdue="true")] == [middle["id"], newest["id"]]
        assert [q["id"] for q in queue(overdue="false")] == [oldest["id"]]
        assert [q["id"] for q in queue(status="accepted")] == [oldest["id"]]
        assert [q["id"] for q in queue(escalated="true")] == []
        first = client.get(
            "/api/v1/objections", headers=objection_officer(mint), params={"limit": 1}
        )
        assert [q["id"] for q in page_items(first)] == [middle["id"]]
        rest = every_item(
            client,
            "/api/v1/objections",
            headers=objection_officer(mint),
            params={"limit": 1, "cursor": first.json()["next_cursor"]},
        )
        assert [q["id"] for q in rest] == [newest["id"], oldest["id"]]
        others = client.get("/api/v1/objections", headers=objection_officer(mint, "dept-b"))
        assert page_items(others) == []
        page = client.get(
            f"/api/v1/objections/{middle['id']}", headers=objection_officer(mint, "dept-b")
        )
        assert page.status_code == 404
        bad = client.get(
            "/api/v1/objections", headers=objection_officer(mint), params={"status": "nope"}
        )
        assert bad.status_code == 422

    def test_the_case_page_has_reasons_evidence_history_and_the_entry_state(
        self, client, mint, displayed
    ):
        code, entry_id = displayed
        case = _filed_case(client, mint, code, entry_id)
        page = client.get(f"/api/v1/objections/{case['id']}", headers=objection_officer(mint))
        assert page.status_code == 200
        body = page.json()
        assert body["reasons"] == REASONS
        assert body["objector_is_subject"] is True
        assert body["entry_state"] == "displayed"
        assert [e["name"] for e in body["evidence"]] == ["完税证明.pdf"]
        assert events(body) == ["filed"]


class TestOutcomes:
    def test_upheld_erroneous_erases_the_entry_with_an_apology(
        self, client, mint, runtime, displayed
    ):
        code, entry_id = displayed
        case = _accepted_case(client, mint, code, entry_id)
        res = decide_objection(
            client,
            mint,
            case["id"],
            {"decision": "uphold", "erroneous": True, "reasons": "the tax was paid on time"},
        )
        assert res.status_code == 200, res.text
        body = res.json()
        assert body["status"] == "upheld"
        assert body["clocks"] == []
        assert body["entry_state"] == "shredded"
        assert events(body) == ["filed", "accepted", "upheld", "entry_erased", "apology_issued"]
        assert body["history"][2]["note"] == "the tax was paid on time"

        # Gone from agency answers and the owner's record; the agency that had it is told.
        assert court_query(client, mint, code, agency="court-2")["entries"] == []
        assert entry_id not in {
            e["id"]
            for e in client.get(
                "/api/v1/me/record", headers=_auth(mint("citizen", credit_code=code))
            ).json()["entries"]
        }
        assert (entry_id, "shredded") in _agency_notices(client, mint)
        assert "apology" in _entry_notices(client, mint, code)
        with Session(runtime.engine) as s:
            (announcement,) = s.execute(
                select(ExitAnnouncement).where(
                    col(ExitAnnouncement.entry_id) == uuid.UUID(entry_id)
                )
            ).scalars()
            assert announcement.reason == "objection_upheld"
        # The citizen still sees the whole case, opened under the case's own key.
        (mine,) = my_objections(client, mint, code)
        assert mine["status"] == "upheld"
        assert mine["reasons"] == REASONS
        assert "apology_issued" in events(mine)

    @pytest.mark.parametrize("decision", ["partly_uphold", "uphold"])
    def test_a_correction_makes_a_new_version_and_keeps_the_old_one_as_history(
        self, client, mint, runtime, keyring, displayed, decision
    ):
        code, entry_id = displayed
        recorder = _auth(mint("recorder", department="dept-a"))
        old = client.get(f"/api/v1/records/{entry_id}", headers=recorder).json()
        case = _accepted_case(client, mint, code, entry_id)
        new_end = date.fromisoformat(old["decided_on"]) + timedelta(days=400)
        res = decide_objection(
            client,
            mint,
            case["id"],
            {
                "decision": decision,
                "reasons": "part of the amount was paid",
                "correction": {
                    "facts": "逾期未缴税款六十万元",
                    "display_until": new_end.isoformat(),
                },
            },
        )
        assert res.status_code == 200, res.text
        assert (
            res.json()["status"] == {"uphold": "upheld", "partly_uphold": "partly_upheld"}[decision]
        )
        assert events(res.json())[-1] == "entry_corrected"

        recorder = _auth(mint("recorder", department="dept-a"))  # minted after the clock moved
        now = client.get(f"/api/v1/records/{entry_id}", headers=recorder).json()
        assert now["facts"] == "逾期未缴税款六十万元"
        assert now["display_until"] == new_end.isoformat()
        assert now["public_summary"] == old["public_summary"]
        assert now["version"] == old["version"] + 1
        assert now["under_objection"] is False
        (shown,) = court_query(client, mint, code, agency="court-2")["entries"]
        assert shown["facts"] == "逾期未缴税款六十万元"
        assert shown["under_objection"] is False
        assert (entry_id, "corrected") in _agency_notices(client, mint)
        assert "corrected" in _entry_notices(client, mint, code)
        with Session(runtime.engine) as s:
            entry = s.get(Entry, uuid.UUID(entry_id))
            (event,) = s.execute(
                select(EntryEvent).where(
                    col(EntryEvent.entry_id) == entry.id, col(EntryEvent.event) == "corrected"
                )
            ).scalars()
            key = store.entry_key(s, keyring, entry)
            kept = json.loads(
                store.open_text(key, event.reason_ct, "entry_event", "reason", event.id)
            )
        assert kept == {"previous": {"facts": old["facts"], "display_until": old["display_until"]}}

    def test_rejected_gives_reasons_and_tells_of_reconsideration(self, client, mint, displayed):
        code, entry_id = displayed
        case = _accepted_case(client, mint, code, entry_id)
        res = decide_objection(
            client,
            mint,
            case["id"],
            {"decision": "reject", "reasons": "the payment came after the decision"},
        )
        assert res.status_code == 200, res.text
        (mine,) = my_objections(client, mint, code)
        assert mine["status"] == "rejected"
        assert mine["decision_reasons"] == "the payment came after the decision"
        assert "行政复议" in mine["reconsideration"]["text"]
        assert (
            mine["reconsideration"]["apply_by"] == (clock.today() + timedelta(days=60)).isoformat()
        )
        assert events(mine) == ["filed", "accepted", "rejected", "reconsideration_notice"]
        assert "objection_rejected" in _entry_notices(client, mint, code)
        entry = _record_entry(client, mint, code, entry_id)
        assert (entry["under_objection"], entry["state"]) == (False, "displayed")

    def test_declined_clears_the_mark_and_a_new_objection_may_follow(self, client, mint, displayed):
        code, entry_id = displayed
        case = _filed_case(client, mint, code, entry_id)
        res = decide_objection(
            client, mint, case["id"], {"decision": "decline", "reasons": "not a matter for us"}
        )
        assert res.status_code == 200, res.text
        assert res.json()["status"] == "declined"
        assert res.json()["clocks"] == []
        assert _record_entry(client, mint, code, entry_id)["under_objection"] is False
        assert file_objection(client, mint, code, entry_id, files=EVIDENCE).status_code == 201


class TestDecisionRefusals:
    def _unchanged(self, client, mint, case: dict, runtime, entry_id: str) -> None:
        page = client.get(
            f"/api/v1/objections/{case['id']}", headers=objection_officer(mint)
        ).json()
        assert (page["status"], page["version"]) == (case["status"], case["version"])
        assert events(page) == events(case)
        assert _flagged(runtime, entry_id) is True

    def test_another_departments_officer_finds_nothing(self, client, mint, runtime, displayed):
        code, entry_id = displayed
        case = _filed_case(client, mint, code, entry_id)
        res = decide_objection(
            client, mint, case["id"], {"decision": "accept"}, department="dept-b"
        )
        assert res.status_code == 404
        self._unchanged(client, mint, case, runtime, entry_id)

    def test_repeated_and_out_of_order_decisions_conflict(self, client, mint, runtime, displayed):
        code, entry_id = displayed
        filed = _filed_case(client, mint, code, entry_id)
        for decision in ("uphold", "partly_uphold", "reject"):
            res = decide_objection(
                client, mint, filed["id"], {"decision": decision, "reasons": "x"}
            )
            assert res.status_code == 409
            assert res.json()["rule"] == "illegal_decision"
        self._unchanged(client, mint, filed, runtime, entry_id)
        accepted = decide_objection(client, mint, filed["id"], {"decision": "accept"}).json()
        for decision in ("accept", "decline"):
            res = decide_objection(
                client, mint, filed["id"], {"decision": decision, "reasons": "x"}
            )
            assert res.status_code == 409
            assert res.json()["rule"] == "illegal_decision"
        self._unchanged(client, mint, accepted, runtime, entry_id)
        stale = decide_objection(
            client, mint, filed["id"], {"decision": "reject", "reasons": "x", "version": 1}
        )
        assert stale.status_code == 409
        assert stale.json()["rule"] == "stale_version"
        done = decide_objection(client, mint, filed["id"], {"decision": "reject", "reasons": "x"})
        assert done.status_code == 200
        again = decide_objection(client, mint, filed["id"], {"decision": "reject", "reasons": "x"})
        assert again.status_code == 409
        assert again.json()["rule"] == "illegal_decision"

    @pytest.mark.parametrize(
        ("stage", "body", "rule"),
        [
            ("filed", {"decision": "decline"}, "reasons_required"),
            ("accepted", {"decision": "reject"}, "reasons_required"),
            (
                "accepted",
                {"decision": "reject", "reasons": "x", "erroneous": True},
                "erroneous_uphold_only",
            ),
            ("accepted", {"decision": "partly_uphold"}, "correction_required"),
            ("accepted", {"decision": "uphold"}, "correction_required"),
            (
                "accepted",
                {"decision": "uphold", "erroneous": True, "correction": {"facts": "x"}},
                "correction_not_applicable",
            ),
            (
                "accepted",
                {"decision": "partly_uphold", "correction": {"display_until": "+30"}},
                "display_period_bounds",
            ),
            (
                "accepted",
                {"decision": "partly_uphold", "correction": {"display_until": "+950"}},
                "display_beyond_validity",
            ),
        ],
    )
    def test_bad_decision_bodies_are_refused(
        self, client, mint, runtime, displayed, stage, body, rule
    ):
        code, entry_id = displayed
        case = (_filed_case if stage == "filed" else _accepted_case)(client, mint, code, entry_id)
        correction = body.get("correction", {})
        if str(correction.get("display_until", "")).startswith("+"):
            decided = date.fromisoformat(
                client.get(
                    f"/api/v1/records/{entry_id}",
                    headers=_auth(mint("recorder", department="dept-a")),
                ).json()["decided_on"]
            )
            days = int(correction["display_until"][1:])
            body = {
                **body,
                "correction": {"display_until": (decided + timedelta(days=days)).isoformat()},
            }
        res = decide_objection(client, mint, case["id"], body)
        assert res.status_code == 422, res.text
        assert res.json()["rule"] == rule
        self._unchanged(client, mint, case, runtime, entry_id)

    def test_malformed_bodies_are_refused(self, client, mint, runtime, displayed):
        code, entry_id = displayed
        case = _accepted_case(client, mint, code, entry_id)
        for body in (
            {"decision": "approve"},
            {"decision": "partly_uphold", "correction": {}},
            {"decision": "reject", "reasons": "ok", "extra": 1},
            {"decision": "reject", "reasons": "\x1b[31m"},
        ):
            res = decide_objection(client, mint, case["id"], body)
            assert res.status_code == 422, body
        self._unchanged(client, mint, case, runtime, entry_id)


class TestNothingInClear:
    def test_no_plaintext_of_reasons_or_evidence_in_the_database(
        self, client, mint, runtime, displayed
    ):
        code, entry_id = displayed
        reasons = "QUOKKA-REASON-5519 我已按期缴纳全部税款"
        decision = "WOMBAT-DECISION-8820 经核查情况属实"
        res = file_objection(client, mint, code, entry_id, reasons=reasons, files=EVIDENCE)
        assert res.status_code == 201
        clock.advance(timedelta(hours=1))
        accept = decide_objection(
            client, mint, res.json()["id"], {"decision": "accept", "reasons": decision}
        )
        assert accept.status_code == 200
        assert accept.json()["decision_reasons"] == decision
        needles = [
            b"QUOKKA-REASON-5519",
            reasons.encode(),
            b"ZEBRA-EVIDENCE-7731",
            "完税证明".encode(),
            b"WOMBAT-DECISION-8820",
        ]
        url = runtime.engine.url
        if url.get_backend_name() == "sqlite":
            main = Path(str(url.database))
            # WAL mode: recent pages live in the -wal file until a checkpoint; read both.
            raw = b"".join(p.read_bytes() for p in (main, Path(f"{main}-wal")) if p.exists())
            # A positive control: the legal basis is kept in clear, so the read reaches the data.
            assert "《税收征收管理法》".encode() in raw
            for needle in needles:
                assert needle not in raw
        # On every backend: no column of any row holds them.
        with Session(runtime.engine) as s:
            for table in ("objection", "case_event", "evidence_file", "entry_event", "entry"):
                for row in s.execute(text(f"SELECT * FROM {table}")):  # noqa: S608
                    blob = b"".join(
                        bytes(v) if isinstance(v, bytes | memoryview) else str(v).encode()
                        for v in row
                    )
                    for needle in needles:
                        assert needle not in blob
