"""The demo, the server and key retirement with master keys in a SoftHSM2 token: nothing
of a master key is ever on disk beside the data, and everything still reads."""

from __future__ import annotations

import re

import httpx
import pytest

from tests.conftest import ON_HSM
from tests.support.server import run_credence, serving

pytestmark = [
    pytest.mark.hsm,
    pytest.mark.skipif(not ON_HSM, reason="needs the SoftHSM2 token (scripts/with-softhsm.sh)"),
]


class TestDemoOnTheToken:
    def test_demo_serve_rotate_and_retire(self, tmp_path):
        first = run_credence(tmp_path, "demo")
        assert "54 entries created, 0 already present" in first.stdout
        assert not (tmp_path / "master.key").exists()
        status = run_credence(tmp_path, "keys", "status").stdout
        assert "current master key version: 1" in status
        assert "versions held: 1" in status
        live = re.search(r"version 1: (\d+) live data keys", status)
        assert live is not None
        assert int(live.group(1)) > 54

        run_credence(tmp_path, "keys", "rotate")
        run_credence(tmp_path, "keys", "retire", "1")
        status = run_credence(tmp_path, "keys", "status").stdout
        assert "versions destroyed: 1" in status
        assert f"  version 2: {live.group(1)} live data keys" in status

        again = run_credence(tmp_path, "demo")
        assert "0 entries created, 54 already present" in again.stdout
        with serving(tmp_path) as (base, _output):
            assert httpx.get(f"{base}/readyz").json() == {"status": "ready"}

    def test_a_wrong_pin_stops_the_server_in_one_line(self, tmp_path):
        run_credence(tmp_path, "migrate")
        res = run_credence(tmp_path, "demo", check=False, CREDENCE_PKCS11_PIN="0000")
        assert res.returncode != 0
        assert "wrong PIN" in res.stderr
        assert "Traceback" not in res.stderr + res.stdout
