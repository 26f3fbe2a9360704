"""The keyring: the configured key provider and suite, and a cache of unwrapped data keys.

Invariants: a data key is only ever unwrapped from the row that holds it, so a
shredded row (wrapped = NULL) can never be served from the cache; the cache is
keyed by the wrapped bytes, so a re-wrap or a shred is never masked by it.
"""

from __future__ import annotations

import threading
import uuid
from collections import OrderedDict

from crypto.blind_index import BlindIndexer
from crypto.envelope import DataKey, unwrap, wrap
from crypto.keys import KeyProvider
from crypto.suites import Suite

_CACHE_SIZE = 4096


class Keyring:
    """Wraps, unwraps and indexes with the configured provider and suite."""

    def __init__(self, provider: KeyProvider, suite: Suite) -> None:
        self.provider = provider
        self.suite = suite
        self.indexer = BlindIndexer.from_master(suite, provider.index_key())
        self._cache: OrderedDict[bytes, DataKey] = OrderedDict()
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"Keyring(provider={self.provider!r}, suite={self.suite.name})"

    def new_data_key(self) -> tuple[DataKey, bytes, int]:
        """A fresh data key, its wrapped form and the master version it is wrapped with."""
        master = self.provider.current()
        key = DataKey.generate(self.suite)
        return key, wrap(key, master), master.version

    def data_key(self, key_id: uuid.UUID, wrapped: bytes) -> DataKey:
        """Unwrap (or take from cache) the data key stored in one row."""
        with self._lock:
            hit = self._cache.get(wrapped)
            if hit is not None and hit.id == key_id:
                self._cache.move_to_end(wrapped)
                return hit
        key = unwrap(key_id, wrapped, self.provider)
        with self._lock:
            self._cache[wrapped] = key
            if len(self._cache) > _CACHE_SIZE:
                self._cache.popitem(last=False)
        return key

    def forget(self, key_id: uuid.UUID) -> None:
        """Drop a data key from the cache (after shredding it)."""
        with self._lock:
            for blob in [b for b, k in self._cache.items() if k.id == key_id]:
                del self._cache[blob]

    def blind_index(self, normalised_code: str) -> bytes:
        """The blind index of a normalised code."""
        return self.indexer.index(normalised_code)
