"""The expiry sweeper (§4): read paths never wait for it; it moves entries once, resumes after a
crash, shreds at retention end without breaking the query log, and two of them never double up."""

from __future__ import annotations

import json
import threading
import uuid
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import ClassVar

import pytest
from sqlalchemy import Engine, TextClause, bindparam, func, select, text
from sqlmodel import Session, col

from core import migrate
from core.cases import engine as case_store
from core.cases.objections import service as objections
from core.clock import clock
from core.context import Context
from core.db import make_engine
from core.entries import lifecycle
from core.entries.display import add_months
from core.entries.schemas import EntryView
from core.entries.service import (
    DEFAULT_CALENDAR,
    create_entry,
    my_record,
    read_entry,
    record_of,
    withdraw_entry,
)
from core.entries.states import visible_state
from core.entries.sweeper import SweepReport, sweep
from core.entries.visibility import shown_state
from core.errors import Shredded
from core.keyring import Keyring
from core.models import (
    AgencyNotice,
    DataKeyRow,
    Entry,
    EntryEvent,
    EntryNotice,
    ExitAnnouncement,
    LogLeaf,
    Objection,
)
from core.queries.schemas import QueryAnswer, QueryRequest
from core.queries.service import run_query
from core.querylog.signing_key import signer_for_data_dir
from core.querylog.verify import verify_log
from crypto.leaf_binding import check_commit, unb64
from crypto.log_signer import LogSigner
from tests.factories import make_code, make_payload

# Monday 3 March 2025, 10:00 in Beijing. A person's black entry recorded now is noticed
# until Tuesday 11 March (working days 4, 5, 6, 7 and 10 March).
T0 = datetime(2025, 3, 3, 2, 0, tzinfo=UTC)
NOTICE_END = date(2025, 3, 11)
DEPT = "dept-a"
ORIGIN = "credence.test/query-log"
NAME = "credence.test-log"


@pytest.fixture(autouse=True)
def _frozen() -> None:
    clock.freeze(T0)


@pytest.fixture
def signer(tmp_path: Path) -> LogSigner:
    return signer_for_data_dir(tmp_path, origin=ORIGIN, name=NAME)


def _at(day: date) -> None:
    """Move the project clock to 10:00 in Beijing on `day`."""
    clock.freeze(datetime(day.year, day.month, day.day, 2, 0, tzinfo=UTC))


def _watch_fields(**overrides: object) -> dict[str, object]:
    decided = clock.today() - timedelta(days=10)
    fields: dict[str, object] = {
        "list_kind": "watch",
        "severity": "general",
        "decided_on": decided,
        "display_until": add_months(decided, 3),
        "valid_until": add_months(decided, 3),
        "repairable": False,
        "repair_ways": [],
    }
    fields.update(overrides)
    return fields


OLD = date(2018, 3, 1)


def _old_watch_fields() -> dict[str, object]:
    """A watch entry decided in 2018: display, validity and retention all over by now."""
    return _watch_fields(
        decided_on=OLD, display_until=add_months(OLD, 3), valid_until=add_months(OLD, 12)
    )


def _red_fields(**overrides: object) -> dict[str, object]:
    fields: dict[str, object] = {
        "list_kind": "red",
        "severity": "general",
        "repairable": False,
        "repair_ways": [],
    }
    fields.update(overrides)
    return fields


def _record_in(session: Session, keyring: Keyring, **overrides: object) -> EntryView:
    return create_entry(
        Context(session, keyring),
        department=DEPT,
        actor="recorder-1",
        payload=make_payload(**overrides),
    )


def _record(engine: Engine, keyring: Keyring, **overrides: object) -> EntryView:
    """Record one entry and commit it."""
    with Session(engine) as s:
        made = _record_in(s, keyring, **overrides)
        s.commit()
    return made


def _sweep(engine: Engine, keyring: Keyring, batch: int = 500) -> SweepReport:
    return sweep(engine=engine, keyring=keyring, now=clock.now(), batch=batch)


def _row(engine: Engine, entry_id: uuid.UUID) -> Entry:
    with Session(engine, expire_on_commit=False) as s:
        row = s.get(Entry, entry_id)
        assert row is not None
        return row


def _read(session: Session, keyring: Keyring, entry_id: uuid.UUID) -> EntryView:
    return read_entry(Context(session, keyring), department=DEPT, entry_id=entry_id)


def _query(session: Session, keyring: Keyring, signer, code: str, agency: str) -> QueryAnswer:
    return run_query(
        session=session,
        keyring=keyring,
        signer=signer,
        agency=agency,
        payload=QueryRequest(
            subject_code=code, purpose="licensing", legal_basis="court_enforcement"
        ),
        now=clock.now(),
    )


