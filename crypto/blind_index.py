"""Blind index: a keyed MAC of a normalised code, for lookup without plaintext.

Invariants: the index key is derived with HKDF from one designated master key
version under its own label, so it is independent of the wrapping keys and does
not move when the master key rotates; an unkeyed hash is never used (an
18-character ID has too little entropy). The caller normalises the code first.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from crypto.keys import MasterKey
from crypto.suites import Suite

_INDEX_INFO = b"credence/blind-index/v1"
_PSEUDONYM_INFO = b"credence/pseudonym/v1"


@dataclass(frozen=True)
class BlindIndexer:
    """Computes blind-index values for one index key."""

    suite: Suite
    key: bytes = field(repr=False)

    def __repr__(self) -> str:
        return f"BlindIndexer(suite={self.suite.name}, key=<redacted>)"

    @classmethod
    def from_master(cls, suite: Suite, master: MasterKey) -> BlindIndexer:
        """Derive the index key from the designated master key version."""
        return cls(suite=suite, key=suite.derive(master.material, _INDEX_INFO))

    def index(self, normalised_code: str) -> bytes:
        """The 32-byte blind index of a normalised code."""
        return self.suite.mac(self.key, normalised_code.encode("utf-8"))


def pseudonym(suite: Suite, subject_key: bytes, label: bytes) -> bytes:
    """A stable pseudonym derived from a subject's own key (gone once that key is shredded)."""
    return suite.mac(suite.derive(subject_key, _PSEUDONYM_INFO), label)
