"""End-to-end query and query-log benchmark (SPEC §6, §12), in one process.

Run: `python -m bench.queries` (full size: 100k subjects, 300k entries, a 1M-leaf log),
or `python -m bench.queries --quick` (1k / 3k / 20k, well under a minute).

What it measures, against one temporary SQLite database made by the migrations:
- (a) the full path: `POST /api/v1/queries` with an agency token from the embedded
  issuer and a legal basis — authorization, blind index, decryption, the log leaf,
  the notice, the receipt — exactly as an agency calls it;
- (b) a plaintext look-up of the same rows: a bench-only route on the same app, same
  session dependency, reading a plain copy of the entries by code (no auth, no log,
  no decryption);
- a floor: a bench-only route that validates the same body and returns nothing, so
  the client and framework cost shared by (a) and (b) can be read off;
- query-log appends (`querylog.append_leaves` + commit) at 1 and 100 leaves per
  transaction, each in a fixed window ending at 10k, 100k and 1M leaves, and
  `querylog.verify_log` over the whole log, against two baselines timed in the same
  process: the leaf-by-leaf audit (how it worked before it read runs) and a floor (every
  leaf read and hashed, nothing checked). `--only verify` builds the log without the
  append windows and runs this stage alone.
Both paths and the floor are driven by one httpx client against the app served by
uvicorn on loopback in this process (`--client testclient` for starlette's TestClient),
the same subjects in alternating blocks, with the server's background maintenance off.
The data set is built in bulk by `bench/dataset.py` (Core executemany) with rows shaped
like the services' (per-row data keys wrapped by the master key, fields sealed with
`crypto.envelope`, the real blind index; columns left out take the table model's
defaults); the build is timed but not part of any figure. Before timing, a sample of
subjects is queried through both paths and checked against what was built, and afterwards
every timed answer's size. `--profile` adds cProfile passes (every thread) after the timed
runs. Results and their analysis: bench/README-queries.md.
"""

from __future__ import annotations

import argparse
import base64
import cProfile
import json
import os
import pstats
import random
import socket
import statistics
import tempfile
import threading
import time
import timeit
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from types import FrameType
from typing import Any

import httpx
import uvicorn
from fastapi import APIRouter, FastAPI
from fastapi.testclient import TestClient
from pydantic import BaseModel, ConfigDict
from sqlalchemy import (
    Column,
    Connection,
    Date,
    Engine,
    MetaData,
    String,
    Table,
    Text,
    Uuid,
    insert,
    select,
)
from sqlmodel import Session

from api.app import create_app
from api.deps import SessionDep
from api.state import state_of
from bench.dataset import LEGAL_BASIS, BulkRows, model_defaults, person_name, sealed, subject_code
from core import migrate
from core.clock import CST, clock, local_date
from core.codes import validate_code
from core.db import make_engine
from core.entries import store as entry_store
from core.entries.display import resolve_display_until, retention_end
from core.fields import SubjectCode
from core.identity.tokens import mint_access_token
from core.keyring import Keyring
from core.models import Entry
from core.queries.schemas import AnsweredEntry
from core.querylog import repository as log_repo
from core.querylog.appends import append_leaves, log_size
from core.querylog.checkpoints import make_checkpoint
from core.querylog.leaves import LEAF_VERSION, CanonicalBodies, canonical_leaf, leaf_time
from core.querylog.signing_key import signer_for_data_dir
from core.querylog.verify import VERIFY_CHUNK, VerifyReport, verify_log, verify_log_leaf_by_leaf
from core.runtime import Runtime, open_runtime
from core.settings import Settings
from core.vocabulary import DOMAINS
from crypto.log_signer import LogSigner
from crypto.merkle import leaf_hashes, perfect_levels

QUERY_URL = "/api/v1/queries"
PLAIN_URL = "/bench/plain-lookup"
FLOOR_URL = "/bench/floor"
AGENCY = "bench-bank"
LOG_SIZES = (10_000, 100_000, 1_000_000)
BUILD_CHUNK = 5_000  # subjects per bulk-insert transaction
LOG_BUILD_BATCH = 1_000  # leaves per build transaction, each followed by a checkpoint
BLOCK = 100  # queries per alternating block of (a) and (b)
WINDOW_PARTS = 5  # each append window is timed in parts; the best part is reported

_FACTS = {
    "tax": "逾期未申报增值税并拒不改正",
    "food_drug": "销售过期食品，被处以罚款",
    "traffic": "多次严重超速并逃避处罚",
    "finance": "恶意逃废银行债务",
    "ecommerce": "网络销售假冒商品",
    "volunteering": "虚报志愿服务时长",
    "environment": "违法排放污染物",
    "labour": "拖欠农民工工资",
    "construction": "违法转包工程",
    "court": "有履行能力而拒不履行生效判决",
}

# The plaintext copy lives in its own metadata: never part of the product's schema.
_plain_metadata = MetaData()
PLAIN = Table(
    "bench_plain_entry",
    _plain_metadata,
    Column("id", Uuid, primary_key=True),
    Column("subject_code", String(18), nullable=False, index=True),
    Column("subject_name", Text, nullable=False),
    Column("department", String(64), nullable=False),
    Column("list_kind", String(8), nullable=False),
    Column("domain", String(32), nullable=False),
    Column("severity", String(8), nullable=False),
    Column("facts", Text, nullable=False),
    Column("legal_basis", String(500), nullable=False),
    Column("decided_on", Date, nullable=False),
    Column("display_until", Date, nullable=False),
    Column("status", String(16), nullable=False),
)


