"""The embedded issuer over HTTP: client-credentials tokens, RFC 6749 errors, the JWK Set."""

from __future__ import annotations

import base64
import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from api.app import create_app
from api.state import state_of
from core.clock import clock
from core.errors import Unauthenticated
from core.identity.clients import add_client, disable_client
from core.identity.issuer_keys import IssuerKeys
from core.identity.principal import principal_from_claims
from core.identity.tokens import EmbeddedKeySource, TokenVerifier
from core.runtime import Runtime
from core.settings import Settings

TOKEN = "/oauth/token"
JWKS = "/.well-known/jwks.json"
BASE = "http://127.0.0.1"  # the embedded issuer only ever listens on loopback


@pytest.fixture
def issuer_keys(tmp_path: Path) -> IssuerKeys:
    return IssuerKeys.load_or_create(tmp_path / "issuer-keys.json")


@pytest.fixture
def http(runtime: Runtime, issuer_keys: IssuerKeys) -> Iterator[TestClient]:
    app = create_app(runtime=runtime)
    with TestClient(app, base_url=BASE, raise_server_exceptions=False) as c:
        state_of(app).issuer_keys = issuer_keys
        yield c


@pytest.fixture
def verifier(runtime: Runtime, issuer_keys: IssuerKeys) -> TokenVerifier:
    return TokenVerifier(
        issuer=runtime.settings.embedded_issuer_id,
        audience=runtime.settings.token_audience,
        keys=EmbeddedKeySource(issuer_keys),
    )


def _register(runtime: Runtime, **overrides: object) -> tuple[str, str]:
    args: dict[str, object] = {
        "name": "Shenzhen Tax Bureau",
        "role": "recorder",
        "department": "sz-tax-bureau",
        "agency": None,
        "supervisor": False,
    }
    args.update(overrides)
    with Session(runtime.engine) as session:
        client, secret = add_client(session=session, now=clock.now(), **args)  # type: ignore[arg-type]
        session.commit()
        return client.client_id, secret


def _header(token: str) -> dict[str, object]:
    head = token.split(".")[0]
    decoded: dict[str, object] = json.loads(base64.urlsafe_b64decode(head + "=" * (-len(head) % 4)))
    return decoded


GRANT = {"grant_type": "client_credentials"}


class TestClientSecretBasic:
    def test_token_verifies_with_role_claims(self, http, runtime, verifier, issuer_keys, keyring):
        client_id, secret = _register(runtime, role="objection_officer", supervisor=True)
        res = http.post(TOKEN, data=GRANT, auth=(client_id, secret))
        assert res.status_code == 200, res.text
        body = res.json()
        assert set(body) == {"access_token", "token_type", "expires_in"}
        assert body["token_type"] == "Bearer"
        assert body["expires_in"] == runtime.settings.access_token_ttl_seconds
        assert res.headers["cache-control"] == "no-store"
        claims = verifier.verify(body["access_token"])
        assert claims["role"] == "objection_officer"
        assert claims["department"] == "sz-tax-bureau"
        assert claims["supervisor"] is True
        assert claims["sub"] == client_id
        assert claims["client_id"] == client_id
        assert claims["exp"] - claims["iat"] == runtime.settings.access_token_ttl_seconds
        header = _header(body["access_token"])
        assert header["typ"] == "at+jwt"
        assert header["alg"] == "EdDSA"
        assert header["kid"] == issuer_keys.current_kid
        principal = principal_from_claims(
            claims, keyring=keyring, code_claim=runtime.settings.citizen_code_claim
        )
        assert principal.role == "objection_officer"
        assert principal.department == "sz-tax-bureau"
        assert principal.supervisor is True

    def test_wrong_secret_is_401_invalid_client_with_challenge(self, http, runtime):
        client_id, secret = _register(runtime)
        res = http.post(TOKEN, data=GRANT, auth=(client_id, secret[:-1] + "x"))
        assert res.status_code == 401
        assert res.json()["error"] == "invalid_client"
        assert res.headers["www-authenticate"].startswith("Basic ")
        assert secret[:-1] not in res.text

    def test_unknown_client_looks_like_a_wrong_secret(self, http, runtime):
        client_id, _ = _register(runtime)
        wrong = http.post(TOKEN, data=GRANT, auth=(client_id, "nope"))
        unknown = http.post(TOKEN, data=GRANT, auth=("cl_0123456789abcdef", "nope"))
        assert unknown.status_code == wrong.status_code == 401
        assert unknown.json() == wrong.json()
        assert unknown.headers["www-authenticate"] == wrong.headers["www-authenticate"]

    def test_disabled_client_is_refused(self, http, runtime):
        client_id, secret = _register(runtime)
        assert http.post(TOKEN, data=GRANT, auth=(client_id, secret)).status_code == 200
        with Session(runtime.engine) as session:
            assert disable_client(session=session, client_id=client_id, now=clock.now())
            session.commit()
        res = http.post(TOKEN, data=GRANT, auth=(client_id, secret))
        assert res.status_code == 401
        assert res.json()["error"] == "invalid_client"


