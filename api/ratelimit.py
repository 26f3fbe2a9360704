"""Per-client-address rate limiting for the public lookup: an in-process token bucket.

Invariants:
- time comes from the project clock (`core.clock.clock`), so tests move it rather than
  sleep; a clock that steps back never adds tokens;
- a refused request is a 429 problem with `Retry-After` (whole seconds until a token);
- one bucket per client address, IPv6 addresses grouped by their /64 (one host usually
  holds a whole /64); at most `max_clients` buckets are kept, the least recently used
  dropped first (a dropped bucket is a full one again, as an idle client's would be);
- in-process: with several workers each keeps its own buckets, so the effective limit
  is per worker (a shared store would be needed for one global limit).
"""

from __future__ import annotations

import ipaddress
import threading
from collections import OrderedDict
from datetime import datetime
from typing import Final

from core.clock import clock

LOOKUP_PER_MINUTE: Final = 10.0
LOOKUP_BURST: Final = 5
MAX_CLIENTS: Final = 100_000
_UNKNOWN: Final = "unknown"


def client_key(host: str | None) -> str:
    """The bucket key of a client address: the address itself, or its /64 for IPv6."""
    if not host:
        return _UNKNOWN
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host[:64]
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return str(address)


class TokenBucketLimiter:
    """`burst` requests at once per key, refilled at `per_minute` a minute."""

    def __init__(self, *, per_minute: float, burst: int, max_clients: int = MAX_CLIENTS) -> None:
        if per_minute <= 0 or burst < 1 or max_clients < 1:
            raise ValueError("a rate limit needs a positive rate, burst and client count")
        self.rate = per_minute / 60.0
        self.burst = float(burst)
        self.max_clients = max_clients
        self._buckets: OrderedDict[str, tuple[float, datetime]] = OrderedDict()
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"TokenBucketLimiter(per_minute={self.rate * 60:g}, burst={self.burst:g})"

    def take(self, key: str) -> float | None:
        """Take one token for `key`: None if allowed, else the seconds until one is there."""
        now = clock.now()
        with self._lock:
            tokens, at = self._buckets.pop(key, (self.burst, now))
            elapsed = max(0.0, (now - at).total_seconds())
            tokens = min(self.burst, tokens + elapsed * self.rate)
            # A hair of slack so float rounding never makes a whole token look short.
            allowed = tokens >= 1.0 - 1e-9
            if allowed:
                tokens = max(0.0, tokens - 1.0)
            # A clock stepped back keeps the later instant, so no tokens come from it.
            self._buckets[key] = (tokens, max(now, at))
            while len(self._buckets) > self.max_clients:
                self._buckets.popitem(last=False)
        return None if allowed else (1.0 - tokens) / self.rate
