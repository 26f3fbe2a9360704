"""The personal report and the export of all my data over HTTP and as pages (§1, §10):
every seeded value of the caller and nothing of anyone else's, citizens only, no writes,
downloads as uncached attachments, a PDF that parses and never carries the credit code."""

from __future__ import annotations

import base64
import io
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date

import pytest
from pypdf import PdfReader
from sqlalchemy import Engine, event
from sqlmodel import Session, SQLModel

from api.state import state_of
from core.clock import clock
from core.querylog.checkpoints import make_checkpoint
from crypto.bound_receipt import verify_history
from crypto.merkle import leaf_hash
from crypto.receipt import verify_receipt
from tests.factories import (
    agency_query,
    at,
    bearer,
    court_query,
    evidence_pdf,
    file_objection,
    file_repair,
    grant_json,
    make_code,
    ok_json,
    record_entry,
    register_agency,
)

NAME_A = "司马文静"
BLACK_FACTS = "逾期未缴增值税八十六万元，经催告仍未缴纳"
BLACK_SUMMARY = "逾期未缴增值税"
BLACK_BASIS = "《税收征收管理法》第六十八条"
WATCH_FACTS = "一年内三次严重超速驾驶"
WATCH_BASIS = "《道路交通安全法》第九十九条"
STATEMENT = "税款已于二〇二六年三月补缴，滞纳金一并缴清"
OBJECTION_REASONS = "三次超速中有两次为车辆被盗期间发生"
OBJECTION_FILE = "报案回执.pdf"
OBJECTION_PDF = b"%PDF-1.7\n" + "报案回执-编号QX-55120".encode() + b"\n%%EOF"
COMMITMENT = "本人承诺今后依法按期申报纳税"
REPAIR_FILE = "完税证明.pdf"
REPAIR_PDF = b"%PDF-1.7\n" + "完税证明-编号WS-90311".encode() + b"\n%%EOF"
NAME_B = "诸葛明远"
FACTS_B = "拒不履行法院生效判决确定的给付义务"
REASONS_B = "该判决已经再审撤销"
WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE", "CREATE", "DROP", "ALTER")
# Browser-session housekeeping belongs to the page layer, not to the report or the export.
SESSION_TABLE = "web_session"


@dataclass
class Seeded:
    """Two citizens: A with entries, queries, a grant, cases and a freeze; B beside them."""

    code_a: str
    code_b: str
    black_id: str
    watch_id: str
    objection_id: str
    repair_id: str


@pytest.fixture
def seeded(client, mint, app, runtime) -> Seeded:
    """Seed the two citizens through the API, and sign a checkpoint of the query log."""
    code_a, code_b = make_code(), make_code()
    register_agency(runtime)
    at(date(2026, 3, 2))
    black = record_entry(
        client,
        mint,
        external_id="RPT-A-BLACK",
        subject_code=code_a,
        subject_name=NAME_A,
        facts=BLACK_FACTS,
        public_summary=BLACK_SUMMARY,
        legal_basis=BLACK_BASIS,
        decided_on=date(2025, 3, 1),
        display_until=date(2027, 3, 1),
        valid_until=date(2028, 3, 1),
    )
    watch = record_entry(
        client,
        mint,
        department="dept-b",
        external_id="RPT-A-WATCH",
        subject_code=code_a,
        subject_name=NAME_A,
        list_kind="watch",
        domain="traffic",
        severity="general",
        facts=WATCH_FACTS,
        public_summary=None,
        legal_basis=WATCH_BASIS,
        decided_on=date(2026, 2, 20),
        display_until=date(2026, 8, 20),
        valid_until=date(2027, 2, 20),
        repairable=False,
        repair_ways=[],
    )
    other = record_entry(
        client, mint, subject_code=code_b, subject_name=NAME_B, facts=FACTS_B, domain="court"
    )
    at(date(2026, 4, 1))
    me = bearer(mint("citizen", credit_code=code_a))
    ok_json(
        client.put(
            f"/api/v1/me/record/{black['id']}/statement", headers=me, json={"statement": STATEMENT}
        )
    )
    grant = ok_json(
        client.post(
            "/api/v1/me/authorizations",
            headers=me,
            json=grant_json(list_kinds=["black", "watch"], max_uses=3),
        ),
        201,
    )
    ok_json(
        agency_query(
            client,
            mint,
            code_a,
            agency="bank-1",
            purpose="credit_loan",
            authorization_id=grant["id"],
        )
    )
    for code in (code_a, code_b):
        court_query(client, mint, code)
    objection = ok_json(
        file_objection(
            client,
            mint,
            code_a,
            watch["id"],
            reasons=OBJECTION_REASONS,
            files=evidence_pdf(OBJECTION_PDF, OBJECTION_FILE),
        ),
        201,
    )
    repair = ok_json(
        file_repair(
            client,
            mint,
            code_a,
            black["id"],
            "performance",
            files=evidence_pdf(REPAIR_PDF, REPAIR_FILE),
            commitment=COMMITMENT,
        ),
        201,
    )
    ok_json(file_objection(client, mint, code_b, other["id"], reasons=REASONS_B, files=[]), 201)
    ok_json(client.put("/api/v1/me/freeze", headers=me))
    with Session(runtime.engine) as session:
        make_checkpoint(session=session, signer=state_of(app).log_signer, now=clock.now())
        session.commit()
    return Seeded(
        code_a=code_a,
        code_b=code_b,
        black_id=black["id"],
        watch_id=watch["id"],
        objection_id=objection["id"],
        repair_id=repair["id"],
    )


