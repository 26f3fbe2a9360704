"""Agency queries under load over real HTTP, against `/healthz` of the same server (§11).

Run: `python -m bench.load` (20k subjects, 60k entries; about 4 minutes) or
`python -m bench.load --quick` (2k / 6k, shorter runs; about 2 minutes).

What it measures: `credence serve --workers 2` on loopback over a data set built by the
migrations and `bench.queries.build_dataset` (per-row data keys, sealed fields, the real
blind index). `wrk` (installed with apt-get when missing) drives, for each of 8, 50 and 200
connections, `/healthz` and then `POST /api/v1/queries` (a legal basis, 32 agencies in
turn, random subjects), and reports requests a second, p50 and p99, errors (non-2xx and
socket errors) and the ratio of query to `/healthz` throughput. Then the same query load
at 200 connections while a recorder submits a 5,000-row batch (five requests of 1,000),
for `--batch-window` seconds: the rows stored by then and the queries' p99 beside it. The
built data set is swept once first; then the server's background maintenance runs as in
production (every 5 s). Results and their reading: bench/README-load.md.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import httpx

from bench.dataset import subject_code
from bench.queries import build_dataset
from core.clock import clock
from core.identity.issuer_keys import IssuerKeys
from core.identity.tokens import mint_access_token
from core.runtime import open_runtime
from core.settings import Settings

CONNECTIONS = (8, 50, 200)
AGENCIES = 32
BATCHES, BATCH_SIZE = 5, 1000

QUERY_LUA = """
local codes, tokens = {}, {}
for c in io.open("%(codes)s"):read("*a"):gmatch('"([0-9X]+)"') do codes[#codes + 1] = c end
for t in io.open("%(tokens)s"):lines() do tokens[#tokens + 1] = t end
local n = 0
request = function()
  n = n + 1
  local code = codes[math.random(#codes)]
  local body = '{"subject_code":"' .. code .. '","purpose":"licensing",'
    .. '"legal_basis":"court_enforcement"}'
  return wrk.format("POST", "/api/v1/queries", {
    ["Content-Type"] = "application/json",
    ["Authorization"] = "Bearer " .. tokens[(n %% #tokens) + 1]}, body)
end
"""
SUMMARY_LUA = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('BENCH {"requests": %d, "seconds": %f, "p50": %d, "p99": %d, '
    .. '"status": %d, "socket": %d}\\n', summary.requests, summary.duration / 1e6,
    latency:percentile(50), latency:percentile(99), e.status,
    e.connect + e.read + e.write + e.timeout))
end
"""


@dataclass
class Run:
    """One wrk run: throughput, latency (ms) and errors."""

    requests: int
    seconds: float
    p50: float
    p99: float
    errors: int

    @property
    def rate(self) -> float:
        """Requests answered a second."""
        return self.requests / self.seconds


def ensure_wrk() -> str:
    """The wrk binary, installed from Debian's packages when missing."""
    found = shutil.which("wrk")
    if found:
        return found
    sudo = [] if os.geteuid() == 0 else ["sudo"]
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run([*sudo, "apt-get", "update", "-qq"], check=True, env=env)  # noqa: S603
    install = [*sudo, "apt-get", "install", "-y", "-qq", "wrk"]
    subprocess.run(install, check=True, env=env)  # noqa: S603
    return shutil.which("wrk") or "wrk"


def wrk(binary: str, url: str, connections: int, seconds: float, script: Path) -> Run:
    """Run wrk once and read the summary its Lua `done` prints."""
    out = subprocess.run(  # noqa: S603 - our own fixed command line
        [
            binary,
            f"-t{min(2, connections)}",
            f"-c{connections}",
            f"-d{max(1, round(seconds))}s",
            "--timeout",
            "30s",
            "-s",
            str(script),
            url,
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if out.returncode != 0:
        said = f"{out.stderr.strip()} {out.stdout.strip()}"
        raise SystemExit(f"wrk failed ({out.returncode}): {said}")
    match = re.search(r"^BENCH (\{.*\})$", out.stdout, re.M)
    if match is None:
        raise SystemExit(f"wrk printed no summary:\n{out.stdout}")
    s = json.loads(match.group(1))
    return Run(
        requests=s["requests"],
        seconds=s["seconds"],
        p50=s["p50"] / 1000,
        p99=s["p99"] / 1000,
        errors=s["status"] + s["socket"],
    )


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def mint(settings: Settings, role: str, subject: str, claims: dict[str, object]) -> str:
    """An access token from the data dir's embedded issuer, good for the whole bench."""
    return mint_access_token(
        keys=IssuerKeys.load_or_create(settings.issuer_key_file),
        issuer=settings.embedded_issuer_id,
        audience=settings.token_audience,
        subject=subject,
        claims={"role": role, **claims},
        ttl=timedelta(hours=6),
        now=clock.now(),
        client_id=f"bench-{role}",
    )


def tokens(settings: Settings, role: str, count: int, **claims: str) -> list[str]:
    """`count` tokens of one client role, each claim suffixed with the token's number."""
    return [
        mint(settings, role, f"bench:{role}-{n}", {k: f"{v}-{n:03d}" for k, v in claims.items()})
        for n in range(count)
    ]


def _batch_items(first: int, count: int) -> list[dict[str, object]]:
    decided = clock.today() - timedelta(days=30)
    return [
        {
            "external_id": f"LOAD-{first + n:07d}",
            "subject_code": subject_code(first + n),
            "subject_name": "王小明",
            "list_kind": "black",
            "domain": "tax",
            "severity": "serious",
            "facts": "逾期未缴税款",
            "public_summary": "逾期未缴税款",
            "legal_basis": "《税收征收管理法》第六十三条",
            "decided_on": decided.isoformat(),
            "display_until": (decided + timedelta(days=730)).isoformat(),
            "valid_until": (decided + timedelta(days=1095)).isoformat(),
            "repairable": True,
            "repair_ways": ["performance", "commitment"],
        }
        for n in range(count)
    ]


CREDENCE = str(Path(sys.executable).parent / "credence")


def credence_env(data_dir: Path, database_url: str | None = None) -> dict[str, str]:
    """The environment of a `credence` command on the bench's data dir and database."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CREDENCE_")}
    env["CREDENCE_DATA_DIR"] = str(data_dir)
    if database_url is not None:
        env["CREDENCE_DATABASE_URL"] = database_url
    return env


class Server:
    """`credence serve --workers N` on a free loopback port, for the length of a `with`."""

    def __init__(self, data_dir: Path, workers: int, database_url: str | None = None) -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        # Its log and access log (uvicorn writes that to stdout) in the data dir.
        log = (data_dir / "server.log").open("ab")
        self.proc = subprocess.Popen(  # noqa: S603 - our own fixed command line
            [CREDENCE, "serve", "--port", str(self.port), "--workers", str(workers)],
            env=credence_env(data_dir, database_url),
            stdout=log,
            stderr=log,
            # Its own process group, so that its workers can be stopped with it.
            start_new_session=True,
        )

    def __enter__(self) -> Server:
        for _ in range(600):
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return self
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        raise SystemExit("the server did not come up")

    def __exit__(self, *_exc: object) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            # Workers still finishing requests the load left queued: not worth waiting for.
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=30)


def _batch(url: str, token: str, first: int, results: list[float | str]) -> None:
    started = time.perf_counter()
    with httpx.Client(base_url=url, timeout=900) as client:
        for k in range(BATCHES):
            try:
                res = client.post(
                    "/api/v1/records:batch",
                    json={"items": _batch_items(first + k * BATCH_SIZE, BATCH_SIZE)},
                    headers={"Authorization": f"Bearer {token}"},
                )
            except httpx.TransportError:
                return  # the window closed and the server stopped mid-batch: rows are counted
            if res.status_code != 200 or res.json()["created"] != BATCH_SIZE:
                results.append(f"batch {k} answered {res.status_code}: {res.text[:300]}")
                return
    results.append(time.perf_counter() - started)


def main(argv: list[str] | None = None) -> None:
    """Build, serve, load, report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subjects", type=int, default=20_000)
    parser.add_argument("--entries", type=int, default=60_000)
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--workers", type=int, default=2, help="server worker processes")
    parser.add_argument(
        "--batch-window", type=float, default=60, help="seconds of load beside the batch"
    )
    parser.add_argument("--quick", action="store_true", help="2k subjects, 8 s runs")
    args = parser.parse_args(argv)
    if args.quick:
        args.subjects, args.entries, args.seconds = 2_000, 6_000, 8
    binary = ensure_wrk()
    with tempfile.TemporaryDirectory(prefix="credence-load-") as tmp:
        data_dir = Path(tmp)
        settings = Settings(data_dir=data_dir, database_url=None)
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
        swept = time.perf_counter()
        sweep = [CREDENCE, "sweep"]
        subprocess.run(sweep, env=credence_env(data_dir), check=True, capture_output=True)  # noqa: S603
        print(f"initial sweep: {time.perf_counter() - swept:.0f} s")
        print(
            f"data set: {args.subjects:,} subjects, {data.entries:,} entries "
            f"(built in {data.seconds:.0f} s); load average {os.getloadavg()[0]:.2f}"
        )
        codes, token_file = data_dir / "codes.json", data_dir / "tokens.txt"
        codes.write_text(json.dumps(data.codes))
        query_lua, health_lua = data_dir / "query.lua", data_dir / "health.lua"
        query_lua.write_text(
            QUERY_LUA % {"codes": codes, "tokens": token_file} + SUMMARY_LUA, encoding="utf-8"
        )
        health_lua.write_text(SUMMARY_LUA, encoding="utf-8")
        with Server(data_dir, args.workers) as server:
            token_file.write_text(
                "\n".join(tokens(settings, "agency", AGENCIES, agency="bench-agency")) + "\n"
            )
            wrk(binary, f"{server.url}/healthz", 8, 2, health_lua)  # warm-up
            wrk(binary, f"{server.url}/api/v1/queries", 8, 3, query_lua)
            print(
                f"\n{'connections':>11} {'/healthz req/s':>15} {'query req/s':>12} "
                f"{'ratio':>7} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7}"
            )
            for c in CONNECTIONS:
                health = wrk(binary, f"{server.url}/healthz", c, args.seconds / 2, health_lua)
                query = wrk(binary, f"{server.url}/api/v1/queries", c, args.seconds, query_lua)
                print(
                    f"{c:>11} {health.rate:>15,.0f} {query.rate:>12,.1f} "
                    f"{query.rate / health.rate:>7.3f} {query.p50:>8.1f} {query.p99:>8.1f} "
                    f"{query.errors + health.errors:>7}"
                )
            recorder = tokens(settings, "recorder", 1, department="bench-dept")[0]
            took: list[float | str] = []
            batcher = threading.Thread(
                target=_batch, args=(server.url, recorder, args.subjects, took), daemon=True
            )
            started = time.perf_counter()
            batcher.start()
            runs: list[Run] = []
            while batcher.is_alive() and time.perf_counter() - started < args.batch_window:
                runs.append(wrk(binary, f"{server.url}/api/v1/queries", 200, 10, query_lua))
            window = time.perf_counter() - started
            stored = _stored(data_dir)
            if took and isinstance(took[0], str):
                raise SystemExit(f"the batch failed: {took}")
            answered = sum(r.requests for r in runs)
            state = f"done in {took[0]:.0f} s" if took else f"{stored:,} rows stored"
            print(
                f"\nduring a {BATCHES * BATCH_SIZE:,}-row batch ({state} after {window:.0f} s) "
                f"at 200 connections: {answered / sum(r.seconds for r in runs):,.1f} queries/s, "
                f"p50 {max(r.p50 for r in runs):.0f} ms, p99 {max(r.p99 for r in runs):.0f} ms "
                f"(worst of {len(runs)} runs of 10 s), {sum(r.errors for r in runs)} errors; "
                f"load average {os.getloadavg()[0]:.2f}"
            )


def _stored(data_dir: Path) -> int:
    """How many of the batch's rows are committed (read-only, beside the server)."""
    import sqlite3

    conn = sqlite3.connect(f"file:{data_dir / 'credence.db'}?mode=ro", uri=True)
    try:
        row = conn.execute("SELECT count(*) FROM entry WHERE external_id LIKE 'LOAD-%'").fetchone()
        return int(row[0])
    finally:
        conn.close()


if __name__ == "__main__":
    main()
