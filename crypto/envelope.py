"""Envelope encryption: per-owner data keys wrapped by a versioned master key.

Invariants:
- Field ciphertext = `format | suite | data-key id (16) | nonce (12) | ciphertext+tag`.
  The header is authenticated, and the AAD also binds table, column, row key and
  schema version, so a ciphertext moved to another row or field fails to open.
- Wrapped data key = `format (2) | suite | master version (4, big-endian) | nonce | ct+tag`,
  sealed inside the key provider, its AAD binding the header and the data key's id.
  Unwrapping picks the master key by the version in the header, never by trying keys.
- A data key is fresh random material per owner (entry or subject); destroying
  its wrapped form erases every field sealed under it (crypto-shredding).
- Key material never appears in a repr.
- What a data key derives (its AEAD object, its HMAC sub-keys) is kept on the `DataKey`
  itself and nowhere else, so it lives exactly as long as the key: when the keyring
  forgets a key (a shred, a destroyed master version), its derivations go with it.
"""

from __future__ import annotations

import functools
import os
import struct
import uuid
from dataclasses import dataclass, field
from typing import cast

from crypto.keys import KeyProvider, KeyProviderError
from crypto.suites import NONCE_LEN, Aead, DecryptionError, Mac, Suite, suite_by_code

FORMAT_V1 = 1
# Wrapped data keys: format 2 is wrapped inside the key provider (AES-256-GCM there).
FORMAT_WRAP = 2
SCHEMA_VERSION = 1
_FIELD_HEADER = struct.Struct(">BB16s")
_WRAP_HEADER = struct.Struct(">BBI")
_PART_LEN = struct.Struct(">H")
# Memo slots of a data key: strings, never equal to an HKDF info (bytes).
_AEAD = "aead"
_ID = "id"


@functools.lru_cache(maxsize=512)
def _part(text: str) -> bytes:
    """A length-prefixed context part; cached for the fixed names (tables, columns, schema)."""
    raw = text.encode()
    return _PART_LEN.pack(len(raw)) + raw


@dataclass(frozen=True)
class FieldContext:
    """Where a ciphertext lives: bound into its AAD."""

    table: str
    column: str
    row_key: str
    schema: int = SCHEMA_VERSION

    def encode(self) -> bytes:
        """Length-prefixed encoding, so no two contexts share a byte string."""
        # Row keys are ids and vary, so only the fixed parts go through the cache.
        row = self.row_key.encode()
        return (
            _part(self.table)
            + _part(self.column)
            + _PART_LEN.pack(len(row))
            + row
            + _part(str(self.schema))
        )


@dataclass(frozen=True)
class DataKey:
    """A per-owner data key: its id and plaintext material (kept in memory only)."""

    id: uuid.UUID
    suite: Suite
    material: bytes = field(repr=False)
    # What this key derives, made on first use (see the module docstring).
    _derived: dict[bytes | str, object] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def __repr__(self) -> str:
        return f"DataKey(id={self.id}, suite={self.suite.name}, material=<redacted>)"

    def aead(self) -> Aead:
        """This key's AEAD, keyed once (racing threads may each key one: both are right)."""
        found = self._derived.get(_AEAD)
        if found is None:
            found = self._derived[_AEAD] = self.suite.aead(self.material)
        return cast(Aead, found)

    def derived_mac(self, info: bytes) -> Mac:
        """The MAC under this key's HKDF sub-key for `info` (e.g. its pseudonym key)."""
        found = self._derived.get(info)
        if found is None:
            sub = self.suite.derive(self.material, info)
            found = self._derived[info] = self.suite.keyed_mac(sub)
        return cast(Mac, found)

    def _id_bytes(self) -> bytes:
        found = self._derived.get(_ID)
        if found is None:
            found = self._derived[_ID] = self.id.bytes
        return cast(bytes, found)

    @classmethod
    def generate(cls, suite: Suite) -> DataKey:
        """Fresh random key material for one owner."""
        return cls(id=uuid.uuid4(), suite=suite, material=os.urandom(suite.key_len))


