"""Staff pages through HTTP (issue #8): repair officers, recorders and auditors, and the
public list filters — roles, CSRF, department scoping, stale forms, batch files."""

from __future__ import annotations

import json
import re
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select
from sqlmodel import Session

from api.audit import pages as auditor_pages
from api.state import state_of
from core.models import Entry
from crypto.receipt import verify_receipt
from tests.factories import (
    at,
    bearer,
    court_query,
    csrf_of,
    filed_repair,
    make_code,
    make_csv,
    make_payload,
    page_items,
    record_entry,
    watch_fields,
)

NAME = "欧阳小明"
# The repair cases these pages show may be met by a commitment or by volunteering.
WAYS = {"repair_ways": ["commitment", "volunteering"]}


@pytest.fixture
def client(client):
    """The app's client over https, as browsers reach it: the session cookie is Secure there."""
    client.base_url = "https://testserver"
    return client


def _csrf(client, path: str, headers: dict[str, str]) -> str:
    """The CSRF token a page of ours carries for this client's session cookie."""
    res = client.get(path, headers=headers)
    assert res.status_code == 200, res.text
    return csrf_of(res.text)


def _entries(runtime) -> int:
    with Session(runtime.engine) as session:
        return int(session.execute(select(func.count()).select_from(Entry)).scalar_one())


def _watch_entry(client, mint) -> str:
    code = make_code()
    record_entry(client, mint, subject_code=code, **watch_fields())
    return code


def _api_case(client, mint, case_id: str, department: str = "dept-a") -> dict:
    res = client.get(
        f"/api/v1/repairs/{case_id}",
        headers=bearer(mint("repair_officer", department=department)),
    )
    assert res.status_code == 200, res.text
    return res.json()


class TestRoles:
    @pytest.mark.parametrize(
        ("path", "role"),
        [
            ("/officer/repairs", "recorder"),
            ("/officer/repairs", "objection_officer"),
            ("/recorder", "repair_officer"),
            ("/recorder/batch", "auditor"),
            ("/audit/queries", "recorder"),
            ("/audit/queries", "citizen"),
        ],
    )
    def test_another_role_gets_the_forbidden_page(self, client, mint, path, role):
        token = mint(role, credit_code=make_code() if role == "citizen" else None)
        res = client.get(path, headers=bearer(token))
        assert res.status_code == 403
        assert res.headers["content-type"].startswith("text/html")
        assert 'role="alert"' in res.text

    @pytest.mark.parametrize("path", ["/officer/repairs", "/recorder", "/audit/queries"])
    def test_signed_out_is_asked_to_sign_in(self, client, path):
        res = client.get(path)
        assert res.status_code == 401
        assert 'href="/signin"' in res.text

    @pytest.mark.parametrize("path", ["/recorder", "/recorder/batch", "/audit/queries"])
    def test_staff_pages_are_never_cached_and_carry_the_csp(self, client, mint, path):
        role = "auditor" if path.startswith("/audit") else "recorder"
        res = client.get(path, headers=bearer(mint(role)))
        assert res.status_code == 200
        assert res.headers["cache-control"] == "no-store"
        assert "script-src 'self'" in res.headers["content-security-policy"]
        assert " style=" not in res.text


class TestCsrf:
    def test_a_decision_without_the_token_is_400_and_decides_nothing(self, client, mint):
        case_id = filed_repair(client, mint, make_code(), **WAYS)[1]["id"]
        officer = bearer(mint("repair_officer", department="dept-a"))
        client.get(f"/officer/repairs/{case_id}", headers=officer)
        res = client.post(
            f"/officer/repairs/{case_id}/decision",
            headers=officer,
            data={"decision": "accept", "read_status": "filed"},
        )
        assert res.status_code == 400
        assert _api_case(client, mint, case_id)["status"] == "filed"

    def test_an_entry_or_batch_without_the_token_stores_nothing(self, client, mint, runtime):
        recorder = bearer(mint("recorder"))
        client.get("/recorder", headers=recorder)
        before = _entries(runtime)
        fields = make_payload().model_dump(mode="json")
        fields["repair_ways"] = fields["repair_ways"][0]
        fields["repairable"] = "on"
        res = client.post("/recorder/entries", headers=recorder, data=fields)
        assert res.status_code == 400
        csv_file = make_csv([_csv_row(make_payload())])
        res = client.post(
            "/recorder/batch", headers=recorder, files={"file": ("b.csv", csv_file, "text/csv")}
        )
        assert res.status_code == 400
        assert _entries(runtime) == before

    def test_a_flag_without_the_token_is_400(self, client, mint):
        auditor = bearer(mint("auditor"))
        client.get("/audit/queries", headers=auditor)
        res = client.post("/audit/queries/0/flags", headers=auditor, data={"reason": "other"})
        assert res.status_code == 400


