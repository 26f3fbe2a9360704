"""RFC 9068 JWT access tokens: minting by the embedded issuer, verification for every issuer.

Invariants (SPEC §12):
- A token is accepted only with header `typ` `at+jwt` (or its full media type
  `application/at+jwt`, which RFC 9068 §4 also allows); a missing `typ` is refused.
- `alg` comes from a fixed allow-list of asymmetric algorithms and must match
  the key the `kid` names (kty, curve, size, and the key's own `alg`/`use`);
  `none` and every HMAC algorithm are refused, and symmetric keys are never used.
- The key is looked up only by `kid` in our key source; `jku`, `jwk`, `x5u` and
  `x5c` headers are never followed, and a `crit` header is refused (we implement
  no extensions).
- Claims: `iss` equals ours exactly, `aud` is or contains ours, `exp` is in the
  future, `nbf`/`iat` are not in the future (each within the leeway), and
  `iat`, `jti`, `sub` are present.
- Time comes only from `core.clock`; a verified token is cached (by SHA-256 of
  the token, bounded LRU) and the cached verdict still ends at its `exp`.
- A remote key set is refetched on an unknown `kid` at most once per
  `min_refetch_seconds`, so a flood of forged kids cannot force a fetch per request.
- Refusals are `Unauthenticated` with a short fixed reason that never quotes the token.
"""

from __future__ import annotations

import base64
import binascii
import copy
import hashlib
import ipaddress
import json
import logging
import math
import re
import secrets
import threading
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol, TypeGuard
from urllib.parse import urlsplit

import httpx
from joserfc.jwa import JWSAlgModel
from joserfc.jwk import ECKey, OKPKey, RSAKey
from joserfc.jws import JWSRegistry

from core.clock import clock
from core.errors import Unauthenticated
from core.identity.issuer_keys import IssuerKeys
from core.settings import Settings

log = logging.getLogger("credence.auth")

ACCESS_TOKEN_TYP = "at+jwt"  # noqa: S105 - a media type, not a secret
# RFC 9068 §4: resource servers accept the short form and the full media type, nothing else.
ACCEPTED_TYPS = frozenset({ACCESS_TOKEN_TYP, "application/at+jwt"})
REGISTERED_CLAIMS = frozenset({"iss", "aud", "sub", "client_id", "iat", "nbf", "exp", "jti"})
# Far above any real access token; bounds the work a junk header can cause.
MAX_TOKEN_CHARS = 16_384
MIN_RSA_BITS = 2048

VerificationKey = OKPKey | ECKey | RSAKey


@dataclass(frozen=True)
class _AlgSpec:
    model: JWSAlgModel
    key_class: type[VerificationKey]
    curve: str | None


def _model(name: str) -> JWSAlgModel:
    # Taken from the class-level table rather than through `JWSRegistry.get_alg`, which
    # emits a SecurityWarning per call for `EdDSA` (RFC 9864 prefers `Ed25519`).
    return JWSRegistry.algorithms[name]


ALLOWED_ALGS: Mapping[str, _AlgSpec] = {
    "EdDSA": _AlgSpec(_model("EdDSA"), OKPKey, "Ed25519"),
    "ES256": _AlgSpec(_model("ES256"), ECKey, "P-256"),
    "RS256": _AlgSpec(_model("RS256"), RSAKey, None),
    "PS256": _AlgSpec(_model("PS256"), RSAKey, None),
}


# ---------------------------------------------------------------- encoding


_B64URL = re.compile(r"[A-Za-z0-9_-]*")


def _b64url_encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64url_decode(segment: str) -> bytes:
    # Strict: only the URL-safe alphabet, no padding, no length that cannot occur.
    if len(segment) % 4 == 1 or not _B64URL.fullmatch(segment):
        raise ValueError("not base64url")
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


def _no_duplicates(pairs: list[tuple[str, object]]) -> dict[str, object]:
    # RFC 7515 §5.2: duplicate member names are ambiguous; refuse rather than pick one.
    out: dict[str, object] = {}
    for name, value in pairs:
        if name in out:
            raise ValueError("duplicate member")
        out[name] = value
    return out


def _no_constants(name: str) -> object:
    raise ValueError("NaN and Infinity are not JSON")


