"""One expiry sweep over a large entry table (SPEC §4, §12): wall time, peak memory, cost per entry.

Run: `python -m bench.sweep` (1M entries for 300k subjects, 10% due), `python -m bench.sweep
--quick` (20k entries, well under a minute), or `--entries N --due-fraction F --batch B`;
`--profile` adds a cProfile pass, `--traced-batches N` ends the tracemalloc pass after N
batches, `--no-tracemalloc` drops it, `--deep-frames N` adds a deep-traceback pass over batch 1.

What it does, against one temporary SQLite database made by the migrations:
- builds the data set in a child process, so this process's peak RSS is the sweep's own.
  Every subject and every entry has its own data key made by `Keyring.new_data_key` (fresh
  material wrapped by the real master key, as `entry_store.new_key` stores it), and every
  personal field is sealed with `crypto.envelope.seal` under the AAD of its own table, column
  and row (`entry_store.ctx`); the history events, notices and announcements that earlier
  sweeps would have left are there too. Rows go in with Core executemany; columns left out
  take the table model's defaults (`bench/dataset.py`, the builder `bench.queries` uses
  too). The build is timed but is no part of any figure;
- checks that a sample of every kind of row opens with the service's own `entry_store.entry_key`
  (and that shredded ones are `Shredded`);
- times one `sweep(...)` (wall clock) with the process's ru_maxrss before and after, and the
  time inside the due query, the batch commits and `Keyring.forget` (thin wrappers, two clock
  reads a call); checks the report and the tables against the plan, then times a second
  sweep, which must fire nothing;
- on a pristine copy of the database sweeps again under tracemalloc (peak Python allocations,
  the allocations alive at each batch's end), and with `--profile` once more under cProfile.
Results and their analysis: bench/README-sweep.md.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import multiprocessing
import os
import pstats
import random
import resource
import shutil
import sys
import sysconfig
import tempfile
import time
import timeit
import tracemalloc
import uuid
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any
from unittest import mock

from sqlalchemy import Engine, event, func, select
from sqlmodel import Session, col

from bench.dataset import LEGAL_BASIS, BulkRows, person_name, sealed, subject_code
from core.clock import local_date
from core.codes import validate_code
from core.entries import lifecycle_repository as lifecycle_repo
from core.entries import repository as record_repo
from core.entries import store, sweeper
from core.entries.display import add_months, resolve_display_until, retention_end
from core.entries.sweeper import SweepReport, sweep
from core.errors import Shredded
from core.ids import ordered_id
from core.keyring import Keyring
from core.models import (
    DataKeyRow,
    Entry,
    EntryEvent,
    EntryNotice,
    ExitAnnouncement,
    Subject,
)
from core.runtime import Runtime, open_runtime
from core.settings import Settings
from core.vocabulary import DOMAINS
from crypto.envelope import DataKey, FieldContext, open_field, seal

# The sweep's instant: Monday 1 June 2026, 10:00 in Beijing.
NOW = datetime(2026, 6, 1, 2, 0, tzinfo=UTC)
SUBJECTS_PER_ENTRY = 0.3  # 1M entries for 300k subjects
SUBJECT_CHUNK = 20_000  # subjects per build transaction
ENTRY_CHUNK = 20_000  # entries (with their keys, events, notices) per build transaction
ROOT = str(Path(__file__).resolve().parents[1])
SAMPLE = 3  # entries per category checked to open before and after the sweep
SUBJECT_CREATED = NOW - timedelta(days=2000)
TABLES = ("data_key", "subject", "entry", "entry_event", "entry_notice", "exit_announcement")

# What the due tenth is made of, in parts of ten, and what each part becomes:
#   display_ended    displayed, display end past      -> display_ended, retained
#   notice_ended     pending, notice end past          -> notice_ended (stays displayed)
#   retention_ended  retained, retention end past      -> shredded
#   expired_midway   expired, its paperwork not done   -> retained
# The two exit groups are a quarter black (-> a watch entry), a quarter red, half watch.
DUE_MIX = (("display_ended", 4), ("notice_ended", 3), ("retention_ended", 2), ("expired_midway", 1))
# The other nine tenths, in parts of ninety: nothing is due for any of them.
IDLE_MIX = (
    ("displayed", 55),
    ("pending", 3),
    ("pending_objection", 1),  # notice end past, but an open objection holds it (§5.1)
    ("retained", 26),
    ("shredded", 5),
)
CATEGORIES = tuple(name for name, _ in DUE_MIX + IDLE_MIX)
EXIT_GROUPS = ("display_ended", "expired_midway")
STORED_STATUS = {
    "display_ended": "displayed",
    "notice_ended": "pending_notice",
    "retention_ended": "retained",
    "expired_midway": "expired",
    "displayed": "displayed",
    "pending": "pending_notice",
    "pending_objection": "pending_notice",
    "retained": "retained",
    "shredded": "shredded",
}
# History each category already has (the `recorded` event first).
HISTORY = {
    "display_ended": ("recorded", "notice_ended"),
    "notice_ended": ("recorded",),
    "retention_ended": ("recorded", "notice_ended", "display_ended", "retained"),
    "expired_midway": ("recorded", "notice_ended", "display_ended"),
    "displayed": ("recorded", "notice_ended"),
    "pending": ("recorded",),
    "pending_objection": ("recorded", "objection_opened"),
    "retained": ("recorded", "notice_ended", "display_ended", "retained"),
    "shredded": ("recorded", "notice_ended", "display_ended", "retained", "shredded"),
}
# Paperwork an earlier sweep already did: the citizen's notices (and an announcement for
# red and black entries once they exited).
NOTICES = {
    "retention_ended": ("expired",),
    "retained": ("expired",),
    "shredded": ("expired", "shredded"),
}
ANNOUNCED = frozenset({"retention_ended", "retained", "shredded"})


# --- the plan -----------------------------------------------------------------------------


def _split(total: int, mix: Sequence[tuple[str, int]]) -> dict[str, int]:
    """`total` split by the mix's parts, largest remainders first, summing exactly."""
    parts = sum(p for _, p in mix)
    exact = {name: total * p / parts for name, p in mix}
    counts = {name: int(x) for name, x in exact.items()}
    short = total - sum(counts.values())
    for name in sorted(exact, key=lambda n: counts[n] - exact[n])[:short]:
        counts[name] += 1
    return counts


