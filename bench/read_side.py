"""The agency query's read side, function by function, in process (issue 17, SPEC §12).

Run: `python bench/read_side.py build DIR` once (a seeded data set, 10k subjects and 30k
entries by default, in a SQLite file and a local key file under DIR), then
`python bench/read_side.py compare DIR --before TREE --after TREE`: it runs `measure`
in fresh processes, alternating the two source trees (`PYTHONPATH`) over the same data
set, and prints the median µs per query of each item and the after/before ratio, both
measured in the same run. `measure DIR` alone prints one process's JSON.

What each item times (the calling thread's CPU time, `time.thread_time_ns`, around the
real function, over the same seeded picks of subjects; `--clock wall` for elapsed time;
the unit is one query; the floor row is what the two clock reads cost):
- token: the agency policy as FastAPI runs it: awaited when it is a coroutine function,
  else through `run_in_threadpool` (the hop a sync dependency costs); cached token;
- token, cold: `Authenticator.authenticate` with its cache off (the signature check);
- blind index: `Keyring.blind_index` of the code;
- read: `entries.repository.subject_for_query` on a read session (rolled back after, so
  each call includes the session's pool checkout and BEGIN); the read session's own
  cost (checkout, BEGIN, rollback, no statement) is a row of its own, for scale;
- data keys (hit): `Keyring.data_key` of the subject and of every displayed entry,
  cached; (miss): the same after `forget_all`, so every key is unwrapped;
- open fields: `open_field` of the fields the answer holds, with keys at hand;
- pseudonym: the subject pseudonym the query path derives (`s:` with a subject key);
- prepare_query: the whole read side as the route calls it (warm caches).
The baseline row, a stdlib HMAC-SHA256, is the same code in both trees: it shows how
loaded the machine was while each tree ran.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import hmac
import inspect
import json
import os
import random
import statistics
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any, cast

if __package__ in (None, ""):
    # Run as a file from either tree: the tree under test comes first on PYTHONPATH.
    sys.path[0:1] = [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]

ROUNDS = 5  # alternating processes per tree in `compare`


def _settings(data_dir: Path) -> Any:
    from core.settings import Settings

    return Settings(
        data_dir=data_dir, database_url=None, key_provider="file", maintenance_every_seconds=0
    )


def build(data_dir: Path, subjects: int, entries: int, seed: int) -> None:
    """Build the seeded data set once; `measure` only reads it."""
    from bench.queries import build_dataset
    from core.runtime import open_runtime

    runtime = open_runtime(_settings(data_dir))
    data = build_dataset(
        runtime.engine, runtime.keyring, subjects=subjects, entries=entries, sample=0, seed=seed
    )
    (data_dir / "codes.json").write_text(json.dumps(data.codes))
    runtime.engine.dispose()
    print(f"{subjects:,} subjects, {data.entries:,} entries in {data.seconds:.1f} s")


# The calling thread's CPU time: what a query costs this process, whatever else the shared
# machine runs meanwhile (`--clock wall` for elapsed time). The policy row is always wall
# time: its cost is a hand-over between threads.
_CLOCKS = {"cpu": time.thread_time_ns, "wall": time.perf_counter_ns}


def _per_call(
    fn: Callable[[Any], object],
    items: list[Any],
    before: Callable[[], None],
    clock_ns: Callable[[], int],
) -> float:
    """Median over 5 passes of the µs one call of `fn` takes per item."""
    passes = []
    for _ in range(5):
        total = 0
        for item in items:
            before()
            t0 = clock_ns()
            fn(item)
            total += clock_ns() - t0
        passes.append(total / len(items) / 1000)
    return statistics.median(passes)


def _nothing() -> None:
    return None


def _nothing_with(_: object) -> None:
    return None


def measure(data_dir: Path, queries: int, seed: int, clock_name: str) -> dict[str, float]:
    """One process's µs per query of every item, over the tree on `PYTHONPATH`."""
    clock_ns = _CLOCKS[clock_name]

    def _per(fn: Callable[[Any], object], items: list[Any], before: Callable[[], None]) -> float:
        return _per_call(fn, items, before, clock_ns)

    from sqlmodel import Session
    from starlette.concurrency import run_in_threadpool
    from starlette.requests import Request

    from api.app import start_state
    from api.policy import agency_only
    from core.clock import clock
    from core.context import Context
    from core.entries.repository import subject_for_query
    from core.entries.visibility import shown_state
    from core.identity.authenticator import Authenticator
    from core.identity.tokens import build_verifier, mint_access_token
    from core.queries import service
    from core.queries.schemas import QueryRequest
    from core.runtime import open_runtime
    from crypto.envelope import FieldContext, open_field

    runtime = open_runtime(_settings(data_dir), run_migrations=False)
    state = start_state(runtime)
    keyring = runtime.keyring
    settings = runtime.settings
    codes: list[str] = json.loads((data_dir / "codes.json").read_text())
    rng = random.Random(seed)  # noqa: S311 - reproducible picks, not security
    picks = [codes[rng.randrange(len(codes))] for _ in range(queries)]
    now = clock.now()
    assert state.issuer_keys is not None
    tokens = [
        mint_access_token(
            keys=state.issuer_keys,
            issuer=settings.embedded_issuer_id,
            audience=settings.token_audience,
            subject=f"bench:agency-{n}",
            claims={"role": "agency", "agency": f"bench-bank-{n:03d}"},
            ttl=timedelta(hours=6),
            now=now,
            client_id=f"bench-agency-{n}",
        )
        for n in range(32)
    ]
    app = type("App", (), {"state": type("S", (), {"credence": state})()})()
    requests = [
        Request(
            {
                "type": "http",
                "method": "POST",
                "path": "/api/v1/queries",
                "headers": [(b"authorization", f"Bearer {t}".encode())],
                "app": app,
            }
        )
        for t in tokens
    ]
    # Sync before this change, async after: run it the way FastAPI would, either way.
    policy: Callable[[Request], object] = agency_only
    policy_async = inspect.iscoroutinefunction(type(agency_only).__call__)

    async def policy_loop() -> float:
        passes = []
        for _ in range(5):
            total = 0
            for n in range(queries):
                request = requests[n % len(requests)]
                t0 = time.perf_counter_ns()
                if policy_async:
                    await cast(Awaitable[object], policy(request))
                else:
                    await run_in_threadpool(policy, request)
                total += time.perf_counter_ns() - t0
            passes.append(total / queries / 1000)
        return statistics.median(passes)

    out: dict[str, float] = {}
    out["floor: a no-op call (clock reads)"] = _per(_nothing_with, picks, _nothing)
    key = hashlib.sha256(b"baseline").digest()
    out["baseline: stdlib HMAC-SHA256"] = _per(
        lambda c: hmac.digest(key, c.encode(), "sha256"), picks, _nothing
    )
    out["token: agency policy (cached token)"] = asyncio.run(policy_loop())
    cold = Authenticator(
        build_verifier(settings, state.issuer_keys),
        keyring=keyring,
        code_claim=settings.citizen_code_claim,
        cache_size=0,
    )
    out["token, cold: verify + principal"] = _per(
        cold.authenticate, tokens * (queries // len(tokens) + 1), _nothing
    )
    out["blind index"] = _per(keyring.blind_index, picks, _nothing)

    indexes = [keyring.blind_index(c) for c in picks]
    reads = Session(runtime.read_engine, expire_on_commit=False)
    out["read: subject_for_query"] = _per(
        lambda i: subject_for_query(reads, i), indexes, reads.rollback
    )

    # Not changed here: what the route's read session costs around the read, for scale.
    def checkout_and_back(_: object) -> None:
        reads.connection()
        reads.rollback()

    out["read session: checkout, BEGIN, rollback"] = _per(checkout_and_back, indexes, _nothing)
    found = []
    for i in indexes:
        found.append(subject_for_query(reads, i))
        reads.rollback()
    today = now.date()
    shown = [
        (s, [e for e in rows if e.wrapped is not None and shown_state(e, today) == "displayed"])
        for s, rows in found
    ]

    def keys_of(item: Any) -> None:
        subject, rows = item
        if subject is not None and subject.wrapped is not None:
            keyring.data_key(subject.key_id, subject.wrapped)
        for e in rows:
            keyring.data_key(e.key_id, cast(bytes, e.wrapped))

    for item in shown:
        keys_of(item)
    out["data keys, cached (subject + entries)"] = _per(keys_of, shown, _nothing)
    out["data keys, unwrapped (after forget_all)"] = _per(keys_of, shown, keyring.forget_all)
    for item in shown:
        keys_of(item)

    opened = [
        [
            (
                keyring.data_key(e.key_id, cast(bytes, e.wrapped)),
                e,
                FieldContext("entry", "subject_name", str(e.id)),
                FieldContext("entry", "facts", str(e.id)),
            )
            for e in rows
        ]
        for _, rows in shown
    ]

    def open_all(batch: list[Any]) -> None:
        for k, e, name_ctx, facts_ctx in batch:
            open_field(k, e.subject_name_ct, name_ctx)
            open_field(k, e.facts_ct, facts_ctx)

    out["open fields (name + facts per entry)"] = _per(open_all, opened, _nothing)
    subjects = [(s, i) for (s, _), i in zip(found, indexes, strict=True)]
    out["pseudonym (_subject_pseudonym)"] = _per(
        lambda si: service._subject_pseudonym(keyring, service._subject_key(keyring, si[0]), si[1]),
        subjects,
        _nothing,
    )
    out["pseudonym, no subject (u:)"] = _per(
        lambda si: service._subject_pseudonym(keyring, None, si[1]), subjects, _nothing
    )
    payloads = [
        QueryRequest.model_validate(
            {"subject_code": c, "purpose": "licensing", "legal_basis": "court_enforcement"}
        )
        for c in picks
    ]

    def prepare(payload: QueryRequest) -> None:
        service.prepare_query(
            Context(reads, keyring), agency="bench-bank-000", payload=payload, now=now
        )

    out["prepare_query (whole read side)"] = _per(prepare, payloads, reads.rollback)
    reads.close()
    runtime.engine.dispose()
    return out


def compare(
    data_dir: Path, before: Path, after: Path, queries: int, rounds: int, clock_name: str
) -> None:
    """Alternate fresh processes of the two trees and print medians and ratios."""
    runs: dict[str, list[dict[str, float]]] = {"before": [], "after": []}
    here = Path(__file__).resolve()
    for r in range(rounds):
        order = (("before", before), ("after", after))
        for label, tree in order if r % 2 == 0 else order[::-1]:
            env = {**os.environ, "PYTHONPATH": str(tree)}
            cmd = [sys.executable, str(here), "measure", str(data_dir), "--queries", str(queries)]
            cmd += ["--clock", clock_name]
            done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True)  # noqa: S603
            runs[label].append(json.loads(done.stdout.splitlines()[-1]))
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"load average {load}; {rounds} rounds each; {clock_name} time")
    print("| item | before µs | after µs | after/before |\n|---|---:|---:|---:|")
    for item in runs["after"][0]:
        a = statistics.median(run[item] for run in runs["after"])
        if item not in runs["before"][0]:
            print(f"| {item} | — | {a:.1f} | — |")
            continue
        b = statistics.median(run[item] for run in runs["before"])
        print(f"| {item} | {b:.1f} | {a:.1f} | {a / b:.3f} |")


