"""Entries: created sealed, read back only by their department, shredded one at a time."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select, text, update
from sqlmodel import Session

from core.clock import clock
from core.context import Context
from core.entries.service import create_entry, read_entry, shred_entry, withdraw_entry
from core.errors import Conflict, InvalidInput, NotFound, Shredded
from core.keyring import Keyring
from core.models import DataKeyRow, Entry, Subject
from crypto.suites import SM4, DecryptionError
from tests.factories import make_code, make_entry_view, make_payload


def _read(session: Session, keyring: Keyring, entry_id, department: str = "dept-a"):
    return read_entry(Context(session, keyring), department=department, entry_id=entry_id)


class TestCreateAndRead:
    def test_round_trip_decrypts_every_personal_field(self, session, keyring):
        code = make_code()
        made = make_entry_view(
            session, keyring, actor="t", subject_code=code, subject_name="司马光"
        )
        got = _read(session, keyring, made.id)
        assert (got.subject_code, got.subject_name) == (code, "司马光")
        assert got.facts == "逾期未缴税款一百二十万元"
        assert got.public_summary == "逾期未缴税款"
        # A black entry of a natural person starts with its prior notice (§5.1).
        assert got.state == "pending_notice"

    def test_stored_row_holds_only_ciphertext(self, session, keyring):
        code = make_code()
        made = make_entry_view(
            session, keyring, actor="t", subject_code=code, subject_name="诸葛亮"
        )
        entry = session.get(Entry, made.id)
        subject = session.get(Subject, entry.subject_id)
        blobs = [
            entry.subject_name_ct,
            entry.facts_ct,
            entry.public_summary_ct,
            subject.code_ct,
            subject.code_index,
        ]
        for blob in blobs:
            assert "诸葛亮".encode() not in blob
            assert code.encode() not in blob
            assert "逾期".encode() not in blob

    def test_same_code_shares_one_subject(self, session, keyring):
        code = make_code()
        a = make_entry_view(session, keyring, actor="t", subject_code=code)
        b = make_entry_view(session, keyring, actor="t", subject_code=code.lower())
        ea, eb = session.get(Entry, a.id), session.get(Entry, b.id)
        assert ea.subject_id == eb.subject_id
        assert ea.data_key_id != eb.data_key_id

    def test_sm4_suite_round_trip(self, session, keyring_factory):
        sm4 = keyring_factory(SM4)
        made = make_entry_view(session, sm4, actor="t")
        assert _read(session, sm4, made.id).subject_name == "欧阳小明"
        assert session.get(DataKeyRow, session.get(Entry, made.id).data_key_id).suite == "sm4"

    def test_expired_state_is_decided_at_read_time(self, session, keyring):
        made = make_entry_view(session, keyring, actor="t")
        clock.advance(timedelta(days=600))
        assert _read(session, keyring, made.id).state == "expired"


class TestScoping:
    def test_other_department_sees_nothing(self, session, keyring):
        made = make_entry_view(session, keyring, actor="t", department="dept-a")
        with pytest.raises(NotFound):
            _read(session, keyring, made.id, department="dept-b")

    def test_duplicate_external_id_refused_and_nothing_written(self, session, keyring):
        made = make_entry_view(session, keyring, actor="t")
        before = session.scalar(select(func.count()).select_from(Entry))
        with pytest.raises(Conflict):
            make_entry_view(session, keyring, actor="t", external_id=made.external_id)
        assert session.scalar(select(func.count()).select_from(Entry)) == before


class TestCiphertextBinding:
    def test_ciphertext_moved_to_another_row_fails(self, session, keyring):
        a = make_entry_view(session, keyring, actor="t")
        b = make_entry_view(session, keyring, actor="t")
        facts_a = session.get(Entry, a.id).facts_ct
        session.execute(update(Entry).where(Entry.id == b.id).values(facts_ct=facts_a))
        session.expire_all()
        with pytest.raises(DecryptionError):
            _read(session, keyring, b.id)

    def test_ciphertext_moved_to_another_field_fails(self, session, keyring):
        a = make_entry_view(session, keyring, actor="t")
        row = session.get(Entry, a.id)
        session.execute(update(Entry).where(Entry.id == a.id).values(facts_ct=row.subject_name_ct))
        session.expire_all()
        with pytest.raises(DecryptionError):
            _read(session, keyring, a.id)

    def test_wrong_master_key_cannot_read(self, session, keyring, keyring_factory):
        made = make_entry_view(session, keyring, actor="t")
        with pytest.raises(Exception, match=r"not available|authentication"):
            _read(session, keyring_factory(), made.id)


def _withdraw(session, keyring, entry_id) -> None:
    withdraw_entry(
        Context(session, keyring),
        department="dept-a",
        entry_id=entry_id,
        reason="recorded in error",
        kind="withdrawn",
        actor="t",
    )


class TestShredding:
    def test_a_live_entry_must_exit_before_it_is_shredded(self, session, keyring):
        a = make_entry_view(session, keyring, actor="t")
        with pytest.raises(Conflict) as info:
            shred_entry(Context(session, keyring), department="dept-a", entry_id=a.id, actor="t")
        assert info.value.rule == "illegal_transition"
        assert _read(session, keyring, a.id).state == "pending_notice"

    def test_shredding_erases_exactly_that_entry(self, session, keyring):
        code = make_code()
        a = make_entry_view(session, keyring, actor="t", subject_code=code)
        b = make_entry_view(session, keyring, actor="t", subject_code=code)
        _withdraw(session, keyring, a.id)
        shred_entry(Context(session, keyring), department="dept-a", entry_id=a.id, actor="t")
        with pytest.raises(Shredded):
            _read(session, keyring, a.id)
        assert _read(session, keyring, b.id).subject_code == code
        key_row = session.get(DataKeyRow, session.get(Entry, a.id).data_key_id)
        assert key_row.wrapped is None
        assert key_row.shredded_at is not None

    def test_shredding_twice_is_refused(self, session, keyring):
        a = make_entry_view(session, keyring, actor="t")
        _withdraw(session, keyring, a.id)
        shred_entry(Context(session, keyring), department="dept-a", entry_id=a.id, actor="t")
        with pytest.raises(Conflict):
            shred_entry(Context(session, keyring), department="dept-a", entry_id=a.id, actor="t")

    def test_other_department_cannot_shred(self, session, keyring):
        a = make_entry_view(session, keyring, actor="t")
        with pytest.raises(NotFound):
            shred_entry(Context(session, keyring), department="dept-b", entry_id=a.id, actor="t")
        assert _read(session, keyring, a.id).state == "pending_notice"


class TestBadInput:
    @pytest.mark.parametrize(
        ("overrides", "rule"),
        [
            ({"severity": "general", "display_until_days": 400}, "display_period_bounds"),
            ({"severity": "serious", "display_until_days": 100}, "display_period_bounds"),
            ({"severity": "minor", "display_until_days": 100}, "display_period_minor"),
        ],
    )
    def test_display_period_outside_bounds_refused(self, session, keyring, overrides, rule):
        payload = make_payload()
        days = overrides.pop("display_until_days")
        payload = make_payload(display_until=payload.decided_on + timedelta(days=days), **overrides)
        count = session.scalar(select(func.count()).select_from(Entry))
        subjects = session.scalar(select(func.count()).select_from(Subject))
        with pytest.raises(InvalidInput) as info:
            create_entry(Context(session, keyring), department="d", actor="t", payload=payload)
        assert info.value.rule == rule
        assert session.scalar(select(func.count()).select_from(Entry)) == count
        assert session.scalar(select(func.count()).select_from(Subject)) == subjects

    def test_minor_defaults_to_not_displayed(self, session, keyring):
        made = make_entry_view(session, keyring, actor="t", severity="minor", display_until=None)
        assert made.display_until == made.decided_on
        assert made.state == "expired"

    def test_database_refuses_display_before_decision_even_bypassing_the_service(
        self, session, keyring
    ):
        made = make_entry_view(session, keyring, actor="t")
        with pytest.raises(Exception, match=r"(?i)check|constraint"), session.begin_nested():
            session.execute(
                text("UPDATE entry SET display_until = :d WHERE id = :i"),
                {
                    "d": made.decided_on - timedelta(days=1),
                    "i": made.id.hex if session.bind.dialect.name == "sqlite" else made.id,
                },
            )
