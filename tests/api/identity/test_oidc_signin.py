"""Page sign-in through a separate OIDC provider over real loopback HTTP: the authorization
code flow with PKCE (S256), state, nonce and ID-token checks, the access token verified like
an API bearer token and kept server-side, and two Credence instances sharing one database.

Redirects are followed by hand: Credence through its TestClient, the provider with httpx.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import re
import secrets
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlmodel import Session

from api.app import create_app
from api.identity.oidc_pages import LOGIN_COOKIE, safe_return_path
from api.pages.session import SID_COOKIE
from api.state import state_of
from core.clock import clock
from core.db import make_engine
from core.models import WebSessionRow
from core.ops.keys import open_keyring
from core.runtime import Runtime
from core.settings import Settings
from crypto.keys import EnvKeyProvider, encode_env_keys
from crypto.suites import AES
from tests.factories import make_code
from tests.support.oidc_provider import OidcProvider, RegisteredClient, User, new_rsa_key

BASE = "http://127.0.0.1"
CALLBACK = BASE + "/signin/oidc/callback"
CLIENT_ID = "credence-web"
CONFIDENTIAL_ID = "credence-web-confidential"
CONFIDENTIAL_SECRET = "a-shared-secret-of-the-confidential-client"
CSRF = re.compile(r'name="csrf_token" value="([0-9a-f]{64})"')
REFRESH = re.compile(r'<meta http-equiv="refresh" content="0; url=([^"]+)">')

Credence = Callable[..., TestClient]


@pytest.fixture
def code() -> str:
    return make_code()


@pytest.fixture
def provider(code: str) -> Iterator[OidcProvider]:
    """The provider, with one citizen who signs in and Credence registered twice."""
    server = OidcProvider(
        user=User(sub="person-1", name="欧阳小明", claims={"role": "citizen", "credit_code": code}),
        clients=[
            RegisteredClient(CLIENT_ID, [CALLBACK]),
            RegisteredClient(CONFIDENTIAL_ID, [CALLBACK], client_secret=CONFIDENTIAL_SECRET),
        ],
    ).start()
    yield server
    server.close()


@pytest.fixture
def credence(fresh_engine, fresh_url, provider, tmp_path: Path) -> Iterator[Credence]:
    """Start Credence instances (workers) over one database and one set of master keys."""
    key_material = encode_env_keys({1: secrets.token_bytes(32)})
    opened: list[tuple[TestClient, Runtime]] = []

    def start(**settings: object) -> TestClient:
        engine = make_engine(fresh_url)
        keyring = open_keyring(engine, EnvKeyProvider(key_material), AES)
        options: dict[str, object] = {
            "data_dir": tmp_path,
            "maintenance_every_seconds": 0,
            "oidc_issuer": provider.issuer,
            "oidc_client_id": CLIENT_ID,
            "oidc_redirect_base_url": BASE,
        }
        options.update(settings)
        runtime = Runtime(settings=Settings(**options), engine=engine, keyring=keyring)
        client = TestClient(
            create_app(runtime=runtime),
            base_url=BASE,
            follow_redirects=False,
            raise_server_exceptions=False,
        )
        client.__enter__()
        opened.append((client, runtime))
        return client

    yield start
    for client, runtime in opened:
        client.__exit__(None, None, None)
        runtime.engine.dispose()


# ---------------------------------------------------------------- the browser's steps


def begin(client: TestClient, path: str = "/signin/oidc") -> tuple[str, str]:
    """Start a sign-in: the provider URL Credence sends the browser to, and the login cookie."""
    res = client.get(path)
    assert res.status_code == 303, res.text
    return res.headers["location"], res.cookies[LOGIN_COOKIE]


def at_provider(url: str) -> str:
    """The provider's answer to the authorization request: where it sends the browser back."""
    res = httpx.get(url, follow_redirects=False)
    assert res.status_code == 302, res.text
    return res.headers["location"]