def seal(key: DataKey, plaintext: bytes, ctx: FieldContext) -> bytes:
    """Encrypt one field value under a data key."""
    header = _FIELD_HEADER.pack(FORMAT_V1, key.suite.code, key._id_bytes())
    nonce, body = key.aead().seal(plaintext, header + ctx.encode())
    return header + nonce + body


def _split_field(blob: bytes) -> tuple[bytes, int, uuid.UUID, bytes, bytes]:
    if len(blob) < _FIELD_HEADER.size + NONCE_LEN:
        raise DecryptionError("ciphertext too short")
    header = blob[: _FIELD_HEADER.size]
    fmt, suite_code, key_id = _FIELD_HEADER.unpack(header)
    if fmt != FORMAT_V1:
        raise DecryptionError("unknown ciphertext format")
    rest = blob[_FIELD_HEADER.size :]
    return header, suite_code, uuid.UUID(bytes=key_id), rest[:NONCE_LEN], rest[NONCE_LEN:]


def key_id_of(blob: bytes) -> uuid.UUID:
    """The id of the data key a field ciphertext was sealed with."""
    return _split_field(blob)[2]


def open_field(key: DataKey, blob: bytes, ctx: FieldContext) -> bytes:
    """Decrypt one field value; fails unless the key id, suite and context all match."""
    # `_split_field` without its UUID: the key id is compared as the 16 bytes it is.
    size = _FIELD_HEADER.size
    if len(blob) < size + NONCE_LEN:
        raise DecryptionError("ciphertext too short")
    fmt, suite_code, key_id = _FIELD_HEADER.unpack_from(blob)
    if fmt != FORMAT_V1:
        raise DecryptionError("unknown ciphertext format")
    if key_id != key._id_bytes() or suite_code != key.suite.code:
        raise DecryptionError("ciphertext was sealed under another data key")
    aad = blob[:size] + ctx.encode()
    return key.aead().open(blob[size : size + NONCE_LEN], blob[size + NONCE_LEN :], aad)


def _wrap_aad(header: bytes, key_id: uuid.UUID) -> bytes:
    return header + b"data_key" + key_id.bytes


def wrap(key: DataKey, provider: KeyProvider, version: int) -> bytes:
    """Wrap a data key under one master version, inside the provider."""
    if not 1 <= version < 1 << 32:
        raise KeyProviderError(f"master key version {version} is out of range")
    header = _WRAP_HEADER.pack(FORMAT_WRAP, key.suite.code, version)
    return header + provider.wrap(version, key.material, _wrap_aad(header, key.id))


def _split_wrapped(blob: bytes) -> tuple[bytes, int, int]:
    if len(blob) < _WRAP_HEADER.size + NONCE_LEN:
        raise DecryptionError("wrapped key too short")
    header = blob[: _WRAP_HEADER.size]
    fmt, suite_code, version = _WRAP_HEADER.unpack(header)
    if fmt != FORMAT_WRAP:
        # Format 1 derived its wrapping key from exported master material, which an
        # HSM never hands out: such a database predates this release and is refused.
        raise DecryptionError("unknown wrapped-key format")
    return header, int(suite_code), int(version)


def wrapped_version(blob: bytes) -> int:
    """The master key version a wrapped data key names."""
    return _split_wrapped(blob)[2]


def unwrap(key_id: uuid.UUID, blob: bytes, provider: KeyProvider) -> DataKey:
    """Unwrap a data key with the master version its header names, inside the provider."""
    header, suite_code, version = _split_wrapped(blob)
    suite = suite_by_code(suite_code)
    material = provider.unwrap(version, blob[_WRAP_HEADER.size :], _wrap_aad(header, key_id))
    if len(material) != suite.key_len:
        raise DecryptionError("wrapped key has the wrong length")
    return DataKey(id=key_id, suite=suite, material=material)


def rewrap(key_id: uuid.UUID, blob: bytes, provider: KeyProvider, version: int) -> bytes:
    """Re-wrap a data key under another master version (the data stays as it is)."""
    return wrap(unwrap(key_id, blob, provider), provider, version)