def _ask(engine: Engine, keyring: Keyring, signer, code: str, agency: str) -> QueryAnswer:
    """One committed legal-basis query."""
    with Session(engine) as s:
        answer = _query(s, keyring, signer, code, agency)
        s.commit()
    return answer


def _events(engine: Engine, entry_id: uuid.UUID) -> list[str]:
    with Session(engine) as s:
        stmt = (
            select(col(EntryEvent.event))
            .where(col(EntryEvent.entry_id) == entry_id)
            .order_by(col(EntryEvent.at), col(EntryEvent.event))
        )
        return list(s.scalars(stmt))


def _notice_kinds(engine: Engine, entry_id: uuid.UUID) -> list[str]:
    with Session(engine) as s:
        stmt = select(col(EntryNotice.kind)).where(col(EntryNotice.entry_id) == entry_id)
        return sorted(s.scalars(stmt))


def _announcements(engine: Engine, entry_id: uuid.UUID) -> list[ExitAnnouncement]:
    with Session(engine) as s:
        stmt = select(ExitAnnouncement).where(col(ExitAnnouncement.entry_id) == entry_id)
        return list(s.scalars(stmt))


def _watch_after(engine: Engine, black: EntryView) -> list[Entry]:
    with Session(engine) as s:
        stmt = select(Entry).where(
            col(Entry.department) == black.department,
            col(Entry.external_id) == f"{black.external_id}:watch",
        )
        return list(s.scalars(stmt))


def _tally(engine: Engine) -> dict[str, int]:
    """Row counts of everything the sweeper writes."""

    def count(s: Session, model: type, *where: object) -> int:
        return s.scalar(select(func.count()).select_from(model).where(*where)) or 0

    with Session(engine) as s:
        return {
            "entries": count(s, Entry),
            "watch_entries": count(s, Entry, col(Entry.list_kind) == "watch"),
            "events": count(s, EntryEvent),
            "announcements": count(s, ExitAnnouncement),
            "entry_notices": count(s, EntryNotice),
            "agency_notices": count(s, AgencyNotice),
            "shredded_keys": count(s, DataKeyRow, col(DataKeyRow.wrapped).is_(None)),
        }


class TestReadTimeWithoutSweeper:
    """No sweep runs in this class: every read decides from the dates alone."""

    def test_an_entry_past_its_display_end_is_never_answered(self, session, keyring, signer):
        code = make_code()
        watch = _record_in(session, keyring, subject_code=code, **_watch_fields())
        assert [e.id for e in _query(session, keyring, signer, code, "bank-1").entries] == [
            watch.id
        ]
        _at(watch.display_until)
        answer = _query(session, keyring, signer, code, "bank-1")
        assert (answer.outcome, answer.entries) == ("empty", [])
        row = session.get(Entry, watch.id)
        assert row.status == "displayed"  # stored: no sweeper has run
        state = visible_state(
            status=row.status,
            notice_until=row.notice_until,
            display_until=row.display_until,
            under_objection=row.under_objection,
            today=clock.today(),
        )
        assert state == "expired"
        view = _read(session, keyring, watch.id)
        assert view.state == "expired"
        assert {v.audience for v in view.visible_to} == {"you", "recording_department"}

    def test_a_pending_entry_past_its_notice_end_is_displayed_and_answered(
        self, session, keyring, signer
    ):
        code = make_code()
        black = _record_in(session, keyring, subject_code=code)
        assert black.notice_until == NOTICE_END
        _at(NOTICE_END - timedelta(days=1))
        assert _query(session, keyring, signer, code, "bank-1").entries == []
        _at(NOTICE_END)
        assert [e.id for e in _query(session, keyring, signer, code, "bank-1").entries] == [
            black.id
        ]
        assert session.get(Entry, black.id).status == "pending_notice"
        assert _read(session, keyring, black.id).state == "displayed"

    def test_an_open_objection_holds_it_pending(self, session, keyring, signer):
        code = make_code()
        black = _record_in(session, keyring, subject_code=code)
        lifecycle.apply(
            session=session,
            entry=session.get(Entry, black.id),
            event="objection_opened",
            actor="citizen",
            now=clock.now(),
        )
        _at(NOTICE_END + timedelta(days=30))
        assert _query(session, keyring, signer, code, "bank-1").entries == []
        view = _read(session, keyring, black.id)
        assert (view.state, view.under_objection) == ("pending_notice", True)


