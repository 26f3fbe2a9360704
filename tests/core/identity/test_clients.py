"""Registered OAuth clients: registration, authentication, role validation, claims."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from argon2 import PasswordHasher
from sqlalchemy import func, select
from sqlmodel import Session

from core.clock import clock
from core.errors import InvalidInput
from core.identity import clients as service
from core.identity.principal import principal_from_claims
from core.models import OAuthClient
from tests.factories import make_code


def _add(session: Session, **overrides: object) -> tuple[OAuthClient, str]:
    args: dict[str, object] = {
        "name": "Shenzhen Tax Bureau",
        "role": "recorder",
        "department": "sz-tax-bureau",
        "agency": None,
        "supervisor": False,
        "now": clock.now(),
    }
    args.update(overrides)
    return service.add_client(session=session, **args)  # type: ignore[arg-type]


def _count(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(OAuthClient)) or 0)


class TestAddClient:
    def test_returns_client_and_secret_once(self, session):
        client, secret = _add(session)
        assert client.client_id.startswith("cl_")
        assert len(client.client_id) == 19
        assert len(secret) >= 43
        assert client.role == "recorder"
        assert client.department == "sz-tax-bureau"
        assert client.disabled_at is None
        assert client.created_at.tzinfo is not None

    def test_stored_hash_is_argon2id_and_never_the_secret(self, session):
        client, secret = _add(session)
        session.commit()
        session.expire_all()
        stored = session.scalar(
            select(OAuthClient.secret_hash).where(OAuthClient.client_id == client.client_id)
        )
        assert stored is not None
        assert stored.startswith("$argon2id$")
        assert secret not in stored
        assert PasswordHasher().verify(stored, secret)
        assert secret not in repr(client)
        assert stored not in repr(client)

    def test_each_client_gets_its_own_id_and_secret(self, session):
        a, secret_a = _add(session)
        b, secret_b = _add(session)
        assert a.client_id != b.client_id
        assert secret_a != secret_b

    def test_agency_needs_agency(self, session):
        with pytest.raises(InvalidInput) as err:
            _add(session, role="agency", department=None)
        assert err.value.rule == "agency"
        client, _ = _add(session, role="agency", department=None, agency="icbc-shenzhen")
        assert client.agency == "icbc-shenzhen"

    def test_auditor_and_admin_need_nothing_more(self, session):
        for role in ("auditor", "admin"):
            client, _ = _add(session, role=role, department=None)
            assert (client.department, client.agency, client.supervisor) == (None, None, False)

    def test_supervisor_officer(self, session):
        client, _ = _add(
            session, role="repair_officer", department="sz-tax-bureau", supervisor=True
        )
        assert client.supervisor is True


class TestRoleValidation:
    @pytest.mark.parametrize(
        ("overrides", "rule"),
        [
            ({"role": "citizen", "department": None}, "role"),
            ({"role": "superuser"}, "role"),
            ({"role": ""}, "role"),
            ({"role": "recorder", "department": None}, "department"),
            ({"role": "objection_officer", "department": None}, "department"),
            ({"role": "repair_officer", "department": "   "}, "department"),
            ({"role": "recorder", "department": "Tax Bureau"}, "department"),
            ({"role": "recorder", "department": "x" * 65}, "department"),
            ({"role": "auditor", "department": "sz-tax-bureau"}, "department"),
            ({"role": "agency", "department": None, "agency": "-bank"}, "agency"),
            ({"role": "admin", "department": None, "agency": "icbc"}, "agency"),
            (
                {"role": "agency", "department": None, "agency": "icbc", "supervisor": True},
                "supervisor",
            ),
            ({"name": ""}, "name"),
            ({"name": "   "}, "name"),
            ({"name": "n" * 129}, "name"),
            ({"name": "bad\nname"}, "name"),
        ],
    )
    def test_refused_and_nothing_stored(self, session, overrides, rule):
        before = _count(session)
        with pytest.raises(InvalidInput) as err:
            _add(session, **overrides)
        assert err.value.rule == rule
        assert _count(session) == before

    def test_message_does_not_echo_the_value(self, session):
        with pytest.raises(InvalidInput) as err:
            _add(session, role="recorder", department="Secret Dept 42")
        assert "Secret" not in err.value.detail
        assert "42" not in str(err.value)

    def test_name_and_slugs_are_trimmed(self, session):
        client, _ = _add(session, name="  Shenzhen Tax Bureau  ", department=" sz-tax ")
        assert client.name == "Shenzhen Tax Bureau"
        assert client.department == "sz-tax"


class TestAuthenticate:
    def test_right_secret(self, session):
        client, secret = _add(session)
        found = service.authenticate_client(
            session=session, client_id=client.client_id, secret=secret
        )
        assert found is not None
        assert found.client_id == client.client_id

    def test_wrong_secret(self, session):
        client, secret = _add(session)
        for wrong in (secret[:-1], secret + "x", "", secret.upper()):
            assert (
                service.authenticate_client(
                    session=session, client_id=client.client_id, secret=wrong
                )
                is None
            )

    def test_unknown_and_malformed_ids(self, session):
        _, secret = _add(session)
        for client_id in ("cl_0000000000000000", "", "cl_' OR 1=1 --", "x" * 5000):
            assert (
                service.authenticate_client(session=session, client_id=client_id, secret=secret)
                is None
            )

    def test_secret_of_another_client(self, session):
        a, _ = _add(session)
        _, secret_b = _add(session)
        assert (
            service.authenticate_client(session=session, client_id=a.client_id, secret=secret_b)
            is None
        )

    def test_disabled_client_never_authenticates(self, session):
        client, secret = _add(session)
        assert service.disable_client(session=session, client_id=client.client_id, now=clock.now())
        session.expire_all()
        assert (
            service.authenticate_client(session=session, client_id=client.client_id, secret=secret)
            is None
        )
        assert not service.disable_client(
            session=session, client_id=client.client_id, now=clock.now()
        )

    def test_unknown_id_costs_the_same_argon2_work(self, session, monkeypatch):
        client, secret = _add(session)
        verified: list[str] = []
        real = service._HASHER

        class Spy(PasswordHasher):
            def verify(self, hash: str | bytes, password: str | bytes) -> bool:
                verified.append(str(hash))
                return real.verify(hash, password)

        monkeypatch.setattr(service, "_HASHER", Spy())
        service.authenticate_client(session=session, client_id=client.client_id, secret=secret)
        service.authenticate_client(session=session, client_id="cl_ffffffffffffffff", secret="s")
        service.authenticate_client(session=session, client_id="nonsense", secret="s")
        assert len(verified) == 3
        assert all(h.startswith("$argon2id$") for h in verified)
        # The dummy hash has the same cost parameters as a real one.
        params = {h.split("$")[3] for h in verified}
        assert len(params) == 1

    def test_weaker_hash_is_upgraded_on_success(self, session):
        client, secret = _add(session)
        client.secret_hash = PasswordHasher(time_cost=1, memory_cost=8192).hash(secret)
        session.add(client)
        session.commit()
        found = service.authenticate_client(
            session=session, client_id=client.client_id, secret=secret
        )
        assert found is not None
        session.expire_all()
        stored = session.get(OAuthClient, client.client_id)
        assert stored is not None
        assert not PasswordHasher().check_needs_rehash(stored.secret_hash)
        assert PasswordHasher().verify(stored.secret_hash, secret)


class TestClaims:
    def test_client_claims_build_a_principal(self, session, keyring):
        client, _ = _add(
            session, role="objection_officer", department="sz-tax-bureau", supervisor=True
        )
        claims = service.client_claims(client)
        assert claims == {
            "role": "objection_officer",
            "department": "sz-tax-bureau",
            "supervisor": True,
        }
        exp = int(datetime(2030, 1, 1, tzinfo=UTC).timestamp())
        principal = principal_from_claims(
            {**claims, "exp": exp, "sub": client.client_id}, keyring=keyring, code_claim="c"
        )
        assert principal.role == "objection_officer"
        assert principal.department == "sz-tax-bureau"
        assert principal.supervisor is True

    def test_agency_claims(self, session):
        client, _ = _add(session, role="agency", department=None, agency="icbc-shenzhen")
        assert service.client_claims(client) == {"role": "agency", "agency": "icbc-shenzhen"}

    def test_dev_citizen_claims_carry_the_normalised_code(self, keyring):
        code = make_code()
        raw = f"  {code.lower()} "
        claims = service.dev_token_claims(
            role="citizen",
            code=raw,
            department=None,
            agency=None,
            supervisor=False,
            code_claim="credit_code",
        )
        assert claims == {"role": "citizen", "credit_code": code}

    def test_dev_citizen_invalid_code_names_rule_without_echo(self):
        code = make_code()
        bad = code[:-1] + ("1" if code[-1] != "1" else "2")
        with pytest.raises(InvalidInput) as err:
            service.dev_token_claims(
                role="citizen",
                code=bad,
                department=None,
                agency=None,
                supervisor=False,
                code_claim="credit_code",
            )
        assert err.value.rule == "check_character"
        text = str(err.value) + err.value.detail
        assert bad not in text
        assert bad[:6] not in text
        assert err.value.__cause__ is None
        assert err.value.__context__ is None

    @pytest.mark.parametrize(
        ("role", "code", "department", "rule"),
        [
            ("citizen", None, None, "code"),
            ("auditor", "110105198001010011", None, "code"),
            ("citizen", "x", "sz-tax", "department"),
            ("nobody", None, None, "role"),
        ],
    )
    def test_dev_claims_refusals(self, role, code, department, rule):
        with pytest.raises(InvalidInput) as err:
            service.dev_token_claims(
                role=role,
                code=code,
                department=department,
                agency=None,
                supervisor=False,
                code_claim="credit_code",
            )
        assert err.value.rule == rule
