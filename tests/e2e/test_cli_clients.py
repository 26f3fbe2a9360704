"""End to end through the installed `credence`: `clients add` and `dev-token`."""

from __future__ import annotations

import itertools
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlmodel import Session

from core.codes import citizen_check_char
from core.identity.clients import authenticate_client
from core.identity.issuer_keys import IssuerKeys
from core.identity.principal import principal_from_claims
from core.identity.tokens import EmbeddedKeySource, TokenVerifier
from core.models import OAuthClient
from core.runtime import open_runtime
from core.settings import Settings
from tests.conftest import make_keyring
from tests.factories import make_code
from tests.support.server import run_credence, use_data_dir_keys


@pytest.fixture(autouse=True)
def _keys_of_the_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The runtimes this module opens on tmp_path use the keys its commands use."""
    use_data_dir_keys(monkeypatch, tmp_path)


def _run(data_dir: Path, *args: str, **env_extra: str) -> subprocess.CompletedProcess[str]:
    return run_credence(data_dir, *args, check=False, **env_extra)


def _settings(data_dir: Path) -> Settings:
    return Settings(data_dir=data_dir, database_url=None, oidc_issuer=None)


def _parse_added(stdout: str) -> tuple[str, str]:
    lines = dict(line.split(": ", 1) for line in stdout.strip().splitlines())
    return lines["client_id"], lines["client_secret"]


def _count_clients(data_dir: Path) -> int:
    if not (data_dir / "credence.db").exists():
        return 0
    rt = open_runtime(_settings(data_dir))
    try:
        with Session(rt.engine) as session:
            return int(session.scalar(select(func.count()).select_from(OAuthClient)) or 0)
    finally:
        rt.engine.dispose()


def _verifier(data_dir: Path) -> TokenVerifier:
    settings = _settings(data_dir)
    return TokenVerifier(
        issuer=settings.embedded_issuer_id,
        audience=settings.token_audience,
        keys=EmbeddedKeySource(IssuerKeys.load_or_create(data_dir / "issuer-keys.json")),
    )


def _code_ending_in_x() -> str:
    for n in itertools.count(1):
        first17 = f"11010519900101{n % 1000:03d}"
        if citizen_check_char(first17) == "X":
            return first17 + "X"
    raise AssertionError("unreachable")


class TestClientsAdd:
    def test_prints_id_and_secret_once_and_stores_only_a_hash(self, tmp_path):
        res = _run(
            tmp_path,
            "clients",
            "add",
            "--role",
            "recorder",
            "--name",
            "Shenzhen Tax Bureau",
            "--department",
            "sz-tax-bureau",
        )
        assert res.returncode == 0, res.stderr
        client_id, secret = _parse_added(res.stdout)
        assert client_id.startswith("cl_")
        assert len(secret) >= 43
        output = res.stdout + res.stderr
        assert output.count(secret) == 1
        assert output.count("client_secret:") == 1
        assert secret not in res.stderr

        blob = b"".join(p.read_bytes() for p in tmp_path.glob("credence.db*"))
        assert b"$argon2id$" in blob
        assert secret.encode() not in blob
        assert secret[:16].encode() not in blob

        rt = open_runtime(_settings(tmp_path))
        try:
            with Session(rt.engine) as session:
                found = authenticate_client(session=session, client_id=client_id, secret=secret)
                assert found is not None
                assert (found.role, found.department) == ("recorder", "sz-tax-bureau")
                assert found.name == "Shenzhen Tax Bureau"
                assert (
                    authenticate_client(session=session, client_id=client_id, secret=secret + "x")
                    is None
                )
        finally:
            rt.engine.dispose()

    def test_agency_supervisor_flag_refused_and_agency_accepted(self, tmp_path):
        refused = _run(
            tmp_path,
            "clients",
            "add",
            "--role",
            "agency",
            "--name",
            "ICBC",
            "--agency",
            "icbc",
            "--supervisor",
        )
        assert refused.returncode == 2
        assert "supervisor" in refused.stderr
        ok = _run(
            tmp_path, "clients", "add", "--role", "agency", "--name", "ICBC", "--agency", "icbc"
        )
        assert ok.returncode == 0, ok.stderr
        assert _count_clients(tmp_path) == 1

    @pytest.mark.parametrize(
        ("args", "rule"),
        [
            (["--role", "recorder", "--name", "Tax"], "department"),
            (["--role", "objection_officer", "--name", "Tax"], "department"),
            (["--role", "agency", "--name", "Bank"], "agency"),
            (["--role", "auditor", "--name", "   "], "name"),
        ],
    )
    def test_refused_input_exits_2_and_stores_nothing(self, tmp_path, args, rule):
        res = _run(tmp_path, "clients", "add", *args)
        assert res.returncode == 2
        assert f"rule: {rule}" in res.stderr
        assert "client_secret" not in res.stdout + res.stderr
        assert _count_clients(tmp_path) == 0

    @pytest.mark.parametrize("role", ["citizen", "superuser"])
    def test_a_role_outside_the_choices_exits_2_naming_them(self, tmp_path, role):
        res = _run(tmp_path, "clients", "add", "--role", role, "--name", "Ops")
        assert res.returncode == 2
        assert "--role" in res.stderr
        assert "'agency'" in res.stderr
        assert "'auditor'" in res.stderr
        # Citizens sign in, they are never clients: not among the choices offered.
        assert "'citizen'" not in res.stderr.split("is not one of", 1)[1]
        assert "client_secret" not in res.stdout + res.stderr
        assert _count_clients(tmp_path) == 0


class TestClientsListAndRevoke:
    def _add(self, data_dir: Path, *args: str) -> str:
        res = _run(data_dir, "clients", "add", *args)
        assert res.returncode == 0, res.stderr
        return _parse_added(res.stdout)[0]

    def test_list_shows_each_client_without_its_secret(self, tmp_path):
        recorder = self._add(
            tmp_path, "--role", "recorder", "--name", "Tax office", "--department", "sz-tax"
        )
        agency = self._add(tmp_path, "--role", "agency", "--name", "ICBC", "--agency", "icbc")
        res = _run(tmp_path, "clients", "list")
        assert res.returncode == 0, res.stderr
        rows = [line.split("\t") for line in res.stdout.strip().splitlines()]
        assert [r[:3] for r in rows] == [
            [recorder, "recorder", "sz-tax"],
            [agency, "agency", "icbc"],
        ]
        assert all(r[4] == "enabled" for r in rows)
        assert "secret" not in res.stdout
        assert "argon2" not in res.stdout
        assert "2 clients" in res.stderr

    def test_revoke_stops_new_tokens_and_list_hides_it_unless_all(self, tmp_path):
        first = _run(tmp_path, "clients", "add", "--role", "auditor", "--name", "Audit office")
        client_id, secret = _parse_added(first.stdout)
        other = self._add(tmp_path, "--role", "auditor", "--name", "Second")
        revoked = _run(tmp_path, "clients", "revoke", client_id)
        assert revoked.returncode == 0, revoked.stderr
        assert "end at their expiry" in revoked.stdout
        listed = _run(tmp_path, "clients", "list").stdout
        assert client_id not in listed
        assert other in listed
        everything = _run(tmp_path, "clients", "list", "--all").stdout
        assert f"{client_id}\tauditor" in everything
        assert "revoked 20" in everything
        rt = open_runtime(_settings(tmp_path))
        try:
            with Session(rt.engine) as session:
                row = session.get(OAuthClient, client_id)
                assert row is not None
                assert row.disabled_at is not None
                assert (
                    authenticate_client(session=session, client_id=client_id, secret=secret) is None
                )
        finally:
            rt.engine.dispose()

    def test_revoking_twice_or_an_unknown_id_exits_2(self, tmp_path):
        client_id = self._add(tmp_path, "--role", "auditor", "--name", "Audit office")
        assert _run(tmp_path, "clients", "revoke", client_id).returncode == 0
        again = _run(tmp_path, "clients", "revoke", client_id)
        assert again.returncode == 2
        assert "no enabled client" in again.stderr
        assert _run(tmp_path, "clients", "revoke", "cl_0000000000000000").returncode == 2


class TestDevToken:
    def test_token_verifies_with_the_issuer_keys(self, tmp_path):
        res = _run(tmp_path, "dev-token", "--role", "auditor")
        assert res.returncode == 0, res.stderr
        token = res.stdout.strip()
        assert token.count(".") == 2
        claims = _verifier(tmp_path).verify(token)
        assert claims["role"] == "auditor"
        assert claims["sub"] == "dev:auditor"
        assert claims["exp"] - claims["iat"] == _settings(tmp_path).access_token_ttl_seconds
        key_file = tmp_path / "issuer-keys.json"
        assert oct(key_file.stat().st_mode & 0o777) == "0o600"

    def test_same_claims_as_a_client_token_and_ttl(self, tmp_path):
        res = _run(
            tmp_path,
            "dev-token",
            "--role",
            "repair_officer",
            "--department",
            "sz-tax-bureau",
            "--supervisor",
            "--ttl",
            "60",
        )
        assert res.returncode == 0, res.stderr
        claims = _verifier(tmp_path).verify(res.stdout.strip())
        assert claims["sub"] == "dev:repair_officer"
        assert claims["department"] == "sz-tax-bureau"
        assert claims["supervisor"] is True
        assert claims["exp"] - claims["iat"] == 60

    def test_keys_are_reused_across_runs(self, tmp_path):
        first = _run(tmp_path, "dev-token", "--role", "admin").stdout.strip()
        second = _run(tmp_path, "dev-token", "--role", "admin").stdout.strip()
        verifier = _verifier(tmp_path)
        assert verifier.verify(first)["role"] == verifier.verify(second)["role"] == "admin"

    def test_citizen_token_carries_the_normalised_code(self, tmp_path):
        code = _code_ending_in_x()
        res = _run(tmp_path, "dev-token", "--role", "citizen", "--code", f" {code.lower()} ")
        assert res.returncode == 0, res.stderr
        claims = _verifier(tmp_path).verify(res.stdout.strip())
        assert claims["role"] == "citizen"
        assert claims["sub"] == "dev:citizen"
        assert claims[_settings(tmp_path).citizen_code_claim] == code
        keyring = make_keyring()
        principal = principal_from_claims(
            claims, keyring=keyring, code_claim=_settings(tmp_path).citizen_code_claim
        )
        assert principal.code_index == keyring.blind_index(code)

    @pytest.mark.parametrize(
        ("mangle", "rule"),
        [
            (lambda c: c[:-1] + ("1" if c[-1] != "1" else "2"), "check_character"),
            (lambda c: c[:-2], "length"),
            (lambda c: "99" + c[2:], "region"),
        ],
    )
    def test_invalid_code_exits_2_with_the_rule_and_no_echo(self, tmp_path, mangle, rule):
        bad = mangle(make_code())
        res = _run(tmp_path, "dev-token", "--role", "citizen", "--code", bad)
        assert res.returncode == 2
        assert rule in res.stderr
        output = res.stdout + res.stderr
        assert bad not in output
        assert [bad[i : i + 6] for i in range(len(bad) - 5) if bad[i : i + 6] in output] == []
        assert res.stdout == ""

    def test_refused_for_other_roles_missing_fields(self, tmp_path):
        res = _run(tmp_path, "dev-token", "--role", "recorder")
        assert res.returncode == 2
        assert "rule: department" in res.stderr
        assert _run(tmp_path, "dev-token", "--role", "citizen").returncode == 2
        assert _run(tmp_path, "dev-token", "--role", "nobody").returncode == 2

    def test_refused_with_an_external_issuer(self, tmp_path):
        res = _run(
            tmp_path, "dev-token", "--role", "auditor", CREDENCE_OIDC_ISSUER="https://idp.example"
        )
        assert res.returncode == 2
        assert "CREDENCE_OIDC_ISSUER" in res.stderr
        assert res.stdout == ""
        assert not (tmp_path / "issuer-keys.json").exists()