class TestClientSecretPost:
    def test_token_for_an_agency(self, http, runtime, verifier):
        client_id, secret = _register(
            runtime, role="agency", department=None, agency="icbc-shenzhen"
        )
        res = http.post(TOKEN, data={**GRANT, "client_id": client_id, "client_secret": secret})
        assert res.status_code == 200, res.text
        claims = verifier.verify(res.json()["access_token"])
        assert claims["role"] == "agency"
        assert claims["agency"] == "icbc-shenzhen"
        assert "department" not in claims
        assert "supervisor" not in claims

    def test_wrong_secret_is_invalid_client(self, http, runtime):
        client_id, _ = _register(runtime)
        res = http.post(TOKEN, data={**GRANT, "client_id": client_id, "client_secret": "x"})
        assert res.status_code == 401
        assert res.json()["error"] == "invalid_client"
        assert "www-authenticate" in res.headers

    def test_no_credentials_at_all(self, http):
        res = http.post(TOKEN, data=GRANT)
        assert res.status_code == 401
        assert res.json()["error"] == "invalid_client"

    def test_two_methods_at_once_are_refused(self, http, runtime):
        client_id, secret = _register(runtime)
        res = http.post(
            TOKEN,
            data={**GRANT, "client_id": client_id, "client_secret": secret},
            auth=(client_id, secret),
        )
        assert res.status_code == 400
        assert res.json()["error"] == "invalid_request"


class TestRequestErrors:
    @pytest.mark.parametrize(
        "grant_type",
        [
            "password",
            "authorization_code",
            "refresh_token",
            "implicit",
            "urn:ietf:params:oauth:grant-type:jwt-bearer",
        ],
    )
    def test_other_grant_types_are_unsupported(self, http, runtime, grant_type):
        client_id, secret = _register(runtime)
        res = http.post(
            TOKEN,
            data={"grant_type": grant_type, "username": "u", "password": "p", "code": "c"},
            auth=(client_id, secret),
        )
        assert res.status_code == 400
        assert res.json()["error"] == "unsupported_grant_type"
        assert "access_token" not in res.text

    def test_missing_grant_type(self, http, runtime):
        client_id, secret = _register(runtime)
        res = http.post(TOKEN, data={"grant_type": ""}, auth=(client_id, secret))
        assert res.status_code == 400
        assert res.json()["error"] == "invalid_request"

    def test_repeated_parameter(self, http, runtime):
        client_id, secret = _register(runtime)
        res = http.post(
            TOKEN,
            content=b"grant_type=client_credentials&grant_type=client_credentials",
            headers={"content-type": "application/x-www-form-urlencoded"},
            auth=(client_id, secret),
        )
        assert res.status_code == 400
        assert res.json()["error"] == "invalid_request"

    def test_json_body_is_refused(self, http, runtime):
        client_id, secret = _register(runtime)
        res = http.post(TOKEN, json=GRANT, auth=(client_id, secret))
        assert res.status_code == 400
        assert res.json()["error"] == "invalid_request"

    def test_oversized_body_is_refused(self, http, runtime):
        client_id, secret = _register(runtime)
        res = http.post(TOKEN, data={**GRANT, "pad": "x" * 10_000}, auth=(client_id, secret))
        assert res.status_code == 400
        assert res.json()["error"] == "invalid_request"

    def test_scope_is_refused(self, http, runtime):
        client_id, secret = _register(runtime)
        res = http.post(TOKEN, data={**GRANT, "scope": "admin"}, auth=(client_id, secret))
        assert res.status_code == 400
        assert res.json()["error"] == "invalid_scope"

    def test_get_is_not_allowed(self, http, runtime):
        client_id, secret = _register(runtime)
        res = http.get(TOKEN, params=GRANT, auth=(client_id, secret))
        assert res.status_code == 405
        assert "access_token" not in res.text

    def test_plain_http_to_a_non_loopback_host_is_refused(self, runtime, issuer_keys):
        client_id, secret = _register(runtime)
        app = create_app(runtime=runtime)
        with TestClient(app, base_url="http://credence.example") as c:
            state_of(app).issuer_keys = issuer_keys
            res = c.post(TOKEN, data=GRANT, auth=(client_id, secret))
        assert res.status_code == 400
        assert res.json()["error"] == "insecure_transport"

    def test_nothing_secret_reaches_the_logs(self, http, runtime, caplog):
        client_id, secret = _register(runtime)
        with caplog.at_level(logging.DEBUG):
            ok = http.post(TOKEN, data=GRANT, auth=(client_id, secret))
            http.post(TOKEN, data={**GRANT, "client_id": client_id, "client_secret": "w" + secret})
        token = ok.json()["access_token"]
        assert secret not in caplog.text
        assert token not in caplog.text
        assert token.split(".")[2] not in caplog.text


