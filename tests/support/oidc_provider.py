"""A separate OpenID provider on a real loopback port, for the sign-in tests.

Built from authlib's server components — an `AuthorizationServer` with the
authorization-code grant, PKCE required (`CodeChallenge(required=True)`, S256 only) and
OpenID Connect ID tokens (`OpenIDCode`, nonce required) — with a discovery document and
a JWK Set, served by uvicorn in a thread. It auto-approves one configured user, whose
access tokens are RFC 9068 JWTs (`typ: at+jwt`, RS256) carrying the claims Credence's
authenticator wants (`role`, the citizen code claim, `aud` = the API audience).

Knobs to make it misbehave in one way each: `id_token_overrides` (claims of the ID
token, e.g. another `nonce` or `aud`), `id_token_key` (sign ID tokens with a key that is
not published), `access_token_overrides` / `access_token_header` (the access token),
`deny` (the user refuses) and `interactive` (an approval page with a link instead of an
immediate redirect, for a browser to click through). Every authorization and token
request is recorded. Its time is the project clock's.
"""

from __future__ import annotations

import html
import json
import secrets
import socket
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

import uvicorn
from authlib.oauth2.rfc6749 import (
    AuthorizationServer,
    ClientMixin,
    InvalidRequestError,
    JsonPayload,
    JsonRequest,
    OAuth2Error,
    OAuth2Payload,
    OAuth2Request,
)
from authlib.oauth2.rfc6749.grants import AuthorizationCodeGrant
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oidc.core import UserInfo
from authlib.oidc.core.grants import OpenIDCode
from authlib.oidc.core.models import AuthorizationCodeMixin
from joserfc import jws
from joserfc.jwk import RSAKey
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from core.clock import clock

API_AUDIENCE = "credence-api"
ACCESS_TTL = 300
CODE_TTL = 60


def _now() -> int:
    # A real provider's clock agrees with ours (NTP): here it is the project clock, so a
    # test that moves time moves the provider's too, whatever the machine's date.
    return int(clock.now().timestamp())


def new_rsa_key() -> RSAKey:
    """A fresh RS256 signing key with its own kid."""
    return RSAKey.generate_key(
        2048, parameters={"kid": secrets.token_hex(8), "use": "sig", "alg": "RS256"}
    )


@dataclass
class User:
    """The one person this provider signs in, and the claims their access tokens carry."""

    sub: str
    name: str
    claims: dict[str, object]


@dataclass
class RegisteredClient(ClientMixin):  # type: ignore[misc]
    """A relying party registered with the provider."""

    client_id: str
    redirect_uris: list[str]
    client_secret: str | None = None

    def get_client_id(self) -> str:
        return self.client_id

    def get_default_redirect_uri(self) -> str:
        return self.redirect_uris[0]

    def get_allowed_scope(self, scope: str) -> str:
        allowed = {"openid", "profile"}
        return " ".join(s for s in scope.split() if s in allowed)

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return redirect_uri in self.redirect_uris

    def check_client_secret(self, client_secret: str) -> bool:
        return self.client_secret is not None and secrets.compare_digest(
            client_secret, self.client_secret
        )

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        if self.client_secret is None:
            return method == "none"
        return method == "client_secret_basic"

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code"

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type == "authorization_code"


@dataclass
class AuthorizationCode(AuthorizationCodeMixin):  # type: ignore[misc]
    """An issued code and what it was issued for."""

    code: str
    client_id: str
    redirect_uri: str
    scope: str
    nonce: str | None
    code_challenge: str | None
    code_challenge_method: str | None
    user: User
    expires_at: float
    auth_time: int = field(default_factory=_now)

    def get_redirect_uri(self) -> str:
        return self.redirect_uri

    def get_scope(self) -> str:
        return self.scope

    def get_nonce(self) -> str | None:
        return self.nonce

    def get_auth_time(self) -> int:
        return self.auth_time


class _Payload(OAuth2Payload):  # type: ignore[misc]
    def __init__(self, items: list[tuple[str, str]]) -> None:
        self._data = dict(items)
        self._datalist: dict[str, list[str]] = {}
        for key, value in items:
            self._datalist.setdefault(key, []).append(value)

    @property
    def data(self) -> dict[str, str]:
        return self._data

    @property
    def datalist(self) -> dict[str, list[str]]:
        return self._datalist


@dataclass
class _HttpRequest:
    method: str
    url: str
    headers: Mapping[str, str]
    query: list[tuple[str, str]]
    form: list[tuple[str, str]]


class _OAuthRequest(OAuth2Request):  # type: ignore[misc]
    def __init__(self, request: _HttpRequest) -> None:
        super().__init__(request.method, request.url, headers=request.headers)
        self._args = dict(request.query)
        self._form = dict(request.form)
        self.payload = _Payload(request.query if request.method == "GET" else request.form)

    @property
    def args(self) -> dict[str, str]:
        return self._args

    @property
    def form(self) -> dict[str, str]:
        return self._form


