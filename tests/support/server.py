"""Run the installed `credence` command, and a live server, for end-to-end tests."""

from __future__ import annotations

import hashlib
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from core.clock import clock

CREDENCE = shutil.which("credence", path=str(Path(sys.executable).parent)) or "credence"


def data_dir_label_prefix(data_dir: Path) -> str:
    """The PKCS#11 key-label prefix of every process started on one data dir."""
    return f"dir-{hashlib.sha256(str(data_dir.resolve()).encode()).hexdigest()[:16]}-"


def use_data_dir_keys(monkeypatch: pytest.MonkeyPatch, data_dir: Path) -> None:
    """On the test token, this process's runtimes find the keys its commands on data_dir use.

    A test that opens a runtime on a data dir and runs `credence` on it too needs this: the
    commands keep their keys under the data dir's prefix (credence_env), not the test's own.
    """
    if os.environ.get("CREDENCE_KEY_PROVIDER") == "pkcs11":
        monkeypatch.setenv("CREDENCE_PKCS11_LABEL_PREFIX", data_dir_label_prefix(data_dir))


def credence_env(data_dir: Path, **extra: str) -> dict[str, str]:
    """The environment without the caller's CREDENCE_ settings, plus a data dir and extras.

    The child's project clock starts where this process's stands (tests/conftest.py pins
    it), so both count the same days whatever the machine's date; extras may override it.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith("CREDENCE_")}
    if os.environ.get("CREDENCE_KEY_PROVIDER") == "pkcs11":
        # The suite runs on the test token: so does the server, under a prefix of its data
        # dir's own (every process started on one data dir finds the same keys).
        env.update({k: v for k, v in os.environ.items() if k.startswith("CREDENCE_PKCS11_")})
        env["CREDENCE_KEY_PROVIDER"] = "pkcs11"
        env["CREDENCE_PKCS11_LABEL_PREFIX"] = data_dir_label_prefix(data_dir)
    env["CREDENCE_DATA_DIR"] = str(data_dir)
    env["CREDENCE_CLOCK_AT"] = clock.now().isoformat()
    env.update(extra)
    return env


def run_credence(
    data_dir: Path, *args: str, check: bool = True, **extra: str
) -> subprocess.CompletedProcess[str]:
    """Run one `credence` command to completion."""
    return subprocess.run(
        [CREDENCE, *args],
        env=credence_env(data_dir, **extra),
        capture_output=True,
        text=True,
        timeout=120,
        check=check,
    )


def free_port() -> int:
    """A free loopback port."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_until_up(url: str, proc: subprocess.Popen[str], timeout: float = 30) -> None:
    """Poll a real process's health URL (wall-clock waiting for a process, not project time)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        if proc.poll() is not None:
            raise RuntimeError("process exited before it came up")
        if time.monotonic() > deadline:
            raise RuntimeError("process did not come up in time")
        time.sleep(0.1)


@contextmanager
def serving(data_dir: Path, *args: str, **extra: str) -> Iterator[tuple[str, list[str]]]:
    """A live `credence serve` on a free port; yields its base URL and (after exit) its output."""
    with node(data_dir, *args, **extra) as (base, _proc, output):
        yield base, output


@contextmanager
def node(
    data_dir: Path, *args: str, **extra: str
) -> Iterator[tuple[str, subprocess.Popen[str], list[str]]]:
    """`serving`, with the server's process too (for a test that kills it)."""
    port = free_port()
    proc = subprocess.Popen(
        [CREDENCE, "serve", "--port", str(port), *args],
        env=credence_env(data_dir, **extra),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    output: list[str] = []
    lines: list[str] = []
    # Read as it comes: a busy server's access log would fill the pipe and stop the server.
    assert proc.stdout is not None
    reader = threading.Thread(target=lambda: lines.extend(proc.stdout or ()), daemon=True)
    reader.start()
    try:
        wait_until_up(f"http://127.0.0.1:{port}/healthz", proc)
        yield f"http://127.0.0.1:{port}", proc, output
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        reader.join(timeout=20)
        proc.stdout.close()
        output.append("".join(lines))
