"""Signed-note verifier keys ("vkeys"), shared by log keys (0x01) and cosigner keys (0x04).

Invariants:
- A key is named by (name, key id) with key id = SHA-256(name || 0x0A || type byte ||
  public key)[:4]; its vkey is `<name>+<hex key id>+<base64(type byte || public key)>`.
  The type byte keeps keys of one name but different use apart.
- Base64 is canonical standard base64 with padding: one spelling per value, so a signature
  or key has one textual form.
- Parsing is strict and raises the caller's error class (a ValueError); the name is
  checked by the caller's own rule before any key id is computed.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

KEY_ID_SIZE = 4
_ED25519_KEY_SIZE = 32
_KEY_ID_RE = re.compile(r"[0-9a-f]{8}")


def b64encode(data: bytes) -> str:
    """Standard base64 with padding, as text."""
    return base64.b64encode(data).decode("ascii")


def b64decode(text: str, what: str, error: type[ValueError]) -> bytes:
    """Decode canonical standard base64 (with padding), refusing any other spelling."""
    try:
        raw = base64.b64decode(text.encode("ascii"), validate=True)
    except (UnicodeEncodeError, binascii.Error) as exc:
        raise error(f"{what} is not valid base64") from exc
    # b64decode tolerates non-zero padding bits; re-encoding catches a second spelling.
    if b64encode(raw) != text:
        raise error(f"{what} is not canonical base64")
    return raw


@dataclass(frozen=True)
class NoteKeyType:
    """One kind of signed-note key: its type byte, name rule and the words its errors use."""

    type_byte: bytes
    error: type[ValueError]
    check_name: Callable[[str], None]
    noun: str  # "verifier key", "cosigner key"
    kind: str  # what the key is not, when its type byte is wrong

    def key_id(self, name: str, public_key: Ed25519PublicKey) -> bytes:
        """SHA-256(name || 0x0A || type byte || public key)[:4], after the name rule."""
        self.check_name(name)
        material = name.encode("utf-8") + b"\n" + self.type_byte + public_key.public_bytes_raw()
        return hashlib.sha256(material).digest()[:KEY_ID_SIZE]

    def vkey(self, name: str, public_key: Ed25519PublicKey) -> str:
        """The vkey string `<name>+<hex key id>+<base64(type byte || public key)>`."""
        kid = self.key_id(name, public_key)
        return f"{name}+{kid.hex()}+{b64encode(self.type_byte + public_key.public_bytes_raw())}"

    def parse(self, vkey: str) -> tuple[str, bytes, Ed25519PublicKey]:
        """(name, key id, public key) of a vkey, checking its type byte and key id."""
        if not isinstance(vkey, str):
            raise self.error(f"{self.noun} must be a string")
        # The base64 key may itself contain '+', so only the first two separate fields.
        parts = vkey.split("+", 2)
        if len(parts) != 3:
            raise self.error(f"{self.noun} is not <name>+<key id>+<key>")
        name, hex_id, encoded = parts
        self.check_name(name)
        if not _KEY_ID_RE.fullmatch(hex_id):
            raise self.error(f"{self.noun} id is not 8 lower-case hex digits")
        raw = b64decode(encoded, self.noun, self.error)
        if len(raw) != 1 + _ED25519_KEY_SIZE or raw[:1] != self.type_byte:
            raise self.error(f"{self.noun} is not {self.kind}")
        public_key = Ed25519PublicKey.from_public_bytes(raw[1:])
        kid = self.key_id(name, public_key)
        if kid.hex() != hex_id:
            raise self.error(f"{self.noun} id does not match its name and key")
        return name, kid, public_key