class _JsonPayload(JsonPayload):  # type: ignore[misc]
    @property
    def data(self) -> dict[str, object]:
        return {}


class S256Challenge(CodeChallenge):  # type: ignore[misc]
    """PKCE, required of every client, with S256 only (never `plain`)."""

    SUPPORTED_CODE_CHALLENGE_METHOD: ClassVar[list[str]] = ["S256"]

    def validate_code_challenge(self, grant: Any, redirect_uri: str) -> None:
        data = grant.request.payload.data
        if not data.get("code_challenge") or data.get("code_challenge_method") != "S256":
            raise InvalidRequestError("PKCE with S256 is required")
        super().validate_code_challenge(grant, redirect_uri)


class CodeGrant(AuthorizationCodeGrant):  # type: ignore[misc]
    """The authorization-code grant over the provider's in-memory code store."""

    TOKEN_ENDPOINT_AUTH_METHODS: ClassVar[list[str]] = ["none", "client_secret_basic"]

    def save_authorization_code(self, code: str, request: OAuth2Request) -> None:
        data = request.payload.data
        provider: OidcProvider = self.server.provider
        provider.codes[code] = AuthorizationCode(
            code=code,
            client_id=request.client.get_client_id(),
            redirect_uri=data.get("redirect_uri", ""),
            scope=request.scope,
            nonce=data.get("nonce"),
            code_challenge=data.get("code_challenge"),
            code_challenge_method=data.get("code_challenge_method"),
            user=request.user,
            expires_at=_now() + CODE_TTL,
        )

    def query_authorization_code(
        self, code: str, client: RegisteredClient
    ) -> AuthorizationCode | None:
        found = self.server.provider.codes.get(code)
        if found is None or found.client_id != client.client_id or found.expires_at < _now():
            return None
        return found

    def delete_authorization_code(self, authorization_code: AuthorizationCode) -> None:
        self.server.provider.codes.pop(authorization_code.code, None)

    def authenticate_user(self, authorization_code: AuthorizationCode) -> User:
        return authorization_code.user


class OpenID(OpenIDCode):  # type: ignore[misc]
    """ID tokens signed by the provider's key (or the test's `id_token_key`)."""

    def __init__(self, provider: OidcProvider) -> None:
        super().__init__(require_nonce=True)
        self.provider = provider

    def resolve_client_private_key(self, client: RegisteredClient) -> RSAKey:
        return self.provider.id_token_key or self.provider.key

    def get_client_claims(self, client: RegisteredClient) -> dict[str, object]:
        now = _now()
        return {
            "iss": self.provider.issuer,
            "aud": client.client_id,
            "iat": now,
            "exp": now + 300,
        }

    def get_encode_header(self, client: RegisteredClient) -> dict[str, object]:
        key = self.resolve_client_private_key(client)
        return {"alg": "RS256", "kid": key.kid}

    def exists_nonce(self, nonce: str, request: OAuth2Request) -> bool:
        return any(c.nonce == nonce for c in self.provider.codes.values())

    def generate_user_info(self, user: User, scope: str) -> UserInfo:
        # Claims here override the ones authlib computed, which is how the tests
        # make an ID token wrong in exactly one way.
        return UserInfo(sub=user.sub, name=user.name, **self.provider.id_token_overrides)


class _Server(AuthorizationServer):  # type: ignore[misc]
    def __init__(self, provider: OidcProvider) -> None:
        super().__init__(scopes_supported=["openid", "profile"])
        self.provider = provider
        self.register_grant(CodeGrant, [S256Challenge(required=True), OpenID(provider)])
        self.register_token_generator("default", self._token)

    def query_client(self, client_id: str) -> RegisteredClient | None:
        return self.provider.clients.get(client_id)

    def save_token(self, token: dict[str, object], request: OAuth2Request) -> None:
        """Access tokens are self-contained JWTs: nothing to keep."""

    def send_signal(self, name: str, *args: object, **kwargs: object) -> None:
        """No listeners."""

    def create_oauth2_request(self, request: _HttpRequest) -> _OAuthRequest:
        return _OAuthRequest(request)

    def create_json_request(self, request: _HttpRequest) -> JsonRequest:
        json_request = JsonRequest(request.method, request.url, request.headers)
        json_request.payload = _JsonPayload()
        return json_request

    def handle_response(
        self, status: int, body: object, headers: list[tuple[str, str]]
    ) -> Response:
        if isinstance(body, dict):
            return JSONResponse(body, status_code=status, headers=dict(headers))
        return Response(str(body or ""), status_code=status, headers=dict(headers))

    def _token(
        self,
        grant_type: str,
        client: RegisteredClient,
        user: User | None = None,
        scope: str | None = None,
        expires_in: int | None = None,
        include_refresh_token: bool = False,
    ) -> dict[str, object]:
        if user is None:
            raise OAuth2Error("no user")
        return {
            "access_token": self.provider.access_token(user, client.client_id),
            "token_type": "Bearer",
            "expires_in": ACCESS_TTL,
            "scope": scope or "",
        }