class TestRepairOfficer:
    def test_the_work_list_shows_the_clocks_and_no_personal_data(self, client, mint):
        entry, case = filed_repair(client, mint, make_code(), **WAYS)
        case_id, ref = case["id"], entry["public_ref"]
        res = client.get("/officer/repairs", headers=bearer(mint("repair_officer")))
        assert res.status_code == 200
        assert f'data-repair="{case_id}"' in res.text
        assert ref in res.text
        accept_due = _api_case(client, mint, case_id)["clocks"][0]["due"]
        assert accept_due in res.text
        assert NAME not in res.text

    def test_accept_then_approve_exits_the_entry_and_it_leaves_the_public_list(self, client, mint):
        entry, case = filed_repair(client, mint, make_code(), **WAYS)
        case_id, ref = case["id"], entry["public_ref"]
        assert ref in client.get("/lists/black?department=dept-a").text
        officer = bearer(mint("repair_officer"))
        token = _csrf(client, f"/officer/repairs/{case_id}", officer)
        url = f"/officer/repairs/{case_id}/decision"
        accepted = client.post(
            url,
            headers=officer,
            data={"csrf_token": token, "decision": "accept", "read_status": "filed"},
            follow_redirects=False,
        )
        assert accepted.status_code == 303
        assert accepted.headers["location"] == f"/officer/repairs/{case_id}"
        page = client.get(f"/officer/repairs/{case_id}", headers=officer).text
        assert 'data-status="accepted"' in page
        approve = {"csrf_token": token, "decision": "approve", "read_status": "accepted"}
        # Approving cannot be undone: it asks first, and nothing has happened yet.
        asked = client.post(url, headers=officer, data=approve, follow_redirects=False)
        assert asked.status_code == 200
        assert 'name="confirm" value="yes"' in asked.text
        assert _api_case(client, mint, case_id)["status"] == "accepted"
        approved = client.post(
            url, headers=officer, data=approve | {"confirm": "yes"}, follow_redirects=False
        )
        assert approved.status_code == 303
        page = client.get(f"/officer/repairs/{case_id}", headers=officer).text
        assert 'data-status="approved"' in page
        assert 'data-state="exited"' in page
        assert ref not in client.get("/lists/black?department=dept-a").text

    def test_a_stale_form_is_a_409_conflict_page_and_changes_nothing(self, client, mint):
        case_id = filed_repair(client, mint, make_code(), **WAYS)[1]["id"]
        officer = bearer(mint("repair_officer"))
        token = _csrf(client, f"/officer/repairs/{case_id}", officer)
        # Another officer accepts meanwhile, through the API.
        other = client.post(
            f"/api/v1/repairs/{case_id}/decision",
            json={"decision": "accept"},
            headers=bearer(mint("repair_officer")),
        )
        assert other.status_code == 200
        res = client.post(
            f"/officer/repairs/{case_id}/decision",
            headers=officer,
            data={
                "csrf_token": token,
                "decision": "decline",
                "reasons": "材料不全",
                "read_status": "filed",
            },
        )
        assert res.status_code == 409
        assert 'id="conflict"' in res.text
        assert 'data-status="accepted"' in res.text
        case = _api_case(client, mint, case_id)
        assert case["status"] == "accepted"
        assert [h["event"] for h in case["history"]] == ["filed", "accepted"]

    def test_reject_needs_reasons_and_then_shows_the_retry_date(self, client, mint, runtime):
        case_id = filed_repair(client, mint, make_code(), **WAYS)[1]["id"]
        officer = bearer(mint("repair_officer"))
        token = _csrf(client, f"/officer/repairs/{case_id}", officer)
        url = f"/officer/repairs/{case_id}/decision"
        data = {"csrf_token": token, "read_status": "filed", "decision": "accept"}
        assert client.post(url, headers=officer, data=data).status_code == 200
        data |= {"read_status": "accepted", "decision": "reject"}
        bare = client.post(url, headers=officer, data=data)
        assert bare.status_code == 422
        assert "reasons_required" in bare.text
        assert _api_case(client, mint, case_id)["status"] == "accepted"
        done = client.post(url, headers=officer, data=data | {"reasons": "未提供履约证明"})
        assert done.status_code == 200
        retry = date(2026, 4, 1) + timedelta(days=runtime.settings.repair_retry_days)
        assert 'data-status="rejected"' in done.text
        assert f'<time datetime="{retry.isoformat()}">' in done.text
        assert "未提供履约证明" in done.text

    def test_another_departments_case_is_404(self, client, mint):
        case_id = filed_repair(client, mint, make_code(), **WAYS)[1]["id"]
        other = bearer(mint("repair_officer", department="dept-b"))
        assert client.get(f"/officer/repairs/{case_id}", headers=other).status_code == 404
        assert case_id not in client.get("/officer/repairs", headers=other).text
        token = _csrf(client, "/lookup", {})
        res = client.post(
            f"/officer/repairs/{case_id}/decision",
            headers=other,
            data={"csrf_token": token, "decision": "accept", "read_status": "filed"},
        )
        assert res.status_code == 404
        file_id = "00000000-0000-0000-0000-000000000001"
        url = f"/officer/repairs/{case_id}/evidence/{file_id}"
        assert client.get(url, headers=other).status_code == 404
        assert _api_case(client, mint, case_id)["status"] == "filed"