# --- the bench-only routes ----------------------------------------------------------------


class PlainLookup(BaseModel):
    """The plaintext path's request: a subject code, validated like the real one."""

    model_config = ConfigDict(extra="forbid", hide_input_in_errors=True)

    subject_code: SubjectCode


class PlainAnswer(BaseModel):
    """The plaintext path's answer: the same entry shape the real path returns."""

    entries: list[AnsweredEntry]


bench_router = APIRouter(tags=["bench"])


@bench_router.post(PLAIN_URL, response_model=PlainAnswer)
def plain_lookup(payload: PlainLookup, session: SessionDep) -> PlainAnswer:
    """Displayed entries of a subject, by plaintext code: no auth, no log, no decryption."""
    today = local_date(clock.now())
    stmt = (
        select(PLAIN)
        .where(
            PLAIN.c.subject_code == payload.subject_code,
            PLAIN.c.status == SHOWN_STATUS,
            PLAIN.c.display_until > today,
        )
        .order_by(PLAIN.c.decided_on, PLAIN.c.id)
    )
    return PlainAnswer(
        entries=[
            AnsweredEntry(
                id=row.id,
                department=row.department,
                list_kind=row.list_kind,
                domain=row.domain,
                severity=row.severity,
                subject_name=row.subject_name,
                facts=row.facts,
                legal_basis=row.legal_basis,
                decided_on=row.decided_on,
                display_until=row.display_until,
            )
            for row in session.execute(stmt)
        ]
    )


@bench_router.post(FLOOR_URL, response_model=PlainAnswer)
def floor(payload: PlainLookup) -> PlainAnswer:
    """The same body validated and an empty answer: the client + framework cost alone."""
    return PlainAnswer(entries=[])


# --- the data set -------------------------------------------------------------------------


@dataclass
class Expected:
    """What a query of one sampled subject must return."""

    entries: dict[str, tuple[str, str]]  # entry id -> (name, facts), displayed ones only


@dataclass
class DataSet:
    """The codes built, how many displayed entries each has, and a checked sample."""

    codes: list[str]
    displayed: list[int]
    sample: dict[int, Expected]
    entries: int = 0
    seconds: float = 0.0
    crypto_seconds: float = 0.0


# The stored status of an entry recorded past its notice: the model's default.
SHOWN_STATUS = str(model_defaults(Entry)["status"])


class _Rows(BulkRows):
    """One chunk of subjects with their entries, and the plaintext copy of each entry."""

    def __init__(self, keyring: Keyring, rng: random.Random, now: datetime) -> None:
        super().__init__(keyring, ("data_key", "subject", "entry", "entry_event"))
        self.rng = rng
        self.now = now
        self.today = local_date(now)
        self.serial = 0
        self.plain: list[dict[str, Any]] = []

    def entry(self, subject_id: uuid.UUID, code: str, name: str) -> tuple[str, str, str, bool]:
        """Add one entry; return its id, name, facts and whether it is displayed today."""
        rng = self.rng
        self.serial += 1
        domain = rng.choice(DOMAINS)
        list_kind = rng.choice(("black", "watch"))
        severity = "serious" if rng.random() < 0.7 else "general"
        decided = self.today - timedelta(days=rng.randrange(1, 720))
        display_until = resolve_display_until(
            list_kind=list_kind, severity=severity, decided_on=decided, requested=None
        )
        valid_until = display_until + timedelta(days=180)
        external_id = f"B-{self.serial:08d}"
        facts = f"{_FACTS[domain]}（决定书 {external_id}）"
        repairable = rng.random() < 0.6
        entry_id = uuid.uuid4()
        t0 = time.perf_counter()
        key = self.key("entry", self.now)

        def sealed_as(column: str, text: str) -> bytes:
            return sealed(key, "entry", column, entry_id, text)

        row = {
            "id": entry_id,
            "subject_id": subject_id,
            "data_key_id": key.id,
            "department": f"{domain}-bureau",
            "external_id": external_id,
            "public_ref": entry_store.public_ref(),
            "list_kind": list_kind,
            "domain": domain,
            "severity": severity,
            "subject_name_ct": sealed_as("subject_name", name),
            "facts_ct": sealed_as("facts", facts),
            "public_summary_ct": sealed_as("public_summary", _FACTS[domain]),
            "legal_basis": LEGAL_BASIS[list_kind],
            "decided_on": decided,
            "display_until": display_until,
            "valid_until": valid_until,
            "retain_until": retention_end(display_until=display_until, valid_until=valid_until),
            "repairable": repairable,
            "repair_ways": ["performance", "commitment"] if repairable else [],
            "created_at": self.now,
            "updated_at": self.now,
        }
        self.crypto += time.perf_counter() - t0
        self.tables["entry"].append(row)
        self.tables["entry_event"].append(
            {
                "id": uuid.uuid4(),
                "entry_id": entry_id,
                "at": self.now,
                "actor": "bench:recorder",
                "event": "recorded",
                "reason_ct": None,
            }
        )
        self.plain.append(
            {
                "id": entry_id,
                "subject_code": code,
                "subject_name": name,
                "department": row["department"],
                "list_kind": list_kind,
                "domain": domain,
                "severity": severity,
                "facts": facts,
                "legal_basis": row["legal_basis"],
                "decided_on": decided,
                "display_until": display_until,
                "status": SHOWN_STATUS,
            }
        )
        # Past its notice, not under objection: shown until its display end (§4).
        return str(entry_id), name, facts, self.today < display_until

    def flush(self, conn: Connection) -> None:
        """Insert the chunk, then its plaintext copy."""
        super().flush(conn)
        if self.plain:
            conn.execute(insert(PLAIN), self.plain)
        self.plain = []