class OidcProvider:
    """The provider and its knobs; `issuer` is its base URL once `start()` has run."""

    def __init__(
        self,
        *,
        user: User,
        clients: list[RegisteredClient],
        audience: str = API_AUDIENCE,
    ) -> None:
        self.user = user
        self.clients = {c.client_id: c for c in clients}
        self.audience = audience
        self.key = new_rsa_key()
        self.codes: dict[str, AuthorizationCode] = {}
        self.id_token_overrides: dict[str, object] = {}
        self.id_token_key: RSAKey | None = None
        self.access_token_overrides: dict[str, object] = {}
        self.access_token_header: dict[str, object] = {}
        self.deny = False
        self.interactive = False
        self.authorize_requests: list[dict[str, str]] = []
        self.token_requests: list[dict[str, str]] = []
        self.issued_access_tokens: list[str] = []
        self.issuer = ""
        self._server = _Server(self)
        self._uvicorn: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._socket: socket.socket | None = None

    # ------------------------------------------------------------ tokens

    def access_token(self, user: User, client_id: str) -> str:
        """An RFC 9068 access token for the user, as Credence's API expects it."""
        now = _now()
        claims = {
            "iss": self.issuer,
            "aud": self.audience,
            "sub": user.sub,
            "client_id": client_id,
            "iat": now,
            "nbf": now,
            "exp": now + ACCESS_TTL,
            "jti": secrets.token_hex(8),
            **user.claims,
            **self.access_token_overrides,
        }
        header = {"alg": "RS256", "typ": "at+jwt", "kid": self.key.kid, **self.access_token_header}
        token = jws.serialize_compact(header, json.dumps(claims).encode(), self.key)
        self.issued_access_tokens.append(token)
        return token

    # ------------------------------------------------------------ HTTP

    def _discovery(self, request: Request) -> Response:
        base = self.issuer
        return JSONResponse(
            {
                "issuer": base,
                "authorization_endpoint": base + "/authorize",
                "token_endpoint": base + "/token",
                "jwks_uri": base + "/jwks",
                "response_types_supported": ["code"],
                "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "code_challenge_methods_supported": ["S256"],
                "grant_types_supported": ["authorization_code"],
                "token_endpoint_auth_methods_supported": ["none", "client_secret_basic"],
                "scopes_supported": ["openid", "profile"],
            }
        )

    def _jwks(self, request: Request) -> Response:
        return JSONResponse({"keys": [self.key.as_dict(private=False)]})

    def _http(self, request: Request, form: list[tuple[str, str]]) -> _HttpRequest:
        return _HttpRequest(
            method=request.method,
            url=str(request.url),
            headers=request.headers,
            query=list(request.query_params.multi_items()),
            form=form,
        )

    async def _authorize(self, request: Request) -> Response:
        http = self._http(request, [])
        self.authorize_requests.append(dict(http.query))
        user = None if self.deny else self.user
        try:
            grant = self._server.get_consent_grant(http, end_user=user)
        except OAuth2Error as error:
            response: Response = self._server.handle_error_response(http, error)
            return response
        approved: Response = self._server.create_authorization_response(
            http, grant_user=user, grant=grant
        )
        location = approved.headers.get("location")
        if self.interactive and location:
            # A page of the provider's own from which the person goes on, as after a real
            # login form: the way back to the relying party starts on another site.
            link = html.escape(location, quote=True)
            return HTMLResponse(
                f'<!doctype html><title>approve</title><a id="approve" href="{link}">approve</a>'
            )
        return approved

    async def _token_endpoint(self, request: Request) -> Response:
        form = await request.form()
        items = [(k, v) for k, v in form.multi_items() if isinstance(v, str)]
        self.token_requests.append(dict(items))
        response: Response = self._server.create_token_response(self._http(request, items))
        return response

    def app(self) -> Starlette:
        """The provider's ASGI app."""
        return Starlette(
            routes=[
                Route("/.well-known/openid-configuration", self._discovery),
                Route("/jwks", self._jwks),
                Route("/authorize", self._authorize),
                Route("/token", self._token_endpoint, methods=["POST"]),
            ]
        )

    def start(self) -> OidcProvider:
        """Serve on a free loopback port (uvicorn in a daemon thread) until `close()`."""
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        self._socket = sock
        self.issuer = f"http://127.0.0.1:{sock.getsockname()[1]}"
        config = uvicorn.Config(
            self.app(),
            lifespan="off",
            log_level="warning",
            access_log=False,
            ws="none",
            http="h11",
            loop="asyncio",
        )
        server = uvicorn.Server(config)
        self._uvicorn = server
        self._thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 10
        while not server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("the OIDC provider did not start")
            time.sleep(0.01)
        return self

    def close(self) -> None:
        """Stop serving and free the port."""
        if self._uvicorn is not None:
            self._uvicorn.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)
        if self._socket is not None:
            self._socket.close()