@dataclass(frozen=True)
class Plan:
    """How many entries of each category, and the exit groups' kinds."""

    entries: int
    subjects: int
    counts: dict[str, int]

    @classmethod
    def make(cls, entries: int, due_fraction: float) -> Plan:
        """The plan for `entries` entries of which `due_fraction` are due at NOW."""
        due = round(entries * due_fraction)
        counts = {**_split(due, DUE_MIX), **_split(entries - due, IDLE_MIX)}
        return cls(entries, max(1, round(entries * SUBJECTS_PER_ENTRY)), counts)

    @property
    def due(self) -> int:
        """Entries with work due at NOW."""
        return sum(self.counts[name] for name, _ in DUE_MIX)

    def kinds(self, category: str) -> dict[str, int]:
        """An exit group's list kinds: its j-th entry is black, red, watch, watch for j mod 4."""
        n = self.counts[category]
        return {"black": (n + 3) // 4, "red": (n + 2) // 4, "watch": n // 2}

    def expected_events(self) -> dict[str, int]:
        """The sweep report's events."""
        c = self.counts
        events = {
            "notice_ended": c["notice_ended"],
            "display_ended": c["display_ended"],
            "retained": c["display_ended"] + c["expired_midway"],
            "shredded": c["retention_ended"],
        }
        return {k: v for k, v in events.items() if v}

    @property
    def watch_created(self) -> int:
        """Watch entries the sweep makes after black exits (§5.4)."""
        return sum(self.kinds(g)["black"] for g in EXIT_GROUPS)

    @property
    def announced(self) -> int:
        """Exit announcements the sweep makes (red and black exits)."""
        return sum(self.kinds(g)["black"] + self.kinds(g)["red"] for g in EXIT_GROUPS)

    def expected_status(self) -> dict[str, int]:
        """Entries per stored status after the sweep."""
        c = self.counts
        status = {
            "pending_notice": c["pending"] + c["pending_objection"],
            "displayed": c["displayed"] + c["notice_ended"] + self.watch_created,
            "retained": c["retained"] + c["display_ended"] + c["expired_midway"],
            "shredded": c["shredded"] + c["retention_ended"],
        }
        return {k: v for k, v in status.items() if v}

    def expected_growth(self) -> dict[str, int]:
        """Rows each table gains in the sweep (and data keys it shreds)."""
        c = self.counts
        events = sum(self.expected_events().values())
        return {
            "entry": self.watch_created,
            "entry_event": events + self.watch_created,
            "entry_notice": c["display_ended"] + c["expired_midway"] + c["retention_ended"],
            "exit_announcement": self.announced,
            "data_key": self.watch_created,
            # and one key per subject erased with its last entry (counted apart: "subject erased")
            "data_key shredded": c["retention_ended"],
        }


# --- the data set -------------------------------------------------------------------------


def _at(day: date) -> datetime:
    """10:00 in Beijing on `day`."""
    return datetime(day.year, day.month, day.day, 2, 0, tzinfo=UTC)


def _months(kind: str, severity: str) -> int:
    if kind == "red":
        return 24
    return 36 if severity == "serious" else 12


def _due(row: dict[str, Any], today: date) -> bool:
    """The due-work predicate of `lifecycle_repo.due_entries`, for one built row."""
    status = row["status"]
    return bool(
        (status == "pending_notice" and row["notice_until"] <= today and not row["under_objection"])
        or (status == "displayed" and row["display_until"] <= today)
        or status in ("expired", "exited")
        or (status == "retained" and row["retain_until"] <= today)
    )


@dataclass(frozen=True)
class SampleEntry:
    """An entry checked before and after the sweep, with the plaintext it was sealed from."""

    id: uuid.UUID
    category: str
    list_kind: str
    department: str
    external_id: str
    subject_name: str
    facts: str
    public_summary: str | None


@dataclass
class BuildResult:
    """What the child process built."""

    seconds: float = 0.0
    crypto_seconds: float = 0.0
    insert_seconds: float = 0.0
    rows: dict[str, int] = field(default_factory=dict)
    samples: list[SampleEntry] = field(default_factory=list)
    db_bytes: int = 0


class _Rows(BulkRows):
    """Entries of the plan's categories, shaped as `insert_entry` makes them, a chunk at a time."""

    def __init__(self, keyring: Keyring, rng: random.Random, plan: Plan) -> None:
        super().__init__(keyring, TABLES)
        self.rng = rng
        self.plan = plan
        self.today = local_date(NOW)
        self.seen = dict.fromkeys(CATEGORIES, 0)
        self.samples: list[SampleEntry] = []

    def _kind(self, category: str, j: int) -> tuple[str, str]:
        if category in EXIT_GROUPS:
            kind = ("black", "red", "watch", "watch")[j % 4]
        else:
            kind = self.rng.choices(("black", "watch", "red"), (35, 45, 20))[0]
        if kind == "red":
            return kind, "general"
        return kind, "serious" if self.rng.random() < 0.7 else "general"

    def _dates(self, category: str, kind: str, severity: str) -> dict[str, Any]:
        """Decision, notice, display, validity and retention dates that put it in its category."""
        today, rng = self.today, self.rng
        months = _months(kind, severity)
        notice_until: date | None = None
        if category in ("notice_ended", "pending", "pending_objection"):
            back = {"notice_ended": (6, 14), "pending": (0, 4), "pending_objection": (10, 30)}
            decided = today - timedelta(days=rng.randint(*back[category]))
            ahead = {"notice_ended": (-3, 0), "pending": (1, 7), "pending_objection": (-5, -1)}
            notice_until = today + timedelta(days=rng.randint(*ahead[category]))
        else:
            near = {
                "display_ended": today - timedelta(days=rng.randint(5, 60)),
                "expired_midway": today - timedelta(days=rng.randint(5, 30)),
                "displayed": today + timedelta(days=rng.randint(5, 900)),
                "retained": today - timedelta(days=rng.randint(5, 1800)),
                "retention_ended": add_months(today, -66) - timedelta(days=rng.randint(5, 400)),
                "shredded": add_months(today, -66) - timedelta(days=rng.randint(5, 1000)),
            }[category]
            decided = add_months(near, -months)
            notice_until = decided + timedelta(days=7)
        display_until = resolve_display_until(
            list_kind=kind,
            severity=severity,
            decided_on=decided,
            requested=add_months(decided, months),
        )
        valid_until = display_until + timedelta(days=180)
        return {
            "decided_on": decided,
            "notice_until": notice_until,
            "display_until": display_until,
            "valid_until": valid_until,
            "retain_until": retention_end(display_until=display_until, valid_until=valid_until),
        }

    def entry(self, category: str, subject_id: uuid.UUID, serial: int) -> None:
        """One entry of a category with its key, history, notices and announcement."""
        rng = self.rng
        j = self.seen[category]
        self.seen[category] += 1
        kind, severity = self._kind(category, j)
        domain = rng.choice(DOMAINS)
        dates = self._dates(category, kind, severity)
        status = STORED_STATUS[category]
        exited = category in ("expired_midway", "retention_ended", "retained", "shredded")
        history = HISTORY[category]
        stamps = {
            "recorded": _at(dates["decided_on"]),
            "notice_ended": _at(dates["notice_until"]),
            "objection_opened": _at(dates["decided_on"] + timedelta(days=2)),
            "display_ended": _at(dates["display_until"]),
            "retained": _at(dates["display_until"]),
            "shredded": _at(dates["retain_until"]),
        }
        shredded_at = stamps["shredded"] if category == "shredded" else None
        t0 = time.perf_counter()
        key = self.key("entry", stamps["recorded"], shredded_at)
        entry_id = uuid.uuid4()
        external_id = f"S-{serial:09d}"
        name = person_name(rng)
        facts = f"{domain} 违法事实（决定书 {external_id}）"
        summary = None if kind == "watch" else f"{domain} 公示摘要"
        row = {
            "id": entry_id,
            "subject_id": subject_id,
            "data_key_id": key.id,
            "department": f"{domain}-bureau",
            "external_id": external_id,
            "public_ref": store.public_ref(),
            "list_kind": kind,
            "domain": domain,
            "severity": severity,
            "subject_name_ct": sealed(key, "entry", "subject_name", entry_id, name),
            "facts_ct": sealed(key, "entry", "facts", entry_id, facts),
            "public_summary_ct": None
            if summary is None
            else sealed(key, "entry", "public_summary", entry_id, summary),
            "legal_basis": LEGAL_BASIS[kind],
            **dates,
            "repairable": False,
            "repair_ways": [],
            "status": status,
            "under_objection": category == "pending_objection",
            "exit_reason": "expired" if exited else None,
            "exited_on": dates["display_until"] if exited else None,
            "created_at": stamps["recorded"],
            "updated_at": stamps[history[-1]],
        }
        self.crypto += time.perf_counter() - t0
        if _due(row, self.today) != (category in dict(DUE_MIX)):
            raise AssertionError(f"a built {category} entry is not where the plan puts it")
        self.tables["entry"].append(row)
        for name_ in history:
            self.tables["entry_event"].append(
                {
                    "id": ordered_id(),  # as `apply` and `insert_entry` make them
                    "entry_id": entry_id,
                    "at": stamps[name_],
                    "actor": "bench:sweeper" if name_ != "recorded" else "bench:recorder",
                    "event": name_,
                }
            )
        for kind_ in NOTICES.get(category, ()):
            self.tables["entry_notice"].append(
                {
                    "id": uuid.uuid4(),
                    "subject_id": subject_id,
                    "entry_id": entry_id,
                    "kind": kind_,
                    "occasion": "v1",
                    "created_at": stamps["shredded" if kind_ == "shredded" else "display_ended"],
                }
            )
        if category in ANNOUNCED and kind != "watch":
            self.tables["exit_announcement"].append(
                {
                    "id": uuid.uuid4(),
                    "entry_id": entry_id,
                    "public_ref": row["public_ref"],
                    "list_kind": kind,
                    "domain": domain,
                    "department": row["department"],
                    "reason": "expired",
                    "announced_on": dates["display_until"],
                    "created_at": stamps["display_ended"],
                }
            )
        if j < SAMPLE:
            self.samples.append(
                SampleEntry(
                    entry_id, category, kind, row["department"], external_id, name, facts, summary
                )
            )


def _settings(data_dir: Path) -> Settings:
    # No background maintenance: the only sweeps are the ones this bench runs.
    return Settings(
        data_dir=data_dir, database_url=None, key_provider="file", maintenance_every_seconds=0
    )


def build_dataset(data_dir: Path, plan: Plan, seed: int) -> BuildResult:
    """Bulk-insert the plan's subjects and entries (run in a child process)."""
    started = time.perf_counter()
    runtime = open_runtime(_settings(data_dir))
    engine = runtime.engine
    engine.dispose()

    @event.listens_for(engine, "connect")
    def _build_pragmas(dbapi_conn: Any, _record: Any) -> None:
        # Build-only speed-ups on the child's own connections; the sweep's engine never sees them.
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA cache_size=-262144")
        cur.execute("PRAGMA synchronous=OFF")
        cur.close()

    # Not for security: a seeded, reproducible data set is the point.
    rng = random.Random(seed)  # noqa: S311
    builder = _Rows(runtime.keyring, rng, plan)
    subject_ids: list[uuid.UUID] = []
    for chunk in range(0, plan.subjects, SUBJECT_CHUNK):
        for n in range(chunk, min(chunk + SUBJECT_CHUNK, plan.subjects)):
            subject_ids.append(builder.subject(subject_code(n), SUBJECT_CREATED))
        with engine.begin() as conn:
            builder.flush(conn)
    validate_code(subject_code(plan.subjects - 1))  # the generator makes codes the API accepts
    categories = [name for name in CATEGORIES for _ in range(plan.counts[name])]
    rng.shuffle(categories)
    for chunk in range(0, plan.entries, ENTRY_CHUNK):
        for i in range(chunk, min(chunk + ENTRY_CHUNK, plan.entries)):
            # Every subject has an entry; the rest fall on subjects at random.
            owner = i if i < plan.subjects else rng.randrange(plan.subjects)
            builder.entry(categories[i], subject_ids[owner], i)
        with engine.begin() as conn:
            builder.flush(conn)
    engine.dispose()  # the last connection out checkpoints the WAL into the file
    return BuildResult(
        seconds=time.perf_counter() - started,
        crypto_seconds=builder.crypto,
        insert_seconds=builder.insert_seconds,
        rows=builder.inserted,
        samples=builder.samples,
        db_bytes=runtime.settings.sqlite_path.stat().st_size,
    )


# --- checks -------------------------------------------------------------------------------


def _tally(engine: Engine) -> dict[str, int]:
    """Row counts of every table the sweep writes, entries per status, shredded keys."""
    out: dict[str, int] = {}
    with Session(engine) as s:
        for model in (Entry, EntryEvent, EntryNotice, ExitAnnouncement, DataKeyRow):
            out[str(model.__tablename__)] = s.scalar(select(func.count()).select_from(model)) or 0
        out["data_key shredded"] = (
            s.scalar(
                select(func.count())
                .select_from(DataKeyRow)
                .where(col(DataKeyRow.wrapped).is_(None))
            )
            or 0
        )
        # A subject whose last entry is shredded is erased, and its key shredded with it.
        out["subject erased"] = (
            s.scalar(
                select(func.count()).select_from(Subject).where(col(Subject.erased_at).is_not(None))
            )
            or 0
        )
        out["data_key shredded"] -= out["subject erased"]
        for status, n in s.execute(
            select(col(Entry.status), func.count()).group_by(col(Entry.status))
        ):
            out[f"status {status}"] = int(n)
    return out


def _opens(session: Session, keyring: Keyring, entry: Entry, sample: SampleEntry) -> None:
    """The entry's fields open with its own key to what the sample was sealed from."""
    key = store.entry_key(session, keyring, entry)
    got = (
        store.open_text(key, entry.subject_name_ct, "entry", "subject_name", entry.id),
        store.open_text(key, entry.facts_ct, "entry", "facts", entry.id),
        None
        if entry.public_summary_ct is None
        else store.open_text(key, entry.public_summary_ct, "entry", "public_summary", entry.id),
    )
    if got != (sample.subject_name, sample.facts, sample.public_summary):
        raise AssertionError(f"a {sample.category} entry does not open to what was sealed")


def _is_shredded(session: Session, keyring: Keyring, entry: Entry) -> bool:
    try:
        store.entry_key(session, keyring, entry)
    except Shredded:
        return True
    return False


def check_before(engine: Engine, keyring: Keyring, samples: Sequence[SampleEntry]) -> int:
    """Every sample opens with the service's own key lookup; shredded ones are `Shredded`."""
    with Session(engine) as s:
        for sample in samples:
            entry = s.get(Entry, sample.id)
            if entry is None or entry.status != STORED_STATUS[sample.category]:
                raise AssertionError(f"a {sample.category} sample is missing or moved")
            if sample.category == "shredded":
                if not _is_shredded(s, keyring, entry):
                    raise AssertionError("a shredded sample still opens")
            else:
                _opens(s, keyring, entry, sample)
    return len(samples)


AFTER_STATUS = {
    "display_ended": "retained",
    "notice_ended": "displayed",
    "retention_ended": "shredded",
    "expired_midway": "retained",
}


def check_after(engine: Engine, keyring: Keyring, samples: Sequence[SampleEntry]) -> int:
    """Samples moved as planned; watch entries open to the black entry's plaintext."""
    watch = 0
    with Session(engine) as s:
        for sample in samples:
            entry = s.get(Entry, sample.id)
            want = AFTER_STATUS.get(sample.category, STORED_STATUS[sample.category])
            if entry is None or entry.status != want:
                raise AssertionError(f"a {sample.category} sample is not {want} after the sweep")
            if want == "shredded":
                if not _is_shredded(s, keyring, entry):
                    raise AssertionError("a shredded entry still opens")
                continue
            _opens(s, keyring, entry, sample)
            made = record_repo.entry_by_external_id(
                s, department=sample.department, external_id=f"{sample.external_id}:watch"
            )
            if (made is not None) != (
                sample.category in EXIT_GROUPS and sample.list_kind == "black"
            ):
                raise AssertionError(f"watch entry after a {sample.list_kind} exit: {made}")
            if made is not None:
                _opens(s, keyring, made, sample)  # the same plaintext, under a new key and row
                watch += 1
    return watch


def check_sweep(
    plan: Plan, report: SweepReport, before: dict[str, int], after: dict[str, int]
) -> None:
    """The report and the tables match the plan exactly."""
    if report.events != plan.expected_events() or report.examined != plan.due:
        raise AssertionError(
            f"sweep fired {report.events} over {report.examined} entries; "
            f"planned {plan.expected_events()} over {plan.due}"
        )
    for table, grows in plan.expected_growth().items():
        if after.get(table, 0) - before.get(table, 0) != grows:
            raise AssertionError(
                f"{table}: {before.get(table)} -> {after.get(table)}, not +{grows}"
            )
    status = {k.removeprefix("status "): v for k, v in after.items() if k.startswith("status ")}
    if status != plan.expected_status():
        raise AssertionError(f"statuses after the sweep {status}, planned {plan.expected_status()}")


# --- measuring ----------------------------------------------------------------------------


def _per_call(fn: Callable[[], object], number: int) -> float:
    return min(timeit.repeat(fn, number=number, repeat=5)) / number


def aes_gcm_open_baseline(keyring: Keyring) -> float:
    """Seconds for one AES-GCM open of a sealed field (`open_field`), best of five."""
    key = DataKey.generate(keyring.suite)
    ctx = FieldContext("entry", "facts", str(uuid.uuid4()))
    blob = seal(key, "逾期未缴税款一百二十万元".encode(), ctx)
    return _per_call(partial(open_field, key, blob, ctx), 20_000)


def _maxrss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def _rss_mib() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def due_query_plan(engine: Engine) -> list[str]:
    """SQLite's plans for the sweeper's due queries, exactly as `due_entries` sends them.

    Each kind of due work is read alone, one row at a time, twice (and rolled back), so the
    keyset form of its query, which starts after the cursor, is shown as well as the first.
    """
    sent: list[tuple[str, Any]] = []

    def capture(_c: Any, _cur: Any, statement: str, params: Any, _ctx: Any, _many: bool) -> None:
        if statement.lstrip().upper().startswith("SELECT") and "FROM entry" in statement:
            sent.append((statement, params))

    event.listen(engine, "before_cursor_execute", capture)
    try:
        with Session(engine) as s:
            kinds = [kind.status for kind in lifecycle_repo.DUE_KINDS]
            for kind in kinds:
                cursor = lifecycle_repo.DueCursor(done=set(kinds) - {kind})
                for _ in range(2):
                    lifecycle_repo.due_entries(s, today=local_date(NOW), cursor=cursor, limit=1)
    finally:
        event.remove(engine, "before_cursor_execute", capture)
    lines: list[str] = []
    seen: set[str] = set()
    with engine.connect() as conn:
        dbapi = conn.connection.cursor()
        for statement, params in sent:
            status = params[0]  # the first bound value is the kind's status
            if status + statement in seen:
                continue
            seen.add(status + statement)
            keyset = " OR entry.rowid > " in statement
            rows = dbapi.execute("EXPLAIN QUERY PLAN " + statement, params).fetchall()
            lines.append(f"{status}{' (after the cursor)' if keyset else ''}:")
            lines += ["  " + str(r[-1]) for r in rows]
        dbapi.close()
    return lines


class _Stop(Exception):
    """Ends an attribution pass after a few batches (the batch in hand rolls back)."""


@dataclass
class MemoryWatch:
    """Traced memory around the sweep's two phases: loading a batch, and working through it.

    Wraps `claim_due` and `sweeper._carry` (calling the originals unchanged) to fold the
    traced peak of each phase into a running maximum, and records what is alive at each
    batch's end (the session still holds the batch); takes a snapshot at the end of batch
    `snapshot_batch` (and with `growth` of every later one), and ends the sweep after batch
    `stop_after` if that is set.
    """

    batch: int
    snapshot_batch: int = 0
    stop_after: int = 0
    growth: bool = False  # keep a snapshot of the latest batch end, to diff with the first
    calls: int = 0
    load_peak: int = 0
    work_peak: int = 0
    left: int = 0
    batch_ends: list[int] = field(default_factory=list)
    snapshot: tracemalloc.Snapshot | None = None
    last: tracemalloc.Snapshot | None = None

    def _work_peak(self) -> None:
        self.work_peak = max(self.work_peak, tracemalloc.get_traced_memory()[1])
        tracemalloc.reset_peak()

    def claim_due(self, original: Callable[..., Sequence[Any]]) -> Callable[..., Any]:
        """`claim_due`, measuring the peak while a batch is claimed and its rows returned."""

        def load(*args: Any, **kwargs: Any) -> Sequence[Any]:
            self._work_peak()
            rows = original(*args, **kwargs)
            self.load_peak = max(self.load_peak, tracemalloc.get_traced_memory()[1])
            tracemalloc.reset_peak()
            return rows

        return load

    def carry(self, original: Callable[..., None]) -> Callable[..., None]:
        """`sweeper._carry` (one call per batch), noting traced memory after every batch."""

        def carry(*args: Any, **kwargs: Any) -> None:
            original(*args, **kwargs)
            self.calls += 1
            self.batch_ends.append(tracemalloc.get_traced_memory()[0])
            done = len(self.batch_ends)
            if done == self.snapshot_batch:
                self.snapshot = tracemalloc.take_snapshot()
            elif self.growth and done > self.snapshot_batch:
                self.last = tracemalloc.take_snapshot()
            if done == self.stop_after:
                raise _Stop

        return carry

    @contextmanager
    def tracing(self, frames: int) -> Iterator[None]:
        """Trace with `frames` frames per allocation while both wrappers are in place."""
        with (
            mock.patch.object(
                lifecycle_repo, "claim_due", self.claim_due(lifecycle_repo.claim_due)
            ),
            mock.patch.object(sweeper, "_carry", self.carry(sweeper._carry)),
        ):
            tracemalloc.start(frames)
            try:
                yield
            finally:
                self._work_peak()
                self.left = tracemalloc.get_traced_memory()[0]
                tracemalloc.stop()

    @property
    def peak(self) -> int:
        """The highest traced memory at any moment of the pass."""
        return max(self.load_peak, self.work_peak)


@dataclass
class Pass:
    """One timed sweep."""

    report: SweepReport
    seconds: float


def run_sweep(runtime: Runtime, batch: int) -> Pass:
    """One `sweep(...)` with a fresh keyring cache, as a new worker process would have."""
    keyring = Keyring(runtime.keyring.provider, runtime.keyring.suite)
    gc.collect()
    t0 = time.perf_counter()
    report = sweep(engine=runtime.engine, keyring=keyring, now=NOW, batch=batch)
    return Pass(report, time.perf_counter() - t0)


@dataclass
class Phases:
    """Wall time spent inside a few of the sweep's calls, by thin wrappers around the originals.

    Two clock reads per wrapped call (a few hundred thousand at 1M entries): they do not move
    the sweep's wall time measurably. The phases do not nest, so the rest is per-entry work.
    """

    seconds: dict[str, float] = field(default_factory=dict)
    calls: dict[str, int] = field(default_factory=dict)
    # How long each batch's transaction held the write lock, and its rows (`_Pace.took`).
    held: list[tuple[float, int]] = field(default_factory=list)

    def _held(self, original: Callable[..., None]) -> Callable[..., None]:
        def took(pace: Any, rows: int, elapsed: float) -> None:
            self.held.append((elapsed, rows))
            original(pace, rows, elapsed)

        return took

    def _wrap(self, name: str, original: Callable[..., Any]) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            t0 = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                self.seconds[name] = self.seconds.get(name, 0.0) + time.perf_counter() - t0
                self.calls[name] = self.calls.get(name, 0) + 1

        return timed

    @contextmanager
    def timing(self) -> Iterator[None]:
        """Time the due query, the batch commits and `Keyring.forget` while the block runs."""
        with (
            mock.patch.object(
                lifecycle_repo,
                "claim_due",
                self._wrap("claim (UPDATE … RETURNING)", lifecycle_repo.claim_due),
            ),
            mock.patch.object(sweeper._Pace, "took", self._held(sweeper._Pace.took)),
            mock.patch.object(Session, "commit", self._wrap("batch commit", Session.commit)),
            mock.patch.object(
                Keyring, "forget", self._wrap("Keyring.forget (per shred)", Keyring.forget)
            ),
        ):
            yield

    def print(self, wall: float, due: int) -> None:
        """Each phase's time, share of the sweep's wall time, calls and time per call."""
        rest = wall - sum(self.seconds.values())
        rows = [(n, self.seconds[n], self.calls[n]) for n in self.seconds]
        rows.append(("the rest: per-entry steps (events, notices, watch, shred)", rest, due))
        for name, sec, calls in rows:
            per = f"{1e3 * sec / calls:8.3f} ms/call" if calls else ""
            print(f"  {sec:8.2f} s {100 * sec / wall:5.1f}%  {calls:8,} calls {per}  {name}")
        if self.held:
            times = sorted(t for t, _r in self.held)
            sizes = sorted(r for _t, r in self.held)

            def at(q: float, xs: Sequence[float] | Sequence[int]) -> float:
                return float(xs[min(len(xs) - 1, int(q * len(xs)))])

            print(
                f"  write transactions: {len(times):,}; held ms p50 {1e3 * at(0.5, times):.1f}, "
                f"p99 {1e3 * at(0.99, times):.1f}, max {1e3 * times[-1]:.1f}; over 50 ms: "
                f"{sum(t > 0.05 for t in times):,}; rows per batch p50 {at(0.5, sizes):.0f}, "
                f"max {sizes[-1]}"
            )


@contextmanager
def pristine(runtime: Runtime, copy: Path) -> Iterator[None]:
    """Put the database back as it was built before the block runs."""
    runtime.engine.dispose()
    db = runtime.settings.sqlite_path
    for suffix in ("-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(copy, db)
    yield


def _short(filename: str) -> str:
    for prefix in (sysconfig.get_paths()["purelib"], sysconfig.get_paths()["stdlib"], ROOT):
        if filename.startswith(prefix + "/"):
            return filename.removeprefix(prefix + "/")
    return filename


def _project_frame(trace: tracemalloc.Traceback) -> str:
    """The innermost frame of the project's own code in a traceback (or the innermost one)."""
    for frame in reversed(trace):  # innermost last
        if frame.filename.startswith(ROOT) and "/.venv/" not in frame.filename:
            return f"{frame.filename.removeprefix(ROOT + '/')}:{frame.lineno}"
    return f"{trace[-1].filename}:{trace[-1].lineno}"


def print_snapshot(snapshot: tracemalloc.Snapshot, top: int = 12) -> None:
    """Memory alive in a snapshot, by allocating line and by module."""
    total = sum(s.size for s in snapshot.statistics("filename"))
    print(f"  alive at the snapshot: {total / 2**20:.2f} MiB traced; by allocating line:")
    for stat in snapshot.statistics("lineno")[:top]:
        frame = stat.traceback[-1]
        print(
            f"    {stat.size / 2**10:9.0f} KiB {100 * stat.size / total:5.1f}%  "
            f"{stat.count:8,} blocks  {_short(frame.filename)}:{frame.lineno}"
        )
    print("  by module:")
    for stat in snapshot.statistics("filename")[: top // 2]:
        print(
            f"    {stat.size / 2**10:9.0f} KiB {100 * stat.size / total:5.1f}%  "
            f"{_short(stat.traceback[-1].filename)}"
        )


def print_attribution(snapshot: tracemalloc.Snapshot, top: int = 10) -> None:
    """Memory alive in a deep-frame snapshot, by the innermost project line on its stack."""
    total = sum(s.size for s in snapshot.statistics("filename"))
    by_project: dict[str, int] = {}
    for stat in snapshot.statistics("traceback"):
        where = _project_frame(stat.traceback)
        by_project[where] = by_project.get(where, 0) + stat.size
    print(f"  {total / 2**20:.2f} MiB alive, by the innermost project line that caused it:")
    for where, size in sorted(by_project.items(), key=lambda kv: -kv[1])[:top]:
        print(f"    {size / 2**10:9.0f} KiB {100 * size / total:5.1f}%  {where}")


SNAPSHOT_BATCH = 3


def memory_passes(runtime: Runtime, copy: Path, plan: Plan, args: argparse.Namespace) -> None:
    """Peak traced memory of a sweep (1 frame); optionally, who holds it (deep frames)."""
    batch, partial_pass = args.batch, args.traced_batches > 0
    snap = min(SNAPSHOT_BATCH, args.traced_batches) if partial_pass else SNAPSHOT_BATCH
    with pristine(runtime, copy):
        watch = MemoryWatch(batch, snapshot_batch=snap, stop_after=args.traced_batches, growth=True)
        t0 = time.perf_counter()
        with watch.tracing(1), suppress(_Stop):
            traced = run_sweep(runtime, batch)
            if traced.report.events != plan.expected_events():
                raise AssertionError("the traced sweep fired something else")
        wall = time.perf_counter() - t0
    scope = (
        f"its first {args.traced_batches} batches only (--traced-batches)"
        if partial_pass
        else f"the whole sweep, wall {wall:.1f} s under tracing"
    )
    mib = 2**20
    ends = watch.batch_ends or [0]
    left = "" if partial_pass else f"; left allocated after the sweep {watch.left / mib:.2f} MiB"
    print(
        f"\n--- tracemalloc pass (1 frame; {scope}) ---\n"
        f"peak traced Python memory {watch.peak / mib:.2f} MiB (while loading a batch "
        f"{watch.load_peak / mib:.2f} MiB, while working through one {watch.work_peak / mib:.2f} "
        f"MiB){left}\n"
        f"alive at the end of each of {len(watch.batch_ends)} full batches: first "
        f"{ends[0] / mib:.2f}, median {sorted(ends)[len(ends) // 2] / mib:.2f}, "
        f"max {max(ends) / mib:.2f}, last {ends[-1] / mib:.2f} MiB"
    )
    if watch.snapshot is not None:
        print(f"at the end of batch {snap} (the session holds it, before commit):")
        print_snapshot(watch.snapshot)
    if watch.snapshot is not None and watch.last is not None:
        print(f"grown between the end of batch {snap} and of batch {len(watch.batch_ends)}:")
        for stat in watch.last.compare_to(watch.snapshot, "lineno")[:6]:
            frame = stat.traceback[-1]
            print(
                f"    {stat.size_diff / 2**10:+9.0f} KiB {stat.count_diff:+8,} blocks  "
                f"{_short(frame.filename)}:{frame.lineno}"
            )
    deep_frames = args.deep_frames
    if deep_frames:
        with pristine(runtime, copy):
            deep = MemoryWatch(batch, snapshot_batch=1, stop_after=1)
            with deep.tracing(deep_frames), suppress(_Stop):
                run_sweep(runtime, batch)
        if deep.snapshot is not None:
            print(f"at the end of batch 1, traced with {deep_frames} frames (pass stopped there):")
            print_attribution(deep.snapshot)


# Functions whose cumulative time the profile reports, as (file suffix, name).
PROFILED = (
    ("core/entries/sweeper.py", "sweep"),
    ("core/entries/lifecycle_repository.py", "claim_due"),
    ("core/entries/lifecycle_repository.py", "move_on"),
    ("core/entries/sweeper.py", "_carry"),
    ("core/entries/lifecycle.py", "record_events"),
    ("core/entries/lifecycle.py", "finish_exits"),
    ("core/entries/lifecycle.py", "shred_moved"),
    ("core/entries/lifecycle.py", "_watch_after_each"),
    ("core/entries/lifecycle.py", "notify_agencies_of"),
    ("core/entries/erasure.py", "erase_subjects_if_gone"),
    ("core/entries/store.py", "add_entry"),
    ("core/entries/lifecycle.py", "apply"),
    ("core/entries/lifecycle_repository.py", "change_status"),
    ("core/entries/lifecycle.py", "finish_exit"),
    ("core/entries/lifecycle_repository.py", "add_announcement"),
    ("core/entries/lifecycle_repository.py", "add_entry_notice"),
    ("core/entries/lifecycle.py", "_watch_after"),
    ("core/entries/repository.py", "entry_by_external_id"),
    ("core/entries/store.py", "entry_key"),
    ("core/entries/store.py", "insert_entry"),
    ("core/entries/lifecycle.py", "shred"),
    ("core/entries/lifecycle.py", "notify_agencies"),
    ("core/entries/lifecycle_repository.py", "case_keys_of"),
    ("core/ops/keys_repository.py", "shred_data_key"),
    ("core/keyring.py", "forget"),
    ("sqlalchemy/orm/session.py", "begin_nested"),
    ("sqlalchemy/orm/session.py", "flush"),
    ("sqlalchemy/orm/session.py", "commit"),
    ("sqlalchemy/orm/session.py", "execute"),
    ("crypto/envelope.py", "unwrap"),
    ("crypto/envelope.py", "open_field"),
    ("crypto/envelope.py", "seal"),
    ("crypto/envelope.py", "wrap"),
)


def print_profile(stats: pstats.Stats, wall: float, top: int = 25) -> None:
    """Cumulative time of the sweep's parts, then the top functions by own time."""
    raw: dict[tuple[str, int, str], tuple[int, int, float, float, Any]] = stats.stats  # type: ignore[attr-defined]
    print(f"  profiled wall {wall:.1f} s; cumulative time of the sweep's parts (share of wall):")
    for suffix, name in PROFILED:
        hits = [(k, v) for k, v in raw.items() if k[0].endswith(suffix) and k[2] == name]
        if not hits:
            continue
        calls = sum(v[1] for _, v in hits)
        cum = max(v[3] for _, v in hits)  # recursion-safe: the outermost entry
        print(
            f"    {cum:8.2f} s {100 * cum / wall:5.1f}%  {calls:9,} calls "
            f"{1e6 * cum / calls:9.1f} µs/call  {suffix.split('/')[-1]}:{name}"
        )
    print(f"  top {top} by own time (tottime):")
    ranked = sorted(raw.items(), key=lambda kv: -kv[1][2])[:top]
    for (filename, line, name), (_cc, nc, tt, _ct, _callers) in ranked:
        where = _short(filename)
        print(f"    {tt:8.2f} s {100 * tt / wall:5.1f}%  {nc:10,} calls  {where}:{line}({name})")


# --- main ---------------------------------------------------------------------------------


def _parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.sweep", description=__doc__)
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--due-fraction", type=float, default=0.10)
    parser.add_argument("--batch", type=int, default=sweeper.BATCH)
    parser.add_argument("--seed", type=int, default=20260601)
    parser.add_argument(
        "--quick",
        action="store_true",
        help="20k entries, tracemalloc over 2 batches (under a minute)",
    )
    parser.add_argument("--no-tracemalloc", action="store_true", help="skip the tracemalloc pass")
    parser.add_argument("--profile", action="store_true", help="add a cProfile pass")
    parser.add_argument(
        "--traced-batches",
        type=int,
        default=0,
        metavar="N",
        help="stop the tracemalloc pass after N batches (default 0: the whole sweep)",
    )
    parser.add_argument(
        "--deep-frames",
        type=int,
        default=0,
        metavar="N",
        help="add a pass tracing N frames per allocation over the first batch (slow: ~100x)",
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.entries, args.traced_batches = 20_000, 2
    if args.entries < 10 or not 0 <= args.due_fraction <= 1 or args.batch < 1:
        parser.error("need --entries >= 10, 0 <= --due-fraction <= 1, --batch >= 1")
    return args


def main(argv: Sequence[str] | None = None) -> None:
    """Build, sweep once (timed), check, sweep again (nothing), then the memory/profile passes."""
    args = _parse(argv)
    started = time.perf_counter()
    plan = Plan.make(args.entries, args.due_fraction)
    print(
        f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, load {_load()}\n"
        f"plan: {plan.entries:,} entries for {plan.subjects:,} subjects, {plan.due:,} due "
        f"at {NOW.isoformat()}; batch {args.batch}\n  "
        + ", ".join(f"{k} {v:,}" for k, v in plan.counts.items())
        + f"\n  the sweep should fire {plan.expected_events()}, make {plan.watch_created:,} "
        f"watch entries and {plan.announced:,} announcements"
    )
    with tempfile.TemporaryDirectory(prefix="credence-sweep-") as name:
        data_dir = Path(name) / "data"
        runtime = open_runtime(_settings(data_dir))  # migrations, and the master key file
        runtime.engine.dispose()
        spawn = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=1, mp_context=spawn) as pool:
            built = pool.submit(build_dataset, data_dir, plan, args.seed).result()
        child_rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        print(
            f"built in {built.seconds:.1f} s (keys and sealing {built.crypto_seconds:.1f} s, "
            f"inserts {built.insert_seconds:.1f} s; builder peak RSS {child_rss:.0f} MiB); "
            f"database {built.db_bytes / 2**20:.0f} MiB\n  rows: "
            + ", ".join(f"{t} {n:,}" for t, n in built.rows.items())
        )
        engine = runtime.engine
        checker = Keyring(runtime.keyring.provider, runtime.keyring.suite)
        print(f"checked: {check_before(engine, checker, built.samples)} sampled entries open")
        print("due query plans (SQLite):\n  " + "\n  ".join(due_query_plan(engine)))
        copy = Path(name) / "pristine.db"
        if args.profile or not args.no_tracemalloc:
            engine.dispose()
            shutil.copyfile(runtime.settings.sqlite_path, copy)
        before = _tally(engine)
        base = aes_gcm_open_baseline(runtime.keyring)

        rss0, peak0 = _rss_mib(), _maxrss_mib()
        load0 = _load()
        phases = Phases()
        with phases.timing():
            timed = run_sweep(runtime, args.batch)
        rss1, peak1 = _rss_mib(), _maxrss_mib()
        after = _tally(engine)
        check_sweep(plan, timed.report, before, after)
        watch = check_after(engine, checker, built.samples)
        idle = run_sweep(runtime, args.batch)
        if idle.report.events or idle.report.examined:
            raise AssertionError(f"a second sweep fired {idle.report.events}")
        if _tally(engine) != after:
            raise AssertionError("a second sweep changed the tables")

        due = plan.due
        per_due = timed.seconds / due if due else 0.0
        print(
            f"\n--- one sweep over {plan.entries:,} entries ({due:,} due), batch {args.batch} ---"
        )
        print(f"wall {timed.seconds:.2f} s; load average before {load0}, after {_load()}")
        if due:
            print(
                f"{due / timed.seconds:,.0f} due entries/s; {1e3 * per_due:.3f} ms per due entry = "
                f"{per_due / base:,.0f}x one AES-GCM open ({1e6 * base:.2f} µs)"
            )
        print(f"events {timed.report.events}; examined {timed.report.examined:,}")
        print("where the wall time went:")
        phases.print(timed.seconds, due)
        print(
            f"checked: report, table growth and statuses match the plan; samples moved as planned, "
            f"{watch} sampled black exits have a watch entry that opens to the same plaintext"
        )
        print(
            f"second sweep: nothing fired, nothing changed, {idle.seconds:.3f} s "
            f"({idle.seconds / base:,.0f}x one AES-GCM open)"
        )
        print(
            f"process RSS: {rss0:.0f} MiB before, {rss1:.0f} MiB after; ru_maxrss "
            f"{peak0:.0f} MiB before, {peak1:.0f} MiB after (+{peak1 - peak0:.0f} MiB)"
        )

        if not args.no_tracemalloc:
            memory_passes(runtime, copy, plan, args)

        if args.profile:
            with pristine(runtime, copy):
                profile = cProfile.Profile()
                keyring = Keyring(runtime.keyring.provider, runtime.keyring.suite)
                t0 = time.perf_counter()
                report = profile.runcall(
                    sweep, engine=engine, keyring=keyring, now=NOW, batch=args.batch
                )
                wall = time.perf_counter() - t0
                if report.events != plan.expected_events():
                    raise AssertionError("the profiled sweep fired something else")
            print(f"\n--- cProfile pass ({due:,} due) ---")
            print_profile(pstats.Stats(profile), wall)
        engine.dispose()
    print(f"\ntotal {time.perf_counter() - started:.1f} s; load average {_load()}")


if __name__ == "__main__":
    main()