def _form_fields(**overrides) -> dict:
    payload = make_payload(**overrides).model_dump(mode="json")
    payload["repairable"] = "on" if payload["repairable"] else ""
    return payload


class TestRecorderForm:
    def test_an_entry_is_recorded_and_shown_without_its_code(self, client, mint):
        recorder = bearer(mint("recorder"))
        token = _csrf(client, "/recorder", recorder)
        fields = _form_fields(subject_name=NAME)
        res = client.post(
            "/recorder/entries",
            headers=recorder,
            data={"csrf_token": token, **fields},
            follow_redirects=False,
        )
        assert res.status_code == 303
        location = res.headers["location"]
        assert re.fullmatch(r"/recorder/entries/[0-9a-f-]{36}\?created=1", location)
        assert fields["subject_code"] not in location
        page = client.get(location, headers=recorder)
        assert page.status_code == 200
        assert page.headers["cache-control"] == "no-store"
        assert fields["subject_code"] not in page.text
        assert NAME not in page.text
        assert "欧阳*" in page.text
        assert 'data-state="pending_notice"' in page.text
        assert location.split("/")[-1].split("?")[0] in page.text

    def test_an_invalid_code_is_refused_with_its_rule_and_kept_in_the_form(
        self, client, mint, runtime
    ):
        recorder = bearer(mint("recorder"))
        token = _csrf(client, "/recorder", recorder)
        before = _entries(runtime)
        code = make_code()
        bad = code[:-1] + ("0" if code[-1] != "0" else "1")
        fields = _form_fields(subject_code=code) | {"subject_code": bad}
        res = client.post(
            "/recorder/entries", headers=recorder, data={"csrf_token": token, **fields}
        )
        assert res.status_code == 422
        assert 'data-field="subject_code"' in res.text
        assert "校验位" in res.text  # the rule that failed, in the page's language
        # Kept for correcting, in the form body only (issue 18, item 5): once, as typed.
        assert res.text.count(bad) == 1
        assert 'name="subject_code" required maxlength="18" minlength="18"' in res.text
        assert fields["subject_name"] in res.text
        assert fields["external_id"] in res.text
        assert res.headers["cache-control"] == "no-store"
        assert _entries(runtime) == before

    def test_a_refused_rule_shows_the_problem_type_and_changes_nothing(self, client, mint, runtime):
        recorder = bearer(mint("recorder"))
        token = _csrf(client, "/recorder", recorder)
        fields = _form_fields()
        first = client.post(
            "/recorder/entries", headers=recorder, data={"csrf_token": token, **fields}
        )
        assert first.status_code == 200
        before = _entries(runtime)
        again = client.post(
            "/recorder/entries",
            headers=recorder,
            data={"csrf_token": token, **fields, "subject_code": make_code()},
        )
        assert again.status_code == 409
        assert 'data-problem="conflict"' in again.text
        assert 'data-rule="duplicate_external_id"' in again.text
        assert "本部门已记录过此部门编号" in again.text
        assert _entries(runtime) == before


