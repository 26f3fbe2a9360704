"""Signing in through the external OIDC provider: authorization code flow with PKCE (S256).

Invariants:
- The provider is found by discovery at `{issuer}/.well-known/openid-configuration`;
  the document must name exactly the configured issuer, and its endpoints must be https
  (plain http only to a loopback host). Redirects are never followed, and a provider
  that says it cannot do S256 is refused.
- Every sign-in has its own random state, nonce and code verifier (256 bits each); only
  the S256 challenge travels through the browser, the verifier goes to the token
  endpoint alone (through authlib's OAuth2 client).
- The ID token is verified before anything in it is used: signed with an asymmetric
  algorithm by a key of the provider's JWK Set looked up by `kid` only (`jku`, `jwk`,
  `x5u`, `x5c` never followed; the set fetched through discovery and refetched at a
  bounded rate), `iss` exact, `aud` naming our client id (and `azp` when it names
  others too), `exp`, `iat`, the nonce of this sign-in, and `at_hash` when present.
- The access token is not trusted for being in the token response: the caller verifies
  it with the authenticator that checks API bearer tokens.
- Failures are `OidcError` with a short fixed reason that never quotes a token, a code
  or a claim; nothing here logs a token.
"""

from __future__ import annotations

import base64
import binascii
import json
import secrets
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final
from urllib.parse import urlsplit

from authlib.integrations.httpx_client import OAuth2Client, OAuthError
from authlib.oidc.core import CodeIDToken
from joserfc.errors import JoseError
from joserfc.jwk import ECKey, OKPKey

from core.clock import clock
from core.identity.tokens import (
    ALLOWED_ALGS,
    MAX_DOCUMENT_BYTES,
    MIN_RSA_BITS,
    KeySource,
    RemoteJwks,
    VerificationKey,
    is_loopback,
)

CALLBACK_PATH: Final = "/signin/oidc/callback"
PKCE_METHOD: Final = "S256"
# Clock skew allowed between us and the provider for the ID token's times.
LEEWAY_SECONDS: Final = 60
MAX_ID_TOKEN_CHARS: Final = 16_384


class OidcError(Exception):
    """The sign-in cannot go on; the message is short, fixed and quotes nothing received."""


@dataclass(frozen=True)
class ProviderEndpoints:
    """What discovery found: where to send the browser, and where to redeem the code."""

    authorization_endpoint: str
    token_endpoint: str


@dataclass(frozen=True)
class LoginStart:
    """A new sign-in: the provider URL to send the browser to, and what to keep for later."""

    url: str = field(repr=False)
    state: str = field(repr=False)
    nonce: str = field(repr=False)
    code_verifier: str = field(repr=False)


@dataclass(frozen=True)
class LoginTokens:
    """What a successful code exchange yields: the access token and the verified ID claims."""

    access_token: str = field(repr=False)
    id_claims: dict[str, object] = field(repr=False)


def _check_url(url: object) -> str:
    """An endpoint URL we may talk to: https, or plain http to a loopback host."""
    if not isinstance(url, str):
        raise OidcError("the provider's discovery document lacks an endpoint")
    parts = urlsplit(url)
    host = parts.hostname or ""
    if (parts.scheme == "https" and host) or (parts.scheme == "http" and is_loopback(host)):
        return url
    raise OidcError("provider endpoints must be https (plain http only to a loopback host)")


def _b64url_decode(segment: str) -> bytes:
    if len(segment) % 4 == 1 or not all(c.isalnum() or c in "-_" for c in segment):
        raise ValueError("not base64url")
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


def _json_object(raw: bytes) -> dict[str, Any]:
    value = json.loads(raw)
    if not isinstance(value, dict):
        raise ValueError("not a JSON object")
    return value


def _key_fits(key: VerificationKey, alg: str) -> bool:
    """Whether `key` may check an `alg` signature (no algorithm confusion, signing keys only)."""
    spec = ALLOWED_ALGS[alg]
    if not isinstance(key, spec.key_class):
        return False
    if spec.curve is not None and (
        not isinstance(key, OKPKey | ECKey) or key.curve_name != spec.curve
    ):
        return False
    if not isinstance(key, OKPKey | ECKey) and key.public_key.key_size < MIN_RSA_BITS:
        return False
    return key.alg in (None, alg) and key.get("use") in (None, "sig")


