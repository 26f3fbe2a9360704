"""How the sweeper finds due work (`core.entries.lifecycle_repository.due_entries`): each kind of
due work is read along its own `(status, date)` index from where the pass stands, so every
due row is read once whatever the batch size, kinds run out one after another, entries held
by an objection are never returned, and a pass ends even if nothing it read was moved."""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, event, select, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from core.clock import clock
from core.context import Context
from core.entries import lifecycle
from core.entries import lifecycle_repository as repo
from core.entries.display import add_months
from core.entries.service import create_entry
from core.entries.sweeper import sweep
from core.keyring import Keyring
from core.models import Entry, EntryNotice
from tests.factories import make_payload

TODAY = date(2025, 9, 19)
NOW = datetime(2025, 9, 19, 2, 0, tzinfo=UTC)  # 10:00 in Beijing
LONG_AGO = date(2010, 1, 4)
KIND_ORDER = [kind.status for kind in repo.DUE_KINDS]


@pytest.fixture(autouse=True)
def _frozen() -> None:
    clock.freeze(datetime(2025, 3, 3, 2, 0, tzinfo=UTC))


def _entry(session: Session, keyring: Keyring, **stored: Any) -> uuid.UUID:
    """An entry recorded by the service, then stored in the given status and dates."""
    made = create_entry(
        Context(session, keyring), department="dept-a", actor="recorder-1", payload=make_payload()
    )
    session.execute(
        update(Entry)
        .where(col(Entry.id) == made.id)
        .values(decided_on=LONG_AGO, **stored)
        .execution_options(synchronize_session=False)
    )
    session.expire_all()  # no loaded row keeps the status it was recorded with
    return made.id


def _days(n: int) -> date:
    return TODAY + timedelta(days=n)


class Layout:
    """Entries of every kind, due and not, with several on one date."""

    def __init__(self, session: Session, keyring: Keyring) -> None:
        def make(n: int, **stored: Any) -> list[uuid.UUID]:
            return [_entry(session, keyring, **stored) for _ in range(n)]

        far = _days(800)
        self.due: dict[str, list[uuid.UUID]] = {
            "pending_notice": make(1, status="pending_notice", notice_until=_days(-5))
            + make(2, status="pending_notice", notice_until=_days(-1))
            + make(1, status="pending_notice", notice_until=TODAY),
            # Five on one date, so batches end between them.
            "displayed": make(5, status="displayed", display_until=_days(-3))
            + make(1, status="displayed", display_until=TODAY),
            "expired": make(1, status="expired", retain_until=far),
            "exited": [],
            "retained": make(2, status="retained", retain_until=_days(-100))
            + make(1, status="retained", retain_until=TODAY),
        }
        self.not_due = (
            # Held by an open objection, among the due pending entries' dates.
            make(2, status="pending_notice", notice_until=_days(-2), under_objection=True)
            + make(1, status="pending_notice", notice_until=_days(-5), under_objection=True)
            + make(1, status="pending_notice", notice_until=_days(1))
            + make(1, status="displayed", display_until=_days(1))
            + make(1, status="retained", retain_until=_days(1))
            + make(1, status="shredded", retain_until=_days(-100))
        )
        session.flush()

    @property
    def all_due(self) -> set[uuid.UUID]:
        return {entry_id for ids in self.due.values() for entry_id in ids}


@pytest.fixture
def layout(session: Session, keyring: Keyring) -> Layout:
    return Layout(session, keyring)


def _walk(session: Session, limit: int, cursor: repo.DueCursor | None = None) -> list[list[Entry]]:
    """Read a whole pass in batches of `limit`, moving nothing."""
    cursor = cursor or repo.DueCursor()
    batches: list[list[Entry]] = []
    while batch := repo.due_entries(session, today=TODAY, cursor=cursor, limit=limit):
        batches.append(batch)
        assert len(batches) <= 100, "the pass does not end"
    return batches


def _flat(batches: list[list[Entry]]) -> list[Entry]:
    return [entry for batch in batches for entry in batch]


