"""A real server over a corrupt log comes up halted (not crashed), answers 503, and goes on
only once `log clear-halt` has re-verified the repaired log: this worktree's code, run as
`python -c 'from cli.main import main; main()'` (the installed script may be another's)."""

from __future__ import annotations

import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine, text
from sqlmodel import Session

from core.clock import clock
from core.querylog.appends import append_leaves
from core.querylog.checkpoints import make_checkpoint
from core.querylog.leaves import canonical_leaf
from core.querylog.signing_key import signer_for_data_dir
from core.runtime import open_runtime
from core.settings import Settings
from tests.factories import make_code
from tests.support.server import credence_env, free_port, use_data_dir_keys, wait_until_up

ROOT = Path(__file__).resolve().parents[2]
ENTRY = "from cli.main import main; main()"
# Every guarded request re-reads the halt, so the cleared halt shows with no wait.
ENV = {"PYTHONPATH": str(ROOT), "CREDENCE_LOG_HALT_RECHECK_SECONDS": "0.001"}


def _cli(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", ENTRY, *args],
        env=credence_env(data_dir, **ENV),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@contextmanager
def _serving(data_dir: Path) -> Iterator[str]:
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-c", ENTRY, "serve", "--port", str(port)],
        env=credence_env(data_dir, **ENV),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: list[str] = []
    assert proc.stdout is not None
    reader = threading.Thread(target=lambda: lines.extend(proc.stdout or ()), daemon=True)
    reader.start()
    try:
        wait_until_up(f"http://127.0.0.1:{port}/healthz", proc)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        reader.join(timeout=20)
        proc.stdout.close()


def _flip_leaf_byte(engine: Engine, idx: int) -> None:
    with engine.begin() as conn:
        body = bytes(
            conn.execute(
                text("SELECT body FROM query_log_leaf WHERE idx = :i"), {"i": idx}
            ).scalar_one()
        )
        changed = body[:3] + bytes([body[3] ^ 1]) + body[4:]
        conn.execute(
            text("UPDATE query_log_leaf SET body = :b WHERE idx = :i"), {"b": changed, "i": idx}
        )


@pytest.fixture
def corrupt(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Engine]:
    """A data dir whose log (12 leaves, a checkpoint at 6) has one byte of leaf 8 changed."""
    use_data_dir_keys(monkeypatch, tmp_path)
    settings = Settings(data_dir=tmp_path)
    engine = open_runtime(settings).engine
    signer = signer_for_data_dir(tmp_path, origin=settings.log_origin, name=settings.log_key_name)
    with Session(engine) as session:
        bodies = [canonical_leaf({"agency": "bank-9", "n": n}) for n in range(12)]
        append_leaves(session=session, bodies=bodies[:6], now=clock.now())
        make_checkpoint(session=session, signer=signer, now=clock.now())
        append_leaves(session=session, bodies=bodies[6:], now=clock.now())
        session.commit()
    _flip_leaf_byte(engine, 8)
    engine.dispose()  # the server is another process
    yield engine
    engine.dispose()


class TestAServerOnACorruptLog:
    def test_comes_up_halted_and_goes_on_only_after_repair_and_clear(
        self, tmp_path: Path, corrupt: Engine
    ) -> None:
        token = _cli(tmp_path, "dev-token", "--role", "agency", "--agency", "bank-1")
        assert token.returncode == 0, token.stderr
        bank = {"Authorization": f"Bearer {token.stdout.strip()}"}
        query = {"subject_code": make_code(), "purpose": "credit_loan"}
        with _serving(tmp_path) as base:
            assert httpx.get(f"{base}/readyz").status_code == 503
            metrics = httpx.get(f"{base}/metrics").text
            assert "credence_log_integrity_failed 1" in metrics
            res = httpx.post(f"{base}/api/v1/queries", headers=bank, json=query)
            assert res.status_code == 503
            assert int(res.headers["retry-after"]) > 0
            # No personal data, no stored value: the fixed wording only.
            assert query["subject_code"] not in res.text

            kept = _cli(tmp_path, "log", "clear-halt", "--reason", "checked")
            assert kept.returncode == 1
            assert "the halt stays" in kept.stderr
            assert "index 8" in kept.stderr
            assert httpx.get(f"{base}/readyz").status_code == 503

            _flip_leaf_byte(corrupt, 8)  # the operator restores the byte
            corrupt.dispose()
            cleared = _cli(tmp_path, "log", "clear-halt", "--reason", "leaf 8 restored")
            assert cleared.returncode == 0, cleared.stderr
            assert "halt cleared: 12 leaves" in cleared.stdout
            assert httpx.get(f"{base}/readyz").status_code == 200
            answered = httpx.post(f"{base}/api/v1/queries", headers=bank, json=query)
            assert answered.status_code not in (500, 503)
            assert "credence_log_integrity_failed 0" in httpx.get(f"{base}/metrics").text
        again = _cli(tmp_path, "log", "clear-halt", "--reason", "nothing")
        assert "not halted" in again.stdout