def build_dataset(
    engine: Engine, keyring: Keyring, *, subjects: int, entries: int, sample: int, seed: int
) -> DataSet:
    """Bulk-insert `subjects` subjects and `entries` entries (each subject has at least one)."""
    if entries < subjects:
        raise SystemExit("--entries must be at least --subjects (every subject has an entry)")
    started = time.perf_counter()
    # Not for security: a seeded, reproducible data set is the point.
    rng = random.Random(seed)  # noqa: S311
    _plain_metadata.create_all(engine)
    counts = [1] * subjects
    for _ in range(entries - subjects):
        counts[rng.randrange(subjects)] += 1
    sampled = set(rng.sample(range(subjects), min(sample, subjects)))
    data = DataSet(codes=[], displayed=[], sample={}, entries=entries)
    builder = _Rows(keyring, rng, clock.now())
    for chunk in range(0, subjects, BUILD_CHUNK):
        for n in range(chunk, min(chunk + BUILD_CHUNK, subjects)):
            code = subject_code(n)
            name = person_name(rng)
            subject_id = builder.subject(code, builder.now)
            shown: dict[str, tuple[str, str]] = {}
            for _ in range(counts[n]):
                entry_id, ename, facts, displayed = builder.entry(subject_id, code, name)
                if displayed:
                    shown[entry_id] = (ename, facts)
            data.codes.append(code)
            data.displayed.append(len(shown))
            if n in sampled:
                data.sample[n] = Expected(entries=shown)
        with engine.begin() as conn:
            builder.flush(conn)
    validate_code(data.codes[-1])  # the generator makes codes the API accepts
    data.seconds = time.perf_counter() - started
    data.crypto_seconds = builder.crypto
    return data


# --- driving the two paths ----------------------------------------------------------------


@dataclass
class PathResult:
    """Requests sent through one path and the wall time they took."""

    name: str
    count: int = 0
    seconds: float = 0.0
    blocks: list[float] = field(default_factory=list)  # seconds per block of BLOCK queries
    bodies: list[bytes] = field(default_factory=list)

    @property
    def rate(self) -> float:
        """Requests per second."""
        return self.count / self.seconds if self.seconds else 0.0


def _agency_tokens(app: FastAPI, runtime: Runtime, count: int) -> list[str]:
    """One token per agency, minted by the app's embedded issuer."""
    keys = state_of(app).issuer_keys
    if keys is None:
        raise RuntimeError("the bench needs the embedded issuer")
    return [
        mint_access_token(
            keys=keys,
            issuer=runtime.settings.embedded_issuer_id,
            audience=runtime.settings.token_audience,
            subject=f"bench:agency-{n}",
            claims={"role": "agency", "agency": f"{AGENCY}-{n:03d}"},
            ttl=timedelta(hours=6),
            now=clock.now(),
            client_id=f"bench-agency-{n}",
        )
        for n in range(count)
    ]


def _query_body(code: str) -> dict[str, str]:
    return {"subject_code": code, "purpose": "licensing", "legal_basis": "court_enforcement"}


Response = tuple[int, bytes]
Post = Callable[[str, dict[str, str], dict[str, str]], Response]


@contextmanager
def serving(app: FastAPI, kind: str) -> Iterator[Post]:
    """A `post(url, json, headers)` into the app: uvicorn on loopback, or the TestClient."""
    if kind == "testclient":
        with TestClient(app) as client:

            def test_post(url: str, body: dict[str, str], headers: dict[str, str]) -> Response:
                response = client.post(url, json=body, headers=headers)
                return response.status_code, response.content

            yield test_post
        return
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)
    )
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the loopback server did not start")
        time.sleep(0.01)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60) as http:

            def http_post(url: str, body: dict[str, str], headers: dict[str, str]) -> Response:
                response = http.post(url, json=body, headers=headers)
                return response.status_code, response.content

            yield http_post
    finally:
        server.should_exit = True
        thread.join()
        sock.close()


class Paths:
    """One client, the agencies' tokens taken in turn, and a call per path."""

    def __init__(self, post: Post, tokens: Sequence[str]) -> None:
        self.post = post
        # Every path sends a token: the body-limit middleware refuses a body without
        # credentials unread (401), and the bench routes themselves never read it.
        self.headers = [{"Authorization": f"Bearer {token}"} for token in tokens]
        self.turn = 0

    def _call(self, url: str, body: dict[str, str], headers: dict[str, str]) -> bytes:
        status, content = self.post(url, body, headers)
        if status != 200:
            raise RuntimeError(f"{url} answered {status}")
        return content

    def full(self, code: str) -> bytes:
        """(a) the authorized, encrypted, logged query."""
        self.turn += 1
        headers = self.headers[self.turn % len(self.headers)]
        return self._call(QUERY_URL, _query_body(code), headers)

    def plain(self, code: str) -> bytes:
        """(b) the plaintext look-up."""
        return self._call(PLAIN_URL, {"subject_code": code}, self.headers[0])

    def floor(self, code: str) -> bytes:
        """The floor: same client, same body validation, no work."""
        return self._call(FLOOR_URL, {"subject_code": code}, self.headers[0])