def _json_object(raw: bytes) -> dict[str, object]:
    value = json.loads(raw, object_pairs_hook=_no_duplicates, parse_constant=_no_constants)
    if not isinstance(value, dict):
        raise ValueError("not a JSON object")
    return value


def _compact_json(value: Mapping[str, object]) -> bytes:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=True).encode("ascii")


# ---------------------------------------------------------------- minting


def mint_access_token(
    *,
    keys: IssuerKeys,
    issuer: str,
    audience: str,
    subject: str,
    claims: Mapping[str, object],
    ttl: timedelta,
    now: datetime,
    client_id: str,
) -> str:
    """Sign an RFC 9068 access token with the issuer's current key."""
    clash = REGISTERED_CLAIMS & set(claims)
    if clash:
        raise ValueError(f"claims may not override registered claims: {sorted(clash)}")
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    iat = int(now.timestamp())
    payload: dict[str, object] = {
        **claims,
        "iss": issuer,
        "aud": audience,
        "sub": subject,
        "client_id": client_id,
        "iat": iat,
        "nbf": iat,
        "exp": iat + math.ceil(ttl.total_seconds()),
        "jti": secrets.token_urlsafe(16),
    }
    key = keys.private_jwk()
    header = {"alg": "EdDSA", "typ": ACCESS_TOKEN_TYP, "kid": key.kid}
    signing_input = (
        f"{_b64url_encode(_compact_json(header))}.{_b64url_encode(_compact_json(payload))}"
    )
    signature = ALLOWED_ALGS["EdDSA"].model.sign(signing_input.encode("ascii"), key)
    return f"{signing_input}.{_b64url_encode(signature)}"


# ---------------------------------------------------------------- key sources


class KeySource(Protocol):
    """Where verification keys come from, looked up by kid only."""

    def key_for(self, kid: str) -> VerificationKey | None:
        """The public key published under `kid`, or None."""
        ...

    def refresh(self) -> None:
        """Look again for new keys (rate-limited by the source); never raises."""
        ...


class EmbeddedKeySource:
    """The embedded issuer's own keys, re-read from their file at a bounded rate."""

    def __init__(self, keys: IssuerKeys, *, min_reload_seconds: float = 5) -> None:
        self._keys = keys
        self._min_reload = min_reload_seconds
        self._last_reload: datetime | None = None
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"EmbeddedKeySource({self._keys!r})"

    def key_for(self, kid: str) -> VerificationKey | None:
        """The embedded issuer's public key under `kid`, or None."""
        return self._keys.public_jwk(kid)

    def refresh(self) -> None:
        """Pick up a rotation done by another process (`credence keys rotate`)."""
        with self._lock:
            now = clock.now()
            if _too_soon(self._last_reload, now, self._min_reload):
                return
            self._last_reload = now
            try:
                self._keys.reload()
            except RuntimeError as exc:
                # Keep serving with the keys already held; the operator sees why.
                log.warning("issuer keys not reloaded: %s", exc)


def _too_soon(last: datetime | None, now: datetime, min_seconds: float) -> bool:
    if last is None:
        return False
    elapsed = (now - last).total_seconds()
    # A clock moved backwards (tests, NTP step) must not block fetching for good.
    return 0 <= elapsed < min_seconds


class JwksError(Exception):
    """The issuer's discovery document or key set could not be used."""


# Discovery documents and key sets are a few KiB; cap what a hostile server can make us hold.
MAX_DOCUMENT_BYTES = 512 * 1024


