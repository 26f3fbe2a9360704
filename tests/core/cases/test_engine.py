"""The case engine on its own: scoped lookups, the guarded decision, history, evidence files."""

from __future__ import annotations

import uuid
from datetime import datetime

import pytest
from sqlmodel import Session

from core.cases import engine
from core.cases.objections import service as objections
from core.cases.repairs import service as repairs
from core.cases.schemas import EvidenceContent, Upload
from core.clock import CST, clock
from core.errors import Conflict, InvalidInput, NotFound
from core.keyring import Keyring
from core.models import Objection
from tests.factories import make_code, make_entry, object_to

PDF = b"%PDF-1.4\nengine evidence\n%%EOF\n"


def _objection(session: Session, keyring: Keyring) -> tuple[Objection, bytes]:
    clock.freeze(datetime(2026, 3, 2, 10, 0, tzinfo=CST))
    code = make_code()
    entry_id = make_entry(session, keyring, subject_code=code)
    case_id = object_to(session, keyring, code, entry_id, reasons="记录有误")
    row = session.get(Objection, case_id)
    assert row is not None
    return row, keyring.blind_index(code)


class TestScopedLookup:
    def test_a_case_exists_only_for_its_department_and_its_owner(self, session, keyring):
        row, owner = _objection(session, keyring)
        kind = objections.CASES
        assert engine.department_case(session, kind, case_id=row.id, department="dept-a") is row
        with pytest.raises(NotFound) as other:
            engine.department_case(session, kind, case_id=row.id, department="dept-b")
        assert other.value.detail == kind.missing
        assert engine.find_for_owner(session, kind, case_id=row.id, owner=owner) is row
        stranger = keyring.blind_index(make_code())
        assert engine.find_for_owner(session, kind, case_id=row.id, owner=stranger) is None
        # One kind's id is no case of another kind.
        assert (
            engine.find_for_department(session, repairs.CASES, case_id=row.id, department="dept-a")
            is None
        )

    def test_the_scope_is_the_department_else_the_owner_else_nothing(self, session, keyring):
        row, owner = _objection(session, keyring)
        kind = objections.CASES

        def scoped(department: str | None, who: bytes | None) -> Objection | None:
            return engine.scoped_case(
                session, kind, case_id=row.id, department=department, owner=who
            )

        assert scoped("dept-a", None) is row
        assert scoped(None, owner) is row
        assert scoped("dept-b", owner) is None  # an officer's scope is the department only
        assert scoped(None, None) is None


class TestGuardedDecision:
    def test_a_decision_on_a_stale_read_loses_and_changes_nothing(self, session, keyring):
        row, _owner = _objection(session, keyring)
        kind = objections.CASES
        read_version = row.version
        engine.decide(session, kind, row, {"status": "accepted", "updated_at": clock.now()})
        session.refresh(row)
        assert (row.status, row.version) == ("accepted", read_version + 1)
        stale = Objection.model_validate(row.model_dump() | {"version": read_version})
        with pytest.raises(Conflict) as lost:
            engine.decide(session, kind, stale, {"status": "rejected", "updated_at": clock.now()})
        assert (lost.value.rule, lost.value.detail) == ("concurrent_decision", kind.lost)
        session.refresh(row)
        assert (row.status, row.version) == ("accepted", read_version + 1)


class TestHistory:
    def test_lines_come_back_in_order_with_their_notes_opened(self, session, keyring):
        now = datetime(2026, 3, 2, 10, 0, tzinfo=CST)
        key = engine.new_case_key(session, keyring, kind="objection", now=now)
        session.flush()
        case_id = uuid.uuid4()
        engine.add_event(
            session, kind="objection", case_id=case_id, actor="objector", event="filed", now=now
        )
        engine.add_event(
            session,
            kind="objection",
            case_id=case_id,
            actor="officer-1",
            event="declined",
            now=now,
            key=key,
            note="理由不足",
        )
        with pytest.raises(ValueError, match="needs the case key"):
            engine.add_event(
                session, kind="objection", case_id=case_id, actor="x", event="y", now=now, note="n"
            )
        session.flush()
        lines = engine.history(session, kind="objection", case_id=case_id, key=key)
        assert [(h.actor, h.event, h.note) for h in lines] == [
            ("objector", "filed", None),
            ("officer-1", "declined", "理由不足"),
        ]
        assert engine.history(session, kind="repair", case_id=case_id, key=key) == []


class TestEvidence:
    def test_a_file_is_sealed_listed_and_opened_only_within_its_case(self, session, keyring):
        now = datetime(2026, 3, 2, 10, 0, tzinfo=CST)
        key = engine.new_case_key(session, keyring, kind="repair", now=now)
        session.flush()
        case_id = uuid.uuid4()
        upload = Upload(media_type="application/pdf", name="完税证明.pdf", content=PDF)
        engine.check_uploads([upload], max_bytes=len(PDF), max_files=1)
        engine.store_uploads(
            session, kind="repair", case_id=case_id, key=key, uploads=[upload], now=now
        )
        session.flush()
        (listed,) = engine.evidence_of(session, kind="repair", case_id=case_id, key=key)
        assert (listed.name, listed.size, listed.media_type) == (
            "完税证明.pdf",
            len(PDF),
            "application/pdf",
        )
        found = engine.evidence_file(session, kind="repair", case_id=case_id, file_id=listed.id)
        assert PDF not in found.content_ct
        opened = engine.open_evidence(key, found)
        assert opened == EvidenceContent("application/pdf", "完税证明.pdf", PDF)
        assert "完税" not in repr(opened)
        assert "engine evidence" not in repr(opened)
        for kind, case in (("objection", case_id), ("repair", uuid.uuid4())):
            with pytest.raises(NotFound):
                engine.evidence_file(session, kind=kind, case_id=case, file_id=listed.id)

    @pytest.mark.parametrize(
        ("upload", "rule"),
        [
            (Upload("text/html", "a.html", b"<html>"), "evidence_type"),
            (Upload("application/pdf", "a.pdf", b"\x89PNG\r\n\x1a\n"), "evidence_type_mismatch"),
            (Upload("application/pdf", "a.pdf", PDF + b"x"), "evidence_too_large"),
            (Upload("application/pdf", "a\n.pdf", PDF), "evidence_name"),
        ],
    )
    def test_a_bad_file_refuses_the_whole_set(self, upload, rule):
        good = Upload("application/pdf", "ok.pdf", PDF)
        with pytest.raises(InvalidInput) as refused:
            engine.check_uploads([good, upload], max_bytes=len(PDF), max_files=2)
        assert refused.value.rule == rule
        with pytest.raises(InvalidInput) as many:
            engine.check_uploads([good, good], max_bytes=len(PDF), max_files=1)
        assert many.value.rule == "too_many_files"
