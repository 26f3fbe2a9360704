"""Under agency-query load on a live two-worker server, the long jobs run beside it: the demo,
a key rotation, a sweep and a 5,000-row batch all finish, no request gets a 5xx, and the log
still verifies."""

from __future__ import annotations

import asyncio
import subprocess
import threading
from collections import Counter
from pathlib import Path

import httpx
import pytest

from tests.conftest import PG_URL
from tests.factories import make_payload
from tests.support.server import CREDENCE, credence_env, run_credence, serving

pytestmark = pytest.mark.skipif(PG_URL is not None, reason="the embedded default, end to end")

# More requests in flight than the server's thread pools hold (40 a worker): a writer that
# held the lock while waiting for a thread would stop them all.
MANY = 120
# Beside the long jobs: enough to keep the lock contended all the time.
SOME = 8
BATCHES, BATCH_SIZE = 5, 1000


def _token(data: Path, *args: str) -> str:
    return run_credence(data, "dev-token", *args, "--ttl", "3600").stdout.strip()


class Load:
    """Agency queries from many connections at once, until told to stop."""

    def __init__(
        self, base: str, token: str, codes: list[str], connections: int, each: int | None
    ) -> None:
        self.base, self.token, self.codes = base, token, codes
        self.connections, self.each = connections, each
        self.statuses: Counter[int] = Counter()
        self.failures: Counter[str] = Counter()
        self.stop = threading.Event()

    async def _worker(self, client: httpx.AsyncClient, n: int) -> None:
        i, done = n, 0
        while not self.stop.is_set() and (self.each is None or done < self.each):
            done += 1
            body = {
                "subject_code": self.codes[i % len(self.codes)],
                "purpose": "credit_loan",
                "legal_basis": "court_enforcement",
            }
            i += self.connections
            try:
                res = await client.post("/api/v1/queries", json=body)
                self.statuses[res.status_code] += 1
            except httpx.TransportError as exc:
                self.failures[type(exc).__name__] += 1

    async def _run(self) -> None:
        n = self.connections
        limits = httpx.Limits(max_connections=n, max_keepalive_connections=n)
        headers = {"Authorization": f"Bearer {self.token}"}
        async with httpx.AsyncClient(
            base_url=self.base, headers=headers, limits=limits, timeout=120
        ) as client:
            await asyncio.gather(*(self._worker(client, k) for k in range(n)))

    def run(self) -> None:
        """Drive the load (in its own thread) until `stop` is set or each connection is done."""
        asyncio.run(self._run())

    def assert_all_answered(self, at_least: int) -> None:
        """Every query answered 200: none refused as busy, no 5xx, no transport failure."""
        assert self.failures == Counter()
        assert set(self.statuses) == {200}, self.statuses
        assert sum(self.statuses.values()) >= at_least


def _batches(base: str, token: str, items: list[dict], results: list[httpx.Response]) -> None:
    with httpx.Client(base_url=base, timeout=300) as client:
        for k in range(BATCHES):
            chunk = items[k * BATCH_SIZE : (k + 1) * BATCH_SIZE]
            results.append(
                client.post(
                    "/api/v1/records:batch",
                    json={"items": chunk},
                    headers={"Authorization": f"Bearer {token}"},
                )
            )


def test_more_queries_at_once_than_the_thread_pools_hold_are_all_answered(tmp_path):
    run_credence(tmp_path, "demo")
    codes = [make_payload().subject_code for _ in range(50)]
    with serving(tmp_path, "--workers", "2") as (base, _output):
        token = _token(tmp_path, "--role", "agency", "--agency", "bank-many")
        load = Load(base, token, codes, MANY, 4)
        # In a thread of its own: the test's own thread may already run an event loop.
        loader = threading.Thread(target=load.run)
        loader.start()
        loader.join()
    load.assert_all_answered(MANY * 4)
    assert run_credence(tmp_path, "log", "verify").stdout.startswith("ok: ")


def test_long_jobs_and_queries_share_the_database(tmp_path):
    run_credence(tmp_path, "migrate")
    items = [make_payload().model_dump(mode="json") for _ in range(BATCHES * BATCH_SIZE)]
    codes = sorted({item["subject_code"] for item in items})
    with serving(tmp_path, "--workers", "2", CREDENCE_MAINTENANCE_EVERY_SECONDS="1") as (
        base,
        output,
    ):
        agency = _token(tmp_path, "--role", "agency", "--agency", "bank-load")
        recorder = _token(tmp_path, "--role", "recorder", "--department", "dept-load")
        load = Load(base, agency, codes, SOME, None)
        loader = threading.Thread(target=load.run)
        loader.start()
        try:
            jobs = {
                name: subprocess.Popen(
                    [CREDENCE, *args],
                    env=credence_env(tmp_path),
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                    text=True,
                )
                for name, args in {
                    "demo": ("demo",),
                    "rotate": ("keys", "rotate"),
                    "sweep": ("sweep",),
                }.items()
            }
            batch_results: list[httpx.Response] = []
            batcher = threading.Thread(target=_batches, args=(base, recorder, items, batch_results))
            batcher.start()
            finished = {name: proc.communicate(timeout=900) for name, proc in jobs.items()}
            batcher.join()
        finally:
            load.stop.set()
            loader.join()
    for name, proc in jobs.items():
        _out, err = finished[name]
        assert proc.returncode == 0, (name, err)
        assert "Traceback" not in err
    assert "entries created" in finished["demo"][0]
    assert "re-wrapped" in finished["rotate"][0]
    assert finished["sweep"][0].startswith("sweep:")
    assert [r.status_code for r in batch_results] == [200] * BATCHES
    assert sum(r.json()["created"] for r in batch_results) == BATCHES * BATCH_SIZE
    load.assert_all_answered(SOME)
    assert " 500 " not in output[0]
    verify = run_credence(tmp_path, "log", "verify")
    assert verify.stdout.startswith("ok: ")
    # Every answered query is a leaf (the demo's own queries besides).
    leaves = int(verify.stdout.split()[1])
    assert leaves >= sum(load.statuses.values())
