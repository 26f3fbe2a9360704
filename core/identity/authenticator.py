"""Token → principal, with verified principals cached until their token expires.

Invariants: the cache holds principals (a citizen's blind index, never their
code) keyed by a SHA-256 of the token, so no plaintext code stays in memory
after the request that carried it; a cached principal is refused once the
project clock passes its token's expiry.
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

    def authenticate(self, token: str) -> Principal:
        """The principal a token proves, or Unauthenticated."""
        digest = hashlib.sha256(token.encode("utf-8", "replace")).digest()
        now = clock.now()
        with self._lock:
            hit = self._cache.get(digest)
            if hit is not None:
                if hit.expires_at > now:
                    self._cache.move_to_end(digest)
                    return hit
                del self._cache[digest]
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