class TestJwks:
    def test_served_and_matches_the_keys(self, http, issuer_keys):
        res = http.get(JWKS)
        assert res.status_code == 200
        body = res.json()
        assert body == issuer_keys.jwks()
        assert [k["kid"] for k in body["keys"]] == [issuer_keys.current_kid]
        for key in body["keys"]:
            assert key["kty"] == "OKP"
            assert key["crv"] == "Ed25519"
            assert "d" not in key

    def test_rotation_publishes_both_and_signs_with_the_new(self, http, runtime, issuer_keys):
        old = issuer_keys.current_kid
        new = issuer_keys.rotate()
        kids = [k["kid"] for k in http.get(JWKS).json()["keys"]]
        assert kids == [old, new]
        client_id, secret = _register(runtime)
        token = http.post(TOKEN, data=GRANT, auth=(client_id, secret)).json()["access_token"]
        assert _header(token)["kid"] == new

    def test_token_verifies_against_the_served_set_only(self, http, runtime, verifier, tmp_path):
        client_id, secret = _register(runtime)
        token = http.post(TOKEN, data=GRANT, auth=(client_id, secret)).json()["access_token"]
        kid = _header(token)["kid"]
        assert kid in {k["kid"] for k in http.get(JWKS).json()["keys"]}
        other = IssuerKeys.load_or_create(tmp_path / "other.json")
        stranger = TokenVerifier(
            issuer=runtime.settings.embedded_issuer_id,
            audience=runtime.settings.token_audience,
            keys=EmbeddedKeySource(other),
        )
        assert verifier.verify(token)["sub"] == client_id
        with pytest.raises(Unauthenticated, match="unknown signing key"):
            stranger.verify(token)


class TestExternalIssuer:
    @pytest.fixture
    def external(self, runtime: Runtime, tmp_path: Path) -> Iterator[TestClient]:
        runtime.settings = Settings(data_dir=tmp_path, oidc_issuer="https://idp.example")
        app = create_app(runtime=runtime)
        with TestClient(app, base_url=BASE, raise_server_exceptions=False) as c:
            yield c

    def test_token_endpoint_is_404(self, external, runtime):
        client_id, secret = _register(runtime)
        res = external.post(TOKEN, data=GRANT, auth=(client_id, secret))
        assert res.status_code == 404
        assert res.headers["content-type"] == "application/problem+json"
        assert "access_token" not in res.text

    def test_jwks_is_404(self, external):
        res = external.get(JWKS)
        assert res.status_code == 404
        assert res.headers["content-type"] == "application/problem+json"


class TestHostileInput:
    @pytest.mark.parametrize(
        "authorization",
        [
            "Basic " + base64.b64encode(b"\xff\xfe:\xff").decode(),
            "Basic " + base64.b64encode("cl_\u00e9:\u00e9".encode()).decode(),
            "Basic !!!not-base64",
            "Basic " + base64.b64encode(b"only-an-id").decode(),
            "Basic " + base64.b64encode(b'cl_"\\:x').decode(),
        ],
    )
    def test_malformed_basic_credentials_are_invalid_client(self, http, authorization):
        res = http.post(TOKEN, data=GRANT, headers={"Authorization": authorization})
        assert res.status_code == 401
        assert res.json()["error"] == "invalid_client"

    @pytest.mark.parametrize(
        "body",
        [
            b'grant_type=client_credentials&a"=1&a"=2',
            b"grant_type=client_credentials&client_id=%FF&client_secret=%FE",
            b"grant_type=%E2%9C%93",
            b"grant_type=client_credentials&" + b"&".join(b"p%d=1" % i for i in range(40)),
            b"\xff\xfe",
        ],
    )
    def test_odd_forms_get_rfc6749_errors_not_500(self, http, body):
        res = http.post(
            TOKEN, content=body, headers={"content-type": "application/x-www-form-urlencoded"}
        )
        assert res.status_code in (400, 401)
        assert res.json()["error"] in {
            "invalid_request",
            "invalid_client",
            "unsupported_grant_type",
        }
