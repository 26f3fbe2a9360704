"""Algorithm suites: AES-256-GCM with SHA-256, or SM4-GCM with SM3 (国密).

Invariants: a suite is identified by one byte that is written into every
ciphertext header, so a reader never guesses the algorithm; nonces are 96 bits
from the OS random source and never reused under one key by construction
(a fresh random nonce per seal); tags are 128 bits. A keyed `Aead` or `Mac` object
holds its key for as long as its owner holds it (a data key, an index key) and no
longer: nothing here keeps one in a table of its own.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Literal

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import hmac as _hmac
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

SuiteName = Literal["aes", "sm4"]
NONCE_LEN = 12
TAG_LEN = 16


class DecryptionError(ValueError):
    """A ciphertext failed authentication or could not be parsed."""


class Aead:
    """One key's AEAD: the key schedule is made once, each seal draws a fresh nonce."""

    __slots__ = ("_aes", "_key")

    def __init__(self, name: SuiteName, key: bytes) -> None:
        # AES-GCM keeps one keyed object (its construction is most of a short open);
        # SM4-GCM in `cryptography` has no such object, so it keys a cipher per call.
        self._aes = AESGCM(key) if name == "aes" else None
        self._key = key

    def __repr__(self) -> str:
        return "Aead(key=<redacted>)"

    def seal(self, plaintext: bytes, aad: bytes) -> tuple[bytes, bytes]:
        """Encrypt under a fresh random nonce; returns (nonce, ciphertext+tag)."""
        nonce = os.urandom(NONCE_LEN)
        if self._aes is not None:
            return nonce, self._aes.encrypt(nonce, plaintext, aad)
        enc = Cipher(algorithms.SM4(self._key), modes.GCM(nonce)).encryptor()
        enc.authenticate_additional_data(aad)
        body = enc.update(plaintext) + enc.finalize()
        return nonce, body + enc.tag

    def open(self, nonce: bytes, body: bytes, aad: bytes) -> bytes:
        """Decrypt and authenticate; raises DecryptionError on any failure."""
        if len(body) < TAG_LEN:
            raise DecryptionError("ciphertext too short")
        try:
            if self._aes is not None:
                return self._aes.decrypt(nonce, body, aad)
            dec = Cipher(algorithms.SM4(self._key), modes.GCM(nonce, body[-TAG_LEN:])).decryptor()
            dec.authenticate_additional_data(aad)
            return dec.update(body[:-TAG_LEN]) + dec.finalize()
        except InvalidTag:
            raise DecryptionError("authentication failed") from None


class Mac:
    """One key's HMAC, keyed once: each MAC copies the keyed state (no key schedule)."""

    __slots__ = ("_keyed",)

    def __init__(self, algorithm: hashes.HashAlgorithm, key: bytes) -> None:
        self._keyed = _hmac.HMAC(key, algorithm)

    def __repr__(self) -> str:
        return "Mac(key=<redacted>)"

    def __call__(self, data: bytes) -> bytes:
        """The MAC of `data`."""
        h = self._keyed.copy()
        h.update(data)
        return h.finalize()


@dataclass(frozen=True)
class Suite:
    """One algorithm suite: AEAD cipher, key size and hash."""

    name: SuiteName
    code: int
    key_len: int

    def hash(self) -> hashes.HashAlgorithm:
        """The suite's hash algorithm."""
        return hashes.SM3() if self.name == "sm4" else hashes.SHA256()

    def aead(self, key: bytes) -> Aead:
        """The suite's AEAD under one key, to keep beside the key and reuse."""
        return Aead(self.name, key)

    def seal(self, key: bytes, plaintext: bytes, aad: bytes) -> tuple[bytes, bytes]:
        """Encrypt under a fresh random nonce; returns (nonce, ciphertext+tag)."""
        return Aead(self.name, key).seal(plaintext, aad)

    def open(self, key: bytes, nonce: bytes, body: bytes, aad: bytes) -> bytes:
        """Decrypt and authenticate; raises DecryptionError on any failure."""
        return Aead(self.name, key).open(nonce, body, aad)

    def derive(self, secret: bytes, info: bytes, length: int = 32) -> bytes:
        """HKDF-expand a sub-key for one purpose from a secret."""
        return HKDF(algorithm=self.hash(), length=length, salt=None, info=info).derive(secret)

    def mac(self, key: bytes, data: bytes) -> bytes:
        """Keyed MAC (HMAC-SHA256 or HMAC-SM3)."""
        h = _hmac.HMAC(key, self.hash())
        h.update(data)
        return h.finalize()

    def keyed_mac(self, key: bytes) -> Mac:
        """The suite's MAC under one key, keyed once, to keep beside the key and reuse."""
        return Mac(self.hash(), key)


AES = Suite(name="aes", code=1, key_len=32)
SM4 = Suite(name="sm4", code=2, key_len=16)
_BY_CODE = {AES.code: AES, SM4.code: SM4}
_BY_NAME: dict[str, Suite] = {AES.name: AES, SM4.name: SM4}


def suite_by_code(code: int) -> Suite:
    """The suite a ciphertext header names."""
    try:
        return _BY_CODE[code]
    except KeyError:
        raise DecryptionError("unknown suite in ciphertext header") from None


def suite_by_name(name: str) -> Suite:
    """The suite a configuration names (`aes` or `sm4`)."""
    try:
        return _BY_NAME[name]
    except KeyError:
        raise ValueError("unknown crypto suite; expected 'aes' or 'sm4'") from None
