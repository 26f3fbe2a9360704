"""Blind index: a keyed MAC of a normalised code, for lookup without plaintext.

Invariants: the index key is random, of its own (stored wrapped under a master
key, never derived from one), so it does not move when a master key rotates and an
HSM never has to export anything; an unkeyed hash is never used (an 18-character
ID has too little entropy). The caller normalises the code first. An indexer keeps
its keyed MACs beside its key, and a data key its pseudonym MAC (crypto/envelope.py):
each lives as long as the key it is keyed with, and no table here holds one.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from crypto.envelope import DataKey
from crypto.suites import Mac, Suite

INDEX_KEY_LEN = 32
_DERIVE_INFO = b"credence/from-index/v1/"
_PSEUDONYM_INFO = b"credence/pseudonym/v1"


@dataclass(frozen=True)
class BlindIndexer:
    """Computes blind-index values for one index key."""

    suite: Suite
    key: bytes = field(repr=False)
    # The index MAC and the pseudonym MAC, keyed once (made eagerly: an indexer is long-lived).
    _index_mac: Mac = field(init=False, repr=False, compare=False)
    _pseudonym_mac: Mac = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_index_mac", self.suite.keyed_mac(self.key))
        pseudonym_mac = self.suite.keyed_mac(pseudonym_key(self.suite, self.key))
        object.__setattr__(self, "_pseudonym_mac", pseudonym_mac)

    def __repr__(self) -> str:
        return f"BlindIndexer(suite={self.suite.name}, key=<redacted>)"

    @classmethod
    def generate(cls, suite: Suite) -> BlindIndexer:
        """An indexer over a fresh random key."""
        return cls(suite=suite, key=os.urandom(INDEX_KEY_LEN))

    def derive(self, info: bytes) -> bytes:
        """A key for another purpose derived from the index key (e.g. the CSRF key)."""
        return self.suite.derive(self.key, _DERIVE_INFO + info)

    def index(self, normalised_code: str) -> bytes:
        """The 32-byte blind index of a normalised code."""
        return self._index_mac(normalised_code.encode("utf-8"))

    def pseudonym(self, label: bytes) -> bytes:
        """`pseudonym(suite, key, label)` under the index key, with its MAC keyed once."""
        return self._pseudonym_mac(label)


def pseudonym_key(suite: Suite, key: bytes) -> bytes:
    """The MAC key `pseudonym` uses under `key`."""
    return suite.derive(key, _PSEUDONYM_INFO)


def pseudonym(suite: Suite, subject_key: bytes, label: bytes) -> bytes:
    """A stable pseudonym derived from a subject's own key (gone once that key is shredded)."""
    return suite.mac(pseudonym_key(suite, subject_key), label)


def pseudonym_of(key: DataKey, label: bytes) -> bytes:
    """`pseudonym(key.suite, key.material, label)`, its HKDF and MAC key kept on the key."""
    return key.derived_mac(_PSEUDONYM_INFO)(label)