def _pdf_text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    return "\n".join(page.extract_text() for page in reader.pages)


def _no_code(text: str, code: str) -> None:
    squeezed = "".join(text.split())
    assert code not in squeezed
    assert code[:14] not in squeezed
    assert code[-8:] not in squeezed


@contextmanager
def _statements(engine: Engine) -> Iterator[list[str]]:
    seen: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany) -> None:
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def _snapshot(engine: Engine) -> dict[str, list[str]]:
    with engine.connect() as conn:
        return {
            table.name: sorted(repr(tuple(row)) for row in conn.execute(table.select()))
            for table in SQLModel.metadata.sorted_tables
            if table.name != SESSION_TABLE
        }


class TestExport:
    def test_holds_every_value_of_the_caller_and_nothing_of_anyone_else(self, client, mint, seeded):
        res = client.get(
            "/api/v1/me/export", headers=bearer(mint("citizen", credit_code=seeded.code_a))
        )
        assert res.status_code == 200, res.text
        assert res.headers["content-type"].startswith("application/json")
        assert res.headers["cache-control"] == "no-store"
        assert (
            res.headers["content-disposition"]
            == 'attachment; filename="credence-export-2026-04-01.json"'
        )
        text = res.content.decode()
        doc = json.loads(text)
        assert doc["format"] == "credence-export/1"
        assert doc["generated_at"].startswith("2026-04-01T02:00")
        assert doc["subject"]["code"] == seeded.code_a
        assert doc["subject"]["code_kind"] == "citizen"
        for value in (
            NAME_A,
            BLACK_FACTS,
            BLACK_SUMMARY,
            BLACK_BASIS,
            WATCH_FACTS,
            WATCH_BASIS,
            STATEMENT,
            "RPT-A-BLACK",
            "RPT-A-WATCH",
            OBJECTION_REASONS,
            OBJECTION_FILE,
            COMMITMENT,
            REPAIR_FILE,
        ):
            assert value in text, value
        for foreign in (seeded.code_b, NAME_B, FACTS_B, REASONS_B):
            assert foreign not in text
        # Evidence is described, never included.
        for content in (OBJECTION_PDF, REPAIR_PDF):
            assert base64.b64encode(content).decode() not in text
        assert "QX-55120" not in text
        assert "WS-90311" not in text

        entries = {e["id"]: e for e in doc["entries"]}
        assert set(entries) == {seeded.black_id, seeded.watch_id}
        black, watch = entries[seeded.black_id], entries[seeded.watch_id]
        assert black["subject_code"] == seeded.code_a
        assert black["statement"] == STATEMENT
        assert black["repair_ways"] == ["performance", "commitment"]
        assert black["history"][0]["event"] == "recorded"
        assert "statement_set" in [h["event"] for h in black["history"]]
        assert watch["under_objection"] is True
        assert doc["erased_entries"] == []

        queries = doc["queries"]
        assert sorted(q["agency"] for q in queries) == ["bank-1", "court-1"]
        vkey = client.get("/api/v1/public/log-key").text
        for q in queries:
            receipt = q["receipt"]
            assert receipt is not None
            assert base64.b64decode(receipt["leaf_hash"]) == leaf_hash(q["leaf_body"].encode())
            verify_receipt(receipt, vkey)
            assert json.loads(q["leaf_body"]) == q["leaf"]
            assert q["leaf"]["agency"] == q["agency"]
        # The export alone proves every query row, and that none is missing.
        assert verify_history(queries, vkey).complete
        assert {n["type"] for n in doc["notifications"]} >= {"query"}

        (grant,) = doc["authorizations"]
        assert (grant["agency"], grant["purpose"], grant["uses"]) == ("bank-1", "credit_loan", 1)
        assert doc["freeze"]["frozen"] is True
        assert len(doc["freeze"]["periods"]) == 1

        (case,) = doc["objections"]
        assert case["id"] == seeded.objection_id
        assert case["reasons"] == OBJECTION_REASONS
        assert [(f["name"], f["media_type"], f["size"]) for f in case["evidence"]] == [
            (OBJECTION_FILE, "application/pdf", len(OBJECTION_PDF))
        ]
        assert case["history"][0]["event"] == "filed"
        assert doc["erased_objections"] == []
        (repair,) = doc["repairs"]
        assert repair["id"] == seeded.repair_id
        assert repair["commitment"]["text"] == COMMITMENT
        assert [(f["name"], f["size"]) for f in repair["files"]] == [(REPAIR_FILE, len(REPAIR_PDF))]

    def test_the_other_citizen_sees_only_theirs(self, client, mint, seeded):
        doc = ok_json(
            client.get(
                "/api/v1/me/export", headers=bearer(mint("citizen", credit_code=seeded.code_b))
            )
        )
        text = json.dumps(doc, ensure_ascii=False)
        assert doc["subject"]["code"] == seeded.code_b
        assert [e["subject_name"] for e in doc["entries"]] == [NAME_B]
        assert [o["reasons"] for o in doc["objections"]] == [REASONS_B]
        assert [q["agency"] for q in doc["queries"]] == ["court-1"]
        for foreign in (seeded.code_a, NAME_A, BLACK_FACTS, STATEMENT, COMMITMENT, "bank-1"):
            assert foreign not in text

    def test_a_citizen_without_a_record_gets_an_empty_export(self, client, mint):
        doc = ok_json(
            client.get(
                "/api/v1/me/export", headers=bearer(mint("citizen", credit_code=make_code()))
            )
        )
        assert doc["subject"] is None
        assert doc["entries"] == doc["queries"] == doc["objections"] == doc["repairs"] == []
        assert doc["freeze"] == {"frozen": False, "periods": []}


