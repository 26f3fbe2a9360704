"""`CREDENCE_CLOCK_AT` (tests, demos): the command's project clock starts there, or it refuses."""

from __future__ import annotations

import base64
import json
from datetime import date, datetime
from pathlib import Path

from core.clock import CST, clock
from tests.support.server import run_credence


def _issued_on(token: str) -> date:
    body = token.strip().split(".")[1]
    claims = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    return datetime.fromtimestamp(claims["iat"], CST).date()


class TestClockAt:
    def test_a_command_runs_on_the_instant_it_is_given(self, tmp_path: Path):
        at = "2025-03-03T09:30:00+08:00"
        res = run_credence(tmp_path, "dev-token", "--role", "auditor", CREDENCE_CLOCK_AT=at)
        assert _issued_on(res.stdout) == date(2025, 3, 3)
        assert "CREDENCE_CLOCK_AT" in res.stderr  # said out loud, never silently

    def test_a_test_hands_its_own_pinned_clock_to_the_commands_it_runs(self, tmp_path: Path):
        res = run_credence(tmp_path, "dev-token", "--role", "auditor")
        assert _issued_on(res.stdout) == clock.today()

    def test_an_instant_without_an_offset_is_refused(self, tmp_path: Path):
        res = run_credence(
            tmp_path,
            "dev-token",
            "--role",
            "auditor",
            check=False,
            CREDENCE_CLOCK_AT="2025-03-03T09:30:00",
        )
        assert res.returncode != 0
        assert "clock_at" in res.stderr
        assert res.stdout == ""

    def test_serving_off_loopback_with_a_pinned_clock_is_refused(self, tmp_path: Path):
        res = run_credence(
            tmp_path,
            "serve",
            "--host",
            "0.0.0.0",  # noqa: S104 - the refusal under test
            check=False,
            CREDENCE_OIDC_ISSUER="https://issuer.example",
            CREDENCE_CLOCK_AT="2025-03-03T09:30:00+08:00",
        )
        assert res.returncode == 2
        assert "CREDENCE_CLOCK_AT" in res.stderr
        assert not (tmp_path / "credence.db").exists()  # refused before touching anything
