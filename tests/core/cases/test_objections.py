"""The objection service: who may object, legal clocks, escalation and the overdue count, and
officers racing each other on a committed database (SQLite and PostgreSQL)."""

from __future__ import annotations

import threading
import uuid
from collections import Counter
from datetime import datetime, timedelta

import pytest
from pydantic import ValidationError
from sqlalchemy import Engine, select
from sqlmodel import Session, col

from core.calendar.workdays import WorkCalendar
from core.cases import repository as case_repo
from core.cases.objections import service
from core.cases.objections.schemas import DecisionRequest, ObjectionFilter
from core.cases.officer import Officer
from core.clock import CST, clock
from core.context import Context
from core.entries.visibility import shown_state
from core.errors import Conflict, DomainError, NotFound
from core.keyring import Keyring
from core.models import CaseEvent, Entry, Objection
from core.settings import Settings
from tests.factories import make_code, make_entry, object_to, objection_decided

CALENDAR = WorkCalendar()
SETTINGS = Settings(_env_file=None)
OFFICER = "officer-1"


def _events(session: Session, case_id: uuid.UUID) -> list[str]:
    stmt = select(CaseEvent).where(col(CaseEvent.case_id) == case_id).order_by(col(CaseEvent.at))
    return [e.event for e in session.execute(stmt).scalars()]


class TestWhoMayObject:
    def test_red_entries_are_open_to_anyone_only_while_the_public_sees_them(self, session, keyring):
        clock.freeze(datetime(2026, 3, 2, 10, 0, tzinfo=CST))
        code, stranger = make_code(), make_code()
        red = make_entry(
            session,
            keyring,
            subject_code=code,
            list_kind="red",
            severity="general",
            domain="volunteering",
            repairable=False,
            repair_ways=[],
            display_until=clock.today() + timedelta(days=50),
        )
        clock.advance(timedelta(days=60))  # display over: no longer public
        with pytest.raises(NotFound):
            object_to(session, keyring, stranger, red)
        assert session.get(Entry, red).under_objection is False
        # Its subject still sees it, expired, and may still contest it.
        case_id = object_to(session, keyring, code, red)
        assert session.get(Objection, case_id).status == "filed"

    def test_an_objection_after_the_notice_ran_out_does_not_hide_the_entry(self, session, keyring):
        # No sweep ran since the notice ended: the filing records the end of the notice
        # first, so the objection marks the shown entry instead of holding it back.
        clock.freeze(datetime(2026, 3, 2, 10, 0, tzinfo=CST))
        code = make_code()
        entry_id = make_entry(session, keyring, subject_code=code)
        entry = session.get(Entry, entry_id)
        assert entry.status == "pending_notice"
        clock.advance(timedelta(days=20))
        assert shown_state(entry, clock.today()) == "displayed"
        object_to(session, keyring, code, entry_id)
        session.refresh(entry)
        assert (entry.status, entry.under_objection) == ("displayed", True)
        assert shown_state(entry, clock.today()) == "displayed"

    def test_an_objection_during_the_notice_holds_the_entry(self, session, keyring):
        clock.freeze(datetime(2026, 3, 2, 10, 0, tzinfo=CST))
        code = make_code()
        entry_id = make_entry(session, keyring, subject_code=code)
        object_to(session, keyring, code, entry_id)
        clock.advance(timedelta(days=20))
        entry = session.get(Entry, entry_id)
        assert (entry.status, entry.under_objection) == ("pending_notice", True)
        assert shown_state(entry, clock.today()) == "pending_notice"


class TestClocksAndEscalation:
    def test_pending_steps_overdue_count_and_escalation_once(self, session, keyring):
        clock.freeze(datetime(2026, 9, 28, 10, 0, tzinfo=CST))
        codes = [make_code() for _ in range(2)]
        entries = [make_entry(session, keyring, subject_code=c) for c in codes]
        clock.freeze(datetime(2026, 9, 30, 10, 0, tzinfo=CST))
        late, timely = (
            object_to(session, keyring, c, e) for c, e in zip(codes, entries, strict=True)
        )
        case = session.get(Objection, late)
        assert [
            (c.step, c.due.isoformat())
            for c in service.clocks(case, today=clock.today(), calendar=CALENDAR)
        ] == [("accept", "2026-10-09"), ("resolve", "2026-10-20")]

        clock.freeze(datetime(2026, 10, 8, 10, 0, tzinfo=CST))
        assert objection_decided(session, keyring, timely, decision="accept").status == "accepted"
        assert [
            c.step
            for c in service.clocks(
                session.get(Objection, timely), today=clock.today(), calendar=CALENDAR
            )
        ] == ["resolve"]

        def escalate() -> int:
            return service.escalate_overdue(
                session=session, today=clock.today(), now=clock.now(), calendar=CALENDAR
            )

        clock.freeze(datetime(2026, 10, 9, 23, 0, tzinfo=CST))
        assert service.count_overdue(session=session, today=clock.today()) == 0
        assert escalate() == 0

        clock.freeze(datetime(2026, 10, 10, 9, 0, tzinfo=CST))  # a make-up working Saturday
        assert service.count_overdue(session=session, today=clock.today()) == 1
        assert escalate() == 1
        clock.advance(timedelta(hours=1))
        assert escalate() == 0
        session.refresh(case)
        assert (case.escalated, case.version) == (True, 1)  # an escalation races no officer
        assert _events(session, late) == ["filed", "escalated"]

        clock.freeze(datetime(2026, 10, 21, 9, 0, tzinfo=CST))  # the 20 days are over for both
        assert service.count_overdue(session=session, today=clock.today()) == 2
        assert escalate() == 1
        assert _events(session, timely) == ["filed", "accepted", "escalated"]
        clock.advance(timedelta(hours=1))
        assert (
            objection_decided(
                session, keyring, timely, decision="reject", reasons="无新证据"
            ).status
            == "rejected"
        )
        assert (
            service.clocks(session.get(Objection, timely), today=clock.today(), calendar=CALENDAR)
            == []
        )
        assert service.count_overdue(session=session, today=clock.today()) == 1


