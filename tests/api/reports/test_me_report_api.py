"""The personal report and the export of all my data over HTTP and as pages (§1, §10):
every seeded value of the caller and nothing of anyone else's, citizens only, no writes,
downloads as uncached attachments, a PDF that parses and never carries the credit code."""

from __future__ import annotations

import base64
import io
import json
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from pypdf import PdfReader
from sqlalchemy import Engine, event
from sqlmodel import SQLModel

from crypto.bound_receipt import verify_history
from crypto.merkle import leaf_hash
from crypto.receipt import verify_receipt
from tests.api.reports.seed import (
    AGENCIES,
    BLACK_BASIS,
    BLACK_FACTS,
    BLACK_SUMMARY,
    COMMITMENT,
    DEPARTMENTS,
    FACTS_B,
    NAME_A,
    NAME_B,
    OBJECTION_FILE,
    OBJECTION_PDF,
    OBJECTION_REASONS,
    REASONS_B,
    REPAIR_FILE,
    REPAIR_PDF,
    STATEMENT,
    WATCH_BASIS,
    WATCH_FACTS,
)
from tests.factories import bearer, make_code, ok_json

WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE", "CREATE", "DROP", "ALTER")
# Browser-session housekeeping belongs to the page layer, not to the report or the export.
SESSION_TABLE = "web_session"
ISSUED = "issued_report"


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
    def test_report_export_and_pages_write_only_the_issued_reports_row(
        self, client, mint, runtime, seeded
    ):
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
        # The page and the PDF are each issued (one verification row); the rest only read.
        assert len(writes) == 2
        assert all(w.startswith("INSERT INTO issued_report ") for w in writes), writes
        after = _snapshot(runtime.engine)
        assert len(after.pop(ISSUED)) == len(before.pop(ISSUED)) + 2
        assert after == before


class TestPages:
    def test_html_report_shows_a_masked_identity_never_the_name_or_code(self, client, mint, seeded):
        me = bearer(mint("citizen", credit_code=seeded.code_a))
        page = client.get("/me/report?lang=zh", headers=me)
        assert page.status_code == 200
        assert page.headers["cache-control"] == "no-store"
        assert "个人信用报告" in page.text
        for value in (
            BLACK_FACTS,
            STATEMENT,
            "异议处理中",
            "信贷审批",
            "司马*",
            f"{seeded.code_a[:2]}{'*' * 14}{seeded.code_a[-2:]}",
            "报告编号",
            "报告说明",
            "信源个人公共信用信息平台（Credence）",
            *(zh for zh, _en in DEPARTMENTS.values()),
            *(zh for zh, _en in AGENCIES.values()),
        ):
            assert value in page.text, value
        for slug in (*DEPARTMENTS, *AGENCIES):
            assert f">{slug}<" not in page.text, slug
        assert NAME_A not in page.text
        _no_code(page.text, seeded.code_a)
        assert NAME_B not in page.text
        assert 'href="/me/report.pdf?lang=zh"' in page.text
        assert 'href="/me/export.json"' in page.text
        english = client.get("/me/report?lang=en", headers=me)
        assert "Personal credit report" in english.text
        assert "Credit and loan assessment" in english.text
        assert "Shenzhen Tax Bureau" in english.text
        assert "About this report" in english.text

    @pytest.mark.parametrize(
        ("lang", "words"),
        [
            (
                "zh",
                (
                    "个人信用报告",
                    "黑名单",
                    "重点关注",
                    "名单条目",
                    "异议处理中",
                    "信贷审批",
                    "报告说明",
                    "深圳市税务局",
                    "招商测试银行",
                ),
            ),
            (
                "en",
                (
                    "Personal credit report",
                    "black",
                    "watch",
                    "Entries",
                    "Under objection",
                    "About this report",
                    "Shenzhen Tax Bureau",
                    "Test Merchants Bank",
                ),
            ),
        ],
    )
    def test_pdf_parses_with_counts_kinds_and_names_never_the_code(
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
        squeezed = "".join(text.split())
        for word in words:
            # Table cells wrap: a name may break over two lines.
            assert "".join(word.split()) in squeezed, word
        for value in (BLACK_FACTS, STATEMENT, "司马*"):
            assert "".join(value.split()) in squeezed, value
        for slug in ("bank-1", "court-1", "dept-a", "dept-b"):
            assert slug not in squeezed, slug
        entries = "名单条目" if lang == "zh" else "Entries"
        assert f"{entries}2" in squeezed  # the summary's count row
        assert NAME_A not in squeezed
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