class OidcLogin:
    """One configured provider and our client registration with it."""

    def __init__(
        self,
        *,
        issuer: str,
        client_id: str,
        client_secret: str | None,
        redirect_uri: str,
        scope: str = "openid",
        keys: KeySource | None = None,
        timeout: float = 5.0,
        min_refetch_seconds: float = 30.0,
    ) -> None:
        _check_url(issuer)
        # The code comes back through this URL: never over plain http to another host.
        _check_url(redirect_uri)
        if "openid" not in scope.split():
            raise OidcError("the OIDC scope must include 'openid'")
        self._issuer = issuer
        self._client_id = client_id
        self._client_secret = client_secret
        self._redirect_uri = redirect_uri
        self._scope = scope
        self._timeout = timeout
        self._keys: KeySource = keys or RemoteJwks(
            issuer, min_refetch_seconds=min_refetch_seconds, timeout=timeout
        )
        self._endpoints: ProviderEndpoints | None = None
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"OidcLogin(issuer={self._issuer}, client_id={self._client_id})"

    @property
    def issuer(self) -> str:
        """The provider's issuer identifier."""
        return self._issuer

    def _client(self) -> OAuth2Client:
        secret = self._client_secret
        return OAuth2Client(
            client_id=self._client_id,
            client_secret=secret,
            token_endpoint_auth_method="client_secret_basic" if secret else "none",
            scope=self._scope,
            redirect_uri=self._redirect_uri,
            code_challenge_method=PKCE_METHOD,
            timeout=self._timeout,
            follow_redirects=False,
            trust_env=False,
        )

    # ------------------------------------------------------------ discovery

    def endpoints(self) -> ProviderEndpoints:
        """The provider's endpoints, from its discovery document (cached once found)."""
        found = self._endpoints
        if found is not None:
            return found
        with self._lock:
            if self._endpoints is None:
                self._endpoints = self._discover()
            return self._endpoints

    def _discover(self) -> ProviderEndpoints:
        url = self._issuer.rstrip("/") + "/.well-known/openid-configuration"
        try:
            document = _json_object(self._get(url))
        except OidcError:
            raise
        except Exception:  # transport errors (httpx or httpx2), bad JSON
            raise OidcError("the provider's discovery document is unavailable") from None
        # OIDC Discovery §4.3: the document must name exactly the issuer we asked about.
        if document.get("issuer") != self._issuer:
            raise OidcError("the discovery document names another issuer")
        methods = document.get("code_challenge_methods_supported")
        if isinstance(methods, list) and PKCE_METHOD not in methods:
            raise OidcError("the provider does not support PKCE with S256")
        return ProviderEndpoints(
            authorization_endpoint=_check_url(document.get("authorization_endpoint")),
            token_endpoint=_check_url(document.get("token_endpoint")),
        )

    def _get(self, url: str) -> bytes:
        """A small document, read up to `MAX_DOCUMENT_BYTES`."""
        with (
            self._client() as client,
            client.stream(
                "GET", url, withhold_token=True, headers={"Accept": "application/json"}
            ) as response,
        ):
            if response.status_code != 200:
                raise OidcError("the provider's discovery document is unavailable")
            body = bytearray()
            for chunk in response.iter_bytes():
                body += chunk
                if len(body) > MAX_DOCUMENT_BYTES:
                    raise OidcError("the provider's discovery document is too large")
        return bytes(body)

    # ------------------------------------------------------------ the flow

    def start(self) -> LoginStart:
        """A fresh sign-in: random state, nonce and verifier, and the authorization URL."""
        endpoints = self.endpoints()
        state = secrets.token_urlsafe(32)
        nonce = secrets.token_urlsafe(32)
        verifier = secrets.token_urlsafe(48)  # 64 characters of [A-Za-z0-9_-] (RFC 7636 §4.1)
        with self._client() as client:
            url, _ = client.create_authorization_url(
                endpoints.authorization_endpoint,
                state=state,
                code_verifier=verifier,
                nonce=nonce,
            )
        return LoginStart(url=url, state=state, nonce=nonce, code_verifier=verifier)

    def finish(self, *, code: str, code_verifier: str, nonce: str) -> LoginTokens:
        """Redeem the code with the verifier; verify the ID token; return both tokens."""
        endpoints = self.endpoints()
        try:
            with self._client() as client:
                token: Mapping[str, object] = client.fetch_token(
                    endpoints.token_endpoint,
                    grant_type="authorization_code",
                    code=code,
                    code_verifier=code_verifier,
                )
        except OAuthError:
            raise OidcError("the provider refused the authorization code") from None
        except Exception:  # transport errors (httpx or httpx2), a non-JSON answer
            raise OidcError("the provider's token endpoint failed") from None
        access_token = token.get("access_token")
        id_token = token.get("id_token")
        token_type = token.get("token_type")
        if not isinstance(access_token, str) or not access_token:
            raise OidcError("the token response has no access token")
        if not isinstance(token_type, str) or token_type.lower() != "bearer":
            raise OidcError("the token response is not a bearer token")
        if not isinstance(id_token, str) or not id_token:
            raise OidcError("the token response has no ID token")
        claims = self.verify_id_token(id_token, nonce=nonce, access_token=access_token)
        return LoginTokens(access_token=access_token, id_claims=claims)

    # ------------------------------------------------------------ the ID token

    def verify_id_token(
        self, id_token: str, *, nonce: str, access_token: str | None = None
    ) -> dict[str, object]:
        """The verified claims of an ID token issued to us for this sign-in, or OidcError."""
        if not id_token.isascii() or len(id_token) > MAX_ID_TOKEN_CHARS:
            raise OidcError("malformed ID token")
        parts = id_token.split(".")
        if len(parts) != 3 or not all(parts):
            raise OidcError("malformed ID token")
        try:
            header = _json_object(_b64url_decode(parts[0]))
            claims = _json_object(_b64url_decode(parts[1]))
            signature = _b64url_decode(parts[2])
        except (ValueError, binascii.Error, RecursionError):
            raise OidcError("malformed ID token") from None
        key, alg = self._key(header)
        try:
            good = ALLOWED_ALGS[alg].model.verify(
                f"{parts[0]}.{parts[1]}".encode("ascii"), signature, key
            )
        except Exception:  # a crafted signature is a refusal, never a crash
            good = False
        if not good:
            raise OidcError("the ID token's signature does not verify")
        params: dict[str, object] = {"nonce": nonce, "client_id": self._client_id}
        if access_token is not None:
            params["access_token"] = access_token
        checked = CodeIDToken(
            claims,
            header,
            {
                "iss": {"essential": True, "value": self._issuer},
                "aud": {"essential": True, "value": self._client_id},
                "exp": {"essential": True},
                "iat": {"essential": True},
                "nonce": {"essential": True},
            },
            params,
        )
        try:
            checked.validate(now=int(clock.now().timestamp()), leeway=LEEWAY_SECONDS)
        except JoseError as exc:
            # The claim's name only, never its value.
            name = getattr(exc, "claim", exc.error)
            raise OidcError(f"the ID token was refused ({name})") from None
        if not isinstance(claims.get("sub"), str) or not claims["sub"]:
            raise OidcError("the ID token has no subject")
        return dict(claims)

    def _key(self, header: dict[str, Any]) -> tuple[VerificationKey, str]:
        alg = header.get("alg")
        if not isinstance(alg, str) or alg not in ALLOWED_ALGS:
            raise OidcError("the ID token's signing algorithm is not allowed")
        if "crit" in header:
            raise OidcError("the ID token has an unsupported critical header")
        kid = header.get("kid")
        if not isinstance(kid, str) or not kid:
            raise OidcError("the ID token has no key id")
        # jku / jwk / x5u / x5c are never read: keys come from the provider's set only.
        key = self._keys.key_for(kid)
        if key is None:
            self._keys.refresh()
            key = self._keys.key_for(kid)
        if key is None:
            raise OidcError("the ID token is signed by an unknown key")
        if not _key_fits(key, alg):
            raise OidcError("the ID token's key does not match its algorithm")
        return key, alg
