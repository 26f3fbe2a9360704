"""`/healthz`, the agency query and `/me/record` over real HTTP, on SQLite and PostgreSQL (§11).

Run: `python -m bench.http` (20k subjects, 60k entries, 10 s a run) or `--quick` (2k / 6k,
5 s a run); PostgreSQL is benched when the environment names a server that commits
durably: `scripts/with-durable-postgres.sh .venv/bin/python -m bench.http` (the bench
refuses a cluster with fsync or synchronous_commit off, as `with-postgres.sh` runs it).

For each database: the data set is built by the migrations and `bench.queries.build_dataset`
(per-row data keys, sealed fields, the real blind index) and swept once; then
`credence serve --workers 2` on loopback (background maintenance on, as in production) is
driven by `wrk` (installed with apt-get when missing) at 8, 50 and 200 connections, each
time against `/healthz`, `POST /api/v1/queries` (a legal basis, 32 agencies in turn, random
subjects) and `GET /api/v1/me/record` (a citizen token per request, taken at random from
tokens minted for random subjects). Reported: requests a second, p50, p99, errors (non-2xx
and socket errors), the ratio to `/healthz` of the same connections, the load average, and
on PostgreSQL the backends the server opened during the run (pg_stat_database.sessions).
After the runs, `credence log verify` must pass on the bench's database. The output is a
markdown table; its reading is in bench/README-http.md.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import psycopg
from psycopg import sql
from sqlalchemy import make_url

from bench.load import (
    AGENCIES,
    CREDENCE,
    QUERY_LUA,
    SUMMARY_LUA,
    Run,
    Server,
    credence_env,
    ensure_wrk,
    mint,
    tokens,
    wrk,
)
from bench.queries import build_dataset
from core.runtime import open_runtime
from core.settings import Settings

CONNECTIONS = (8, 50, 200)
CITIZENS = 2000  # citizen tokens minted, one per random subject
PG_ENV = "CREDENCE_TEST_PG_URL"  # an admin URL, as scripts/with-*postgres.sh export it

_RECORD_LUA = """
local tokens = {}
for t in io.open("%(tokens)s"):lines() do tokens[#tokens + 1] = t end
request = function()
  return wrk.format("GET", "/api/v1/me/record",
    {["Authorization"] = "Bearer " .. tokens[math.random(#tokens)]})
end
"""
TARGETS = ("/healthz", "/api/v1/queries", "/api/v1/me/record")


@dataclass
class Row:
    """One target at one concurrency on one database, beside `/healthz` of the same run."""

    database: str
    target: str
    connections: int
    run: Run
    healthz: float  # requests a second of /healthz at the same connections
    load: float  # one-minute load average after the run
    backends: int | None  # PostgreSQL sessions opened during the run
    server_5xx: int  # 5xx in the server's access log, also those answered after wrk stopped


class Postgres:
    """A fresh bench database on a durable PostgreSQL server, and its connection counters."""

    def __init__(self, admin_url: str) -> None:
        self.admin = make_url(admin_url).set(drivername="postgresql")
        self.name = f"credence_bench_{uuid.uuid4().hex[:8]}"
        url = make_url(admin_url).set(database=self.name)
        self.url = url.render_as_string(hide_password=False)

    def _sql(self, query: str | sql.Composed, *params: object) -> list[tuple[object, ...]]:
        dsn = self.admin.render_as_string(hide_password=False)
        with psycopg.connect(dsn, autocommit=True) as conn:
            cursor = conn.execute(query, params)
            return list(cursor.fetchall()) if cursor.description else []

    def durability(self) -> dict[str, str]:
        """The server settings a durable commit rests on."""
        names = ["fsync", "synchronous_commit", "full_page_writes"]
        rows = self._sql("SELECT name, setting FROM pg_settings WHERE name = ANY(%s)", names)
        return {str(name): str(value) for name, value in rows}

    def sessions(self) -> int:
        """Sessions ever opened on the bench database (PostgreSQL 14+)."""
        rows = self._sql("SELECT sessions FROM pg_stat_database WHERE datname = %s", self.name)
        return int(str(rows[0][0])) if rows else 0

    def backends(self) -> int:
        """Backends connected to the bench database now."""
        rows = self._sql("SELECT count(*) FROM pg_stat_activity WHERE datname = %s", self.name)
        return int(str(rows[0][0]))

    @contextmanager
    def database(self) -> Iterator[Postgres]:
        """The bench database, created empty and dropped afterwards."""
        name = sql.Identifier(self.name)
        self._sql(sql.SQL("CREATE DATABASE {}").format(name))
        try:
            yield self
        finally:
            self._sql(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))


def _verify(data_dir: Path, database_url: str | None) -> str:
    """`credence log verify` on the bench's database: its one line, and whether it passed."""
    done = subprocess.run(  # noqa: S603 - our own fixed command line
        [CREDENCE, "log", "verify"],
        env=credence_env(data_dir, database_url),
        capture_output=True,
        text=True,
        check=False,
    )
    line = (done.stdout or done.stderr).strip().splitlines()[-1:]
    return f"{'passed' if done.returncode == 0 else 'FAILED'}: {' '.join(line)}"


def _scripts(data_dir: Path, codes: list[str], settings: Settings, seed: int) -> dict[str, Path]:
    """The wrk Lua script of each target, with the codes and tokens it reads."""
    # Not for security: which subjects get a citizen token only has to be reproducible.
    rng = random.Random(seed)  # noqa: S311
    citizens = [
        mint(settings, "citizen", f"bench:citizen-{n}", {settings.citizen_code_claim: code})
        for n, code in enumerate(rng.sample(codes, min(CITIZENS, len(codes))))
    ]
    files = {
        "codes": data_dir / "codes.json",
        "agencies": data_dir / "agencies.txt",
        "citizens": data_dir / "citizens.txt",
    }
    files["codes"].write_text(json.dumps(codes))
    agencies = tokens(settings, "agency", AGENCIES, agency="bench-agency")
    files["agencies"].write_text("\n".join(agencies) + "\n")
    files["citizens"].write_text("\n".join(citizens) + "\n")
    bodies = {
        "/healthz": "",
        "/api/v1/queries": QUERY_LUA % {"codes": files["codes"], "tokens": files["agencies"]},
        "/api/v1/me/record": _RECORD_LUA % {"tokens": files["citizens"]},
    }
    scripts = {}
    for n, (target, body) in enumerate(bodies.items()):
        scripts[target] = data_dir / f"target-{n}.lua"
        scripts[target].write_text(body + SUMMARY_LUA, encoding="utf-8")
    return scripts


def _check(url: str, scripts: dict[str, Path], settings: Settings, code: str) -> None:
    """One call of each target answers 200 before anything is timed."""
    citizen = mint(settings, "citizen", "bench:check", {settings.citizen_code_claim: code})
    agency = tokens(settings, "agency", 1, agency="bench-agency")[0]
    with httpx.Client(base_url=url, timeout=30) as client:
        answers = [
            client.get("/healthz"),
            client.post(
                "/api/v1/queries",
                json={
                    "subject_code": code,
                    "purpose": "licensing",
                    "legal_basis": "court_enforcement",
                },
                headers={"Authorization": f"Bearer {agency}"},
            ),
            client.get("/api/v1/me/record", headers={"Authorization": f"Bearer {citizen}"}),
        ]
    for target, answer in zip(scripts, answers, strict=True):
        if answer.status_code != 200:
            raise SystemExit(f"{target} answered {answer.status_code}: {answer.text[:300]}")
    if not answers[2].json()["entries"]:
        raise SystemExit("/me/record of a built subject came back empty")


@contextmanager
def _server_log_on_failure(data_dir: Path) -> Iterator[None]:
    """On a failure, the end of the server's log (it goes with the data dir)."""
    try:
        yield
    except BaseException:
        log = data_dir / "server.log"
        if log.exists():
            lines = log.read_text(errors="replace").splitlines()
            kept = [line for line in lines if not _ACCESS.search(line)]
            print("\n".join(kept[-40:]), file=sys.stderr)
        raise


_STATUS = re.compile(rb'HTTP/1\.1" (5\d\d) ')
_ACCESS = re.compile(r'HTTP/1\.1" \d\d\d ')  # an access-log line, left out of a failure's tail


def _server_errors(log: Path, offset: int) -> int:
    """The 5xx answers the server's access log shows after `offset` (wrk misses late ones)."""
    with log.open("rb") as f:
        f.seek(offset)
        return len(_STATUS.findall(f.read()))


def _settle(url: str, citizen: str) -> None:
    """Wait for the requests a run left queued, so that they do not count in the next run."""
    # A GET of /me/record needs a thread and a connection: it is answered once both are free.
    headers = {"Authorization": f"Bearer {citizen}"}
    for _ in range(60):
        started = time.perf_counter()
        httpx.get(f"{url}/api/v1/me/record", headers=headers, timeout=120)
        if time.perf_counter() - started < 0.5:
            return


def bench_database(
    label: str, args: argparse.Namespace, binary: str, pg: Postgres | None
) -> tuple[list[Row], list[str]]:
    """Build, serve and drive one database; its rows and notes (backends, log verify)."""
    notes: list[str] = []
    with tempfile.TemporaryDirectory(prefix="credence-http-") as tmp:
        data_dir = Path(tmp)
        database_url = pg.url if pg else None
        settings = Settings(data_dir=data_dir, database_url=database_url)
        runtime = open_runtime(settings)
        data = build_dataset(
            runtime.engine,
            runtime.keyring,
            subjects=args.subjects,
            entries=args.entries,
            sample=0,
            seed=7,
        )
        runtime.engine.dispose()
        # The built entries carry months of due lifecycle work: sweep it first, so the
        # server's background tick (left on, as in production) starts from a quiet state.
        env = credence_env(data_dir, database_url)
        subprocess.run([CREDENCE, "sweep"], env=env, check=True, capture_output=True)  # noqa: S603
        notes.append(
            f"{label}: {args.subjects:,} subjects, {data.entries:,} entries "
            f"(built in {data.seconds:.0f} s)"
        )
        scripts = _scripts(data_dir, data.codes, settings, seed=11)
        rows: list[Row] = []
        with (
            _server_log_on_failure(data_dir),
            Server(data_dir, args.workers, database_url) as server,
        ):
            _check(server.url, scripts, settings, data.codes[0])
            for target, script in scripts.items():  # warm-up: tokens verified, pools filled
                wrk(binary, f"{server.url}{target}", 50, 2, script)
            citizen = (data_dir / "citizens.txt").read_text().split()[0]
            log = data_dir / "server.log"
            idle = pg.backends() if pg else None
            for c in CONNECTIONS:
                healthz = 0.0
                for target, script in scripts.items():
                    before = pg.sessions() if pg else 0
                    logged = log.stat().st_size
                    run = wrk(binary, f"{server.url}{target}", c, args.seconds, script)
                    _settle(server.url, citizen)
                    opened = pg.sessions() - before if pg else None
                    failed = _server_errors(log, logged)
                    healthz = run.rate if target == "/healthz" else healthz
                    load = os.getloadavg()[0]
                    rows.append(Row(label, target, c, run, healthz, load, opened, failed))
                    print(table(rows[-1:]).splitlines()[-1], file=sys.stderr, flush=True)
            if pg is not None:
                notes.append(
                    f"{label}: backends connected after warm-up {idle}, after the runs "
                    f"{pg.backends()}; sessions opened during the runs "
                    f"{sum(r.backends or 0 for r in rows)}"
                )
        notes.append(f"{label}: `credence log verify` {_verify(data_dir, database_url)}")
    return rows, notes


def table(rows: list[Row]) -> str:
    """The markdown table of every run."""
    lines = [
        "| database | target | connections | req/s | p50 ms | p99 ms | errors | server 5xx "
        "| ratio to /healthz | backends opened | load avg |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        ratio = "1" if r.target == "/healthz" else f"{r.run.rate / r.healthz:.3f}"
        opened = "–" if r.backends is None else str(r.backends)
        lines.append(
            f"| {r.database} | `{r.target}` | {r.connections} | {r.run.rate:,.0f} "
            f"| {r.run.p50:.1f} | {r.run.p99:.1f} | {r.run.errors} | {r.server_5xx} "
            f"| {ratio} | {opened} "
            f"| {r.load:.2f} |"
        )
    return "\n".join(lines)


Goal = tuple[str, str, Callable[[Row], bool]]
GOALS: tuple[Goal, ...] = (
    ("SQLite", "≥ 1,500 queries/s", lambda r: r.run.rate >= 1500),
    ("SQLite", "≥ 0.27 of /healthz", lambda r: r.run.rate >= 0.27 * r.healthz),
    ("SQLite", "p99 < 100 ms", lambda r: r.run.p99 < 100),
    ("SQLite", "0 errors", lambda r: r.run.errors == 0 and r.server_5xx == 0),
    ("PostgreSQL", "≥ 700 queries/s", lambda r: r.run.rate >= 700),
)


def goals(rows: list[Row]) -> list[str]:
    """The issue's goals for the agency query at 50 connections, met or not."""
    found = {r.database: r for r in rows if r.target == "/api/v1/queries" and r.connections == 50}
    lines = []
    for database, goal, met in GOALS:
        row = found.get(database)
        verdict = "not run" if row is None else ("met" if met(row) else "not met")
        lines.append(f"- {database}, agency query at 50 connections, {goal}: {verdict}")
    return lines


def main(argv: list[str] | None = None) -> None:
    """Bench SQLite, then a durable PostgreSQL when one is named; print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subjects", type=int, default=20_000)
    parser.add_argument("--entries", type=int, default=60_000)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--workers", type=int, default=2, help="server worker processes")
    parser.add_argument("--database", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--quick", action="store_true", help="2k subjects, 5 s runs")
    args = parser.parse_args(argv)
    if args.quick:
        args.subjects, args.entries, args.seconds = 2_000, 6_000, 5
    binary = ensure_wrk()
    rows: list[Row] = []
    notes = [f"`credence serve --workers {args.workers}`, {os.cpu_count()} CPUs, wrk {binary}"]
    if args.database in ("sqlite", "both"):
        found, said = bench_database("SQLite", args, binary, None)
        rows += found
        notes += said
    admin = os.environ.get(PG_ENV)
    if args.database in ("postgresql", "both"):
        if admin is None:
            notes.append(
                f"PostgreSQL: not run ({PG_ENV} unset; see scripts/with-durable-postgres.sh)"
            )
        else:
            pg = Postgres(admin)
            durable = pg.durability()
            if any(durable.get(n) != "on" for n in ("fsync", "synchronous_commit")):
                raise SystemExit(f"PostgreSQL does not commit durably ({durable}); not benched")
            notes.append(f"PostgreSQL: {', '.join(f'{k}={v}' for k, v in sorted(durable.items()))}")
            with pg.database():
                found, said = bench_database("PostgreSQL", args, binary, pg)
            rows += found
            notes += said
    print(table(rows))
    print()
    print("\n".join(f"- {n}" for n in notes))
    print("\n".join(goals(rows)))


if __name__ == "__main__":
    main()
