"""The keyring: the configured key provider and suite, and a cache of unwrapped data keys.

Invariants: a data key is only ever unwrapped from the row that holds it, so a
shredded row (wrapped = NULL) can never be served from the cache; the cache is
keyed by the wrapped bytes, so a re-wrap or a shred is never masked by it.
`forget` drops every cached copy of a key at once (an index by key id beside the LRU,
so it costs the same however full the cache is), and a key being unwrapped while some
key is forgotten is not cached, so a shred racing a read cannot leave it behind.
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

    def __init__(
        self, provider: KeyProvider, suite: Suite, *, cache_size: int = _CACHE_SIZE
    ) -> None:
        self.provider = provider
        self.suite = suite
        self.indexer = BlindIndexer.from_master(suite, provider.index_key())
        self._cache_size = cache_size
        # wrapped bytes -> key, least recently used first; and key id -> its wrapped forms
        # in the cache (more than one while a master-key rotation re-wraps it).
        self._cache: OrderedDict[bytes, DataKey] = OrderedDict()
        self._blobs: dict[uuid.UUID, set[bytes]] = {}
        # Counts `forget` calls: an unwrap that saw one happen meanwhile is not cached.
        self._forgets = 0
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
            forgets = self._forgets
        key = unwrap(key_id, wrapped, self.provider)
        with self._lock:
            if self._forgets == forgets and self._cache_size > 0:
                self._drop(wrapped)
                self._cache[wrapped] = key
                self._blobs.setdefault(key_id, set()).add(wrapped)
                while len(self._cache) > self._cache_size:
                    self._drop(next(iter(self._cache)))
        return key

    def forget(self, key_id: uuid.UUID) -> None:
        """Drop every cached copy of a data key (after shredding it)."""
        with self._lock:
            self._forgets += 1
            for blob in self._blobs.pop(key_id, ()):
                del self._cache[blob]

    def cached(self, key_id: uuid.UUID) -> bool:
        """Whether any wrapped form of this data key is in the cache."""
        with self._lock:
            return key_id in self._blobs

    def _drop(self, wrapped: bytes) -> None:
        """Remove one cache entry and its index line; the lock is held."""
        key = self._cache.pop(wrapped, None)
        if key is None:
            return
        blobs = self._blobs[key.id]
        blobs.discard(wrapped)
        if not blobs:
            del self._blobs[key.id]

    def blind_index(self, normalised_code: str) -> bytes:
        """The blind index of a normalised code."""
        return self.indexer.index(normalised_code)