def back(client: TestClient, location: str, login_cookie: str | None) -> httpx.Response:
    """Follow the provider's redirect to Credence's callback, with the login cookie."""
    assert location.startswith(CALLBACK + "?")
    client.cookies.delete(LOGIN_COOKIE)
    if login_cookie is not None:
        client.cookies.set(LOGIN_COOKIE, login_cookie, domain="127.0.0.1", path="/signin/oidc")
    return client.get(location.removeprefix(BASE))


def sign_in(client: TestClient, path: str = "/signin/oidc") -> httpx.Response:
    location, login = begin(client, path)
    return back(client, at_provider(location), login)


def landing(res: httpx.Response) -> str:
    """Where the signed-in page sends the browser on."""
    assert res.status_code == 200, res.text
    found = REFRESH.search(res.text)
    assert found is not None
    return found.group(1)


def query(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


def with_param(url: str, **changes: str) -> str:
    parts = urlsplit(url)
    params = {k: v[0] for k, v in parse_qs(parts.query).items()}
    params.update(changes)
    return parts._replace(query=urlencode(params)).geturl()


def s256(verifier: str) -> str:
    return (
        base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    )


def stored(client: TestClient, kind: str) -> list[WebSessionRow]:
    runtime: Runtime = state_of(client.app).runtime
    with Session(runtime.engine) as db:
        found = db.execute(select(WebSessionRow).where(WebSessionRow.kind == kind))  # type: ignore[arg-type]
        return list(found.scalars())


def session_rows(client: TestClient) -> list[WebSessionRow]:
    """The signed-in sessions in the shared database."""
    return stored(client, "session")


def pending_rows(client: TestClient) -> list[WebSessionRow]:
    """The sign-ins waiting for their callback."""
    return stored(client, "login")


def signed_out(client: TestClient) -> bool:
    return client.get("/me").status_code == 401


# ---------------------------------------------------------------- the flow


class TestSignIn:
    def test_a_citizen_signs_in_with_the_code_flow_and_pkce(self, credence, provider, code, caplog):
        caplog.set_level(logging.DEBUG)
        client = credence()
        client.get("/")
        before = client.cookies[SID_COOKIE]
        location, login = begin(client)
        params = query(location)
        assert location.startswith(provider.issuer + "/authorize?")
        assert params["response_type"] == ["code"]
        assert params["client_id"] == [CLIENT_ID]
        assert params["redirect_uri"] == [CALLBACK]
        assert "openid" in params["scope"][0].split()
        assert params["code_challenge_method"] == ["S256"]
        assert len(params["state"][0]) >= 43
        assert len(params["nonce"][0]) >= 43
        assert "code_verifier" not in params

        res = back(client, at_provider(location), login)
        assert landing(res) == "/me"
        # The verifier went to the token endpoint only, and matches the challenge.
        (token_request,) = provider.token_requests
        verifier = token_request["code_verifier"]
        assert s256(verifier) == params["code_challenge"][0]
        assert verifier not in location
        # A new session id; the login cookie is cleared; no token reaches the browser.
        after = client.cookies[SID_COOKIE]
        assert after != before
        assert LOGIN_COOKIE not in client.cookies
        (access_token,) = provider.issued_access_tokens
        exposed = res.text + str(res.headers)
        assert access_token not in exposed
        assert verifier not in exposed
        assert code not in exposed

        page = client.get("/me")
        assert page.status_code == 200
        assert "我的信用记录" in page.text
        assert "欧阳*" in page.text  # the masked name from the ID token
        assert code not in page.text
        assert access_token not in page.text

        (row,) = session_rows(client)
        assert row.kind == "session"
        assert row.role == "citizen"
        assert row.id_hash == hashlib.sha256(after.encode()).digest()
        assert pending_rows(client) == []
        # Nothing of the tokens or the flow's secrets in the logs (the provider's own
        # server-side authlib logs aside; the test's requests log their URLs, so the
        # state and code, which travel in URLs, are looked for in Credence's loggers only).
        logged = [
            r
            for r in caplog.records
            if not r.name.startswith(("authlib.oauth2.rfc6749", "authlib.oidc"))
        ]
        everything = "\n".join(r.getMessage() for r in logged)
        for secret in (access_token, verifier, code, after):
            assert secret not in everything
        ours = "\n".join(r.getMessage() for r in logged if r.name.startswith("credence"))
        assert params["state"][0] not in ours
        assert query(provider.token_requests[0]["redirect_uri"]) == {}

    def test_the_return_path_is_kept_and_another_site_is_not(self, credence):
        client = credence()
        assert landing(sign_in(client, "/signin/oidc?next=/me/queries")) == "/me/queries"
        assert landing(sign_in(client, "/signin/oidc?next=https://evil.example/me")) == "/me"
        assert landing(sign_in(client, "/signin/oidc?next=//evil.example/me")) == "/me"

    @pytest.mark.parametrize(
        ("value", "kept"),
        [
            ("/me/objections/1", True),
            ("/me?lang=en", True),
            ("https://evil.example/", False),
            ("//evil.example/", False),
            ("/\\evil.example", False),
            ("me", False),
            ("/signin/oidc", False),
            ("/me/../signin/oidc", False),
            ("/me/%2e%2e/signout", False),
            ("/me\nLocation: x", False),
            ("/" + "a" * 600, False),
            ("", False),
        ],
    )
    def test_safe_return_path(self, value, kept):
        assert safe_return_path(value) == (value if kept else None)

    def test_the_sign_in_page_sends_the_browser_to_the_provider(self, credence):
        client = credence()
        res = client.get("/signin?next=/me/queries")
        assert res.status_code == 303
        assert res.headers["location"] == "/signin/oidc?next=%2Fme%2Fqueries"
        assert client.get("/signin").headers["location"] == "/signin/oidc"
        token = CSRF.search(client.get("/lookup").text)
        assert token is not None
        dev = client.post("/signin", data={"csrf_token": token.group(1), "role": "auditor"})
        assert dev.status_code == 404

    def test_a_confidential_client_authenticates_with_its_secret(self, credence, provider):
        client = credence(oidc_client_id=CONFIDENTIAL_ID, oidc_client_secret=CONFIDENTIAL_SECRET)
        assert landing(sign_in(client)) == "/me"
        (token_request,) = provider.token_requests
        assert "client_secret" not in token_request  # sent in the Basic header, not the body
        assert token_request["code_verifier"]
        assert client.get("/me").status_code == 200

    def test_a_confidential_client_with_a_wrong_secret_is_refused(self, credence, provider):
        client = credence(oidc_client_id=CONFIDENTIAL_ID, oidc_client_secret="wrong")
        res = sign_in(client)
        assert res.status_code == 400
        assert session_rows(client) == []

    def test_sign_out_deletes_the_session(self, credence):
        client = credence()
        landing(sign_in(client))
        page = client.get("/me")
        token = CSRF.search(page.text)
        assert token is not None
        res = client.post("/signout", data={"csrf_token": token.group(1)})
        assert res.status_code == 303
        assert session_rows(client) == []
        assert client.get("/me").status_code == 401


class TestTwoInstances:
    def test_started_on_one_instance_finished_on_the_other(self, credence):
        first, second = credence(), credence()
        location, login = begin(first)
        res = back(second, at_provider(location), login)
        assert landing(res) == "/me"
        assert second.get("/me").status_code == 200
        # The session is in the database: the first instance knows it too.
        first.cookies.set(SID_COOKIE, second.cookies[SID_COOKIE], domain="127.0.0.1")
        assert first.get("/me").status_code == 200

    def test_a_form_from_one_instance_posts_to_the_other(self, credence):
        first, second = credence(), credence()
        landing(sign_in(first))
        token = CSRF.search(first.get("/me").text)
        assert token is not None
        second.cookies.set(SID_COOKIE, first.cookies[SID_COOKIE], domain="127.0.0.1")
        res = second.post("/signout", data={"csrf_token": token.group(1)})
        assert res.status_code == 303
        assert first.get("/me").status_code == 401

    def test_an_expired_session_is_refused_by_every_instance(self, credence):
        first, second = credence(), credence()
        landing(sign_in(first))
        second.cookies.set(SID_COOKIE, first.cookies[SID_COOKIE], domain="127.0.0.1")
        assert second.get("/me").status_code == 200
        clock.advance(timedelta(minutes=6))  # past the provider's 5-minute access token
        assert first.get("/me").status_code == 401
        assert second.get("/me").status_code == 401
        assert session_rows(first) == []


# ---------------------------------------------------------------- refusals


class TestStateAndReplay:
    def test_a_wrong_state_is_refused_and_uses_up_the_sign_in(self, credence):
        client = credence()
        location, login = begin(client)
        returned = at_provider(location)
        forged = with_param(returned, state=secrets.token_urlsafe(32))
        assert back(client, forged, login).status_code == 400
        assert back(client, returned, login).status_code == 400
        assert session_rows(client) == []

    def test_a_replayed_callback_is_refused(self, credence, provider):
        client = credence()
        location, login = begin(client)
        returned = at_provider(location)
        assert landing(back(client, returned, login)) == "/me"
        replay = back(client, returned, login)
        assert replay.status_code == 400
        assert "此次登录已过期或已使用" in replay.text
        # The provider also refuses the code a second time.
        again = httpx.post(
            provider.issuer + "/token",
            data={
                "grant_type": "authorization_code",
                "code": query(returned)["code"][0],
                "redirect_uri": CALLBACK,
                "client_id": CLIENT_ID,
                "code_verifier": provider.token_requests[0]["code_verifier"],
            },
        )
        assert again.status_code == 400
        assert again.json()["error"] == "invalid_grant"

    def test_a_callback_in_another_browser_is_refused(self, credence):
        client, stranger = credence(), credence()
        location, login = begin(client)
        returned = at_provider(location)
        res = back(stranger, returned, None)
        assert res.status_code == 400
        assert session_rows(client) == []
        # A leaked callback URL does not use up the sign-in of the browser that started it.
        assert landing(back(client, returned, login)) == "/me"

    def test_a_sign_in_older_than_ten_minutes_is_refused(self, credence):
        client = credence()
        location, login = begin(client)
        returned = at_provider(location)
        clock.advance(timedelta(minutes=10, seconds=1))
        assert back(client, returned, login).status_code == 400
        assert session_rows(client) == []


class TestPkce:
    def _token(self, provider: OidcProvider, code: str, **extra: str) -> httpx.Response:
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": CALLBACK,
            "client_id": CLIENT_ID,
            **extra,
        }
        return httpx.post(provider.issuer + "/token", data=form)

    def test_an_intercepted_code_is_useless_without_the_verifier(self, credence, provider):
        client = credence()
        location, login = begin(client)
        returned = at_provider(location)
        stolen = query(returned)["code"][0]
        missing = self._token(provider, stolen)
        assert missing.status_code == 400
        assert missing.json()["error"] == "invalid_request"
        wrong = self._token(provider, stolen, code_verifier=secrets.token_urlsafe(48))
        assert wrong.status_code == 400
        assert wrong.json()["error"] == "invalid_grant"
        assert provider.issued_access_tokens == []
        # Only the browser that started the sign-in (and so Credence's verifier) redeems it.
        assert landing(back(client, returned, login)) == "/me"

    def test_a_code_injected_into_another_sign_in_is_refused(self, credence, provider):
        victim, attacker = credence(), credence()
        victim_location, victim_login = begin(victim)
        victim_state = query(victim_location)["state"][0]
        attacker_code = query(at_provider(begin(attacker)[0]))["code"][0]
        injected = f"{CALLBACK}?{urlencode({'code': attacker_code, 'state': victim_state})}"
        res = back(victim, injected, victim_login)
        assert res.status_code == 400
        # Credence sent its own verifier, which does not match the attacker's challenge.
        (token_request,) = provider.token_requests
        assert token_request["code"] == attacker_code
        assert provider.issued_access_tokens == []
        assert session_rows(victim) == []

    def test_the_provider_refuses_an_authorization_request_without_s256(self, credence, provider):
        location, _ = begin(credence())
        for change in ({"code_challenge_method": "plain"}, {"code_challenge": ""}):
            res = httpx.get(with_param(location, **change), follow_redirects=False)
            assert res.status_code == 302
            assert query(res.headers["location"])["error"] == ["invalid_request"]