class TestSweepMovesEntries:
    def test_nothing_is_due_before_the_notice_ends(self, fresh_engine, keyring):
        black = _record(fresh_engine, keyring)
        _at(NOTICE_END - timedelta(days=1))
        report = _sweep(fresh_engine, keyring)
        assert (report.examined, report.events) == (0, {})
        assert _row(fresh_engine, black.id).status == "pending_notice"

    def test_a_pending_entry_is_displayed_when_its_notice_ends(self, fresh_engine, keyring):
        black = _record(fresh_engine, keyring)
        _at(NOTICE_END)
        assert _sweep(fresh_engine, keyring).events == {"notice_ended": 1}
        row = _row(fresh_engine, black.id)
        assert (row.status, row.exit_reason) == ("displayed", None)
        assert _events(fresh_engine, black.id) == ["recorded", "notice_ended"]
        assert _notice_kinds(fresh_engine, black.id) == ["prior_notice", "took_effect"]

    def test_an_objection_holds_a_pending_entry_through_the_sweep(self, fresh_engine, keyring):
        black = _record(fresh_engine, keyring)
        with Session(fresh_engine) as s:
            lifecycle.apply(
                session=s,
                entry=s.get(Entry, black.id),
                event="objection_opened",
                actor="citizen",
                now=clock.now(),
            )
            s.commit()
        _at(NOTICE_END + timedelta(days=30))
        assert _sweep(fresh_engine, keyring).events == {}
        assert _row(fresh_engine, black.id).status == "pending_notice"

    def test_an_expired_black_entry_is_announced_and_its_subject_watched(
        self, fresh_engine, keyring
    ):
        decided = clock.today() - timedelta(days=10)
        black = _record(
            fresh_engine,
            keyring,
            severity="general",
            decided_on=decided,
            display_until=add_months(decided, 4),
            watch_months=5,
        )
        _at(black.display_until)
        # Long past its notice too: one pass takes it through every state that is due.
        report = _sweep(fresh_engine, keyring)
        assert report.events == {"notice_ended": 1, "display_ended": 1, "retained": 1}
        row = _row(fresh_engine, black.id)
        assert (row.status, row.exit_reason, row.exited_on) == (
            "retained",
            "expired",
            black.display_until,
        )
        assert _events(fresh_engine, black.id) == [
            "recorded",
            "display_ended",
            "notice_ended",
            "retained",
        ]
        (announcement,) = _announcements(fresh_engine, black.id)
        assert (announcement.reason, announcement.announced_on) == ("expired", clock.today())
        assert _notice_kinds(fresh_engine, black.id) == ["expired", "prior_notice", "took_effect"]
        (watch,) = _watch_after(fresh_engine, black)
        assert watch.display_until == add_months(black.display_until, 5)
        assert (watch.status, watch.list_kind, watch.severity) == ("displayed", "watch", "general")
        assert _events(fresh_engine, watch.id) == ["watch_after_black_exit"]
        with Session(fresh_engine) as s:
            assert _read(s, keyring, black.id).state == "expired"

    def test_an_expired_red_entry_is_announced_and_nobody_is_watched(self, fresh_engine, keyring):
        red = _record(
            fresh_engine, keyring, **_red_fields(display_until=clock.today() + timedelta(days=60))
        )
        _at(red.display_until)
        report = _sweep(fresh_engine, keyring)
        assert report.events == {"notice_ended": 1, "display_ended": 1, "retained": 1}
        assert [a.reason for a in _announcements(fresh_engine, red.id)] == ["expired"]
        assert _notice_kinds(fresh_engine, red.id) == ["expired"]
        assert _tally(fresh_engine)["watch_entries"] == 0

    def test_an_expired_watch_entry_is_not_announced(self, fresh_engine, keyring):
        watch = _record(fresh_engine, keyring, **_watch_fields())
        _at(watch.display_until)
        assert _sweep(fresh_engine, keyring).events == {"display_ended": 1, "retained": 1}
        assert _announcements(fresh_engine, watch.id) == []
        assert _notice_kinds(fresh_engine, watch.id) == ["expired", "watch_warning"]
        assert _row(fresh_engine, watch.id).status == "retained"

    def test_a_retained_entry_is_shredded_at_its_retention_end(self, fresh_engine, keyring):
        watch = _record(fresh_engine, keyring, **_watch_fields())
        _at(watch.display_until)
        _sweep(fresh_engine, keyring)
        _at(watch.retain_until - timedelta(days=1))
        assert _sweep(fresh_engine, keyring).events == {}
        _at(watch.retain_until)
        assert _sweep(fresh_engine, keyring).events == {"shredded": 1}

        row = _row(fresh_engine, watch.id)
        assert row.status == "shredded"
        with Session(fresh_engine) as s:
            key = s.get(DataKeyRow, row.data_key_id)
            assert key.wrapped is None
            assert key.shredded_at is not None
            with pytest.raises(Shredded):
                _read(s, keyring, watch.id)
        assert _notice_kinds(fresh_engine, watch.id) == ["expired", "shredded", "watch_warning"]

    def test_cases_about_the_entry_are_erased_with_it_at_retention_end(self, fresh_engine, keyring):
        watch = _record(fresh_engine, keyring, **_watch_fields())
        # A later entry keeps the person on record, so their list of objections still answers.
        later = clock.today() + timedelta(days=400)
        _record(
            fresh_engine,
            keyring,
            subject_code=watch.subject_code,
            **_watch_fields(
                decided_on=later,
                display_until=add_months(later, 3),
                valid_until=add_months(later, 3),
            ),
        )
        with Session(fresh_engine) as s:
            key = case_store.new_case_key(s, keyring, kind="objection", now=clock.now())
            s.flush()
            case_id = uuid.uuid4()
            s.add(
                Objection(
                    id=case_id,
                    entry_id=watch.id,
                    department=DEPT,
                    objector_index=keyring.blind_index(watch.subject_code),
                    data_key_id=key.id,
                    reasons_ct=case_store.seal_text(key, "理由", "objection", "reasons", case_id),
                    status="rejected",
                    filed_on=clock.today(),
                    accept_due=clock.today(),
                    resolve_due=clock.today(),
                    created_at=clock.now(),
                    updated_at=clock.now(),
                )
            )
            s.commit()
        _at(watch.display_until)
        _sweep(fresh_engine, keyring)
        with Session(fresh_engine) as s:
            assert s.get(DataKeyRow, key.id).wrapped is not None
        _at(watch.retain_until)
        # The later entry's display ended meanwhile (it is retained, not shredded).
        assert _sweep(fresh_engine, keyring).events == {
            "display_ended": 1,
            "retained": 1,
            "shredded": 1,
        }
        with Session(fresh_engine) as s:
            assert s.get(DataKeyRow, key.id).wrapped is None
            # The objector's list still answers: the erased case by its dates and outcome only.
            (view,) = objections.my_objections(
                Context(s, keyring, DEFAULT_CALENDAR),
                code_index=keyring.blind_index(watch.subject_code),
            )
        assert view.id == case_id
        assert view.erased is True
        assert view.status == "rejected"
        # The citizen's record says when the entry was erased, and which leaf proves it.
        with Session(fresh_engine) as s:
            record = my_record(
                Context(s, keyring), code_index=keyring.blind_index(watch.subject_code)
            )
            (gone,) = record.erased
            assert (gone.public_ref, gone.reason) == (watch.public_ref, "retention_ended")
            assert gone.shredded_at == clock.now()
            assert gone.erased_at is None  # the maintenance tick completes it
            leaf = json.loads(
                s.scalars(select(LogLeaf.body).where(col(LogLeaf.idx) == gone.log_index)).one()
            )
            assert (leaf["kind"], leaf["what"], leaf["ref"]) == (
                "erasure",
                "entry",
                watch.public_ref,
            )
            assert watch.id not in [e.id for e in record.entries]
        assert (view.reasons, view.evidence, view.history) == (None, [], [])

    def test_an_entry_long_overdue_goes_all_the_way_in_one_pass(self, fresh_engine, keyring):
        watch = _record(fresh_engine, keyring, **_watch_fields())
        _at(watch.retain_until)
        report = _sweep(fresh_engine, keyring)
        assert report.events == {"display_ended": 1, "retained": 1, "shredded": 1}
        assert _row(fresh_engine, watch.id).status == "shredded"