def _check_fetch_url(url: str) -> None:
    """Refuse anything but https, except plain http to a loopback host (tests, dev)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.scheme == "https" and host:
        return
    if parts.scheme == "http" and is_loopback(host):
        return
    raise JwksError("issuer URLs must be https (plain http only to a loopback host)")


def is_loopback(host: str) -> bool:
    """Whether a host name or address is the loopback interface."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _accepted_key(entry: object) -> tuple[str, VerificationKey] | None:
    """One JWKS entry as (kid, public key), or None when it may not verify our tokens."""
    if not isinstance(entry, dict):
        return None
    kid, kty, alg, use = entry.get("kid"), entry.get("kty"), entry.get("alg"), entry.get("use")
    if not isinstance(kid, str) or not kid:
        return None
    if use not in (None, "sig"):
        return None
    key_ops = entry.get("key_ops")
    if key_ops is not None and not (isinstance(key_ops, list) and "verify" in key_ops):
        return None
    if alg is not None and alg not in ALLOWED_ALGS:
        return None
    # Private members in a published set mean the issuer leaked its key: trust none of it.
    if any(member in entry for member in ("d", "p", "q", "dp", "dq", "qi", "oth", "k")):
        return None
    key: VerificationKey
    try:
        if kty == "OKP" and entry.get("crv") == "Ed25519":
            key = OKPKey.import_key(entry)
        elif kty == "EC" and entry.get("crv") == "P-256":
            key = ECKey.import_key(entry)
        elif kty == "RSA":
            # Sized before import: joserfc warns on every import of a short modulus.
            modulus = entry.get("n")
            if not isinstance(modulus, str) or _rsa_bits(modulus) < MIN_RSA_BITS:
                return None
            key = RSAKey.import_key(entry)
        else:
            # `oct` (symmetric) keys land here and are never accepted, whatever their alg.
            return None
    except Exception:  # any import failure means: not a usable key
        return None
    return kid, key


def _rsa_bits(modulus: str) -> int:
    try:
        return int.from_bytes(_b64url_decode(modulus), "big").bit_length()
    except ValueError:
        return 0


def parse_jwks(document: object) -> dict[str, VerificationKey]:
    """The usable signing keys of a JWK Set, by kid (ambiguous kids are dropped)."""
    if not isinstance(document, dict) or not isinstance(document.get("keys"), list):
        raise JwksError("the key set is not a JWK Set")
    found: dict[str, VerificationKey] = {}
    ambiguous: set[str] = set()
    for entry in document["keys"]:
        accepted = _accepted_key(entry)
        if accepted is None:
            continue
        kid, key = accepted
        if kid in found:
            ambiguous.add(kid)
        found[kid] = key
    # Two signing keys under one kid: we could not say which one a token means.
    return {kid: key for kid, key in found.items() if kid not in ambiguous}


class RemoteJwks:
    """An external issuer's signing keys, found via OIDC discovery and cached."""

    def __init__(
        self,
        issuer_url: str,
        *,
        min_refetch_seconds: float = 30,
        timeout: float = 5,
        client: httpx.Client | None = None,
    ) -> None:
        _check_fetch_url(issuer_url)
        self._issuer = issuer_url
        self._discovery_url = issuer_url.rstrip("/") + "/.well-known/openid-configuration"
        self._min_refetch = min_refetch_seconds
        self._timeout = timeout
        self._client = client
        self._jwks_uri: str | None = None
        self._keys: dict[str, VerificationKey] | None = None
        self._last_fetch: datetime | None = None
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"RemoteJwks(issuer={self._issuer})"

    @property
    def issuer(self) -> str:
        """The issuer URL these keys belong to."""
        return self._issuer

    def key_for(self, kid: str) -> VerificationKey | None:
        """The issuer's key under `kid` from the cached set (fetched on first use), or None."""
        keys = self._keys
        if keys is None:
            self.refresh()
            keys = self._keys or {}
        return keys.get(kid)

    def refresh(self) -> None:
        """Refetch the key set unless one was fetched in the last `min_refetch_seconds`."""
        with self._lock:
            now = clock.now()
            if _too_soon(self._last_fetch, now, self._min_refetch):
                return
            # Counted before the attempt, so a failing issuer is not hammered either.
            self._last_fetch = now
            try:
                keys = self._fetch()
            except Exception as exc:
                # Keep the keys we had: a flaky issuer must not log everyone out.
                log.warning("JWKS of %s not refreshed: %s", self._issuer, exc)
                return
            self._keys = keys

    def _fetch(self) -> dict[str, VerificationKey]:
        jwks_uri = self._jwks_uri
        if jwks_uri is None:
            document = self._get_json(self._discovery_url)
            # OIDC Discovery §4.3: the document must name exactly the issuer we asked about.
            if document.get("issuer") != self._issuer:
                raise JwksError("the discovery document names another issuer")
            published = document.get("jwks_uri")
            if not isinstance(published, str):
                raise JwksError("the discovery document has no jwks_uri")
            _check_fetch_url(published)
            self._jwks_uri = jwks_uri = published
        try:
            return parse_jwks(self._get_json(jwks_uri))
        except Exception:
            # The key set may have moved: discover again next time.
            self._jwks_uri = None
            raise

    def _get_json(self, url: str) -> dict[str, object]:
        if self._client is not None:
            return self._read(self._client, url)
        # Fetches are rare (rate-limited), so a short-lived client leaves nothing open.
        with httpx.Client(timeout=self._timeout) as client:
            return self._read(client, url)

    def _read(self, client: httpx.Client, url: str) -> dict[str, object]:
        with client.stream(
            "GET",
            url,
            headers={"Accept": "application/json"},
            follow_redirects=False,
            timeout=self._timeout,
        ) as response:
            if response.status_code != 200:
                raise JwksError(f"{url} answered HTTP {response.status_code}")
            body = bytearray()
            for chunk in response.iter_bytes():
                body += chunk
                if len(body) > MAX_DOCUMENT_BYTES:
                    raise JwksError(f"{url} sent more than {MAX_DOCUMENT_BYTES} bytes")
        return _json_object(bytes(body))