class TestEveryDueEntryOnce:
    @pytest.mark.parametrize("limit", [1, 2, 3, 4, 5, 7, 500])
    def test_whatever_the_batch_size(self, session, layout, limit):
        batches = _walk(session, limit)
        ids = [entry.id for entry in _flat(batches)]
        assert len(ids) == len(set(ids))
        assert set(ids) == layout.all_due
        # Batches are full until the pass runs out, across the ends of kinds.
        assert all(len(batch) == limit for batch in batches[:-1])
        assert 0 < len(batches[-1]) <= limit

    def test_a_pass_ends_though_nothing_read_was_moved(self, session, layout):
        # The rows stay due; the cursor alone moves the pass on, so it never loops.
        cursor = repo.DueCursor()
        assert len(_flat(_walk(session, 3, cursor))) == len(layout.all_due)
        assert cursor.done == set(KIND_ORDER)
        assert repo.due_entries(session, today=TODAY, cursor=cursor, limit=3) == []


class TestKindsRunOutInTurn:
    def test_each_kind_in_date_order_then_the_next(self, session, layout):
        read = _flat(_walk(session, 2))
        statuses = [entry.status for entry in read]
        # Kinds one after another in their fixed order; none comes back after it ended.
        assert statuses == sorted(statuses, key=KIND_ORDER.index)
        assert Counter(statuses) == {k: len(v) for k, v in layout.due.items() if v}
        for kind in repo.DUE_KINDS:
            dates = [getattr(entry, kind.on) for entry in read if entry.status == kind.status]
            assert dates == sorted(dates)

    def test_a_batch_is_filled_from_the_next_kinds(self, session, layout):
        # Four pending entries, then six displayed ones: the first batch of five ends with
        # a displayed one, and the third passes over the empty `exited` kind.
        first, second, third, *rest = _walk(session, 5)
        assert [e.status for e in first] == ["pending_notice"] * 4 + ["displayed"]
        assert [e.status for e in second] == ["displayed"] * 5
        assert [e.status for e in third] == ["expired", "retained", "retained", "retained"]
        assert rest == []

    def test_a_kind_that_ends_on_a_batch_boundary(self, session, keyring):
        pending = [
            _entry(session, keyring, status="pending_notice", notice_until=_days(-1))
            for _ in range(3)
        ]
        displayed = [
            _entry(session, keyring, status="displayed", display_until=_days(-1)) for _ in range(3)
        ]
        cursor = repo.DueCursor()
        first = repo.due_entries(session, today=TODAY, cursor=cursor, limit=3)
        # A full batch from one kind does not yet show that the kind is over.
        assert ({e.id for e in first}, cursor.done) == (set(pending), set())
        second = repo.due_entries(session, today=TODAY, cursor=cursor, limit=3)
        assert {e.id for e in second} == set(displayed)
        assert cursor.done == {"pending_notice"}
        assert repo.due_entries(session, today=TODAY, cursor=cursor, limit=3) == []
        assert cursor.done == set(KIND_ORDER)

    def test_nothing_due_reads_each_kind_once_and_ends(self, session):
        cursor = repo.DueCursor()
        assert repo.due_entries(session, today=TODAY, cursor=cursor, limit=500) == []
        assert cursor.done == set(KIND_ORDER)


class TestSameDateAcrossBatches:
    def test_entries_of_one_date_are_split_and_none_is_lost(self, session, keyring):
        ids = {
            _entry(session, keyring, status="displayed", display_until=_days(-3)) for _ in range(7)
        }
        batches = _walk(session, 2)
        assert [len(b) for b in batches] == [2, 2, 2, 1]
        read = [entry.id for entry in _flat(batches)]
        assert len(read) == len(set(read))
        assert set(read) == ids

    def test_the_cursor_stands_on_the_last_date_read(self, session, keyring):
        for n in (-9, -3, -3, -3):
            _entry(session, keyring, status="retained", retain_until=_days(n))
        cursor = repo.DueCursor()
        for _ in range(2):  # the pending, displayed, expired and exited kinds end at once
            repo.due_entries(session, today=TODAY, cursor=cursor, limit=2)
        assert cursor.after["retained"][0] == _days(-3)
        assert "retained" not in cursor.done