class TestReport:
    def test_entries_queries_grants_and_cases_without_the_code(self, client, mint, seeded):
        res = client.get(
            "/api/v1/me/report", headers=bearer(mint("citizen", credit_code=seeded.code_a))
        )
        assert res.status_code == 200, res.text
        assert res.headers["cache-control"] == "no-store"
        _no_code(res.text, seeded.code_a)
        assert NAME_B not in res.text
        report = res.json()
        assert report["format"] == "credence-report/1"
        assert report["as_of"] == "2026-04-01"
        assert report["subject_name"] == NAME_A
        assert report["frozen"] is True
        assert report["summary"] == {
            "entries": 2,
            "by_kind": {"black": 1, "watch": 1},
            "displayed": 2,
            "under_objection": 1,
            "queries": 2,
            "active_authorizations": 1,
            "open_objections": 1,
            "open_repairs": 1,
            "provisional_deadlines": 0,
        }
        watch, black = report["entries"]  # newest decision first
        assert (watch["id"], black["id"]) == (seeded.watch_id, seeded.black_id)
        assert black["state"] == "displayed"
        assert black["statement"] == STATEMENT
        assert black["retain_until"] >= black["valid_until"]
        assert [v["audience"] for v in black["visible_to"]] == [
            "agencies",
            "public",
            "you",
            "recording_department",
        ]
        assert black["visible_to"][0]["until"] == "2027-03-01"
        assert watch["under_objection"] is True
        assert "public" not in [v["audience"] for v in watch["visible_to"]]
        assert [(q["agency"], q["basis"], q["outcome"]) for q in report["queries"]] == [
            ("court-1", "legal", "answered"),
            ("bank-1", "authorization", "answered"),
        ]
        assert report["queries"][0]["legal_basis"] == "court_enforcement"
        assert report["queries"][1]["entries_returned"] == 2
        (grant,) = report["authorizations"]
        assert grant["state"] == "active"
        (case,) = report["objections"]
        assert case["status"] == "filed"
        assert [c["step"] for c in case["clocks"]] == ["accept", "resolve"]
        (repair,) = report["repairs"]
        assert repair["status"] == "filed"
        assert [c["step"] for c in repair["clocks"]] == ["accept", "decide"]
        assert "reasons" not in case
        assert "commitment" not in repair


