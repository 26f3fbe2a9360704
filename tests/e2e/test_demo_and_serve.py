"""End to end through the installed `credence` command: demo data at rest, rotation, serving."""

from __future__ import annotations

import subprocess
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select
from sqlmodel import Session

from core.context import Context
from core.demo.people import demo_people
from core.entries.service import read_entry
from core.models import Entry
from core.runtime import open_runtime
from core.settings import Settings
from tests.support.server import free_port, run_credence, serving, use_data_dir_keys

# The tests of the key file name the file provider: the suite may run on the test token.
ON_FILE = {"CREDENCE_KEY_PROVIDER": "file"}


def _run(
    data_dir: Path, *args: str, check: bool = True, **extra: str
) -> subprocess.CompletedProcess[str]:
    return run_credence(data_dir, *args, check=check, **extra)


def _needles() -> list[bytes]:
    """Every demo code and name, and every 4-character run of each code, in UTF-8 and UTF-16."""
    values: set[str] = set()
    for person in demo_people(50):
        values |= {person.code, person.name}
        values |= {person.code[i : i + 4] for i in range(len(person.code) - 3)}
    out = []
    for v in values:
        out += [v.encode("utf-8"), v.encode("utf-16-le"), v.encode("utf-16-be")]
    return out


def _full_values() -> list[str]:
    return [v for p in demo_people(50) for v in (p.code, p.name)]


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory) -> tuple[Path, str]:
    data = tmp_path_factory.mktemp("demo")
    first = _run(data, "demo")
    second = _run(data, "demo")
    return data, first.stdout + first.stderr + second.stdout + second.stderr


class TestDemoAtRest:
    def test_demo_is_idempotent(self, demo_dir):
        _data, output = demo_dir
        assert "54 entries created, 0 already present" in output
        assert "0 entries created, 54 already present" in output

    def test_no_plaintext_code_or_name_in_database_files(self, demo_dir):
        data, _ = demo_dir
        files = [p for p in data.iterdir() if p.name.startswith("credence.db")]
        assert any(p.name == "credence.db" for p in files)
        blob = b"".join(p.read_bytes() for p in files)
        assert len(blob) > 50_000
        full = [v.encode() for v in _full_values()]
        assert [n for n in full if n in blob] == []
        # A 4-byte run (four ASCII digits) would match random ciphertext by chance about
        # once in thirty runs of this test; from 8 bytes up a chance match is negligible.
        hits = [n for n in _needles() if n in blob and len(n) >= 8]
        assert hits == []

    def test_no_plaintext_in_command_output_or_logs(self, demo_dir):
        _, output = demo_dir
        hits = [v for v in _full_values() if v in output]
        assert hits == []

    def test_database_file_is_private(self, demo_dir):
        data, _ = demo_dir
        assert oct((data / "credence.db").stat().st_mode & 0o777) == "0o600"

    def test_key_file_is_private(self, tmp_path):
        _run(tmp_path, "demo", **ON_FILE)
        assert oct((tmp_path / "master.key").stat().st_mode & 0o777) == "0o600"
        assert oct((tmp_path / "credence.db").stat().st_mode & 0o777) == "0o600"

    def test_rotate_leaves_every_entry_readable(self, demo_dir, monkeypatch):
        data, _ = demo_dir
        use_data_dir_keys(monkeypatch, data)
        out = _run(data, "keys", "rotate").stdout
        assert "re-wrapped" in out
        assert "version 2" in out
        status = _run(data, "keys", "status").stdout
        assert "current master key version: 2" in status
        rt = open_runtime(Settings(data_dir=data))
        with Session(rt.engine) as session:
            entries = session.scalars(select(Entry)).all()
            names = {
                read_entry(
                    Context(session, rt.keyring), department=e.department, entry_id=e.id
                ).subject_name
                for e in entries
            }
        rt.engine.dispose()
        assert len(entries) == 54
        assert names == {p.name for p in demo_people(50)}


class TestServe:
    def test_serve_answers_health_readiness_and_docs(self, tmp_path):
        with serving(tmp_path) as (base, output):
            assert httpx.get(f"{base}/readyz").json() == {"status": "ready"}
            assert httpx.get(f"{base}/docs").status_code == 200
            assert httpx.get(f"{base}/openapi.json").status_code == 200
        assert f"{base}/docs" in output[0]

    def test_serve_refuses_to_start_without_its_key_file(self, tmp_path):
        _run(tmp_path, "migrate", **ON_FILE)
        (tmp_path / "master.key").unlink()
        res = _run(tmp_path, "serve", "--port", str(free_port()), check=False, **ON_FILE)
        assert res.returncode != 0
        assert "master key file" in res.stderr
        assert "missing" in res.stderr
        assert not (tmp_path / "master.key").exists()

    def test_bad_cli_input_exits_2(self, tmp_path):
        res = _run(tmp_path, "serve", "--port", "notaport", check=False)
        assert res.returncode == 2
