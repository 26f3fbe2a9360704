"""Thirteen months on: the demo data set, swept on load and again 13 months later, shows no
general-severity entry to agencies or the public, the citizen still sees every one of them
as ended, and every exit left its announcement and notices exactly once."""

from __future__ import annotations

import secrets
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from sqlmodel import Session, col

from core import migrate
from core.audit.rules import AuditRules
from core.clock import clock
from core.context import Context
from core.db import make_engine
from core.demo.dataset import DEMO_PEOPLE, load_demo
from core.demo.people import DemoPerson, demo_people
from core.demo.queries import load_demo_queries
from core.entries.service import my_record, record_of
from core.entries.subjects import subject_by_index
from core.entries.sweeper import SweepReport, sweep
from core.entries.visibility import visible_to
from core.keyring import Keyring
from core.models import DataKeyRow, Entry, EntryNotice, ExitAnnouncement
from core.queries.schemas import AnsweredEntry, QueryRequest
from core.queries.service import run_query
from core.querylog.checkpoints import Cadence
from core.querylog.signing_key import signer_for_data_dir
from crypto.keys import EnvKeyProvider, encode_env_keys
from crypto.log_signer import LogSigner
from crypto.suites import AES

# The scenario builds its own database once for the class; it commits for real, so it
# runs again on PostgreSQL with the other database tests.
pytestmark = pytest.mark.db

# Monday 2 March 2026, 10:00 in Beijing: every demo entry (decided up to ~1,000 days
# earlier) is recorded inside the holiday calendar's years.
LOADED_AT = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)
THIRTEEN_MONTHS = timedelta(days=396)
PUBLIC_KINDS = ("red", "black")


@dataclass(frozen=True)
class Scenario:
    """The swept demo database, thirteen months after it was loaded."""

    engine: Engine
    keyring: Keyring
    signer: LogSigner
    people: list[DemoPerson]
    at: datetime
    first: SweepReport
    later: SweepReport


@pytest.fixture(scope="class")
def scenario(databases, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Scenario]:
    """Load the demo as `credence demo` does, sweep, move on 13 months, sweep again."""
    engine = make_engine(databases.new_url())
    migrate.upgrade(engine)
    keyring = Keyring(EnvKeyProvider(encode_env_keys({1: secrets.token_bytes(32)})), AES)
    signer = signer_for_data_dir(
        Path(tmp_path_factory.mktemp("log")), origin="credence.test/log", name="credence.test-log"
    )
    people = demo_people(DEMO_PEOPLE)
    clock.freeze(LOADED_AT)
    try:
        with Session(engine) as s:
            assert load_demo(session=s, keyring=keyring).created > 50
        with Session(engine) as s:
            loaded = load_demo_queries(
                session=s,
                keyring=keyring,
                signer=signer,
                people=people,
                rules=AuditRules(),
                cadence=Cadence(),
            )
            s.commit()
        assert loaded.logged > 0
        first = sweep(engine=engine, keyring=keyring, now=clock.now())
        clock.advance(THIRTEEN_MONTHS)
        later = sweep(engine=engine, keyring=keyring, now=clock.now())
        at = clock.now()
    finally:
        clock.reset()
    yield Scenario(engine, keyring, signer, people, at, first, later)
    engine.dispose()


@pytest.fixture
def now(scenario: Scenario) -> datetime:
    """Each test reads the scenario at its final instant (the clock is reset between tests)."""
    clock.freeze(scenario.at)
    return scenario.at


def _answers(scenario: Scenario, now: datetime) -> list[AnsweredEntry]:
    """What a legal-basis query of every demo person returns now."""
    answered: list[AnsweredEntry] = []
    with Session(scenario.engine) as s:
        for person in scenario.people:
            answer = run_query(
                session=s,
                keyring=scenario.keyring,
                signer=scenario.signer,
                agency="audit-court",
                payload=QueryRequest(
                    subject_code=person.code, purpose="licensing", legal_basis="court_enforcement"
                ),
                now=now,
            )
            answered += answer.entries
        s.commit()
    return answered


def _live_entries(scenario: Scenario) -> list[Entry]:
    """Every entry whose data key still exists."""
    with Session(scenario.engine, expire_on_commit=False) as s:
        stmt = (
            select(Entry)
            .join(DataKeyRow, col(DataKeyRow.id) == col(Entry.data_key_id))
            .where(col(DataKeyRow.wrapped).is_not(None))
        )
        return list(s.scalars(stmt))


