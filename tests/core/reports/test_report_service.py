"""The report and export services: scoped by the caller's blind index, decrypted, states and
audiences computed for one instant, erased entries and cases shown for what is left of them,
query history paged through whole, and nothing written by reading."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, event
from sqlmodel import Session

from core.calendar.workdays import WorkCalendar
from core.cases.repairs import service as repairs
from core.cases.repairs.schemas import RepairFiling
from core.clock import CST, clock
from core.consents import service as consents
from core.consents.schemas import AuthorizationCreate
from core.context import Context
from core.entries import lifecycle
from core.entries.service import set_statement, shred_entry, withdraw_entry
from core.keyring import Keyring
from core.models import Entry
from core.queries.schemas import QueryRequest
from core.queries.service import run_query
from core.querylog.signing_key import signer_for_data_dir
from core.reports import service as report_service
from core.reports.export import export_all
from core.settings import Settings
from crypto.log_signer import LogSigner
from tests.factories import make_code, make_entry, object_to
from tests.factories.directory import make_agency

T0 = datetime(2026, 3, 2, 10, 0, tzinfo=CST)
CALENDAR = WorkCalendar()
SETTINGS = Settings(_env_file=None)
REASONS = "此条记录与本人无关"
NAME_A, NAME_B = "欧阳明华", "上官玉兰"
FACTS_A, FACTS_B = "虚开增值税专用发票三份", "销售假冒注册商标的商品"
WITHDRAW_REASON = "认定依据的处罚决定已被撤销"
SECRET_FACTS = "本条记录系错误认定的事实"


@pytest.fixture(autouse=True)
def _frozen() -> None:
    clock.freeze(T0)


@pytest.fixture
def signer(tmp_path: Path) -> LogSigner:
    return signer_for_data_dir(tmp_path, origin="credence.test/log", name="credence.test-log")


def _report(session: Session, keyring: Keyring, code: str):
    return report_service.personal_report(
        Context(session, keyring, CALENDAR), code_index=keyring.blind_index(code)
    )


def _export(session: Session, keyring: Keyring, code: str):
    return export_all(Context(session, keyring, CALENDAR), code_index=keyring.blind_index(code))


def _legal_query(session: Session, keyring: Keyring, signer: LogSigner, code: str, agency: str):
    return run_query(
        session=session,
        keyring=keyring,
        signer=signer,
        agency=agency,
        payload=QueryRequest(
            subject_code=code, purpose="licensing", legal_basis="administrative_licensing_review"
        ),
        now=clock.now(),
    )


@contextmanager
def _statements(engine: Engine) -> Iterator[list[str]]:
    seen: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany) -> None:
        seen.append(statement.lstrip().upper())

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


class TestScope:
    def test_report_holds_the_callers_own_and_nothing_of_anyone_else(
        self, session, keyring, signer
    ):
        code_a, code_b = make_code(), make_code()
        mine = make_entry(
            session,
            keyring,
            actor="recorder-1",
            subject_code=code_a,
            subject_name=NAME_A,
            facts=FACTS_A,
        )
        make_entry(
            session,
            keyring,
            actor="recorder-1",
            subject_code=code_b,
            subject_name=NAME_B,
            facts=FACTS_B,
            domain="ecommerce",
        )
        clock.advance(timedelta(days=20))  # past the prior notices
        make_agency(Context(session, keyring), "bank-1")
        grant = consents.grant(
            Context(session, keyring),
            code_index=keyring.blind_index(code_a),
            payload=AuthorizationCreate(
                agency="bank-1",
                purpose="credit_loan",
                list_kinds=["black"],
                expires_at=clock.now() + timedelta(days=30),
                max_uses=2,
            ),
        )
        run_query(
            session=session,
            keyring=keyring,
            signer=signer,
            agency="bank-1",
            payload=QueryRequest(
                subject_code=code_a, purpose="credit_loan", authorization_id=grant.id
            ),
            now=clock.now(),
        )
        _legal_query(session, keyring, signer, code_b, "licensing-office")
        object_to(
            session,
            keyring,
            code_b,
            make_entry(session, keyring, actor="recorder-1", subject_code=code_b, domain="court"),
            reasons=REASONS,
        )

        report = _report(session, keyring, code_a)
        assert report.subject_name == NAME_A
        assert [e.id for e in report.entries] == [mine]
        (entry,) = report.entries
        assert entry.facts == FACTS_A
        assert entry.state == "displayed"
        assert [q.agency for q in report.queries] == ["bank-1"]
        assert report.queries[0].basis == "authorization"
        assert report.queries[0].entries_returned == 1
        assert [(a.agency, a.uses, a.state) for a in report.authorizations] == [
            ("bank-1", 1, "active")
        ]
        assert report.objections == []
        assert report.summary.entries == 1
        assert report.summary.by_kind == {"black": 1}
        dump = report.model_dump_json()
        assert NAME_B not in dump
        assert FACTS_B not in dump
        assert code_a not in dump  # the report never carries the code

        other = _report(session, keyring, code_b)
        assert {e.domain for e in other.entries} == {"ecommerce", "court"}
        assert [q.agency for q in other.queries] == ["licensing-office"]
        assert len(other.objections) == 1

    def test_someone_with_no_record_gets_an_empty_report_and_export(self, session, keyring):
        code = make_code()
        report = _report(session, keyring, code)
        assert report.entries == report.queries == report.objections == report.repairs == []
        assert report.subject_name is None
        assert report.frozen is False
        assert report.summary.entries == 0
        export = _export(session, keyring, code)
        assert export.subject is None
        assert export.entries == export.erased_entries == []
        assert export.freeze.frozen is False


class TestStatesAndAudiences:
    def test_expired_and_withdrawn_entries_say_who_still_sees_them(self, session, keyring):
        code = make_code()
        decided = clock.today() - timedelta(days=10)
        expiring = make_entry(
            session,
            keyring,
            actor="recorder-1",
            subject_code=code,
            decided_on=decided,
            display_until=decided + timedelta(days=400),
            valid_until=decided + timedelta(days=800),
        )
        withdrawn = make_entry(
            session, keyring, actor="recorder-1", subject_code=code, domain="finance"
        )
        withdraw_entry(
            Context(session, keyring),
            department="dept-a",
            entry_id=withdrawn,
            reason=WITHDRAW_REASON,
            kind="withdrawn",
            actor="recorder-1",
        )
        clock.advance(timedelta(days=400))  # the first entry's display is over, read-time
        report = _report(session, keyring, code)
        by_id = {e.id: e for e in report.entries}
        expired = by_id[expiring]
        assert expired.state == "expired"
        assert [(v.audience, v.until) for v in expired.visible_to] == [
            ("you", expired.retain_until),
            ("recording_department", expired.retain_until),
        ]
        gone = by_id[withdrawn]
        assert (gone.state, gone.exit_reason) == ("exited", "withdrawn")
        assert report.summary.displayed == 0

    def test_statement_and_objection_mark_are_in_the_report(self, session, keyring):
        code = make_code()
        entry_id = make_entry(session, keyring, actor="recorder-1", subject_code=code)
        set_statement(
            Context(session, keyring),
            code_index=keyring.blind_index(code),
            entry_id=entry_id,
            statement="已全额补缴",
        )
        object_to(session, keyring, code, entry_id, reasons=REASONS)
        (entry,) = _report(session, keyring, code).entries
        assert entry.statement == "已全额补缴"
        assert entry.under_objection is True
        (case,) = _report(session, keyring, code).objections
        assert case.status == "filed"
        assert [c.step for c in case.clocks] == ["accept", "resolve"]
        assert case.erased is False


class TestExport:
    def test_histories_are_opened_and_an_erased_entry_keeps_only_what_was_never_personal(
        self, session, keyring
    ):
        code = make_code()
        kept = make_entry(session, keyring, actor="recorder-1", subject_code=code)
        erased = make_entry(
            session,
            keyring,
            actor="recorder-1",
            subject_code=code,
            list_kind="watch",
            severity="general",
            domain="traffic",
            facts=SECRET_FACTS,
            display_until=clock.today() + timedelta(days=100),
            repairable=False,
            repair_ways=[],
        )
        for entry_id in (kept, erased):
            withdraw_entry(
                Context(session, keyring),
                department="dept-a",
                entry_id=entry_id,
                reason=WITHDRAW_REASON,
                kind="withdrawn",
                actor="recorder-1",
            )
        shred_entry(
            Context(session, keyring), department="dept-a", entry_id=erased, actor="recorder-1"
        )
        export = _export(session, keyring, code)
        assert export.subject is not None
        assert export.subject.code == code
        # The withdrawn black entry left a watch entry behind (§5.4), readable like it.
        entries = {e.id: e for e in export.entries}
        assert erased not in entries
        assert sorted(e.list_kind for e in export.entries) == ["black", "watch"]
        entry = entries[kept]
        assert entry.subject_code == code
        assert entry.exited_on == clock.today()
        withdrawal = next(h for h in entry.history if h.event == "withdrawn")
        assert withdrawal.reason == WITHDRAW_REASON
        (gone,) = export.erased_entries
        assert gone.id == erased
        assert gone.state == "shredded"
        assert [h.event for h in gone.history][-1] == "shredded"
        assert all(h.reason is None for h in gone.history)
        dump = export.model_dump_json()
        assert SECRET_FACTS not in dump
        # The report, like the record, lists only what can still be read.
        assert {e.id for e in _report(session, keyring, code).entries} == set(entries)

    def test_cases_erased_at_the_end_of_retention_do_not_break_anything(self, session, keyring):
        clock.freeze(datetime(2026, 3, 2, 10, 0, tzinfo=CST))
        code = make_code()
        entry_id = make_entry(
            session,
            keyring,
            actor="recorder-1",
            subject_code=code,
            decided_on=date(2025, 3, 1),
            display_until=date(2027, 3, 1),
            valid_until=date(2028, 3, 1),
            repair_ways=["performance", "commitment"],
        )
        clock.freeze(datetime(2026, 4, 1, 10, 0, tzinfo=CST))
        repairs.file_repair(
            Context(session, keyring),
            code_index=keyring.blind_index(code),
            filing=RepairFiling.model_validate(
                {"entry_id": entry_id, "way": "commitment", "commitment": "本人承诺依法纳税"}
            ),
            uploads=[],
        )
        case_id = object_to(session, keyring, code, entry_id, reasons=REASONS)
        entry = session.get(Entry, entry_id)
        assert entry is not None
        withdraw_entry(
            Context(session, keyring),
            department="dept-a",
            entry_id=entry_id,
            reason=WITHDRAW_REASON,
            kind="withdrawn",
            actor="recorder-1",
        )
        lifecycle.shred(
            session=session,
            keyring=keyring,
            entry=entry,
            actor="sweeper",
            now=clock.now(),
            with_cases=True,
        )
        report = _report(session, keyring, code)
        (case,) = report.objections
        assert (case.id, case.erased) == (case_id, True)
        (repair,) = report.repairs
        assert repair.erased is True
        export = _export(session, keyring, code)
        assert export.objections == []
        assert [c.id for c in export.erased_objections] == [case_id]
        assert [r.erased for r in export.repairs] == [True]
        assert "本人承诺依法纳税" not in export.model_dump_json()


class TestQueryHistory:
    def test_every_query_is_listed_across_pages_newest_first(
        self, session, keyring, signer, monkeypatch
    ):
        monkeypatch.setattr(report_service, "PAGE", 2)
        code = make_code()
        make_entry(session, keyring, actor="recorder-1", subject_code=code)
        for n in range(5):
            _legal_query(session, keyring, signer, code, f"office-{n}")
            clock.advance(timedelta(minutes=1))
        report = _report(session, keyring, code)
        assert [q.agency for q in report.queries] == [f"office-{n}" for n in range(4, -1, -1)]
        export = _export(session, keyring, code)
        assert [q.log_index for q in export.queries] == [q.log_index for q in report.queries]
        assert all(json.loads(q.leaf_body) == q.leaf for q in export.queries)
        # The caller's own export opens each leaf: the secret and the private fields.
        assert all(q.secret is not None and q.private is not None for q in export.queries)


class TestReadOnly:
    def test_reading_the_report_and_the_export_writes_nothing(
        self, session, keyring, signer, engine
    ):
        code = make_code()
        entry_id = make_entry(session, keyring, actor="recorder-1", subject_code=code)
        clock.advance(timedelta(days=20))
        _legal_query(session, keyring, signer, code, "licensing-office")
        object_to(session, keyring, code, entry_id, reasons=REASONS)
        consents.freeze(session=session, code_index=keyring.blind_index(code), now=clock.now())
        session.flush()
        with _statements(engine) as seen:
            report = _report(session, keyring, code)
            export = _export(session, keyring, code)
            session.flush()
        assert any(s.startswith("SELECT") for s in seen)  # the listener did listen
        assert [s for s in seen if s.startswith(("INSERT", "UPDATE", "DELETE", "REPLACE"))] == []
        assert not session.new
        assert not session.dirty
        assert not session.deleted
        assert report.frozen is True
        assert export.freeze.frozen is True
        assert len(report.queries) == len(export.queries) == 1