class TestTokens:
    @pytest.mark.parametrize(
        "override",
        [
            {"nonce": "a-nonce-of-another-sign-in"},
            {"aud": "another-client"},
            {"aud": [CLIENT_ID, "another-client"]},  # several audiences and no azp
            {"iss": "http://127.0.0.1:9/elsewhere"},
            {"exp": 1_000_000_000},
        ],
        ids=["nonce", "aud", "aud-without-azp", "iss", "exp"],
    )
    def test_a_wrong_id_token_is_refused(self, credence, provider, override):
        provider.id_token_overrides = override
        client = credence()
        res = sign_in(client)
        assert res.status_code == 400
        assert session_rows(client) == []
        assert signed_out(client)

    def test_an_id_token_signed_with_an_unpublished_key_is_refused(self, credence, provider):
        provider.id_token_key = new_rsa_key()
        client = credence()
        assert sign_in(client).status_code == 400
        assert session_rows(client) == []

    def test_an_access_token_that_is_not_at_jwt_is_refused(self, credence, provider):
        provider.access_token_header = {"typ": "JWT"}
        client = credence()
        assert sign_in(client).status_code == 400
        assert session_rows(client) == []

    def test_an_access_token_for_the_api_of_another_service_is_refused(self, credence, provider):
        provider.access_token_overrides = {"aud": "another-api"}
        client = credence()
        assert sign_in(client).status_code == 400

    def test_tokens_naming_different_people_are_refused(self, credence, provider):
        provider.access_token_overrides = {"sub": "person-2"}
        client = credence()
        assert sign_in(client).status_code == 400
        assert session_rows(client) == []

    def test_a_role_without_pages_is_refused(self, credence, provider):
        provider.user.claims = {"role": "agency", "agency": "bank-1"}
        client = credence()
        assert sign_in(client).status_code == 403
        assert session_rows(client) == []

    def test_an_officer_lands_on_their_work_list(self, credence, provider):
        provider.user.claims = {"role": "objection_officer", "department": "sz-tax"}
        client = credence()
        assert landing(sign_in(client)) == "/officer/objections"
        assert "sz-tax" in client.get("/officer/objections").text

    def test_the_person_declining_is_refused(self, credence, provider):
        provider.deny = True
        client = credence()
        location, login = begin(client)
        returned = at_provider(location)
        assert query(returned)["error"] == ["access_denied"]
        res = back(client, returned, login)
        assert res.status_code == 400
        assert "身份提供方未完成登录" in res.text


