"""Key rotations while agencies query a live two-worker server: a master-key rotation, then
an online blind-index rotation whose old key the server's own ticks erase by destroying the
master versions that wrapped it, beside queries and new records. Every query finds and
decrypts its person's entry, every record is stored, and no key lives under a destroyed
version."""

from __future__ import annotations

import sqlite3
import threading
from collections import Counter
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from core.clock import clock
from tests.conftest import PG_URL
from tests.factories import bearer, make_payload
from tests.support.server import run_credence, serving

pytestmark = pytest.mark.skipif(PG_URL is not None, reason="the embedded default, end to end")

PEOPLE = 40
READERS = 4


def _token(data: Path, *args: str, **extra: str) -> str:
    return run_credence(data, "dev-token", *args, "--ttl", "3600", **extra).stdout.strip()


class Readers:
    """Agency queries by court order for known people until stopped; every answer checked."""

    def __init__(self, base: str, token: str, people: dict[str, str]) -> None:
        self.base, self.token, self.people = base, token, people
        self.outcomes: Counter[str] = Counter()
        self.stop = threading.Event()

    def _read(self, n: int) -> None:
        codes = sorted(self.people)
        with httpx.Client(base_url=self.base, headers=bearer(self.token), timeout=60) as client:
            i = n
            while not self.stop.is_set():
                code = codes[i % len(codes)]
                i += READERS
                try:
                    res = client.post(
                        "/api/v1/queries",
                        json={
                            "subject_code": code,
                            "purpose": "credit_loan",
                            "legal_basis": "court_enforcement",
                        },
                    )
                except httpx.TransportError as exc:
                    self.outcomes[type(exc).__name__] += 1
                    continue
                if res.status_code != 200:
                    self.outcomes[f"status {res.status_code}"] += 1
                    continue
                facts = {e.get("facts") for e in res.json()["entries"]}
                self.outcomes["found" if self.people[code] in facts else "not found"] += 1

    def start(self) -> list[threading.Thread]:
        threads = [threading.Thread(target=self._read, args=(n,)) for n in range(READERS)]
        for t in threads:
            t.start()
        return threads


class Writers:
    """New records from one recorder until stopped: each must be stored."""

    def __init__(self, base: str, token: str) -> None:
        self.base, self.token = base, token
        self.statuses: Counter[int] = Counter()
        self.stop = threading.Event()

    def run(self) -> None:
        with httpx.Client(base_url=self.base, headers=bearer(self.token), timeout=60) as client:
            while not self.stop.is_set():
                body = make_payload().model_dump(mode="json")
                self.statuses[client.post("/api/v1/records", json=body).status_code] += 1


def test_rotations_and_destruction_beside_queries_and_records(tmp_path):
    run_credence(tmp_path, "migrate")
    people = {}
    items = []
    for n in range(PEOPLE):
        facts = f"拒不履行判决第{n:03d}号"
        payload = make_payload(facts=facts)
        people[payload.subject_code] = facts
        items.append(payload.model_dump(mode="json"))
    with serving(tmp_path) as (base, _):
        recorder = _token(tmp_path, "--role", "recorder", "--department", "dept-rot")
        res = httpx.post(
            f"{base}/api/v1/records:batch", json={"items": items}, headers=bearer(recorder)
        )
        assert res.status_code == 200, res.text
    # Past the black entries' prior notice, so the queries see them.
    later = (clock.now() + timedelta(days=21)).isoformat()
    env = {"CREDENCE_CLOCK_AT": later}
    with serving(tmp_path, "--workers", "2", CREDENCE_MAINTENANCE_EVERY_SECONDS="1", **env) as (
        base,
        _,
    ):
        agency = _token(tmp_path, "--role", "agency", "--agency", "court-rot", **env)
        recorder = _token(tmp_path, "--role", "recorder", "--department", "dept-rot", **env)
        readers, writers = Readers(base, agency, people), Writers(base, recorder)
        threads = [*readers.start(), threading.Thread(target=writers.run)]
        threads[-1].start()
        try:
            steps = [
                run_credence(tmp_path, "keys", "rotate", check=False, **env),
                run_credence(tmp_path, "keys", "rotate-index", check=False, **env),
            ]
            # The old index key is erased by the server's own ticks: every version that
            # may have wrapped it (1 and 2) is destroyed, the keys living on moved first.
            status = _settled_status(tmp_path, env)
        finally:
            readers.stop.set()
            writers.stop.set()
            for t in threads:
                t.join(timeout=120)
    for step in steps:
        assert step.returncode == 0, (step.args, step.stdout, step.stderr)
    assert set(readers.outcomes) == {"found"}, readers.outcomes
    assert readers.outcomes["found"] >= 4 * PEOPLE
    assert set(writers.statuses) == {201}, writers.statuses
    destroyed = _destroyed(status)
    assert {1, 2} <= destroyed
    with sqlite3.connect(tmp_path / "credence.db") as db:
        marks = ",".join("?" * len(destroyed))
        live_under_destroyed = db.execute(
            f"SELECT count(*) FROM data_key WHERE wrapped IS NOT NULL "  # noqa: S608 - marks
            f"AND master_version IN ({marks})",
            sorted(destroyed),
        ).fetchone()[0]
    assert live_under_destroyed == 0
    assert run_credence(tmp_path, "log", "verify", **env).stdout.startswith("ok: ")


def _destroyed(status: str) -> set[int]:
    for line in status.splitlines():
        if line.startswith("versions destroyed: "):
            return {int(v) for v in line.removeprefix("versions destroyed: ").split(", ")}
    return set()


def _settled_status(data: Path, env: dict[str, str], polls: int = 90) -> str:
    """`keys status` once nothing awaits erasure (the server's tick runs every second)."""
    status = ""
    for _ in range(polls):
        status = run_credence(data, "keys", "status", **env).stdout
        if "shredded keys awaiting erasure: 0" in status and _destroyed(status):
            return status
    pytest.fail(f"the old index key's erasure did not complete: {status}")