class TestTheOfficersCase:
    def test_the_entry_objected_to_is_read_with_its_facts_until_it_is_erased(
        self, session, keyring
    ):
        clock.freeze(datetime(2026, 3, 2, 10, 0, tzinfo=CST))
        code = make_code()
        entry_id = make_entry(session, keyring, subject_code=code, facts="逾期未缴税款三十万元")
        case_id = object_to(session, keyring, code, entry_id)
        case = service.read_case(Context(session, keyring), department="dept-a", case_id=case_id)
        row = session.get(Entry, entry_id)
        assert (case.entry.facts, case.entry.external_id) == (
            "逾期未缴税款三十万元",
            row.external_id,
        )
        assert (case.entry.decided_on, case.entry.display_until) == (
            row.decided_on,
            row.display_until,
        )
        assert case.entry.erased is False
        assert case.apologised is False
        objection_decided(session, keyring, case_id, decision="accept")
        done = objection_decided(
            session,
            keyring,
            case_id,
            decision="uphold",
            erroneous=True,
            reasons="认定对象有误",
            apology="经复核，该条目属错误认定，已永久删除。特此致歉。",
        )
        assert (done.entry.erased, done.entry.facts, done.entry.subject_name) == (True, None, None)
        assert done.apologised is True
        assert done.apology == "经复核，该条目属错误认定，已永久删除。特此致歉。"
        mine = service.my_objection(
            Context(session, keyring), code_index=keyring.blind_index(code), case_id=case_id
        )
        assert mine.apology == done.apology

    def test_an_apology_without_an_erroneous_uphold_and_a_stale_check_write_nothing(
        self, session, keyring
    ):
        clock.freeze(datetime(2026, 3, 2, 10, 0, tzinfo=CST))
        code = make_code()
        case_id = object_to(session, keyring, code, make_entry(session, keyring, subject_code=code))
        ctx, officer = Context(session, keyring), Officer(department="dept-a", actor=OFFICER)

        def check(**body: object) -> str | None:
            try:
                service.check_decision(
                    ctx, officer=officer, case_id=case_id, payload=DecisionRequest(**body)
                )
            except DomainError as exc:
                return exc.rule
            return None

        assert check(decision="accept") is None
        assert check(decision="uphold", erroneous=True) == "illegal_decision"
        objection_decided(session, keyring, case_id, decision="accept")
        assert check(decision="uphold", erroneous=True, version=1) == "stale_version"
        assert (
            check(decision="reject", apology="致歉", reasons="无新证据") == "apology_erroneous_only"
        )
        assert check(decision="uphold", erroneous=True, apology="致歉") is None
        assert _events(session, case_id) == ["filed", "accepted"]
        assert session.get(Objection, case_id).status == "accepted"


class TestTheWorkList:
    def test_filters_by_list_kind_deadline_and_reference(self, session, keyring):
        clock.freeze(datetime(2026, 3, 2, 10, 0, tzinfo=CST))
        codes = [make_code() for _ in range(3)]
        black = make_entry(session, keyring, subject_code=codes[0])
        watch = make_entry(
            session,
            keyring,
            subject_code=codes[1],
            list_kind="watch",
            severity="general",
            display_until=clock.today() + timedelta(days=200),
        )
        early = object_to(session, keyring, codes[0], black)
        clock.freeze(datetime(2026, 3, 5, 10, 0, tzinfo=CST))
        late = object_to(session, keyring, codes[1], watch)
        ctx = Context(session, keyring)

        def listed(**filters: object) -> list[uuid.UUID]:
            found = service.department_queue(
                ctx, department="dept-a", filters=ObjectionFilter.model_validate(filters)
            )
            return [c.id for c in found]

        assert listed() == [early, late]
        assert listed(list_kind="watch") == [late]
        assert listed(list_kind="red") == []
        ref = session.get(Entry, black).public_ref
        assert listed(q=ref) == [early]
        assert listed(q=ref[:5].lower()) == [early]
        assert listed(q=session.get(Entry, watch).external_id) == [late]
        assert listed(q=str(late)) == [late]
        assert listed(q="ZZZZZZZZZZZZZZ") == []
        # Today (Thursday 5 March) the first is overdue; the second is due Monday 9 March.
        assert session.get(Objection, late).accept_due.isoformat() == "2026-03-09"
        assert listed(due_within=0) == [early]
        assert listed(due_within=1) == [early]
        assert listed(due_within=2) == [early, late]
        assert listed(due_within=2, overdue=False) == [late]
        with pytest.raises(ValidationError):
            ObjectionFilter.model_validate({"q": "a b%"})


