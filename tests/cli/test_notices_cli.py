"""`credence notices deliver`: with the demo loaded, the demo people's notices reach the spool."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _credence(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "CREDENCE_DATA_DIR": str(data_dir),
        "CREDENCE_CLOCK_AT": "2026-06-01T10:00:00+08:00",
        "CREDENCE_NOTICE_DEMO_ADDRESSES": "true",
    }
    return subprocess.run(
        [sys.executable, "-m", "cli.main", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_deliver_sends_each_notice_once_to_the_spool(tmp_path: Path) -> None:
    assert _credence(tmp_path, "demo").returncode == 0
    first = _credence(tmp_path, "notices", "deliver")
    assert first.returncode == 0, first.stderr
    assert " sent" in first.stdout
    mails = list((tmp_path / "mail-spool").iterdir())
    assert mails
    assert all(stat.S_IMODE(m.stat().st_mode) == 0o600 for m in mails)
    again = _credence(tmp_path, "notices", "deliver")
    assert again.stdout.strip() == "notices: 0 queued; nothing due"
    assert len(list((tmp_path / "mail-spool").iterdir())) == len(mails)