def _entries_of(body: bytes) -> dict[str, tuple[str, str]]:
    answer = json.loads(body)
    return {e["id"]: (e["subject_name"], e["facts"]) for e in answer["entries"]}


def check_sample(paths: Paths, data: DataSet) -> int:
    """Both paths return exactly the built, displayed entries of every sampled subject."""
    for n, expected in data.sample.items():
        code = data.codes[n]
        full = json.loads(paths.full(code))
        if full["outcome"] != ("answered" if expected.entries else "empty"):
            raise AssertionError("full path outcome differs from the data set")
        if _entries_of(paths.full(code)) != expected.entries:
            raise AssertionError("full path entries differ from the data set")
        if _entries_of(paths.plain(code)) != expected.entries:
            raise AssertionError("plaintext path entries differ from the data set")
    return len(data.sample)


def run_paths(
    paths: Paths, data: DataSet, picks: Sequence[int], warmup: int
) -> tuple[PathResult, PathResult, PathResult]:
    """Alternate blocks of (a) and (b) over the same subjects; then the floor."""
    full, plain, floor_ = PathResult("full"), PathResult("plain"), PathResult("floor")
    for n in picks[:warmup]:
        paths.full(data.codes[n])
        paths.plain(data.codes[n])
        paths.floor(data.codes[n])
    timed = picks[warmup:]
    for start in range(0, len(timed), BLOCK):
        block = [data.codes[n] for n in timed[start : start + BLOCK]]
        for result, call in ((full, paths.full), (plain, paths.plain)):
            t0 = time.perf_counter()
            result.bodies.extend(call(code) for code in block)
            result.blocks.append(time.perf_counter() - t0)
            result.seconds += result.blocks[-1]
            result.count += len(block)
    t0 = time.perf_counter()
    for n in timed:
        paths.floor(data.codes[n])
    floor_.seconds = time.perf_counter() - t0
    floor_.count = len(timed)
    # Outside the timing: every answer has the number of displayed entries built.
    for result in (full, plain):
        for n, body in zip(timed, result.bodies, strict=True):
            if len(json.loads(body)["entries"]) != data.displayed[n]:
                raise AssertionError(f"{result.name} path returned a wrong number of entries")
        result.bodies.clear()
    return full, plain, floor_


# --- profiling ----------------------------------------------------------------------------


class ThreadProfiles:
    """cProfile in the calling thread and in every thread started while it is active."""

    def __init__(self) -> None:
        self.profiles: list[cProfile.Profile] = []
        self._lock = threading.Lock()

    def _install(self, frame: FrameType, event: str, arg: object) -> None:
        profile = cProfile.Profile()
        with self._lock:
            self.profiles.append(profile)
        profile.enable()  # replaces this hook for the thread

    @contextmanager
    def active(self) -> Iterator[None]:
        """Profile the block and the threads it starts (the server loop, its worker pool)."""
        main = cProfile.Profile()
        self.profiles.append(main)
        threading.setprofile(self._install)
        main.enable()
        try:
            yield
        finally:
            main.disable()
            threading.setprofile(None)

    def stats(self) -> pstats.Stats:
        """All threads' profiles merged."""
        stats = pstats.Stats(self.profiles[0])
        for profile in self.profiles[1:]:
            stats.add(profile)
        return stats


# Functions whose cumulative share says where a query's time goes; missing ones are skipped.
FOCUS = (
    ("api/queries/endpoints.py", "query"),
    ("api/policy.py", "__call__"),
    ("api/deps.py", "get_session"),
    ("core/queries/service.py", "run_query"),
    ("core/queries/service.py", "_answer"),
    ("core/queries/service.py", "_subject_pseudonym"),
    ("core/queries/service.py", "_notify"),
    ("core/queries/service.py", "_warning"),
    ("core/entries/lifecycle_repository.py", "add_deliveries"),
    ("core/identity/authenticator.py", "authenticate"),
    ("core/queries/service.py", "_append"),
    ("core/querylog/appends.py", "append_leaves"),
    ("core/querylog/appends.py", "append_leaf"),
    ("core/querylog/repository.py", "lock_state"),
    ("core/querylog/checkpoints.py", "checkpoint_for_batch"),
    ("core/consents/repository.py", "take_use"),
    ("core/audit/service.py", "record_query"),
    ("core/audit/repository.py", "add_facet_with_counts"),
    ("core/audit/repository.py", "add_flag"),
    ("core/querylog/checkpoints.py", "make_checkpoint"),
    ("core/querylog/checkpoints.py", "maybe_checkpoint"),
    ("core/querylog/checkpoints.py", "checkpoint_due"),
    ("core/querylog/proofs.py", "receipt"),
    ("core/querylog/proofs.py", "fresh_receipt"),
    ("core/querylog/proofs.py", "inclusion"),
    ("core/querylog/repository.py", "node"),
    ("core/consents/service.py", "is_frozen"),
    ("core/entries/repository.py", "subject_by_index"),
    ("core/entries/repository.py", "entries_of_subject"),
    ("core/entries/repository.py", "subject_for_query"),
    ("core/prepared.py", "run"),
    ("core/keyring.py", "data_key"),
    ("crypto/envelope.py", "open_field"),
    ("crypto/envelope.py", "unwrap"),
    ("core/querylog/leaves.py", "canonical_leaf"),
    ("crypto/checkpoint.py", "sign_checkpoint"),
    ("sqlalchemy/orm/session.py", "commit"),
    ("sqlalchemy/orm/session.py", "execute"),
    ("sqlalchemy/orm/session.py", "get"),
    ("sqlalchemy/orm/session.py", "flush"),
    ("sqlalchemy/orm/session.py", "close"),
    ("sqlalchemy/engine/base.py", "_execute_context"),
    ("{method 'execute' of 'sqlite3.Cursor' objects}", ""),
    ("{method 'executemany' of 'sqlite3.Cursor' objects}", ""),
    ("{method 'commit' of 'sqlite3.Connection' objects}", ""),
    ("fastapi/routing.py", "serialize_response"),
    ("fastapi/routing.py", "run_endpoint_function"),
    ("fastapi/dependencies/utils.py", "solve_dependencies"),
    ("bench/queries.py", "plain_lookup"),
    ("crypto/merkle.py", "append"),
    ("crypto/merkle.py", "leaf_hash"),
    ("core/querylog/leaves.py", "check_body"),
    ("core/querylog/repository.py", "leaf_run"),
    ("core/querylog/repository.py", "node_run"),
    ("crypto/merkle.py", "leaf_hashes"),
    ("crypto/merkle.py", "perfect_levels"),
    ("core/querylog/leaves.py", "__call__"),
    ("core/querylog/verify.py", "_verify_from"),
    ("core/querylog/verify.py", "_checkpoint_problem"),
)