def _csv_row(payload, **overrides) -> dict[str, str]:
    data = payload.model_dump(mode="json")
    row = {k: "" if v is None else str(v) for k, v in data.items()}
    row["repair_ways"] = ";".join(data["repair_ways"])
    row["repairable"] = "true" if data["repairable"] else "false"
    row.update(overrides)
    return row


class TestBatch:
    def _upload(self, client, recorder, name: str, content: bytes, media_type: str):
        token = _csrf(client, "/recorder/batch", recorder)
        return client.post(
            "/recorder/batch",
            headers=recorder,
            data={"csrf_token": token},
            files={"file": (name, content, media_type)},
        )

    def test_csv_rows_are_created_duplicate_or_refused_one_by_one(self, client, mint, runtime):
        recorder = bearer(mint("recorder"))
        existing = record_entry(client, mint)
        good, dup, bad = make_payload(), make_payload(), make_payload()
        rows = [
            _csv_row(good),
            _csv_row(dup, external_id=existing["external_id"]),
            _csv_row(bad, subject_code=bad.subject_code[:-1] + "Z"),
        ]
        before = _entries(runtime)
        res = self._upload(client, recorder, "batch.csv", make_csv(rows), "text/csv")
        assert res.status_code == 200
        assert res.headers["cache-control"] == "no-store"
        statuses = re.findall(r'<tr data-status="(\w+)">', res.text)
        # The second row reuses an external id with other content: a conflict, not dropped.
        assert statuses == ["created", "conflict", "invalid"]
        assert good.external_id in res.text
        assert "subject_code" in res.text
        for payload in (good, dup, bad):
            assert payload.subject_code not in res.text
            assert payload.subject_code[:-1] not in res.text
        assert NAME not in res.text
        assert _entries(runtime) == before + 1
        # Idempotent: the same file again creates nothing.
        again = self._upload(client, recorder, "batch.csv", make_csv(rows), "text/csv")
        assert re.findall(r'<tr data-status="(\w+)">', again.text) == [
            "existing",
            "conflict",
            "invalid",
        ]
        assert _entries(runtime) == before + 1

    def test_a_json_batch_is_read_too(self, client, mint, runtime):
        recorder = bearer(mint("recorder"))
        items = [make_payload().model_dump(mode="json") for _ in range(2)]
        body = json.dumps({"items": items}).encode()
        before = _entries(runtime)
        res = self._upload(client, recorder, "batch.json", body, "application/json")
        assert res.status_code == 200
        assert re.findall(r'<tr data-status="(\w+)">', res.text) == ["created", "created"]
        assert _entries(runtime) == before + 2

    @pytest.mark.parametrize(
        ("name", "media_type", "content", "status", "message"),
        [
            ("big.csv", "text/csv", b"external_id\n" + b"A" * (1024 * 1024), 413, "1 MiB"),
            ("photo.png", "image/png", b"\x89PNG\r\n\x1a\n", 415, ".csv"),
            ("batch.csv", "image/png", b"external_id\nX-1\n", 415, ".csv"),
            ("batch.csv", "text/csv", b"external_id\x00\nX-1\n", 415, ".csv"),
            ("batch.csv", "text/csv", b"\xff\xfe\xfa", 422, "UTF-8"),
            ("batch.csv", "text/csv", b"external_id,colour\nX-1,red\n", 422, "external_id"),
            ("batch.json", "application/json", b'{"items": 3}', 422, "JSON"),
            ("batch.json", "application/json", b"[]", 422, "1,000"),
        ],
    )
    def test_a_bad_file_is_refused_clearly_and_nothing_is_stored(
        self, client, mint, runtime, name, media_type, content, status, message
    ):
        recorder = bearer(mint("recorder"))
        client.get("/recorder/batch?lang=en", headers=recorder)
        before = _entries(runtime)
        res = self._upload(client, recorder, name, content, media_type)
        assert res.status_code == status
        assert 'id="file-error"' in res.text
        assert message in res.text
        assert "Nothing was changed." in res.text
        assert _entries(runtime) == before

    def test_too_many_rows_are_refused_whole(self, client, mint, runtime):
        recorder = bearer(mint("recorder"))
        rows = [_csv_row(make_payload()) for _ in range(1001)]
        before = _entries(runtime)
        res = self._upload(client, recorder, "many.csv", make_csv(rows), "text/csv")
        assert res.status_code == 422
        assert 'id="file-error"' in res.text
        assert _entries(runtime) == before


