"""Master keys from the command line: status per version, retirement refused while a
version is current or in use, destroyed for good afterwards, and erasure completed."""

from __future__ import annotations

import json

import pytest

from tests.conftest import ON_HSM
from tests.support.server import run_credence

# Also in the PostgreSQL pass, on the SoftHSM2 token.
pytestmark = pytest.mark.hsm


def _status(data_dir) -> str:
    return run_credence(data_dir, "keys", "status").stdout


class TestRetire:
    def test_retire_is_refused_until_nothing_needs_the_version(self, tmp_path):
        run_credence(tmp_path, "migrate")
        run_credence(tmp_path, "demo")
        assert "current master key version: 1" in _status(tmp_path)

        current = run_credence(tmp_path, "keys", "retire", "1", check=False)
        assert current.returncode == 2
        assert "(rule: version_current)" in current.stderr
        unknown = run_credence(tmp_path, "keys", "retire", "9", check=False)
        assert (unknown.returncode, "(rule: unknown_version)" in unknown.stderr) == (2, True)
        assert "Traceback" not in current.stderr + unknown.stderr

        rotated = run_credence(tmp_path, "keys", "rotate")
        assert "under master key version 2" in rotated.stdout
        status = _status(tmp_path)
        assert "  version 1: 0 live data keys" in status
        assert "current master key version: 2" in status

        done = run_credence(tmp_path, "keys", "retire", "1")
        assert "master key version 1 destroyed" in done.stdout
        status = _status(tmp_path)
        assert "versions destroyed: 1" in status
        assert "versions held: 2" in status
        again = run_credence(tmp_path, "keys", "retire", "1", check=False)
        assert (again.returncode, "(rule: already_destroyed)" in again.stderr) == (2, True)
        if not ON_HSM:
            # The key file no longer holds version 1, only the record that it existed.
            held = json.loads((tmp_path / "master.key").read_text())
            assert sorted(held["keys"]) == ["2"]
            assert held["destroyed"] == [1]
        # The demo still reads after the old version is gone.
        run_credence(tmp_path, "demo")

    def test_complete_erasure_with_nothing_pending_destroys_nothing(self, tmp_path):
        run_credence(tmp_path, "migrate")
        res = run_credence(tmp_path, "keys", "complete-erasure")
        assert "erasures completed: 0; pending: 0; versions destroyed: none" in res.stdout
        assert "current master key version: 1" in _status(tmp_path)