# Profile lines name project files relative to the checkout, wherever it is.
REPO_ROOT = f"{Path(__file__).resolve().parents[1]}/"


def _label(key: tuple[str, int, str]) -> str:
    path, line, func = key
    short = path
    for root in ("/site-packages/", REPO_ROOT):
        if root in path:
            short = path.split(root, 1)[1]
    return f"{short}:{line}({func})" if line else func


def print_profile(stats: pstats.Stats, wall: float, title: str, top: int = 25) -> None:
    """The focus functions' cumulative share of the wall time, then the top by own time."""
    table: dict[tuple[str, int, str], tuple[int, int, float, float, object]]
    table = stats.stats  # type: ignore[attr-defined]
    print(f"\n--- profile: {title} (wall {wall:.2f} s; profiler overhead included) ---")
    print(f"{'cum s':>8} {'% wall':>7} {'calls':>9}  function (cumulative)")
    for suffix, func in FOCUS:
        for key, (_cc, calls, _tt, cum, _callers) in table.items():
            path, _line, name = key
            hit = name == suffix if not func else (path.endswith(suffix) and name == func)
            if hit:
                print(f"{cum:8.2f} {100 * cum / wall:6.1f}% {calls:9d}  {_label(key)}")
    print(f"{'own s':>8} {'% wall':>7} {'calls':>9}  function (own time, top {top})")
    ranked = sorted(table.items(), key=lambda kv: kv[1][2], reverse=True)
    # Threads waiting for each other (the client on its socket, the loop, the pool), not work.
    idle = ("acquire", "poll", "select", "wait", "sleep", "recv", "lifespan", "run_forever")
    shown = 0
    for key, (_cc, calls, own, _cum, _callers) in ranked:
        if any(word in key[2] for word in idle) or key[0].endswith("asyncio/runners.py"):
            continue
        print(f"{own:8.2f} {100 * own / wall:6.1f}% {calls:9d}  {_label(key)}")
        shown += 1
        if shown == top:
            break


# --- the query log ------------------------------------------------------------------------


@dataclass
class AppendWindow:
    """Append rates (leaves/s) in one window ending at `size` leaves: best and median part."""

    size: int
    single_rates: list[float]
    batch_rates: list[float]

    @property
    def single_rate(self) -> float:
        """The best 1-leaf rate of the window's parts (the least disturbed by other load)."""
        return max(self.single_rates)

    @property
    def batch_rate(self) -> float:
        """The best batched rate of the window's parts."""
        return max(self.batch_rates)


def _leaf_pool(rng: random.Random, now: datetime, count: int) -> list[bytes]:
    """Bodies shaped like the query path's leaves (version 2: the subject, authorization
    and entries only in a salted commitment, a chain link, how many entries left)."""
    pool = []
    for _ in range(count):
        returned = rng.randrange(4)
        pool.append(
            canonical_leaf(
                {
                    "v": LEAF_VERSION,
                    "kind": "query",
                    "at": leaf_time(now),
                    "agency": AGENCY,
                    "purpose": "licensing",
                    "basis": "legal",
                    "legal_basis": "court_enforcement",
                    "policy_version": None,
                    "commit": base64.b64encode(rng.randbytes(32)).decode(),
                    "prev": base64.b64encode(rng.randbytes(32)).decode(),
                    "outcome": "answered" if returned else "empty",
                    "returned": returned,
                    "refusal_rule": None,
                    "frozen": False,
                    "sealed_until": None,
                }
            )
        )
    return pool


def _signer(settings: Settings) -> LogSigner:
    """The log key the app uses for this data dir (created on first use)."""
    return signer_for_data_dir(
        settings.data_dir, origin=settings.log_origin, name=settings.log_key_name
    )