class TestHeldEntries:
    def test_held_and_future_entries_are_never_read(self, session, layout):
        read = {entry.id for entry in _flat(_walk(session, 1))}
        assert read.isdisjoint(layout.not_due)

    def test_an_entry_released_behind_the_cursor_waits_for_the_next_pass(self, session, layout):
        held = layout.not_due[2]  # held, notice ended five days ago: first in date order
        cursor = repo.DueCursor()
        first = repo.due_entries(session, today=TODAY, cursor=cursor, limit=2)
        assert held not in {e.id for e in first}
        session.execute(
            update(Entry)
            .where(col(Entry.id) == held)
            .values(under_objection=False)
            .execution_options(synchronize_session=False)
        )
        rest = _flat(_walk(session, 2, cursor))
        assert held not in {e.id for e in rest}
        assert held in {e.id for e in _flat(_walk(session, 2))}


class TestSQLitePlans:
    """Each kind's query is one range of its own index, read in order: no sort, no
    multi-index OR, whether it starts at the beginning or after the cursor."""

    def test_every_query_is_one_index_range_in_order(self, session, engine, layout):
        if engine.dialect.name != "sqlite":
            pytest.skip("SQLite's query plans")
        sent: list[tuple[str, Any]] = []

        def capture(_c: Any, _cur: Any, statement: str, params: Any, *_: Any) -> None:
            if statement.lstrip().startswith("SELECT") and "FROM entry" in statement:
                sent.append((statement, params))

        conn = session.connection()
        event.listen(conn, "before_cursor_execute", capture)
        try:
            _walk(session, 2)
        finally:
            event.remove(conn, "before_cursor_execute", capture)
        index = {
            "pending_notice": "ix_entry_status_notice_until",
            "displayed": "ix_entry_status_display_until",
            "expired": "ix_entry_status_retain_until",
            "exited": "ix_entry_status_retain_until",
            "retained": "ix_entry_status_retain_until",
        }
        keyset = 0
        for statement, params in sent:
            plan = [
                str(row[-1])
                for row in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, params)
            ]
            assert len(plan) == 1, plan
            assert plan[0].startswith(f"SEARCH entry USING INDEX {index[params[0]]} (status=?")
            keyset += " OR entry.rowid > " in statement
        assert keyset > 0

    def test_the_sets_updates_find_their_rows_by_key_not_by_status(self, session, engine, layout):
        if engine.dialect.name != "sqlite":
            pytest.skip("SQLite's query plans")
        sent: list[tuple[str, Any]] = []

        def capture(_c: Any, _cur: Any, statement: str, params: Any, *_: Any) -> None:
            if statement.lstrip().startswith("UPDATE entry"):
                sent.append((statement, params))

        conn = session.connection()
        event.listen(conn, "before_cursor_execute", capture)
        try:
            cursor = repo.DueCursor()
            now = datetime.combine(TODAY, datetime.min.time(), tzinfo=UTC)
            for kind in repo.DUE_KINDS:
                moved = repo.claim_due(
                    session, kind=kind, today=TODAY, cursor=cursor, limit=3, now=now
                )
                onward = [r for r in moved if r.status in ("displayed", "retained")]
                if onward:
                    status = str(onward[0].status)
                    ids = [r.id for r in onward if r.status == status]
                    repo.move_on(session, ids=ids, status=status, now=now)
        finally:
            event.remove(conn, "before_cursor_execute", capture)
        assert len(sent) >= 2
        for statement, params in sent:
            plan = [
                str(row[-1])
                for row in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, params)
            ]
            # The row to change is looked up by its key; no walk along a status index.
            assert plan[0].startswith("SEARCH entry USING INTEGER PRIMARY KEY") or (
                plan[0].startswith("SEARCH entry USING INDEX") and "(id=?)" in plan[0]
            ), plan