class TestAccess:
    @pytest.mark.parametrize(
        "path",
        ["/api/v1/me/report", "/api/v1/me/export"],
    )
    def test_no_token_is_401_and_other_roles_are_403(self, client, mint, path):
        anonymous = client.get(path)
        assert anonymous.status_code == 401
        assert anonymous.headers["content-type"] == "application/problem+json"
        assert anonymous.headers["www-authenticate"].startswith("Bearer")
        for role in ("recorder", "agency", "auditor", "admin", "objection_officer"):
            res = client.get(path, headers=bearer(mint(role)))
            assert res.status_code == 403, role
            assert res.headers["content-type"] == "application/problem+json"
            assert res.json()["status"] == 403

    @pytest.mark.parametrize("path", ["/me/report", "/me/report.pdf", "/me/export.json"])
    def test_pages_need_a_signed_in_citizen(self, client, mint, path):
        assert client.get(path).status_code == 401
        assert client.get(path, headers=bearer(mint("recorder"))).status_code == 403


class TestReadOnly:
    def test_report_export_and_pages_write_nothing(self, client, mint, runtime, seeded):
        me = bearer(mint("citizen", credit_code=seeded.code_a))
        before = _snapshot(runtime.engine)
        with _statements(runtime.engine) as seen:
            for path in (
                "/api/v1/me/report",
                "/api/v1/me/export",
                "/me/report",
                "/me/report.pdf",
                "/me/export.json",
            ):
                assert client.get(path, headers=me).status_code == 200, path
        assert seen, "the listener saw no statement at all"
        writes = [
            s
            for s in seen
            if s.lstrip().upper().startswith(WRITES) and SESSION_TABLE not in s.lower()
        ]
        assert writes == []
        assert _snapshot(runtime.engine) == before


class TestPages:
    def test_html_report_shows_the_name_never_the_code(self, client, mint, seeded):
        me = bearer(mint("citizen", credit_code=seeded.code_a))
        page = client.get("/me/report?lang=zh", headers=me)
        assert page.status_code == 200
        assert page.headers["cache-control"] == "no-store"
        assert "个人信用报告" in page.text
        for value in (NAME_A, BLACK_FACTS, STATEMENT, "异议处理中", "bank-1", "信贷审批"):
            assert value in page.text, value
        _no_code(page.text, seeded.code_a)
        assert NAME_B not in page.text
        assert 'href="/me/report.pdf?lang=zh"' in page.text
        assert 'href="/me/export.json"' in page.text
        english = client.get("/me/report?lang=en", headers=me)
        assert "Personal credit report" in english.text
        assert "Credit and loan assessment" in english.text

    @pytest.mark.parametrize(
        ("lang", "words"),
        [
            ("zh", ("个人信用报告", "黑名单", "重点关注", "名单条目", "异议处理中", "信贷审批")),
            ("en", ("Personal credit report", "black", "watch", "Entries", "Under objection")),
        ],
    )
    def test_pdf_parses_with_counts_kinds_and_name_never_the_code(
        self, client, mint, seeded, lang, words
    ):
        res = client.get(
            f"/me/report.pdf?lang={lang}",
            headers=bearer(mint("citizen", credit_code=seeded.code_a)),
        )
        assert res.status_code == 200
        assert res.headers["content-type"] == "application/pdf"
        assert res.headers["cache-control"] == "no-store"
        assert (
            res.headers["content-disposition"]
            == 'attachment; filename="credence-report-2026-04-01.pdf"'
        )
        assert res.content.startswith(b"%PDF-")
        reader = PdfReader(io.BytesIO(res.content))
        assert NAME_A not in str(reader.metadata)
        text = _pdf_text(res.content)
        for word in words:
            assert word in text, word
        squeezed = "".join(text.split())
        for value in (NAME_A, BLACK_FACTS, STATEMENT, "bank-1", "court-1"):
            assert "".join(value.split()) in squeezed, value
        entries = "名单条目" if lang == "zh" else "Entries"
        assert f"{entries}2" in squeezed  # the summary's count row
        _no_code(text, seeded.code_a)
        assert NAME_B not in text

    def test_page_export_is_the_api_export(self, client, mint, seeded):
        me = bearer(mint("citizen", credit_code=seeded.code_a))
        page = client.get("/me/export.json", headers=me)
        api = client.get("/api/v1/me/export", headers=me)
        assert page.status_code == 200
        assert page.headers["content-disposition"] == api.headers["content-disposition"]
        assert page.headers["cache-control"] == "no-store"
        assert page.json() == api.json()


class TestOpenApi:
    def test_both_routes_are_documented_with_their_schemas_and_the_pages_are_not(self, client):
        spec = client.get("/openapi.json").json()
        report = spec["paths"]["/api/v1/me/report"]["get"]["responses"]["200"]
        export = spec["paths"]["/api/v1/me/export"]["get"]["responses"]["200"]
        assert report["content"]["application/json"]["schema"]["$ref"].endswith("/PersonalReport")
        assert export["content"]["application/json"]["schema"]["$ref"].endswith("/DataExport")
        assert not [p for p in spec["paths"] if p.startswith("/me/")]