# --- racing on a committed database -----------------------------------------------------


def _setup(engine: Engine, keyring: Keyring, *, accept: bool) -> tuple[str, uuid.UUID]:
    clock.freeze(datetime(2026, 3, 2, 10, 0, tzinfo=CST))
    code = make_code()
    with Session(engine, expire_on_commit=False) as s:
        entry_id = make_entry(s, keyring, subject_code=code)
        s.commit()
    clock.advance(timedelta(days=20))
    if accept:
        with Session(engine, expire_on_commit=False) as s:
            case_id = object_to(s, keyring, code, entry_id)
            s.commit()
        clock.advance(timedelta(hours=1))
        with Session(engine, expire_on_commit=False) as s:
            objection_decided(s, keyring, case_id, decision="accept")
            s.commit()
        clock.advance(timedelta(hours=1))
        return code, case_id
    return code, entry_id


def _race(engine: Engine, attempts: list, gate_repo: str | None, monkeypatch) -> list[str]:
    """Run the attempts in threads started together; on PostgreSQL optionally hold each at
    the guarded UPDATE until all have read the row, so the race is certain, not likely."""
    results: list[str] = [""] * len(attempts)
    start = threading.Barrier(len(attempts))
    if gate_repo is not None and engine.dialect.name == "postgresql":
        gate = threading.Barrier(len(attempts))
        real = getattr(case_repo, gate_repo)

        def gated(*args: object, **kwargs: object) -> object:
            gate.wait(timeout=20)
            return real(*args, **kwargs)

        monkeypatch.setattr(case_repo, gate_repo, gated)

    def run(n: int) -> None:
        start.wait(timeout=20)
        with Session(engine, expire_on_commit=False) as s:
            try:
                attempts[n](s)
                s.commit()
                results[n] = "won"
            except Conflict as exc:
                s.rollback()
                results[n] = exc.rule or "conflict"

    threads = [threading.Thread(target=run, args=(n,)) for n in range(len(attempts))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results


class TestRacingOfficers:
    def test_two_officers_deciding_at_once_exactly_one_wins(
        self, fresh_engine, keyring, monkeypatch
    ):
        _code, case_id = _setup(fresh_engine, keyring, accept=True)
        attempts = [
            lambda s: (
                objection_decided(s, keyring, case_id, decision="reject", reasons="证据不足").status
            ),
            lambda s: (
                objection_decided(s, keyring, case_id, decision="uphold", erroneous=True).status
            ),
        ]
        results = _race(fresh_engine, attempts, "decide", monkeypatch)
        assert sorted(results).count("won") == 1, results
        (lost,) = [r for r in results if r != "won"]
        # PostgreSQL: both read version 2, the guarded UPDATE lets one through. SQLite: the
        # writers queue at BEGIN IMMEDIATE, so the second reads the decided case.
        expected = "concurrent_decision" if fresh_engine.dialect.name == "postgresql" else None
        assert lost in ({expected} if expected else {"illegal_decision", "concurrent_decision"})
        with Session(fresh_engine) as s:
            case = s.get(Objection, case_id)
            entry = s.get(Entry, case.entry_id)
            events = _events(s, case_id)
        assert case.version == 3
        assert case.status in ("rejected", "upheld")
        assert Counter(events)["rejected"] + Counter(events)["upheld"] == 1
        if case.status == "upheld":
            assert entry.status == "shredded"
            assert events[-2:] == ["entry_erased", "apology_issued"]
        else:
            assert (entry.status, entry.under_objection) == ("displayed", False)
            assert events[-2:] == ["rejected", "reconsideration_notice"]

    def test_two_filings_on_one_entry_at_once_open_one_case(
        self, fresh_engine, keyring, monkeypatch
    ):
        code, entry_id = _setup(fresh_engine, keyring, accept=False)
        attempts = [lambda s: object_to(s, keyring, code, entry_id) for _ in range(2)]
        # No gate here: the guard is the entry's own conditional UPDATE, which a gate
        # would hold while the other filing waits on its row lock.
        results = _race(fresh_engine, attempts, None, monkeypatch)
        assert results.count("won") == 1, results
        with Session(fresh_engine) as s:
            cases = (
                s.execute(select(Objection).where(col(Objection.entry_id) == entry_id))
                .scalars()
                .all()
            )
            entry = s.get(Entry, entry_id)
        assert len(cases) == 1
        assert entry.under_objection is True
