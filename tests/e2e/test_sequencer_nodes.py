"""Two API nodes on one database keep one log, and a node killed with `kill -9` under load
loses no query it answered with a receipt: every receipt verifies, sits at its own index,
and proves the leaf stored there."""

from __future__ import annotations

import base64
import os
import signal
import threading
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import select
from sqlmodel import Session, col

from core.db import make_engine
from core.models import LogLeaf
from crypto.bound_receipt import verify_answer
from crypto.leaf_binding import canonical
from crypto.merkle import leaf_hash
from tests.factories import bearer, make_payload
from tests.support.server import node, run_credence

SUBJECTS = 12
THREADS = 4  # per node
# Node B is killed once it has answered this many; node A answers as many again after.
BEFORE_KILL = 60


class Client:
    """Agency queries from a few threads against one node, every answer kept."""

    def __init__(self, base: str, token: str, codes: list[str]) -> None:
        self.base, self.token, self.codes = base, token, codes
        self.answers: list[dict[str, Any]] = []
        self.statuses: Counter[int] = Counter()
        self.failures: Counter[str] = Counter()
        self.stop = threading.Event()
        self.answered = threading.Semaphore(0)
        self._lock = threading.Lock()
        self._threads = [threading.Thread(target=self._run, args=(t,)) for t in range(THREADS)]

    def start(self) -> None:
        """Start the threads."""
        for th in self._threads:
            th.start()

    def join(self) -> None:
        """Stop and wait for the threads."""
        self.stop.set()
        for th in self._threads:
            th.join(timeout=120)

    def _run(self, t: int) -> None:
        i = t
        with httpx.Client(base_url=self.base, headers=bearer(self.token), timeout=60) as client:
            while not self.stop.is_set():
                body = {
                    "subject_code": self.codes[i % len(self.codes)],
                    "purpose": "credit_loan",
                    "legal_basis": "court_enforcement",
                }
                i += THREADS
                try:
                    res = client.post("/api/v1/queries", json=body)
                except httpx.TransportError as exc:
                    with self._lock:
                        self.failures[type(exc).__name__] += 1
                    if self.failures.total() > 50:
                        return  # the node is gone
                    continue
                with self._lock:
                    self.statuses[res.status_code] += 1
                    if res.status_code == 200:
                        self.answers.append(res.json())
                if res.status_code == 200:
                    self.answered.release()


def _wait_for(client: Client, count: int) -> None:
    """Block until the node has answered `count` more queries (real processes, real time)."""
    for _ in range(count):
        assert client.answered.acquire(timeout=120), client.statuses


def test_a_node_killed_under_load_loses_no_receipted_query(tmp_path: Path, fresh_url: str):
    env = {"CREDENCE_DATABASE_URL": fresh_url}
    run_credence(tmp_path, "migrate", **env)
    items = [make_payload().model_dump(mode="json") for _ in range(SUBJECTS)]
    codes = [item["subject_code"] for item in items]
    recorder = run_credence(
        tmp_path, "dev-token", "--role", "recorder", "--department", "dept-n", **env
    ).stdout.strip()
    agency = run_credence(
        tmp_path, "dev-token", "--role", "agency", "--agency", "bank-n", "--ttl", "3600", **env
    ).stdout.strip()
    with node(tmp_path, **env) as (a, _proc_a, output_a), node(tmp_path, **env) as (b, proc_b, _):
        made = httpx.post(
            f"{a}/api/v1/records:batch", json={"items": items}, headers=bearer(recorder)
        )
        assert made.status_code == 200, made.text
        vkey = httpx.get(f"{a}/api/v1/public/log-key").text
        on_a, on_b = Client(a, agency, codes), Client(b, agency, codes)
        on_a.start()
        on_b.start()
        try:
            _wait_for(on_b, BEFORE_KILL)
            # Mid-flight: node B has queries queued, in a batch, or being answered.
            os.kill(proc_b.pid, signal.SIGKILL)
            proc_b.wait(timeout=60)
            _wait_for(on_a, BEFORE_KILL)
        finally:
            on_a.join()
            on_b.join()

    # The surviving node answered everything; the killed one answered or dropped the line.
    assert set(on_a.statuses) == {200}, on_a.statuses
    assert not on_a.failures
    assert set(on_b.statuses) <= {200}, on_b.statuses
    assert " 500 " not in output_a[0]

    answers = on_a.answers + on_b.answers
    assert len(on_b.answers) >= BEFORE_KILL
    indexes = [int(r["log_index"]) for r in answers]
    assert len(set(indexes)) == len(indexes)  # one index, one query
    engine = make_engine(fresh_url)
    try:
        with Session(engine) as s:
            rows = s.execute(select(col(LogLeaf.idx), col(LogLeaf.leaf_hash))).all()
            stored = {int(i): bytes(h) for i, h in rows}
    finally:
        engine.dispose()
    for answer in answers:
        receipt = answer["receipt"]
        verify_answer(receipt, vkey)
        index = int(answer["log_index"])
        # The leaf it proves is the one stored at its index: nothing receipted was lost.
        assert stored[index] == base64.b64decode(receipt["leaf_hash"])
        assert stored[index] == leaf_hash(canonical(receipt["leaf"]))
    assert sorted(stored) == list(range(len(stored)))  # gap-free
    verify = run_credence(tmp_path, "log", "verify", **env)
    assert verify.stdout.startswith("ok: "), verify.stdout + verify.stderr