class LogBench:
    """Grows a migrated database's query log to given sizes and times appends on the way."""

    def __init__(self, engine: Engine, signer: LogSigner, seed: int) -> None:
        self.engine = engine
        self.signer = signer
        # Not for security: reproducible leaf bodies.
        self.pool = _leaf_pool(random.Random(seed), clock.now(), 4096)  # noqa: S311
        with Session(engine) as session:
            self.size = log_size(session=session)
        self.checkpoints = 0
        self.build_seconds = 0.0

    def _bodies(self, count: int) -> list[bytes]:
        start = self.size
        return [self.pool[(start + i) % len(self.pool)] for i in range(count)]

    def _append(self, bodies: list[bytes], *, checkpoint: bool = False) -> None:
        now = clock.now()
        with Session(self.engine) as session:
            append_leaves(session=session, bodies=bodies, now=now)
            if checkpoint:
                make_checkpoint(session=session, signer=self.signer, now=now)
            session.commit()
        self.size += len(bodies)
        self.checkpoints += checkpoint

    def grow_to(self, size: int) -> None:
        """Append in big batches (a checkpoint after each) until the log holds `size` leaves."""
        t0 = time.perf_counter()
        while self.size < size:
            self._append(self._bodies(min(LOG_BUILD_BATCH, size - self.size)), checkpoint=True)
        self.build_seconds += time.perf_counter() - t0

    def window(self, end: int, singles: int, batches: int, batch: int) -> AppendWindow:
        """Grow to `end` minus the window, then time `singles` 1-leaf and `batches` n-leaf txns."""
        self.grow_to(end - singles - batches * batch)
        single_rates, batch_rates = [], []
        for part in range(WINDOW_PARTS):
            count = singles // WINDOW_PARTS + (part < singles % WINDOW_PARTS)
            bodies = self._bodies(count)
            t0 = time.perf_counter()
            for body in bodies:
                self._append([body])
            single_rates.append(count / (time.perf_counter() - t0))
        for part in range(WINDOW_PARTS):
            count = batches // WINDOW_PARTS + (part < batches % WINDOW_PARTS)
            groups = [self._bodies(batch) for _ in range(count)]
            t0 = time.perf_counter()
            for group in groups:
                self._append(group)
            batch_rates.append(count * batch / (time.perf_counter() - t0))
        if self.size != end:
            raise AssertionError("the window did not end at its size")
        return AppendWindow(size=end, single_rates=single_rates, batch_rates=batch_rates)

    def seal(self) -> None:
        """Store a checkpoint of the whole log, so verification covers every leaf."""
        with Session(self.engine) as session:
            make_checkpoint(session=session, signer=self.signer, now=clock.now())
            session.commit()
        self.checkpoints += 1

    def verify(self, audit: Callable[..., VerifyReport] = verify_log) -> tuple[float, VerifyReport]:
        """Time one audit (`verify_log` by default) over the whole log, in a session of its own."""
        with Session(self.engine) as session:
            t0 = time.perf_counter()
            report = audit(
                session=session, signer_public_key=self.signer.public_key, name=self.signer.name
            )
            seconds = time.perf_counter() - t0
        if not report.ok or report.leaves != self.size:
            raise AssertionError(f"{audit.__name__} failed: {report}")
        return seconds, report

    def floor(self) -> float:
        """Time reading every leaf through the driver and hashing it, checking nothing."""
        with Session(self.engine) as session:
            t0 = time.perf_counter()
            start = 0
            while True:
                _, _, bodies = log_repo.leaf_run(session, start=start, limit=VERIFY_CHUNK)
                leaf_hashes(bodies)
                if len(bodies) < VERIFY_CHUNK:
                    break
                start += len(bodies)
            return time.perf_counter() - t0


def _best(fn: Callable[[], object], repeat: int = 3) -> float:
    """The fastest of `repeat` runs (the one least disturbed by other load)."""
    return min(timeit.repeat(fn, number=1, repeat=repeat))


def verify_parts(engine: Engine, leaves: int, per_leaf: float) -> None:
    """What `verify_log` does per leaf, each step timed alone (best of 3) over `leaves` leaves."""
    width = VERIFY_CHUNK
    runs: list[tuple[list[int], list[bytes], list[bytes]]] = []

    def read() -> None:
        runs.clear()
        with Session(engine) as session:
            for start in range(0, leaves, width):
                runs.append(log_repo.leaf_run(session, start=start, limit=width))

    read_s = _best(read)
    count = sum(len(bodies) for _, _, bodies in runs)
    hashes = [leaf_hashes(bodies) for _, _, bodies in runs]
    levels = [perfect_levels(run) for run in hashes]

    def canonical() -> None:
        check = CanonicalBodies()
        for _, _, bodies in runs:
            all(map(check, bodies))

    def nodes() -> None:
        with Session(engine) as session:
            for k, run in enumerate(levels):
                for level in range(1, len(run)):
                    first = (k * width) >> level
                    stop = first + len(run[level])
                    log_repo.node_run(session, level=level, start=first, stop=stop)

    steps = (
        ("read leaves (leaf_run: driver rows, runs of VERIFY_CHUNK)", read_s),
        ("leaf hashes (leaf_hashes)", _best(lambda: [leaf_hashes(b) for _, _, b in runs])),
        ("canonical-JSON check (CanonicalBodies)", _best(canonical)),
        ("node hashes (perfect_levels)", _best(lambda: [perfect_levels(h) for h in hashes])),
        ("read cached nodes (node_run, a statement per level per run)", _best(nodes)),
    )
    total = 1e6 * per_leaf
    print(f"\n--- verify_log per leaf ({total:.1f} µs): steps alone, best of 3, no profiler ---")
    for label, seconds in steps:
        us = 1e6 * seconds / count
        print(f"{us:7.2f} µs  {100 * us / total:5.1f}%  {label}")
    rest = total - sum(1e6 * sec / count for _, sec in steps)
    if rest > 0:
        share = 100 * rest / total
        print(f"{rest:7.2f} µs  {share:5.1f}%  the rest: compares, checkpoints, the loop")
    else:
        print("    the rest: n/a (the steps alone took longer than verify_log: other load)")