class TestLateSweep:
    def test_the_watch_period_runs_from_the_display_end_not_from_the_sweep(
        self, fresh_engine, keyring
    ):
        decided = clock.today() - timedelta(days=10)
        black = _record(
            fresh_engine,
            keyring,
            severity="general",
            decided_on=decided,
            display_until=add_months(decided, 4),
            watch_months=3,
        )
        # The sweeper was stopped for two months: one month of the watch is left.
        _at(add_months(black.display_until, 2))
        _sweep(fresh_engine, keyring)
        (watch,) = _watch_after(fresh_engine, black)
        assert watch.decided_on == black.display_until
        assert watch.display_until == add_months(black.display_until, 3)
        assert shown_state(watch, clock.today()) == "displayed"

    def test_a_watch_period_already_over_makes_no_copy(self, fresh_engine, keyring):
        decided = clock.today() - timedelta(days=10)
        black = _record(
            fresh_engine,
            keyring,
            severity="general",
            decided_on=decided,
            display_until=add_months(decided, 4),
            watch_months=3,
        )
        # The sweeper was stopped for five months: the three-month watch is already over.
        _at(add_months(black.display_until, 5))
        _sweep(fresh_engine, keyring)
        assert _watch_after(fresh_engine, black) == []
        assert "watch_period_elapsed" in _events_of(fresh_engine, black.id)

    def test_a_late_sweep_run_twice_does_nothing_more(self, fresh_engine, keyring):
        # A guard for the fix of the test above: a watch entry whose period is already over
        # when it is made must still leave nothing for the next sweep to do.
        decided = clock.today() - timedelta(days=10)
        _record(
            fresh_engine,
            keyring,
            severity="general",
            decided_on=decided,
            display_until=add_months(decided, 4),
            watch_months=3,
        )
        _at(add_months(decided, 9))
        assert _sweep(fresh_engine, keyring).events["retained"] >= 1
        before = _tally(fresh_engine)
        assert _sweep(fresh_engine, keyring).events == {}
        assert _tally(fresh_engine) == before

    def test_a_black_entry_past_its_retention_leaves_no_live_copy(self, fresh_engine, keyring):
        decided = date(2018, 3, 1)
        black = _record(
            fresh_engine,
            keyring,
            severity="general",
            decided_on=decided,
            display_until=add_months(decided, 3),
            valid_until=add_months(decided, 12),
        )
        assert black.retain_until < clock.today()
        _sweep(fresh_engine, keyring)
        assert _row(fresh_engine, black.id).status == "shredded"
        # Its watch period ended in 2019: no watch entry may be shown now, or kept past today.
        today = clock.today()
        for watch in _watch_after(fresh_engine, black):
            assert shown_state(watch, today) != "displayed"
            assert watch.status == "shredded" or watch.retain_until <= today