def main(argv: list[str] | None = None) -> None:
    """Parse the command line and run one of build, measure, compare."""
    parser = argparse.ArgumentParser(prog="bench/read_side.py", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build")
    b.add_argument("dir", type=Path)
    b.add_argument("--subjects", type=int, default=10_000)
    b.add_argument("--entries", type=int, default=30_000)
    m = sub.add_parser("measure")
    m.add_argument("dir", type=Path)
    c = sub.add_parser("compare")
    c.add_argument("dir", type=Path)
    c.add_argument("--before", type=Path, required=True)
    c.add_argument("--after", type=Path, required=True)
    c.add_argument("--rounds", type=int, default=ROUNDS)
    for p in (b, m, c):
        p.add_argument("--seed", type=int, default=20261204)
    for p in (m, c):
        p.add_argument("--queries", type=int, default=500)
        p.add_argument("--clock", choices=sorted(_CLOCKS), default="cpu")
    args = parser.parse_args(argv)
    if args.command == "build":
        build(args.dir, args.subjects, args.entries, args.seed)
    elif args.command == "measure":
        print(json.dumps(measure(args.dir, args.queries, args.seed, args.clock)))
    else:
        compare(args.dir, args.before, args.after, args.queries, args.rounds, args.clock)


if __name__ == "__main__":
    main()
