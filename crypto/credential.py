"""Signed repair credentials: the canonical bytes an issuer signs, and its Ed25519 signature.

A credential is a flat JSON object; its canonical form is UTF-8 JSON with sorted keys and no
whitespace, so the issuer and Credence sign and check the very same bytes.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

PUBLIC_KEY_BYTES = 32


class BadKey(ValueError):
    """A public key that is not 32 raw Ed25519 bytes in base64."""


def canonical(credential: dict[str, Any]) -> bytes:
    """The bytes an issuer signs: sorted keys, no spaces, UTF-8."""
    return json.dumps(credential, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode(
        "utf-8"
    )


def subject_binding(code: str, credential_id: str) -> str:
    """SHA-256 (hex) of the code followed by the credential id: binds, reveals nothing."""
    return hashlib.sha256((code + credential_id).encode("utf-8")).hexdigest()


def public_key_from_b64(text: str) -> bytes:
    """The raw 32 bytes of a base64 Ed25519 public key, or BadKey."""
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise BadKey("the key is not base64") from exc
    if len(raw) != PUBLIC_KEY_BYTES:
        raise BadKey(f"an Ed25519 public key is {PUBLIC_KEY_BYTES} bytes, not {len(raw)}")
    try:
        Ed25519PublicKey.from_public_bytes(raw)
    except ValueError as exc:  # pragma: no cover - any 32 bytes load
        raise BadKey("not an Ed25519 public key") from exc
    return raw


def sign(private_key: Ed25519PrivateKey, credential: dict[str, Any]) -> str:
    """The detached signature (base64) of a credential's canonical bytes."""
    return base64.b64encode(private_key.sign(canonical(credential))).decode("ascii")


def verify(public_key: bytes, credential: dict[str, Any], signature_b64: str) -> bool:
    """Whether the signature is the key's over the credential's canonical bytes."""
    try:
        signature = base64.b64decode(signature_b64, validate=True)
        Ed25519PublicKey.from_public_bytes(public_key).verify(signature, canonical(credential))
    except (binascii.Error, ValueError, InvalidSignature):
        return False
    return True


def raw_public_key(private_key: Ed25519PrivateKey) -> bytes:
    """The raw 32 bytes of a private key's public half."""
    return private_key.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
