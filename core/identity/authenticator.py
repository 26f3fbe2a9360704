"""Token → principal, with verified principals cached until their token expires.

Invariants: the cache holds principals (a citizen's blind index, never their
code) keyed by a SHA-256 of the token, so no plaintext code stays in memory
after the request that carried it; a cached principal is refused once the
project clock passes its token's expiry. `cached` answers from the cache alone: no
signature check, no key fetch, nothing that blocks, so an async caller may use it on
the event loop and verify a token it has not seen in a worker thread. Tokens carry no
revocation of their own (none is checked for a fresh token either): they end at `exp`.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict

from core.clock import clock
from core.errors import Unauthenticated
from core.identity.principal import Principal, principal_from_claims
from core.identity.tokens import TokenVerifier
from core.keyring import Keyring


class Authenticator:
    """Verifies bearer tokens and builds principals, caching the result per token."""

    def __init__(
        self,
        verifier: TokenVerifier,
        *,
        keyring: Keyring,
        code_claim: str,
        cache_size: int = 10_000,
    ) -> None:
        self._verifier = verifier
        self._keyring = keyring
        self._code_claim = code_claim
        self._cache_size = cache_size
        self._cache: OrderedDict[bytes, Principal] = OrderedDict()
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"Authenticator(verifier={self._verifier!r})"

    def cached(self, token: str) -> Principal | None:
        """The principal of a token verified before and not yet expired, or None (no I/O)."""
        return self._hit(_digest(token))

    def authenticate(self, token: str) -> Principal:
        """The principal a token proves, or Unauthenticated."""
        digest = _digest(token)
        hit = self._hit(digest)
        if hit is not None:
            return hit
        now = clock.now()
        principal = principal_from_claims(
            self._verifier.verify(token), keyring=self._keyring, code_claim=self._code_claim
        )
        if principal.expires_at <= now:
            raise Unauthenticated("token expired")
        with self._lock:
            self._cache[digest] = principal
            while len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        return principal

    def _hit(self, digest: bytes) -> Principal | None:
        now = clock.now()
        with self._lock:
            hit = self._cache.get(digest)
            if hit is None:
                return None
            if hit.expires_at > now:
                self._cache.move_to_end(digest)
                return hit
            del self._cache[digest]
            return None


def _digest(token: str) -> bytes:
    return hashlib.sha256(token.encode("utf-8", "replace")).digest()
