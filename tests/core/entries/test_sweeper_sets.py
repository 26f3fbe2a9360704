"""The sweep in sets (issue 17): on a generated data set with every kind of due work, it leaves
the same end state as the row-by-row sweep it replaced — every entry's status and dates,
history, announcements, notices, agency notices, shredded keys, erased subjects and cases,
and log leaves — whatever its batch size and pacing."""

from __future__ import annotations

import json
import random
import uuid
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, select, update
from sqlmodel import Session, col

from core import migrate
from core.cases import engine as case_store
from core.clock import clock
from core.context import Context
from core.db import make_engine
from core.entries import lifecycle, store
from core.entries import lifecycle_repository as repo
from core.entries.display import add_months
from core.entries.service import create_entry
from core.entries.sweeper import sweep
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
    Subject,
)
from tests.core.entries.rowwise_sweep import sweep_row_by_row
from tests.factories import make_code, make_payload

T0 = datetime(2025, 3, 3, 2, 0, tzinfo=UTC)  # Monday 10:00 in Beijing
SWEEP_AT = datetime(2025, 9, 19, 2, 0, tzinfo=UTC)
DECIDED = T0.date() - timedelta(days=10)
OLD = date(2018, 3, 1)
DEPT = "dept-a"

_WATCH = {
    "list_kind": "watch",
    "severity": "general",
    "decided_on": DECIDED,
    "display_until": add_months(DECIDED, 3),
    "valid_until": add_months(DECIDED, 3),
    "repairable": False,
    "repair_ways": [],
}
_OLD = {
    **_WATCH,
    "decided_on": OLD,
    "display_until": add_months(OLD, 3),
    "valid_until": add_months(OLD, 12),
}
_BLACK_GENERAL = {
    "severity": "general",
    "decided_on": DECIDED,
    "display_until": add_months(DECIDED, 4),
}
_RED = {
    "list_kind": "red",
    "severity": "general",
    "repairable": False,
    "repair_ways": [],
    "display_until": T0.date() + timedelta(days=60),
}
# Every kind of due work the sweep meets, and what is not due, as recorded by the service.
FIELDS: dict[str, dict[str, Any]] = {
    "notice": {},  # prior notice over, display ahead: notice_ended
    "held": {},  # notice over but an objection is open: nothing
    "future": _WATCH
    | {"display_until": add_months(DECIDED, 12), "valid_until": add_months(DECIDED, 12)},
    "black_watch": _BLACK_GENERAL | {"watch_months": 5},  # … then watched
    "black_elapsed": _BLACK_GENERAL | {"watch_months": 1},  # watch over before the sweep
    "red": _RED,
    "watch": _WATCH,
    "old_watch": _OLD,  # all the way to shredded in one pass, cases with it
    "old_red": _OLD | {"list_kind": "red", "display_until": add_months(OLD, 6)},
    "withdrawn": {},  # withdrawn, paperwork never done: agencies told
    "withdrawn_early": {},  # withdrawn during its prior notice: never announced
    "criteria": _RED,  # criteria changed
    "crashed": _BLACK_GENERAL | {"watch_months": 3},  # left expired by a crash
    "erroneous": {},  # objection upheld: shredded at once, its cases after the grace
    "retained_due": _WATCH,  # stored retained, its retention over
}
GROUPS = tuple(FIELDS)
WITH_CASES = {"old_watch", "old_red", "erroneous", "retained_due"}
WITH_DELIVERIES = {"withdrawn", "criteria", "erroneous", "retained_due", "old_red"}