class TestThirteenMonthsLater:
    def test_the_demo_had_work_for_both_sweeps(self, scenario: Scenario):
        assert scenario.first.events.get("display_ended", 0) > 0
        assert scenario.later.events.get("display_ended", 0) > 0
        assert scenario.later.events.get("retained", 0) > 0

    def test_no_general_entry_is_answered_to_an_agency(self, scenario: Scenario, now: datetime):
        answered = _answers(scenario, now)
        # The serious entries still run (up to 36 months), so the check could fail.
        assert any(e.severity == "serious" for e in answered)
        assert [(e.list_kind, e.domain) for e in answered if e.severity == "general"] == []

    def test_no_general_entry_is_shown_to_agencies_or_the_public(
        self, scenario: Scenario, now: datetime
    ):
        general = [e for e in _live_entries(scenario) if e.severity == "general"]
        assert len(general) > 10
        today = clock.today()
        shown = [
            (e.external_id, v.audience)
            for e in general
            for v in visible_to(e, today)
            if v.audience in ("agencies", "public")
        ]
        assert shown == [], shown

    def test_the_citizen_still_sees_every_general_entry_as_ended(
        self, scenario: Scenario, now: datetime
    ):
        general = [e for e in _live_entries(scenario) if e.severity == "general"]
        seen: Counter[str] = Counter()
        with Session(scenario.engine) as s:
            for person in scenario.people:
                index = scenario.keyring.blind_index(person.code)
                subject = subject_by_index(session=s, code_index=index)
                assert subject is not None
                views = record_of(Context(s, scenario.keyring), code_index=index)
                shown = {v.id: v for v in views if v.severity == "general"}
                # None missing: the owner sees every general entry of theirs still kept.
                assert set(shown) == {e.id for e in general if e.subject_id == subject.id}
                for v in shown.values():
                    assert v.state in ("expired", "exited"), (v.list_kind, v.state)
                    assert {a.audience for a in v.visible_to} == {"you", "recording_department"}
                seen.update(v.state for v in shown.values())
        assert seen["expired"] > 10
        assert sum(seen.values()) == len(general)

    def test_the_warning_list_member_has_left_it(self, scenario: Scenario, now: datetime):
        # The demo watches its first person in three domains for six months (§5.5).
        watched = scenario.people[0]
        with Session(scenario.engine) as s:
            mine = my_record(
                Context(s, scenario.keyring), code_index=scenario.keyring.blind_index(watched.code)
            )
        watch = [v for v in mine.entries if v.list_kind == "watch"]
        assert len({v.domain for v in watch}) >= 3
        assert mine.warning_list is False

    def test_every_exit_is_announced_and_noticed_exactly_once(
        self, scenario: Scenario, now: datetime
    ):
        with Session(scenario.engine) as s:
            exits = list(s.scalars(select(Entry).where(col(Entry.exit_reason).is_not(None))))
            announced = Counter(s.scalars(select(col(ExitAnnouncement.entry_id))))
            notices = Counter((n.entry_id, n.kind) for n in s.scalars(select(EntryNotice)))
        public_exits = {e.id for e in exits if e.list_kind in PUBLIC_KINDS}
        assert len(public_exits) > 10
        assert set(announced) == public_exits
        assert set(announced.values()) == {1}
        assert set(notices.values()) == {1}
        # Every exit (expiry included) told its citizen once, under its reason.
        assert {(e.id, e.exit_reason) for e in exits} <= set(notices)
        assert {e.status for e in exits} <= {"retained", "shredded"}

    def test_sweeping_again_does_nothing_more(self, scenario: Scenario, now: datetime):
        def counts() -> tuple[int, int, int]:
            with Session(scenario.engine) as s:
                return (
                    len(s.scalars(select(col(Entry.id))).all()),
                    len(s.scalars(select(col(ExitAnnouncement.id))).all()),
                    len(s.scalars(select(col(EntryNotice.id))).all()),
                )

        before = counts()
        again = sweep(engine=scenario.engine, keyring=scenario.keyring, now=now)
        assert (again.examined, again.events) == (0, {})
        assert counts() == before
