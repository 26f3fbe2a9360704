"""End to end over real servers: demo citizen tokens, client credentials, a foreign issuer."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from core.clock import clock
from core.demo.dataset import demo_plan
from core.demo.people import demo_people
from tests.factories import bearer
from tests.support.server import run_credence, serving, wait_until_up

FOREIGN = Path(__file__).resolve().parents[1] / "support" / "foreign_issuer.py"


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory) -> Path:
    data = tmp_path_factory.mktemp("identity")
    run_credence(data, "demo")
    return data


class TestDevTokenOnDemo:
    def test_citizen_sees_exactly_their_demo_entries_and_other_roles_are_refused(self, demo_dir):
        person = demo_people(50)[0]
        expected = sorted(
            p.external_id
            for who, _d, p in demo_plan(demo_people(50), clock.today())
            if who.code == person.code
        )
        assert len(expected) >= 2
        token = run_credence(
            demo_dir, "dev-token", "--role", "citizen", "--code", person.code
        ).stdout.strip()
        recorder = run_credence(
            demo_dir, "dev-token", "--role", "recorder", "--department", "sz-tax-bureau"
        ).stdout.strip()
        with serving(demo_dir) as (base, output):
            mine = httpx.get(f"{base}/api/v1/me/record", headers=bearer(token))
            assert mine.status_code == 200
            got = sorted(e["external_id"] for e in mine.json()["entries"])
            assert got == expected
            assert {e["subject_name"] for e in mine.json()["entries"]} == {person.name}
            refused = httpx.get(f"{base}/api/v1/me/record", headers=bearer(recorder))
            assert refused.status_code == 403
            assert httpx.get(f"{base}/api/v1/me/record").status_code == 401
        assert person.code not in "".join(output)
        assert person.name not in "".join(output)


class TestClientCredentials:
    def test_registered_client_gets_a_token_and_records_an_entry(self, tmp_path):
        added = run_credence(
            tmp_path,
            "clients",
            "add",
            "--role",
            "recorder",
            "--name",
            "Tax bureau",
            "--department",
            "sz-tax-bureau",
        ).stdout
        fields = dict(line.split(": ", 1) for line in added.strip().splitlines() if ": " in line)
        with serving(tmp_path) as (base, _out):
            res = httpx.post(
                f"{base}/oauth/token",
                data={"grant_type": "client_credentials"},
                auth=(fields["client_id"], fields["client_secret"]),
            )
            assert res.status_code == 200
            token = res.json()["access_token"]
            bad = httpx.post(
                f"{base}/oauth/token",
                data={"grant_type": "client_credentials"},
                auth=(fields["client_id"], "wrong"),
            )
            assert bad.status_code == 401
            me = httpx.get(f"{base}/api/v1/me/record", headers=bearer(token))
            assert me.status_code == 403
            rec = httpx.get(
                f"{base}/api/v1/records/00000000-0000-0000-0000-000000000000",
                headers=bearer(token),
            )
            assert rec.status_code == 404


@pytest.fixture
def foreign_issuer() -> Iterator[str]:
    proc = subprocess.Popen([sys.executable, str(FOREIGN)], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        base = proc.stdout.readline().strip()
        wait_until_up(f"{base}/jwks", proc)
        yield base
    finally:
        proc.terminate()
        proc.communicate(timeout=10)


class TestForeignIssuer:
    def test_foreign_tokens_accepted_when_configured_refused_otherwise_rollover_followed(
        self, demo_dir, foreign_issuer, tmp_path
    ):
        person = demo_people(50)[1]
        claims = {"aud": "credence-api", "role": "citizen", "credit_code": person.code}

        def mint() -> str:
            # The issuer's clock agrees with the server's: both on the project clock.
            now = int(clock.now().timestamp())
            times = {"iat": now, "nbf": now, "exp": now + 300}
            res = httpx.post(f"{foreign_issuer}/mint", json={**claims, **times})
            return str(res.json()["access_token"])

        token = mint()
        with serving(
            demo_dir, CREDENCE_OIDC_ISSUER=foreign_issuer, CREDENCE_JWKS_MIN_REFETCH_SECONDS="0"
        ) as (base, _out):
            ok = httpx.get(f"{base}/api/v1/me/record", headers=bearer(token))
            assert ok.status_code == 200
            assert {e["subject_name"] for e in ok.json()["entries"]} == {person.name}
            httpx.post(f"{foreign_issuer}/rotate")
            rotated = mint()
            assert rotated.split(".")[0] != token.split(".")[0]
            assert httpx.get(f"{base}/api/v1/me/record", headers=bearer(rotated)).status_code == 200
            # The embedded issuer's endpoints are off when an external issuer is configured.
            assert httpx.get(f"{base}/.well-known/jwks.json").status_code == 404
        with serving(demo_dir) as (base, _out):
            refused = httpx.get(f"{base}/api/v1/me/record", headers=bearer(token))
            assert refused.status_code == 401

    def test_embedded_issuer_off_loopback_is_refused(self, tmp_path):
        res = run_credence(tmp_path, "serve", "--host", "0.0.0.0", check=False)  # noqa: S104
        assert res.returncode == 2
        assert "non-loopback" in res.stderr