# ---------------------------------------------------------------- verification


@dataclass(frozen=True)
class _Cached:
    claims: dict[str, object]
    exp: float


class TokenVerifier:
    """Verifies RFC 9068 access tokens for one issuer and audience (SPEC §12)."""

    def __init__(
        self,
        *,
        issuer: str,
        audience: str,
        keys: KeySource,
        leeway_seconds: int = 30,
        cache_size: int = 10_000,
    ) -> None:
        if leeway_seconds < 0 or cache_size < 0:
            raise ValueError("leeway and cache size cannot be negative")
        self._issuer = issuer
        self._audience = audience
        self._keys = keys
        self._leeway = leeway_seconds
        self._cache_size = cache_size
        self._cache: OrderedDict[bytes, _Cached] = OrderedDict()
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return (
            f"TokenVerifier(issuer={self._issuer}, audience={self._audience}, keys={self._keys!r})"
        )

    @property
    def issuer(self) -> str:
        """The only issuer whose tokens are accepted."""
        return self._issuer

    @property
    def audience(self) -> str:
        """The audience a token must name."""
        return self._audience

    def verify(self, token: str) -> dict[str, object]:
        """The verified claims of `token`, or Unauthenticated with a short reason."""
        if not isinstance(token, str) or not token.isascii() or len(token) > MAX_TOKEN_CHARS:
            raise Unauthenticated("malformed token")
        digest = hashlib.sha256(token.encode("ascii")).digest()
        now = clock.now().timestamp()
        cached = self._cached(digest, now)
        if cached is not None:
            return copy.deepcopy(cached.claims)
        header, claims, signing_input, signature = _split(token)
        key, spec = self._key(header)
        try:
            good = spec.model.verify(signing_input, signature, key)
        except Exception:  # a crafted signature must be a 401, never a 500
            good = False
        if not good:
            raise Unauthenticated("bad signature")
        exp = self._check_claims(claims, now)
        self._remember(digest, _Cached(claims, exp))
        return copy.deepcopy(claims)

    def _key(self, header: dict[str, object]) -> tuple[VerificationKey, _AlgSpec]:
        if header.get("typ") not in ACCEPTED_TYPS:
            raise Unauthenticated("not an access token (typ must be at+jwt)")
        if "crit" in header:
            raise Unauthenticated("unsupported critical header")
        alg = header.get("alg")
        if not isinstance(alg, str) or alg not in ALLOWED_ALGS:
            raise Unauthenticated("signing algorithm not allowed")
        kid = header.get("kid")
        if not isinstance(kid, str) or not kid:
            raise Unauthenticated("token has no key id")
        # jku / jwk / x5u / x5c are deliberately never read: keys come from our source only.
        key = self._keys.key_for(kid)
        if key is None:
            self._keys.refresh()
            key = self._keys.key_for(kid)
        if key is None:
            raise Unauthenticated("unknown signing key")
        spec = ALLOWED_ALGS[alg]
        if not _key_fits(key, alg, spec):
            raise Unauthenticated("signing key does not match the algorithm")
        return key, spec

    def _check_claims(self, claims: dict[str, object], now: float) -> float:
        if claims.get("iss") != self._issuer:
            raise Unauthenticated("wrong issuer")
        aud = claims.get("aud")
        if not (aud == self._audience or (isinstance(aud, list) and self._audience in aud)):
            raise Unauthenticated("wrong audience")
        exp = claims.get("exp")
        if not _is_time(exp):
            raise Unauthenticated("token has no valid exp")
        if now >= exp + self._leeway:
            raise Unauthenticated("token expired")
        nbf = claims.get("nbf")
        if nbf is not None:
            if not _is_time(nbf):
                raise Unauthenticated("token has an invalid nbf")
            if nbf > now + self._leeway:
                raise Unauthenticated("token not yet valid")
        iat = claims.get("iat")
        if not _is_time(iat):
            raise Unauthenticated("token has no valid iat")
        if iat > now + self._leeway:
            raise Unauthenticated("token issued in the future")
        for name in ("jti", "sub"):
            value = claims.get(name)
            if not isinstance(value, str) or not value:
                raise Unauthenticated(f"token has no {name}")
        return float(exp)

    def _cached(self, digest: bytes, now: float) -> _Cached | None:
        with self._lock:
            entry = self._cache.get(digest)
            if entry is None:
                return None
            if now >= entry.exp + self._leeway:
                del self._cache[digest]
                raise Unauthenticated("token expired")
            self._cache.move_to_end(digest)
            return entry

    def _remember(self, digest: bytes, entry: _Cached) -> None:
        if self._cache_size == 0:
            return
        with self._lock:
            self._cache[digest] = entry
            self._cache.move_to_end(digest)
            while len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)