def _plan(seed: int, entries: int) -> list[tuple[str, int]]:
    """Each entry's group and subject; subjects are shared, so some lose every entry."""
    rng = random.Random(seed)  # noqa: S311 - a reproducible data set, not a secret
    plan = [(group, n) for n, group in enumerate(GROUPS)]
    plan += [(rng.choice(GROUPS), rng.randrange(entries // 2)) for _ in range(entries - len(plan))]
    return plan


def _case(session: Session, keyring: Keyring, entry: Entry, code: str) -> None:
    """An objection case about the entry, sealed under a key of its own."""
    key = case_store.new_case_key(session, keyring, kind="objection", now=clock.now())
    session.flush()
    case_id = uuid.uuid4()
    session.add(
        Objection(
            id=case_id,
            entry_id=entry.id,
            department=DEPT,
            objector_index=keyring.blind_index(code),
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


def _event(session: Session, entry_id: uuid.UUID, event: str, actor: str) -> None:
    entry = session.get(Entry, entry_id)
    assert entry is not None
    if entry.status not in ("pending_notice", "displayed"):
        return  # a later black entry of its subject took it off its list already
    lifecycle.apply(session=session, entry=entry, event=event, actor=actor, now=clock.now())


def _build(engine: Engine, keyring: Keyring, plan: list[tuple[str, int]]) -> None:
    """The same data set on any database: same codes, external ids, dates and steps."""
    clock.freeze(T0)
    made: list[tuple[str, uuid.UUID, str]] = []
    # Red entries first: a subject's later black entry takes it off the red list (§5.3), one
    # more kind of exit; the other way round the service refuses the red one.
    order = sorted(range(len(plan)), key=lambda n: FIELDS[plan[n][0]].get("list_kind") != "red")
    with Session(engine) as s:
        for n in order:
            group, subject = plan[n]
            code = make_code(5000 + subject)
            view = create_entry(
                Context(s, keyring),
                department=DEPT,
                actor="recorder-1",
                payload=make_payload(
                    external_id=f"{group}-{n:03d}", subject_code=code, **FIELDS[group]
                ),
            )
            made.append((group, view.id, code))
        for group, entry_id, code in made:
            if group in ("held", "erroneous"):
                _event(s, entry_id, "objection_opened", "citizen")
            if group == "erroneous":
                _event(s, entry_id, "objection_upheld", "reviewer-1")
            if group == "withdrawn_early":
                _event(s, entry_id, "withdrawn", "recorder-1")
            if group in WITH_CASES:
                entry = s.get(Entry, entry_id)
                assert entry is not None
                _case(s, keyring, entry, code)
        s.commit()
    clock.freeze(SWEEP_AT - timedelta(days=1))
    with Session(engine) as s:
        deliveries: list[dict[str, object]] = []
        for n, (group, entry_id, _code) in enumerate(made):
            if group == "withdrawn":
                _event(s, entry_id, "withdrawn", "recorder-1")
            if group == "criteria":
                _event(s, entry_id, "criteria_changed", "recorder-1")
            stored: dict[str, object] = {}
            if group == "crashed":
                day = FIELDS[group]["display_until"]
                stored = {"status": "expired", "exit_reason": "expired", "exited_on": day}
            if group == "retained_due":
                stored = {"status": "retained", "retain_until": SWEEP_AT.date()}
            if stored:
                s.execute(update(Entry).where(col(Entry.id) == entry_id).values(**stored))
            if group in WITH_DELIVERIES:
                # Two recent recipients, one too long ago to hear of it.
                for k, (agency, days) in enumerate((("bank-a", 10), ("bank-b", 90), ("old", 400))):
                    deliveries.append(
                        {
                            "log_index": 10 * n + k,
                            "entry_id": entry_id,
                            "agency": agency,
                            "at": clock.now() - timedelta(days=days),
                        }
                    )
        repo.add_deliveries(s, deliveries)
        s.commit()


def _outcome(engine: Engine, keyring: Keyring) -> dict[str, object]:
    """Everything a sweep leaves, named by external id (ids and refs differ per database)."""
    with Session(engine) as s:
        entries = list(s.scalars(select(Entry)))
        name = {e.id: e.external_id for e in entries}
        by_ref = {e.public_ref: e.external_id for e in entries}
        keys = {k.id: k for k in s.scalars(select(DataKeyRow))}
        leaves = {leaf.idx: json.loads(leaf.body) for leaf in s.scalars(select(LogLeaf))}
        owners: dict[uuid.UUID, list[str]] = {}
        for e in entries:
            owners.setdefault(e.subject_id, []).append(e.external_id)
        subject = {sid: tuple(sorted(names)) for sid, names in owners.items()}

        def opened(e: Entry) -> str | None:
            try:
                key = store.entry_key(s, keyring, e)
            except Shredded:
                return None
            return store.open_text(key, e.subject_name_ct, "entry", "subject_name", e.id)

        return {
            "entries": sorted(
                (
                    e.external_id,
                    e.list_kind,
                    e.status,
                    e.under_objection,
                    e.exit_reason,
                    e.exited_on,
                    e.notice_until,
                    e.decided_on,
                    e.display_until,
                    e.valid_until,
                    e.retain_until,
                    e.version,
                    e.watch_months,
                    e.updated_at,
                    subject[e.subject_id],
                    keys[e.data_key_id].wrapped is None,
                    keys[e.data_key_id].shredded_at,
                    # The leaf its erasure index names is its own erasure.
                    None
                    if e.erasure_log_index is None
                    else (
                        leaves[e.erasure_log_index]["what"],
                        by_ref[leaves[e.erasure_log_index]["ref"]],
                    ),
                    opened(e),
                )
                for e in entries
            ),
            "events": Counter(
                (name[v.entry_id], v.event, v.actor, v.at, v.reason_ct)
                for v in s.scalars(select(EntryEvent))
            ),
            "announcements": sorted(
                (
                    name[a.entry_id],
                    by_ref[a.public_ref],
                    a.list_kind,
                    a.domain,
                    a.department,
                    a.reason,
                    a.announced_on,
                    a.created_at,
                )
                for a in s.scalars(select(ExitAnnouncement))
            ),
            "notices": sorted(
                (name[n.entry_id], subject[n.subject_id], n.kind, n.created_at)
                for n in s.scalars(select(EntryNotice))
            ),
            "agency_notices": sorted(
                (n.agency, name[n.entry_id], n.entry_version, n.kind, n.created_at)
                for n in s.scalars(select(AgencyNotice))
            ),
            "subjects": sorted(
                (
                    subject[x.id],
                    x.erased_at,
                    x.code_ct is None,
                    x.code_index is None,
                    keys[x.data_key_id].wrapped is None,
                )
                for x in s.scalars(select(Subject))
            ),
            "cases": sorted(
                (name[o.entry_id], o.objector_index is None, keys[o.data_key_id].wrapped is None)
                for o in s.scalars(select(Objection))
            ),
            "keys": Counter((k.owner, k.wrapped is None, k.shredded_at) for k in keys.values()),
            # A subject's leaf names the entry whose erasure let it go: its subject, then.
            "leaves": Counter(
                (
                    leaf["kind"],
                    leaf["what"],
                    leaf["why"],
                    leaf["at"],
                    by_ref[leaf["ref"]]
                    if leaf["what"] != "subject"
                    else subject[
                        next(e.subject_id for e in entries if e.public_ref == leaf["ref"])
                    ],
                )
                for leaf in leaves.values()
                if leaf.get("kind") == "erasure"
            ),
        }


@pytest.fixture
def reference_engine(databases) -> Iterator[Engine]:
    """A second migrated database, swept row by row."""
    eng = make_engine(databases.new_url())
    migrate.upgrade(eng)
    yield eng
    eng.dispose()


def _both(fresh_engine: Engine, reference_engine: Engine, keyring: Keyring, **sets: Any) -> None:
    """Sweep one copy in sets and one row by row, twice (the second pass, a minute later,
    erases an erroneous listing's cases), comparing reports and end states after each."""
    for at in (SWEEP_AT, SWEEP_AT + timedelta(minutes=1)):
        clock.freeze(at)
        new = sweep(engine=fresh_engine, keyring=keyring, now=at, case_grace=timedelta(0), **sets)
        old = sweep_row_by_row(
            engine=reference_engine, keyring=keyring, now=at, case_grace=timedelta(0)
        )
        assert (new.examined, new.events) == (old.examined, old.events)
        assert _outcome(fresh_engine, keyring) == _outcome(reference_engine, keyring)


class TestSameEndStateAsRowByRow:
    @pytest.mark.parametrize(
        ("seed", "sets"),
        [
            (1, {}),
            (2, {"batch": 3}),
            (3, {"batch": 7, "lock_seconds": 0.0}),  # one row per transaction
        ],
        ids=["default", "batch-3", "row-per-transaction"],
    )
    def test_on_a_generated_data_set(self, fresh_engine, reference_engine, keyring, seed, sets):
        plan = _plan(seed, entries=90)
        _build(fresh_engine, keyring, plan)
        _build(reference_engine, keyring, plan)
        assert _outcome(fresh_engine, keyring) == _outcome(reference_engine, keyring)
        first = Counter(group for group, _s in plan)
        assert all(first[group] for group in GROUPS)  # every kind of due work is there
        _both(fresh_engine, reference_engine, keyring, **sets)
        with Session(fresh_engine) as s:
            statuses = Counter(s.scalars(select(Entry.status)))
            erased = s.scalar(select(Subject.id).where(col(Subject.erased_at).is_not(None)))
        # The data set does exercise every end: shredded, retained, displayed, pending.
        assert set(statuses) == {"shredded", "retained", "displayed", "pending_notice"}
        assert erased is not None