def _events_of(engine: Engine, entry_id) -> list[str]:
    with Session(engine) as s:
        rows = s.scalars(select(EntryEvent.event).where(EntryEvent.entry_id == entry_id))
        return list(rows)


def _mixed_due(engine: Engine, keyring: Keyring) -> None:
    """A pending, an expiring black, red and watch, a long-retained and a withdrawn entry."""
    decided = clock.today() - timedelta(days=10)
    _record(engine, keyring)
    _record(
        engine,
        keyring,
        severity="general",
        decided_on=decided,
        display_until=add_months(decided, 4),
        watch_months=3,
    )
    _record(engine, keyring, **_red_fields(display_until=clock.today() + timedelta(days=60)))
    _record(engine, keyring, **_watch_fields())
    _record(engine, keyring, **_old_watch_fields())
    withdrawn = _record(engine, keyring)
    with Session(engine) as s:
        lifecycle.apply(
            session=s,
            entry=s.get(Entry, withdrawn.id),
            event="withdrawn",
            actor="recorder-1",
            now=clock.now(),
        )
        s.commit()


class TestIdempotent:
    def test_a_second_sweep_does_nothing(self, fresh_engine, keyring):
        _mixed_due(fresh_engine, keyring)
        _at(date(2025, 9, 19))
        first = _sweep(fresh_engine, keyring)
        assert sum(first.events.values()) > 10
        after_first = _tally(fresh_engine)
        # The red entry and the expired black entry; the black entry withdrawn during its
        # prior notice was never public, so its exit is not announced.
        assert after_first["announcements"] == 2
        # The two recorded watch entries, and one after each black exit.
        assert after_first["watch_entries"] == 4

        second = _sweep(fresh_engine, keyring)
        assert (second.examined, second.events) == (0, {})
        assert _tally(fresh_engine) == after_first


def _typed_id(sql: str) -> TextClause:
    """Raw SQL whose `:id` is bound as the entry id column binds it (hex on SQLite)."""
    return text(sql).bindparams(bindparam("id", type_=Entry.__table__.c.id.type))


