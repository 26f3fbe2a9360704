"""A live server stores checkpoints on its own timer; `credence log checkpoint` stores one now."""

from __future__ import annotations

import time

import httpx

from tests.factories import make_code
from tests.support.server import run_credence, serving


def _size(note: str) -> int:
    return int(note.splitlines()[1])


class TestMaintenanceLoop:
    def test_the_server_publishes_a_checkpoint_after_the_interval(self, tmp_path):
        run_credence(tmp_path, "migrate")
        token = run_credence(
            tmp_path, "dev-token", "--role", "agency", "--agency", "court-1"
        ).stdout.strip()
        timer = {
            "CREDENCE_MAINTENANCE_EVERY_SECONDS": "0.2",
            "CREDENCE_CHECKPOINT_EVERY_SECONDS": "0.5",
        }
        with serving(tmp_path, **timer) as (base, _output):
            assert _size(httpx.get(f"{base}/api/v1/public/checkpoint").text) == 0
            res = httpx.post(
                f"{base}/api/v1/queries",
                headers={"Authorization": f"Bearer {token}"},
                json={
                    "subject_code": make_code(),
                    "purpose": "licensing",
                    "legal_basis": "court_enforcement",
                },
            )
            assert res.status_code == 200
            assert res.json()["receipt"]["tree_size"] == 1
            # Waiting on a real background task of another process, not moving project time.
            deadline = time.monotonic() + 20
            while _size(httpx.get(f"{base}/api/v1/public/checkpoint").text) != 1:
                assert time.monotonic() < deadline, "no checkpoint was published"
                time.sleep(0.1)

    def test_log_checkpoint_on_demand(self, tmp_path):
        run_credence(tmp_path, "migrate")
        out = run_credence(tmp_path, "log", "checkpoint").stdout
        assert out.strip() == "checkpoint of size 0"
        assert (
            "ok: 0 leaves and 1 checkpoints verified"
            in run_credence(tmp_path, "log", "verify").stdout
        )
