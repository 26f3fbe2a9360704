"""An erroneous listing through the real objection flow: the entry goes at once, its cases
after the reconsideration window, and the person with them; each step is a log event."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select
from sqlmodel import Session

from core.calendar.workdays import WorkCalendar
from core.clock import CST, clock
from core.context import Context
from core.entries.erasure import CASE_GRACE
from core.entries.service import my_record, shred_entry, withdraw_entry
from core.entries.subjects import subject_by_index
from core.entries.sweeper import sweep
from core.errors import Conflict
from core.models import DataKeyRow, Entry, LogLeaf, Objection, Subject
from core.settings import Settings
from tests.factories import make_code, make_entry, object_to, objection_decided

CALENDAR = WorkCalendar()
SETTINGS = Settings(_env_file=None)


def _uphold_as_erroneous(engine, keyring, code: str):
    with Session(engine, expire_on_commit=False) as s:
        entry_id = make_entry(s, keyring, subject_code=code)
        s.commit()
    clock.advance(timedelta(days=1))
    with Session(engine, expire_on_commit=False) as s:
        case_id = object_to(
            s, keyring, code, entry_id, reasons="这条记录有误，我从未欠税", settings=SETTINGS
        )
        s.commit()
    for body in ({"decision": "accept"}, {"decision": "uphold", "erroneous": True}):
        clock.advance(timedelta(hours=1))
        with Session(engine, expire_on_commit=False) as s:
            objection_decided(s, keyring, case_id, calendar=CALENDAR, **body)
            s.commit()
    return entry_id, case_id


def _erasure_leaves(engine) -> list[dict[str, object]]:
    with Session(engine) as s:
        bodies = [json.loads(b) for b in s.scalars(select(LogLeaf.body).order_by(LogLeaf.idx))]
    return [b for b in bodies if b.get("kind") == "erasure"]


class TestErroneousListing:
    def test_entry_at_once_cases_and_person_after_the_window(self, fresh_engine, keyring):
        clock.freeze(datetime(2026, 3, 2, 10, 0, tzinfo=CST))
        code = make_code()
        entry_id, case_id = _uphold_as_erroneous(fresh_engine, keyring, code)
        index = keyring.blind_index(code)
        with Session(fresh_engine) as s:
            entry = s.get(Entry, entry_id)
            assert entry.status == "shredded"
            assert s.get(DataKeyRow, entry.data_key_id).wrapped is None
            # The decision and apology stay readable to the citizen for the window.
            assert subject_by_index(session=s, code_index=index) is not None
            (gone,) = my_record(Context(s, keyring), code_index=index).erased
            assert gone.reason == "erroneous_listing"
            case_key = s.get(DataKeyRow, s.get(Objection, case_id).data_key_id)
            assert case_key.wrapped is not None
            ref = entry.public_ref
        assert [(e["what"], e["why"]) for e in _erasure_leaves(fresh_engine)] == [
            ("entry", "erroneous_listing")
        ]

        clock.advance(CASE_GRACE - timedelta(days=1))
        assert (
            "cases_erased"
            not in sweep(engine=fresh_engine, keyring=keyring, now=clock.now()).events
        )
        clock.advance(timedelta(days=2))
        report = sweep(engine=fresh_engine, keyring=keyring, now=clock.now())
        assert report.events.get("cases_erased") == 1
        # A second pass finds nothing more to do.
        again = sweep(engine=fresh_engine, keyring=keyring, now=clock.now())
        assert "cases_erased" not in again.events

        with Session(fresh_engine) as s:
            case = s.get(Objection, case_id)
            assert case.objector_index is None
            assert s.get(DataKeyRow, case.data_key_id).wrapped is None
            subject = s.get(Subject, s.get(Entry, entry_id).subject_id)
            assert (subject.code_index, subject.code_ct) == (None, None)
            assert s.get(DataKeyRow, subject.data_key_id).wrapped is None
            assert subject_by_index(session=s, code_index=index) is None
            assert my_record(Context(s, keyring), code_index=index).entries == []
        leaves = _erasure_leaves(fresh_engine)
        assert [(e["what"], e["why"]) for e in leaves] == [
            ("entry", "erroneous_listing"),
            ("cases", "erroneous_listing"),
            ("subject", "last_record_erased"),
        ]
        assert {e["ref"] for e in leaves} == {ref}
        assert code not in json.dumps(leaves)

    def test_a_person_with_another_live_entry_stays(self, fresh_engine, keyring):
        clock.freeze(datetime(2026, 3, 2, 10, 0, tzinfo=CST))
        code = make_code()
        with Session(fresh_engine) as s:
            make_entry(s, keyring, subject_code=code)
            s.commit()
        _uphold_as_erroneous(fresh_engine, keyring, code)
        clock.advance(CASE_GRACE + timedelta(days=1))
        assert (
            sweep(engine=fresh_engine, keyring=keyring, now=clock.now()).events["cases_erased"] == 1
        )
        with Session(fresh_engine) as s:
            record = my_record(Context(s, keyring), code_index=keyring.blind_index(code))
            assert len(record.entries) == 1
            assert len(record.erased) == 1
        assert [e["what"] for e in _erasure_leaves(fresh_engine)] == ["entry", "cases"]

    def test_with_no_window_the_cases_and_the_person_go_at_the_next_pass(
        self, fresh_engine, keyring
    ):
        clock.freeze(datetime(2026, 3, 2, 10, 0, tzinfo=CST))
        code = make_code()
        entry_id, case_id = _uphold_as_erroneous(fresh_engine, keyring, code)
        clock.advance(timedelta(seconds=1))
        report = sweep(
            engine=fresh_engine, keyring=keyring, now=clock.now(), case_grace=timedelta(0)
        )
        assert report.events.get("cases_erased") == 1
        with Session(fresh_engine) as s:
            assert s.get(Objection, case_id).objector_index is None
            subject = s.get(Subject, s.get(Entry, entry_id).subject_id)
            assert (subject.code_index, subject.code_ct) == (None, None)
            assert s.get(DataKeyRow, subject.data_key_id).wrapped is None
        assert [e["what"] for e in _erasure_leaves(fresh_engine)] == ["entry", "cases", "subject"]


class TestShredTwice:
    def test_a_second_shred_changes_nothing_and_says_so(self, fresh_engine, keyring):
        code = make_code()
        with Session(fresh_engine) as s:
            entry_id = make_entry(s, keyring, subject_code=code)
            make_entry(s, keyring, subject_code=code)  # the person stays on record
            withdraw_entry(
                Context(s, keyring),
                department="dept-a",
                entry_id=entry_id,
                reason="录入错误",
                kind="withdrawn",
                actor="recorder-1",
            )
            shred_entry(
                Context(s, keyring), department="dept-a", entry_id=entry_id, actor="recorder-1"
            )
            s.commit()
        before = _erasure_leaves(fresh_engine)
        assert [e["what"] for e in before] == ["entry"]
        clock.advance(timedelta(minutes=5))
        with Session(fresh_engine) as s:
            with pytest.raises(Conflict) as refused:
                shred_entry(
                    Context(s, keyring), department="dept-a", entry_id=entry_id, actor="recorder-1"
                )
            assert refused.value.rule == "already_shredded"
            s.rollback()
        assert _erasure_leaves(fresh_engine) == before
        with Session(fresh_engine) as s:
            key = s.get(DataKeyRow, s.get(Entry, entry_id).data_key_id)
            assert key.shredded_at is not None
            assert key.shredded_at < clock.now()