class TestResumable:
    def test_an_entry_left_expired_by_a_crash_is_finished(self, fresh_engine, keyring):
        decided = clock.today() - timedelta(days=10)
        black = _record(
            fresh_engine,
            keyring,
            severity="general",
            decided_on=decided,
            display_until=add_months(decided, 4),
            watch_months=3,
        )
        _at(black.display_until)
        # The crash: display_ended was written, none of its paperwork.
        with Session(fresh_engine) as s:
            s.execute(
                _typed_id(
                    "UPDATE entry SET status = 'expired', exit_reason = 'expired', "
                    "exited_on = :day WHERE id = :id"
                ),
                {"day": clock.today(), "id": black.id},
            )
            s.commit()
        assert _row(fresh_engine, black.id).status == "expired"

        assert _sweep(fresh_engine, keyring).events == {"retained": 1}
        assert _row(fresh_engine, black.id).status == "retained"
        assert [a.reason for a in _announcements(fresh_engine, black.id)] == ["expired"]
        assert _notice_kinds(fresh_engine, black.id) == ["expired", "prior_notice"]
        assert len(_watch_after(fresh_engine, black)) == 1
        assert _sweep(fresh_engine, keyring).events == {}

    def test_paperwork_done_before_a_crash_is_not_done_twice(self, fresh_engine, keyring):
        decided = clock.today() - timedelta(days=10)
        black = _record(
            fresh_engine,
            keyring,
            severity="general",
            decided_on=decided,
            display_until=add_months(decided, 4),
        )
        _at(black.display_until)
        _sweep(fresh_engine, keyring)
        before = _tally(fresh_engine)
        # The crash: everything but the final `retained` step (status and event) had committed.
        with Session(fresh_engine) as s:
            s.execute(
                _typed_id("UPDATE entry SET status = 'expired' WHERE id = :id"),
                {"id": black.id},
            )
            s.execute(
                _typed_id("DELETE FROM entry_event WHERE entry_id = :id AND event = 'retained'"),
                {"id": black.id},
            )
            s.commit()

        assert _sweep(fresh_engine, keyring).events == {"retained": 1}
        assert _tally(fresh_engine) == before
        assert _row(fresh_engine, black.id).status == "retained"
        assert len(_announcements(fresh_engine, black.id)) == 1
        assert len(_watch_after(fresh_engine, black)) == 1


class TestShreddingKeepsTheLogVerifiable:
    def test_the_leaf_still_names_the_entry_that_can_no_longer_be_read(
        self, fresh_engine, keyring, signer
    ):
        code = make_code()
        watch = _record(fresh_engine, keyring, subject_code=code, **_watch_fields())
        answer = _ask(fresh_engine, keyring, signer, code, "bank-1")
        assert [e.id for e in answer.entries] == [watch.id]

        _at(watch.retain_until)
        assert _sweep(fresh_engine, keyring).events["shredded"] == 1

        with Session(fresh_engine) as s:
            report = verify_log(session=s, signer_public_key=signer.public_key, name=NAME)
            assert report.ok, report
            # The query, then the entry's erasure and the subject's (its last entry went).
            assert report.leaves == 3
            erasures = [
                json.loads(b)
                for b in s.scalars(select(LogLeaf.body).where(col(LogLeaf.idx) > answer.log_index))
            ]
            assert [(e["kind"], e["what"], e["why"]) for e in erasures] == [
                ("erasure", "entry", "retention_ended"),
                ("erasure", "subject", "last_record_erased"),
            ]
            assert {e["ref"] for e in erasures} == {s.get(Entry, watch.id).public_ref}
            assert code not in json.dumps(erasures)
            body = s.scalars(select(LogLeaf.body).where(col(LogLeaf.idx) == answer.log_index)).one()
            # The leaf commits to the entry it delivered: the agency's receipt opens it.
            opened = answer.receipt["private"]
            assert isinstance(opened, dict)
            assert opened["entries"] == [str(watch.id)]
            check_commit(json.loads(body), opened, unb64(answer.receipt["salt"], "salt"))
            with pytest.raises(Shredded):
                _read(s, keyring, watch.id)
            index = keyring.blind_index(code)
            assert record_of(Context(s, keyring), code_index=index) == []


def _agency_notices(engine: Engine, entry_id: uuid.UUID) -> list[tuple[str, str, int]]:
    with Session(engine) as s:
        stmt = select(AgencyNotice).where(col(AgencyNotice.entry_id) == entry_id)
        return sorted((n.agency, n.kind, n.entry_version) for n in s.scalars(stmt))


