"""authlib's OAuth 2.0 server adapted to the embedded issuer: client credentials only.

Invariants:

- The server has only the client-credentials grant (RFC 6749 §4.4); clients
  authenticate by `client_secret_basic` or `client_secret_post`, never both at once,
  and their secret is checked only by `core.identity.clients.authenticate_client`
  (argon2id, the same work for unknown ids, disabled clients refused).
- Tokens are RFC 9068 JWTs signed by the current issuer key, carrying the client's
  role claims; nothing is stored per token. Responses are `no-store`; errors are
  RFC 6749 JSON and never echo a secret; nothing here logs a secret or a token.
- Only form-encoded bodies with each parameter at most once are read; a value-less
  parameter counts as omitted (RFC 6749 §3.1).
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import ClassVar
from urllib.parse import parse_qs

from authlib.oauth2.rfc6749 import (
    AuthorizationServer,
    ClientCredentialsGrant,
    ClientMixin,
    InvalidClientError,
    InvalidRequestError,
    InvalidScopeError,
    JsonPayload,
    JsonRequest,
    OAuth2Payload,
    OAuth2Request,
)
from fastapi.responses import JSONResponse
from sqlmodel import Session
from starlette.datastructures import Headers

from core.identity.clients import authenticate_client, client_claims
from core.identity.issuer_keys import IssuerKeys
from core.identity.tokens import mint_access_token
from core.models import OAuthClient
from core.settings import Settings

GRANT_TYPE = "client_credentials"
AUTH_METHODS = ("client_secret_basic", "client_secret_post")
FORM_TYPE = "application/x-www-form-urlencoded"


@dataclass(frozen=True)
class HttpRequest:
    """What authlib needs of one HTTP request, read off the ASGI request beforehand."""

    method: str
    url: str
    headers: Headers
    body: bytes


class _FormPayload(OAuth2Payload):  # type: ignore[misc]
    """Form parameters of a token request; each appears at most once."""

    def __init__(self, params: dict[str, str]) -> None:
        self._params = params

    @property
    def data(self) -> dict[str, str]:
        """Each parameter's value."""
        return self._params

    @property
    def datalist(self) -> dict[str, list[str]]:
        """Each parameter's values (always one)."""
        return {k: [v] for k, v in self._params.items()}


class _TokenRequest(OAuth2Request):  # type: ignore[misc]
    """authlib's view of a token request."""

    def __init__(self, request: HttpRequest, params: dict[str, str]) -> None:
        super().__init__(request.method, request.url, headers=request.headers)
        self.payload = _FormPayload(params)

    @property
    def args(self) -> dict[str, str]:
        """Query parameters are never read by the token endpoint."""
        return {}

    @property
    def form(self) -> dict[str, str]:
        """The form parameters (`client_secret_post` reads its credentials here)."""
        params: dict[str, str] = self.payload.data
        return params


class _JsonBody(JsonPayload):  # type: ignore[misc]
    def __init__(self, data: object) -> None:
        self._data = data

    @property
    def data(self) -> object:
        """The parsed JSON body."""
        return self._data


class RegisteredClient(ClientMixin):  # type: ignore[misc]
    """A client as it claims to be; it is one only once `check_client_secret` has proved it.

    Every id yields a candidate, so an unknown id costs the same argon2 work as a
    known one (authlib would otherwise answer before checking any secret).
    """

    def __init__(self, client_id: str, session: Session) -> None:
        self.client_id = client_id
        self._session = session
        self.record: OAuthClient | None = None

    def __repr__(self) -> str:
        return "RegisteredClient(authenticated)" if self.record else "RegisteredClient(unproven)"

    def get_client_id(self) -> str:
        """The id the client presented."""
        return self.client_id

    def get_default_redirect_uri(self) -> None:
        """Client-credentials clients have no redirect URI."""
        return None

    def get_allowed_scope(self, scope: str) -> str:
        """No scopes are granted: access follows from the role claims."""
        return ""

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        """No redirect URI is ever valid."""
        return False

    def check_client_secret(self, client_secret: str) -> bool:
        """Prove the secret (argon2id); remember the client it proves."""
        self.record = authenticate_client(
            session=self._session, client_id=self.client_id, secret=client_secret
        )
        return self.record is not None

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        """Only the shared-secret methods, only at the token endpoint."""
        return endpoint == "token" and method in AUTH_METHODS

    def check_response_type(self, response_type: str) -> bool:
        """No authorization endpoint here."""
        return False

    def check_grant_type(self, grant_type: str) -> bool:
        """Only the client-credentials grant."""
        return grant_type == GRANT_TYPE