# 9999-12-31T23:59:59Z, the last second a datetime holds: a time claim past it (or before
# 1970) is no real time, and an int too large for a float would overflow when compared.
MAX_TIME_CLAIM = 253_402_300_799


def _is_time(value: object) -> TypeGuard[int | float]:
    # NaN fails both comparisons; a huge int compares exactly, without becoming a float.
    return (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and 0 <= value <= MAX_TIME_CLAIM
    )


def _key_fits(key: VerificationKey, alg: str, spec: _AlgSpec) -> bool:
    """Whether `key` may verify an `alg` signature: no algorithm confusion, no enc keys."""
    if not isinstance(key, spec.key_class):
        return False
    if spec.curve is not None and (
        not isinstance(key, OKPKey | ECKey) or key.curve_name != spec.curve
    ):
        return False
    if isinstance(key, RSAKey) and key.public_key.key_size < MIN_RSA_BITS:
        return False
    if key.alg not in (None, alg):
        return False
    if key.get("use") not in (None, "sig"):
        return False
    key_ops = key.get("key_ops")
    return key_ops is None or "verify" in key_ops


def _split(token: str) -> tuple[dict[str, object], dict[str, object], bytes, bytes]:
    """Header, claims, signing input and signature of a compact JWS; 401 when malformed."""
    parts = token.split(".")
    if len(parts) != 3 or not all(parts):
        raise Unauthenticated("malformed token")
    try:
        header = _json_object(_b64url_decode(parts[0]))
        claims = _json_object(_b64url_decode(parts[1]))
        signature = _b64url_decode(parts[2])
    except (ValueError, binascii.Error, RecursionError):
        raise Unauthenticated("malformed token") from None
    return header, claims, f"{parts[0]}.{parts[1]}".encode("ascii"), signature


def build_verifier(
    settings: Settings, issuer_keys: IssuerKeys | None, *, cache_size: int = 0
) -> TokenVerifier:
    """The verifier for the configured issuer: the embedded one, or an external OIDC provider.

    Uncached by default: the service caches principals instead (core/identity/authenticator.py),
    so verified claims, which carry a citizen's code, are not kept in memory.
    """
    if settings.oidc_issuer is None:
        if issuer_keys is None:
            raise ValueError("the embedded issuer needs its signing keys")
        return TokenVerifier(
            issuer=settings.embedded_issuer_id,
            audience=settings.token_audience,
            keys=EmbeddedKeySource(issuer_keys),
            cache_size=cache_size,
        )
    return TokenVerifier(
        issuer=settings.oidc_issuer,
        audience=settings.token_audience,
        keys=RemoteJwks(
            settings.oidc_issuer, min_refetch_seconds=settings.jwks_min_refetch_seconds
        ),
        cache_size=cache_size,
    )