class TestAgencyNoticesOnWithdrawal:
    """Agencies that received the entry in the 183 days before its withdrawal hear of it."""

    @pytest.fixture
    def delivered(self, fresh_engine, keyring, signer) -> EntryView:
        code = make_code()
        black = _record(fresh_engine, keyring, subject_code=code)
        _at(NOTICE_END)
        _ask(fresh_engine, keyring, signer, code, "stale-bank")
        clock.advance(timedelta(minutes=1))
        _ask(fresh_engine, keyring, signer, code, "edge-bank")
        edge = clock.now()
        clock.advance(timedelta(days=90))
        _ask(fresh_engine, keyring, signer, code, "mid-bank")
        clock.freeze(edge + timedelta(days=183) - timedelta(hours=1))
        _ask(fresh_engine, keyring, signer, code, "new-bank")
        _ask(fresh_engine, keyring, signer, code, "new-bank")
        # The withdrawal comes exactly 183 days after edge-bank's query.
        clock.freeze(edge + timedelta(days=183))
        return black

    EXPECTED: ClassVar[list[tuple[str, str, int]]] = [
        ("edge-bank", "withdrawn", 1),
        ("mid-bank", "withdrawn", 1),
        ("new-bank", "withdrawn", 1),
    ]

    def test_a_withdrawal_notifies_recent_recipients_once_each(
        self, fresh_engine, keyring, delivered
    ):
        with Session(fresh_engine) as s:
            withdraw_entry(
                Context(s, keyring),
                department=DEPT,
                entry_id=delivered.id,
                reason="the decision was annulled",
                kind="withdrawn",
                actor="recorder-1",
            )
            s.commit()
        assert _agency_notices(fresh_engine, delivered.id) == self.EXPECTED
        assert _sweep(fresh_engine, keyring).events == {}
        assert _agency_notices(fresh_engine, delivered.id) == self.EXPECTED

    def test_the_sweeper_notifies_them_after_a_crash(self, fresh_engine, keyring, delivered):
        with Session(fresh_engine) as s:
            lifecycle.apply(
                session=s,
                entry=s.get(Entry, delivered.id),
                event="criteria_changed",
                actor="recorder-1",
                now=clock.now(),
            )
            s.commit()
        assert _agency_notices(fresh_engine, delivered.id) == []
        assert _sweep(fresh_engine, keyring).events == {"retained": 1}
        assert _agency_notices(fresh_engine, delivered.id) == self.EXPECTED
        _sweep(fresh_engine, keyring)
        assert _agency_notices(fresh_engine, delivered.id) == self.EXPECTED


# --- many entries at once ---------------------------------------------------------------

SWEEP_AT = date(2025, 9, 19)
GROUPS = ("notice", "black", "red", "watch", "old", "withdrawn")
# What one sweep at SWEEP_AT fires for an entry of each group.
GROUP_EVENTS = {
    "notice": ["notice_ended"],
    "black": ["notice_ended", "display_ended", "retained"],
    "red": ["notice_ended", "display_ended", "retained"],
    "watch": ["display_ended", "retained"],
    "old": ["display_ended", "retained", "shredded"],
    "withdrawn": ["retained"],
}


def _populate(engine: Engine, keyring: Keyring, per_group: int) -> None:
    """`per_group` entries of each group, recorded at T0, each with work due at SWEEP_AT.

    notice: a person's black entry past its prior notice; black, red, watch: past their
    display end; old: decided in 2018, past its retention end; withdrawn: a black entry
    withdrawn whose paperwork was never done. Nothing the sweep creates is due itself.
    """
    _at(T0.date())
    decided = T0.date() - timedelta(days=10)
    fields: dict[str, dict[str, object]] = {
        "notice": {},
        "black": {
            "severity": "general",
            "decided_on": decided,
            "display_until": add_months(decided, 4),
            "watch_months": 3,
        },
        "red": _red_fields(display_until=T0.date() + timedelta(days=60)),
        "watch": _watch_fields(),
        "old": _old_watch_fields(),
        "withdrawn": {"watch_months": 3},
    }
    withdrawn: list[uuid.UUID] = []
    with Session(engine) as s:
        for n in range(per_group):
            for group in GROUPS:
                extra = dict(fields[group])
                if group == "old" and n % 2:
                    extra = {**extra, "list_kind": "red", "display_until": add_months(OLD, 6)}
                made = _record_in(s, keyring, external_id=f"{group}-{n:03d}", **extra)
                if group == "withdrawn":
                    withdrawn.append(made.id)
        s.commit()
    _at(SWEEP_AT)
    with Session(engine) as s:
        for entry_id in withdrawn:
            lifecycle.apply(
                session=s,
                entry=s.get(Entry, entry_id),
                event="withdrawn",
                actor="recorder-1",
                now=clock.now(),
            )
        s.commit()


def _expected_events(per_group: int) -> Counter[str]:
    expected: Counter[str] = Counter()
    for events in GROUP_EVENTS.values():
        expected.update({event: per_group for event in events})
    return expected