class TestConfiguration:
    def test_without_a_client_registration_there_is_no_oidc_sign_in(self, credence):
        client = credence(oidc_client_id=None)
        assert client.get("/signin/oidc").status_code == 404
        assert client.get("/signin/oidc/callback?code=x&state=y").status_code == 404

    def test_with_the_embedded_issuer_there_is_no_oidc_sign_in(self, credence):
        client = credence(oidc_issuer=None)
        assert client.get("/signin/oidc").status_code == 404
        # /signin stays the development sign-in (refused here: the test client is not loopback).
        dev = client.get("/signin")
        assert dev.status_code == 404
        assert "开发登录仅在使用内置签发方" in dev.text

    def test_a_redirect_over_plain_http_to_another_host_is_refused(self, credence):
        client = credence(oidc_redirect_base_url="http://credence.example")
        assert client.get("/signin/oidc").status_code == 404
        assert pending_rows(client) == []

    def test_starting_sign_ins_is_rate_limited_per_address(self, credence):
        client = credence()
        answers = [client.get("/signin/oidc").status_code for _ in range(11)]
        assert answers == [303] * 10 + [429]
        assert len(pending_rows(client)) == 10

    def test_an_unreachable_provider_is_a_page_not_a_crash(self, credence):
        client = credence(oidc_issuer="http://127.0.0.1:9")
        res = client.get("/signin/oidc")
        assert res.status_code == 502
        assert pending_rows(client) == []