# --- main ---------------------------------------------------------------------------------


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def _parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.queries", description=__doc__)
    parser.add_argument("--subjects", type=int, default=100_000)
    parser.add_argument("--entries", type=int, default=300_000)
    parser.add_argument("--log-size", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=2_000, help="per path")
    parser.add_argument("--warmup", type=int, default=50, help="per path, not timed")
    parser.add_argument(
        "--prefill-log",
        type=int,
        default=0,
        metavar="N",
        help="grow the query database's log to N leaves before timing the paths",
    )
    parser.add_argument("--sample", type=int, default=100, help="subjects checked per path")
    parser.add_argument("--singles", type=int, default=1_000, help="1-leaf txns per window")
    parser.add_argument("--batches", type=int, default=20, help="100-leaf txns per window")
    parser.add_argument("--seed", type=int, default=20261123)
    parser.add_argument(
        "--agencies",
        type=int,
        default=32,
        help="agencies taking turns on (a); one agency over 100 queries/hour is flagged bulk",
    )
    parser.add_argument(
        "--at-hour",
        type=int,
        default=10,
        metavar="H",
        help="move the project clock to H:00 China time today (office hours: no night flags)",
    )
    parser.add_argument(
        "--client",
        choices=("uvicorn", "testclient"),
        default="uvicorn",
        help="uvicorn on loopback + httpx (default), or starlette's in-process TestClient",
    )
    parser.add_argument(
        "--quick", action="store_true", help="1k subjects, 3k entries, 20k leaves, 300 queries"
    )
    parser.add_argument(
        "--only",
        choices=("queries", "log", "verify"),
        help="run one half; verify: only build the log (no append windows) and verify it",
    )
    parser.add_argument(
        "--profile", action="store_true", help="after timing, cProfile (a), (b) and verify"
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.subjects, args.entries, args.log_size = 1_000, 3_000, 20_000
        args.queries, args.warmup, args.sample = 300, 20, 50
    return args


def _queries(args: argparse.Namespace, tmp: Path) -> None:
    # The server's background maintenance (checkpoints by time, the expiry sweeper) is off:
    # the paths are timed alone. Display is decided at read time, so entries past their
    # display end are hidden by the query path itself, swept or not.
    settings = Settings(
        data_dir=tmp / "queries",
        database_url=None,
        key_provider="file",
        maintenance_every_seconds=0,
    )
    runtime = open_runtime(settings)
    data = build_dataset(
        runtime.engine,
        runtime.keyring,
        subjects=args.subjects,
        entries=args.entries,
        sample=args.sample,
        seed=args.seed,
    )
    shown = sum(data.displayed)
    print(
        f"data set: {args.subjects:,} subjects, {data.entries:,} entries ({shown:,} displayed), "
        f"built in {data.seconds:.1f} s (keys, sealing and blind index {data.crypto_seconds:.1f} s)"
    )
    if args.prefill_log:
        prefill = LogBench(runtime.engine, _signer(settings), args.seed)
        prefill.grow_to(args.prefill_log)
        print(
            f"query log pre-filled to {prefill.size:,} leaves in {prefill.build_seconds:.1f} s "
            "(receipts' inclusion proofs grow with log2 of the size)"
        )
    app = create_app(runtime=runtime)
    app.include_router(bench_router)
    # Not for security: reproducible query picks.
    rng = random.Random(args.seed + 1)  # noqa: S311
    picks = [rng.randrange(args.subjects) for _ in range(args.warmup + args.queries)]
    with serving(app, args.client) as post:
        paths = Paths(post, _agency_tokens(app, runtime, args.agencies))
        checked = check_sample(paths, data)
        full, plain, floor_ = run_paths(paths, data, picks, args.warmup)
    print(f"checked: {checked} sampled subjects answer exactly their displayed entries (a, b)")
    print(f"\n{'path':44s} {'queries':>8} {'seconds':>8} {'q/s':>8} {'ms/q':>7}")
    rows = (
        ("(a) full: token, blind index, decrypt, log", full),
        ("(b) plaintext look-up, same rows", plain),
        ("    floor: client + framework, no work", floor_),
    )
    for label, result in rows:
        ms = 1000 * result.seconds / result.count
        print(f"{label:44s} {result.count:8,} {result.seconds:8.2f} {result.rate:8.1f} {ms:7.2f}")
    ratio = full.rate / plain.rate
    verdict = "met" if ratio >= 0.5 else "MISSED"
    per_block = statistics.median(p / f for f, p in zip(full.blocks, plain.blocks, strict=True))
    print(
        f"ratio (a)/(b): {ratio:.3f} (median of {len(full.blocks)} alternating blocks "
        f"{per_block:.3f})   target >= 0.5: {verdict}"
    )
    work_a = full.seconds / full.count - floor_.seconds / floor_.count
    work_b = plain.seconds / plain.count - floor_.seconds / floor_.count
    print(
        f"above the floor: (a) {1000 * work_a:.2f} ms, (b) {1000 * work_b:.2f} ms per query "
        f"(ratio {work_b / work_a:.3f}); load average {_load()}"
    )
    if args.profile:
        count = args.queries // 4
        for title, path in (("(a) full path", "full"), ("(b) plaintext path", "plain")):
            profiles = ThreadProfiles()
            # A new server inside the profile, so its threads (loop, worker pool) are profiled.
            with profiles.active(), serving(app, args.client) as post:
                tokens = _agency_tokens(app, runtime, args.agencies)
                call = getattr(Paths(post, tokens), path)
                t0 = time.perf_counter()
                for n in picks[:count]:
                    call(data.codes[n])
                wall = time.perf_counter() - t0
            print_profile(profiles.stats(), wall, f"{title}, {count} queries")
    runtime.engine.dispose()


def _log(args: argparse.Namespace, tmp: Path) -> None:
    # A database of its own, so the measured sizes are the log's whole size.
    settings = Settings(data_dir=tmp / "log", database_url=None)
    settings.data_dir.mkdir(mode=0o700)
    engine = make_engine(settings.database())
    migrate.upgrade(engine)
    log = LogBench(engine, _signer(settings), args.seed)
    if args.only == "verify":
        log.grow_to(args.log_size)
        print(
            f"\nquery log: {log.size:,} leaves built in {log.build_seconds:.1f} s "
            f"({LOG_BUILD_BATCH}-leaf transactions, a checkpoint after each)"
        )
    else:
        _append_windows(args, log)
    _verify_stage(args, log)
    log.engine.dispose()


def _append_windows(args: argparse.Namespace, log: LogBench) -> None:
    """Grow the log to each of LOG_SIZES, timing a window of appends that ends there."""
    batch = 100
    window = args.singles + args.batches * batch
    sizes = sorted({s for s in LOG_SIZES if s <= args.log_size} | {args.log_size})
    sizes = [s for s in sizes if s >= window]
    print(
        f"\nquery log: append_leaves + commit, windows of {args.singles:,} 1-leaf and "
        f"{args.batches} {batch}-leaf transactions ending at each size"
    )
    print(
        f"{'window ending at (leaves)':>26} {'1 leaf/txn /s':>14} {'(median)':>9} "
        f"{f'{batch}/txn /s':>12} {'(median)':>9}   best of {WINDOW_PARTS} parts"
    )
    results = []
    for size in sizes:
        result = log.window(size, args.singles, args.batches, batch)
        results.append(result)
        print(
            f"{result.size:26,} {result.single_rate:14,.0f} "
            f"{statistics.median(result.single_rates):9,.0f} "
            f"{result.batch_rate:12,.0f} {statistics.median(result.batch_rates):9,.0f}"
        )
    first, last = results[0], results[-1]
    print(
        f"flatness, rate at {last.size:,} / at {first.size:,}: "
        f"{last.single_rate / first.single_rate:.2f} (1/txn), "
        f"{last.batch_rate / first.batch_rate:.2f} ({batch}/txn)   target: flat (about 1)"
    )
    print(
        f"(building the log between windows: {log.build_seconds:.1f} s in "
        f"{LOG_BUILD_BATCH}-leaf transactions, a checkpoint after each)"
    )


def _verify_stage(args: argparse.Namespace, log: LogBench) -> None:
    """Time `verify_log` over the whole log, and two baselines over it in this process."""
    log.seal()
    print(f"\nverify: {log.size:,} leaves; load average {_load()}")
    # Interleaved, so a burst of other load is likely to hit both sides of a ratio.
    first, report = log.verify()
    by_leaf, _ = log.verify(verify_log_leaf_by_leaf)
    floor = log.floor()
    second, _ = log.verify()
    seconds = min(first, second)
    verdict = "met" if seconds < 10 * report.leaves / 1_000_000 else "MISSED"
    print(
        f"verify_log: {report.leaves:,} leaves, {report.checkpoints:,} checkpoints in "
        f"{seconds:.2f} s ({1e6 * seconds / report.leaves:.1f} µs/leaf; best of "
        f"{first:.2f} and {second:.2f})   target < 10 s per 1M: {verdict}"
    )
    print(
        f"  baseline, leaf-by-leaf audit (the way verify_log worked before runs): "
        f"{by_leaf:.2f} s, {by_leaf / seconds:.2f}x verify_log's time"
    )
    print(
        f"  floor, every leaf read through the driver and hashed, nothing checked: "
        f"{floor:.2f} s; verify_log takes {seconds / floor:.2f}x the floor"
    )
    print(f"load average {_load()}")
    if args.profile:
        profile = cProfile.Profile()
        with Session(log.engine) as session:
            t0 = time.perf_counter()
            profile.runcall(
                verify_log,
                session=session,
                signer_public_key=log.signer.public_key,
                name=log.signer.name,
            )
            wall = time.perf_counter() - t0
        print_profile(pstats.Stats(profile), wall, f"verify_log, {log.size:,} leaves")
        verify_parts(log.engine, min(log.size, 100_000), seconds / report.leaves)


def main(argv: Sequence[str] | None = None) -> None:
    """Build the data set, time both query paths, then the query log; print the tables."""
    args = _parse(argv)
    started = time.perf_counter()
    if args.at_hour is not None:
        now = clock.now().astimezone(CST)
        clock.advance(now.replace(hour=args.at_hour, minute=0, second=0, microsecond=0) - now)
        print(f"project clock moved to {clock.now().astimezone(CST):%Y-%m-%d %H:%M} China time")
    with tempfile.TemporaryDirectory(prefix="credence-bench-") as name:
        tmp = Path(name)
        if args.only in (None, "queries"):
            _queries(args, tmp)
        if args.only in (None, "log", "verify"):
            _log(args, tmp)
    print(f"\ntotal {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