def _outcome(engine: Engine) -> dict[str, object]:
    """Everything the sweep leaves, named by external id (row ids differ between databases)."""
    with Session(engine) as s:
        names = {e.id: e.external_id for e in s.scalars(select(Entry))}
        return {
            "entries": sorted(
                (e.external_id, e.list_kind, e.status, e.exit_reason or "")
                for e in s.scalars(select(Entry))
            ),
            "events": Counter(
                (names[entry_id], event)
                for entry_id, event in s.execute(select(EntryEvent.entry_id, EntryEvent.event))
            ),
            "announcements": sorted(
                (names[a.entry_id], a.reason) for a in s.scalars(select(ExitAnnouncement))
            ),
            "notices": sorted((names[n.entry_id], n.kind) for n in s.scalars(select(EntryNotice))),
            "shredded_keys": s.scalar(
                select(func.count())
                .select_from(DataKeyRow)
                .where(col(DataKeyRow.wrapped).is_(None))
            ),
        }


@pytest.fixture
def reference_engine(databases) -> Iterator[Engine]:
    """A second migrated database of its own, to sweep the same data another way."""
    eng = make_engine(databases.new_url())
    migrate.upgrade(eng)
    yield eng
    eng.dispose()


class TestBoundedBatches:
    def test_small_batches_end_where_one_large_batch_does(
        self, fresh_engine, reference_engine, keyring
    ):
        _populate(fresh_engine, keyring, per_group=2)
        _populate(reference_engine, keyring, per_group=2)
        small = _sweep(fresh_engine, keyring, batch=3)
        large = _sweep(reference_engine, keyring, batch=500)

        assert small.examined == large.examined == 12
        assert Counter(small.events) == Counter(large.events) == _expected_events(2)
        assert _outcome(fresh_engine) == _outcome(reference_engine)
        assert _sweep(fresh_engine, keyring, batch=3).events == {}


class TestConcurrentSweepers:
    PER_GROUP = 10  # 60 due entries

    # Also one row per transaction, as a loaded machine's pacing makes it: every commit lets
    # go of that batch's claims, and the other sweeper must never take those rows again.
    @pytest.mark.parametrize("lock_seconds", [None, 0.0], ids=["batch", "every-row"])
    def test_two_sweepers_fire_every_event_exactly_once(
        self, fresh_engine, reference_engine, keyring, lock_seconds
    ):
        pacing = {} if lock_seconds is None else {"lock_seconds": lock_seconds}
        _populate(fresh_engine, keyring, self.PER_GROUP)
        _populate(reference_engine, keyring, self.PER_GROUP)
        reference = _sweep(reference_engine, keyring, batch=7)
        assert Counter(reference.events) == _expected_events(self.PER_GROUP)

        reports: list[SweepReport] = []
        errors: list[BaseException] = []
        barrier = threading.Barrier(2)
        now = clock.now()

        def worker() -> None:
            try:
                barrier.wait(timeout=30)
                reports.append(
                    sweep(engine=fresh_engine, keyring=keyring, now=now, batch=7, **pacing)
                )
            except BaseException as exc:  # reported by the main thread, not lost in the thread
                errors.append(exc)

        threads = [threading.Thread(target=worker) for _ in range(2)]
        for th in threads:
            th.start()
        for th in threads:
            th.join(timeout=300)
        assert not any(th.is_alive() for th in threads)
        assert not errors, errors
        assert len(reports) == 2

        combined = Counter(reports[0].events) + Counter(reports[1].events)
        assert combined == Counter(reference.events)
        outcome = _outcome(fresh_engine)
        events = outcome["events"]
        assert isinstance(events, Counter)
        assert max(events.values()) == 1  # every (entry, event) exactly once
        assert outcome == _outcome(reference_engine)
        with Session(fresh_engine) as s:
            exits = s.scalar(
                select(func.count())
                .select_from(Entry)
                .where(
                    col(Entry.list_kind).in_(("red", "black")),
                    col(Entry.exit_reason).is_not(None),
                )
            )
            announcements = s.scalar(select(func.count()).select_from(ExitAnnouncement))
            notices = s.execute(select(EntryNotice.entry_id, EntryNotice.kind)).all()
        # red: 10 expired + 5 old; black: 10 expired + 10 withdrawn.
        assert announcements == exits == 35
        # One per exit (expired or withdrawn), and the old entries' shredding besides.
        assert len(notices) == len(set(notices))
        listing = ("prior_notice", "took_effect", "watch_warning", "warning_list")
        exit_notices = [n for n in notices if n.kind not in listing]
        assert len(exit_notices) == 10 * 5 + 10
        # Each black entry told once in its prior notice, and once at most when it took effect.
        told = Counter(n.kind for n in notices)
        assert 0 < told["took_effect"] <= told["prior_notice"]
        assert _sweep(fresh_engine, keyring).events == {}
