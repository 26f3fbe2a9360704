"""The keyring: the key provider and suite, the blind-index key, and a cache of data keys.

Invariants: a data key is only ever unwrapped from the row that holds it, so a
shredded row (wrapped = NULL) can never be served from the cache; the cache is
keyed by the wrapped bytes, so a re-wrap or a shred is never masked by it.
`forget` drops every cached copy of a key at once (an index by key id beside the LRU,
so it costs the same however full the cache is), and a key being unwrapped while some
key is forgotten is not cached, so a shred racing a read cannot leave it behind.
New data keys are wrapped under the version the database names current, read again
at most `current_ttl` after the last read (project clock), so a fleet follows a
rotation within that bound.
The blind-index keys follow the same rule: during an index-key rotation the keyring
knows the next key too, and `blind_index` returns a `BlindIndex` carrying the value under
both (`core/ops/index_rotation.py`). The CSRF and certificate keys are stable: derived
once from the first index key and stored, so they do not move when the index key does.
"""

from __future__ import annotations

import threading
import uuid
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from core.clock import clock
from crypto.blind_index import BlindIndexer, pseudonym_key
from crypto.envelope import DataKey, unwrap, wrap
from crypto.keys import KeyProvider, KeyProviderError
from crypto.suites import Suite

_CACHE_SIZE = 4096
CURRENT_TTL = timedelta(seconds=5)
CSRF_INFO = b"credence/web-csrf/v1"


class BlindIndex(bytes):
    """A blind index under the primary index key; while the index key rotates it also
    carries `next`, the value under the next key, and lookups match either column."""

    next: bytes | None

    def __new__(cls, value: bytes, next_value: bytes | None = None) -> BlindIndex:
        obj = super().__new__(cls, value)
        obj.next = next_value
        return obj


def next_index(index: bytes) -> bytes | None:
    """The value under the next index key, if this index was computed during a rotation."""
    return getattr(index, "next", None)


def indexes_meet(a: bytes | None, b: bytes | None) -> bool:
    """Whether two blind indexes name one code: equal under the primary or the next key."""
    if a is None or b is None:
        return False
    if bytes(a) == bytes(b):
        return True
    mine = {v for v in (bytes(a), next_index(a)) if v is not None}
    return bool(mine & {v for v in (bytes(b), next_index(b)) if v is not None})


def stored_index(first: bytes | None, second: bytes | None) -> bytes | None:
    """A stored pair of index columns as one index value (for `indexes_meet`)."""
    if first is None:
        return second
    return BlindIndex(first, second)


@dataclass(frozen=True)
class IndexKeys:
    """The index keys a process uses: the primary one, and the next one while rotating
    (the same as the primary once switched, until the old column values are gone)."""

    primary: BlindIndexer
    next: BlindIndexer | None = None


def _highest_held(provider: KeyProvider) -> Callable[[], int]:
    def current() -> int:
        held = provider.versions()
        if not held:
            raise KeyProviderError("the key provider holds no master key")
        return held[-1]

    return current


class Keyring:
    """Wraps, unwraps and indexes with the configured provider and suite."""

    def __init__(
        self,
        provider: KeyProvider,
        suite: Suite,
        *,
        indexer: BlindIndexer | None = None,
        index_keys: Callable[[], IndexKeys] | None = None,
        csrf_key: bytes | None = None,
        certificate_key: bytes | None = None,
        current: Callable[[], int] | None = None,
        current_ttl: timedelta = CURRENT_TTL,
        cache_size: int = _CACHE_SIZE,
    ) -> None:
        self.provider = provider
        self.suite = suite
        # Without a stored index key (a throw-away keyring) the index is random per keyring.
        first = indexer if indexer is not None else BlindIndexer.generate(suite)
        self._static_index = IndexKeys(primary=first)
        self._read_index = index_keys
        self._index: tuple[IndexKeys, datetime] | None = None
        # Stable across index-key rotations (stored once a rotation starts).
        self.csrf_key = csrf_key if csrf_key is not None else first.derive(CSRF_INFO)
        self.certificate_key = (
            certificate_key if certificate_key is not None else pseudonym_key(suite, first.key)
        )
        self._read_current = current if current is not None else _highest_held(provider)
        self._current_ttl = current_ttl
        self._current: tuple[int, datetime] | None = None
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

    def current_version(self) -> int:
        """The master version new data keys are wrapped with (re-read after the TTL)."""
        now = clock.now()
        with self._lock:
            known = self._current
        if known is not None and now - known[1] < self._current_ttl:
            return known[0]
        version = self._read_current()
        with self._lock:
            self._current = (version, now)
        return version

    def current_changed(self) -> None:
        """Forget the cached current version (this process just rotated)."""
        with self._lock:
            self._current = None

    def index_keys(self) -> IndexKeys:
        """The index keys in use (re-read from the database after the TTL)."""
        if self._read_index is None:
            return self._static_index
        now = clock.now()
        with self._lock:
            known = self._index
        if known is not None and now - known[1] < self._current_ttl:
            return known[0]
        keys = self._read_index()
        with self._lock:
            self._index = (keys, now)
        return keys

    def index_changed(self) -> None:
        """Forget the cached index keys (this process just moved a rotation on)."""
        with self._lock:
            self._index = None

    @property
    def indexer(self) -> BlindIndexer:
        """The primary blind-index key."""
        return self.index_keys().primary

    def new_data_key(self) -> tuple[DataKey, bytes, int]:
        """A fresh data key, its wrapped form and the master version it is wrapped with."""
        version = self.current_version()
        key = DataKey.generate(self.suite)
        return key, wrap(key, self.provider, version), version

    def wrap(self, key: DataKey, version: int) -> bytes:
        """The wrapped form of a data key under one master version."""
        return wrap(key, self.provider, version)

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

    def forget_all(self) -> None:
        """Drop the whole cache (a master version was destroyed)."""
        with self._lock:
            self._forgets += 1
            self._cache.clear()
            self._blobs.clear()

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

    def blind_index(self, normalised_code: str) -> BlindIndex:
        """The blind index of a normalised code (under both keys while rotating)."""
        keys = self.index_keys()
        value = keys.primary.index(normalised_code)
        if keys.next is None:
            return BlindIndex(value)
        if keys.next is keys.primary:
            return BlindIndex(value, value)
        return BlindIndex(value, keys.next.index(normalised_code))