class _ClientCredentials(ClientCredentialsGrant):  # type: ignore[misc]
    TOKEN_ENDPOINT_AUTH_METHODS: ClassVar[list[str]] = list(AUTH_METHODS)

    def create_token_response(self) -> tuple[int, dict[str, object], list[tuple[str, str]]]:
        """Issue the token (authlib's version logs the whole token at debug level)."""
        token: dict[str, object] = self.generate_token(scope=None, include_refresh_token=False)
        self.save_token(token)
        headers: list[tuple[str, str]] = self.TOKEN_RESPONSE_HEADER
        return 200, token, headers


def _check_basic(credentials: str) -> None:
    """Refuse Basic credentials that are not base64 of UTF-8 (authlib would fail with a 500)."""
    try:
        base64.b64decode(credentials.strip(), validate=True).decode("utf-8")
    except (binascii.Error, ValueError):
        raise InvalidClientError(
            status_code=401, description="The Basic client credentials are malformed."
        ) from None


class EmbeddedIssuer(AuthorizationServer):  # type: ignore[misc]
    """authlib's authorization server bound to one request's session, keys and instant."""

    def __init__(
        self, *, session: Session, keys: IssuerKeys, settings: Settings, now: datetime
    ) -> None:
        super().__init__()
        self._session = session
        self._keys = keys
        self._settings = settings
        self._now = now
        self.register_grant(_ClientCredentials)
        self.register_token_generator("default", self._generate_token)

    def query_client(self, client_id: str) -> RegisteredClient:
        """A candidate for any id; the secret check decides (see `RegisteredClient`)."""
        return RegisteredClient(client_id, self._session)

    def save_token(self, token: dict[str, object], request: OAuth2Request) -> None:
        """Nothing to save: access tokens are self-contained signed JWTs."""

    def send_signal(self, name: str, *args: object, **kwargs: object) -> None:
        """No signal listeners."""

    def validate_requested_scope(self, scope: str | None) -> None:
        """Refuse scopes: what a token may do follows from the client's role claims."""
        if scope:
            raise InvalidScopeError("This issuer grants roles, not scopes; omit 'scope'.")

    def create_oauth2_request(self, request: HttpRequest) -> _TokenRequest:
        """Parse a form-encoded token request; refuse anything RFC 6749 calls malformed."""
        media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if media_type != FORM_TYPE:
            raise InvalidRequestError(f"The request body must be {FORM_TYPE}.")
        try:
            parsed = parse_qs(request.body.decode("utf-8"), strict_parsing=False, max_num_fields=32)
        except (UnicodeDecodeError, ValueError):
            raise InvalidRequestError("The request body is not a valid form.") from None
        if any(len(v) > 1 for v in parsed.values()):
            # The names are not echoed: error descriptions allow only a narrow ASCII set.
            raise InvalidRequestError("A parameter is given more than once.")
        params = {k: v[0] for k, v in parsed.items()}
        if "grant_type" not in params:
            raise InvalidRequestError("Missing 'grant_type' parameter.")
        authorization = request.headers.get("authorization", "")
        if authorization[:6].lower() == "basic ":
            if "client_secret" in params:
                raise InvalidRequestError("Use one client authentication method, not two.")
            _check_basic(authorization[6:])
        return _TokenRequest(request, params)

    def create_json_request(self, request: HttpRequest) -> JsonRequest:
        """A JSON request (no endpoint of this issuer takes one; kept for authlib's contract)."""
        try:
            data = json.loads(request.body or b"null")
        except ValueError:
            raise InvalidRequestError("The request body is not valid JSON.") from None
        json_request = JsonRequest(request.method, request.url, request.headers)
        json_request.payload = _JsonBody(data)
        return json_request

    def handle_response(
        self, status: int, body: object, headers: list[tuple[str, str]]
    ) -> JSONResponse:
        """Turn authlib's (status, body, headers) into a response."""
        return JSONResponse(body, status_code=status, headers=dict(headers))

    def _generate_token(
        self,
        *,
        grant_type: str,
        client: RegisteredClient,
        user: object = None,
        scope: str | None = None,
        expires_in: int | None = None,
        include_refresh_token: bool = False,
    ) -> dict[str, object]:
        record = client.record
        if record is None:  # authlib only generates after the secret check passed
            raise InvalidRequestError("The client is not authenticated.")
        ttl = self._settings.access_token_ttl_seconds
        token = mint_access_token(
            keys=self._keys,
            issuer=self._settings.embedded_issuer_id,
            audience=self._settings.token_audience,
            subject=record.client_id,
            claims=client_claims(record),
            ttl=timedelta(seconds=ttl),
            now=self._now,
            client_id=record.client_id,
        )
        return {"access_token": token, "token_type": "Bearer", "expires_in": ttl}