class TestAuditor:
    def test_filter_flag_and_the_flag_shows(self, client, mint):
        code = _watch_entry(client, mint)
        mine = int(court_query(client, mint, code, "court-1")["log_index"])
        other = int(court_query(client, mint, code, "court-2")["log_index"])
        auditor = bearer(mint("auditor"))
        page = client.get("/audit/queries?agency=court-1&outcome=answered", headers=auditor)
        assert page.status_code == 200
        assert f'id="q-{mine}"' in page.text
        assert f'id="q-{other}"' not in page.text
        assert code not in page.text
        token = _csrf(client, "/audit/queries", auditor)
        flag = {"csrf_token": token, "reason": "purpose_mismatch", "back": "agency=court-1&x=1"}
        # The flag asks first (issue 18, item 4): nothing is stored until it is confirmed.
        asked = client.post(f"/audit/queries/{mine}/flags", headers=auditor, data=flag)
        assert asked.status_code == 200
        assert 'name="confirm" value="yes"' in asked.text
        assert (
            'data-reason="purpose_mismatch"'
            not in client.get("/audit/queries?agency=court-1", headers=auditor).text
        )
        res = client.post(
            f"/audit/queries/{mine}/flags",
            headers=auditor,
            data={**flag, "back": "agency=court-1", "confirm": "yes"},
            follow_redirects=False,
        )
        assert res.status_code == 303
        assert res.headers["location"] == f"/audit/queries?agency=court-1#q-{mine}"
        flagged = client.get("/audit/queries?flag=purpose_mismatch", headers=auditor).text
        assert f'id="q-{mine}"' in flagged
        assert 'data-reason="purpose_mismatch"' in flagged
        again = client.post(
            f"/audit/queries/{mine}/flags",
            headers=auditor,
            data={"csrf_token": token, "reason": "purpose_mismatch", "confirm": "yes"},
        )
        assert again.status_code == 409
        assert 'data-rule="already_flagged"' in again.text

    def test_the_log_is_paged_with_the_filters_kept(self, client, mint, monkeypatch):
        monkeypatch.setattr(auditor_pages, "PAGE_SIZE", 2)
        code = _watch_entry(client, mint)
        indexes = [int(court_query(client, mint, code, "court-9")["log_index"]) for _ in range(3)]
        auditor = bearer(mint("auditor"))
        first = client.get("/audit/queries?agency=court-9", headers=auditor).text
        assert re.findall(r'<tr id="q-(\d+)"', first) == [str(i) for i in indexes[:0:-1]]
        older = re.search(r'href="/audit/queries\?([^"]+)" rel="next"', first)
        assert older is not None
        query = older.group(1).replace("&amp;", "&")
        assert query == f"agency=court-9&before={indexes[1]}"
        second = client.get(f"/audit/queries?{query}", headers=auditor).text
        assert re.findall(r'<tr id="q-(\d+)"', second) == [str(indexes[0])]
        assert 'rel="next"' not in second
        assert 'href="/audit/queries?agency=court-9"' in second

    def test_the_proof_page_and_receipt_verify(self, client, mint, app):
        code = _watch_entry(client, mint)
        index = int(court_query(client, mint, code, "court-1")["log_index"])
        auditor = bearer(mint("auditor"))
        page = client.get(f"/audit/queries/{index}", headers=auditor)
        assert page.status_code == 200
        assert "court_enforcement" in page.text
        receipt = client.get(f"/audit/queries/{index}/receipt", headers=auditor)
        assert receipt.headers["cache-control"] == "no-store"
        assert receipt.headers["content-disposition"].startswith("attachment")
        body = receipt.json()
        assert body["index"] == index
        assert body["leaf_hash"] in page.text
        checkpoint = verify_receipt(body, state_of(app).log_signer.verifier_key())
        assert checkpoint.size > index
        assert client.get("/audit/queries/999999", headers=auditor).status_code == 404

    @pytest.mark.parametrize(
        "query",
        [
            "since=2026-03-02T10:00&until=2026-03-01T10:00",
            "since=yesterday",
            "outcome=maybe",
            "flag=suspicious",
            "before=x",
        ],
    )
    def test_bad_filters_are_a_422_page(self, client, mint, query):
        res = client.get(f"/audit/queries?{query}", headers=bearer(mint("auditor")))
        assert res.status_code == 422
        assert 'role="alert"' in res.text

    def test_a_reason_outside_the_catalogue_is_refused(self, client, mint):
        code = _watch_entry(client, mint)
        index = int(court_query(client, mint, code, "court-1")["log_index"])
        auditor = bearer(mint("auditor"))
        token = _csrf(client, "/audit/queries", auditor)
        res = client.post(
            f"/audit/queries/{index}/flags",
            headers=auditor,
            data={"csrf_token": token, "reason": "looks odd"},
        )
        assert res.status_code == 422
        listed = page_items(client.get("/api/v1/audit/queries", headers=auditor))
        (item,) = [q for q in listed if q["log_index"] == index]
        assert [f for f in item["flags"] if not f["raised_by"].startswith("rule:")] == []