def _sweep_engine_entries(engine: Engine, keyring: Keyring) -> dict[str, list[uuid.UUID]]:
    """Due work of three kinds in unequal amounts, and held entries, recorded for real."""
    made: dict[str, list[uuid.UUID]] = {"pending": [], "held": [], "watch": [], "old": []}

    def record(group: str, **fields: Any) -> None:
        with Session(engine) as s:
            view = create_entry(
                Context(s, keyring),
                department="dept-a",
                actor="recorder-1",
                payload=make_payload(**fields),
            )
            if group == "held":
                lifecycle.apply(
                    session=s,
                    entry=s.get(Entry, view.id),
                    event="objection_opened",
                    actor="citizen",
                    now=clock.now(),
                )
            s.commit()
        made[group].append(view.id)

    decided = clock.today() - timedelta(days=10)
    watch = {
        "list_kind": "watch",
        "severity": "general",
        "decided_on": decided,
        "display_until": add_months(decided, 3),
        "valid_until": add_months(decided, 3),
        "repairable": False,
        "repair_ways": [],
    }
    old = date(2018, 3, 1)
    for _ in range(5):
        record("pending")
    for _ in range(3):
        record("held")
    for _ in range(2):
        record("watch", **watch)
    record(
        "old",
        **{
            **watch,
            "decided_on": old,
            "display_until": add_months(old, 3),
            "valid_until": add_months(old, 12),
        },
    )
    return made


class TestSweepAcrossKinds:
    @pytest.mark.parametrize("batch", [1, 2, 4])
    def test_unequal_kinds_and_held_entries_in_small_batches(self, fresh_engine, keyring, batch):
        made = _sweep_engine_entries(fresh_engine, keyring)
        report = sweep(engine=fresh_engine, keyring=keyring, now=NOW, batch=batch)
        # 5 pending, 2 watch past display, 1 long past retention; the 3 held are not read.
        assert report.examined == 8
        assert report.events == {
            "notice_ended": 5,
            "display_ended": 3,
            "retained": 3,
            "shredded": 1,
        }
        with Session(fresh_engine) as s:
            for entry_id in made["held"]:
                entry = s.get(Entry, entry_id)
                assert entry is not None
                assert (entry.status, entry.under_objection) == ("pending_notice", True)
        again = sweep(engine=fresh_engine, keyring=keyring, now=NOW, batch=batch)
        assert (again.examined, again.events) == (0, {})


class TestPaperworkOnce:
    """A notice or an announcement is written once, in one statement, and says if it was."""

    def test_a_repeated_notice_inserts_nothing(self, session, keyring):
        entry_id = _entry(session, keyring, status="expired", retain_until=_days(800))
        entry = session.get(Entry, entry_id)
        statements: list[str] = []

        def count(_c: Any, _cur: Any, statement: str, *_: Any) -> None:
            statements.append(statement)

        conn = session.connection()
        event.listen(conn, "before_cursor_execute", count)
        try:
            first = repo.add_entry_notice(
                session, subject_id=entry.subject_id, entry_id=entry_id, kind="expired", now=NOW
            )
            again = repo.add_entry_notice(
                session, subject_id=entry.subject_id, entry_id=entry_id, kind="expired", now=NOW
            )
        finally:
            event.remove(conn, "before_cursor_execute", count)
        assert (first, again) == (True, False)
        if session.get_bind().dialect.name in ("sqlite", "postgresql"):
            assert len(statements) == 2  # no savepoint around either
        kinds = session.scalars(
            select(EntryNotice.kind).where(col(EntryNotice.entry_id) == entry_id)
        ).all()
        assert sorted(kinds) == ["expired", "prior_notice"]

    def test_a_notice_about_no_entry_is_still_an_error(self, session, keyring):
        entry_id = _entry(session, keyring, status="expired", retain_until=_days(800))
        entry = session.get(Entry, entry_id)
        with pytest.raises(IntegrityError):
            repo.add_entry_notice(
                session, subject_id=entry.subject_id, entry_id=uuid.uuid4(), kind="x", now=NOW
            )