class TestPublicListFilters:
    def test_domain_and_department_filter_and_next_page_keeps_them(self, client, mint):
        at(date(2026, 3, 2))
        for _ in range(21):
            record_entry(client, mint, department="dept-p", domain="finance")
        record_entry(client, mint, department="dept-p", domain="tax")
        record_entry(client, mint, department="dept-q", domain="finance")
        at(date(2026, 4, 1))
        page = client.get("/lists/black?domain=finance&department=dept-p")
        assert page.status_code == 200
        assert page.text.count("<tr>") == 20 + 1  # header row + one page
        nxt = re.search(r'href="/lists/black\?([^"]+)" rel="next"', page.text)
        assert nxt is not None
        query = nxt.group(1).replace("&amp;", "&")
        assert "domain=finance" in query
        assert "department=dept-p" in query
        second = client.get(f"/lists/black?{query}")
        assert second.text.count("<tr>") == 1 + 1
        assert 'rel="next"' not in second.text
        assert "?domain=finance&amp;department=dept-p" in second.text  # the first page link
        tax = client.get("/lists/black?domain=tax&department=dept-p")
        assert tax.text.count("<tr>") == 1 + 1

    def test_an_unknown_domain_is_a_422_page(self, client):
        res = client.get("/lists/black?domain=astrology")
        assert res.status_code == 422
        assert 'role="alert"' in res.text
