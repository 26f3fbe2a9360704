"""A private file holding one Ed25519 signing key and the labels it was made for.

Invariants:
- The file is JSON (version, the caller's labels in order, base64 raw private key), mode
  0600, created once and never replaced (`secret_files.create_private`): when two
  processes start at once, both use the first one's key.
- The caller's `build` validates the labels before anything touches disk, and again on
  every load, so a bad name fails at start-up, not at the first signature.
- No error message shows the private key or the file's content, only the file and rule.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TypeVar

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from crypto import secret_files
from crypto.secret_files import SecretFileError

_KEY_FILE_VERSION = 1
_MAX_KEY_FILE_BYTES = 16 * 1024

T = TypeVar("T")
Build = Callable[[Ed25519PrivateKey, Mapping[str, object]], T]


def create(path: Path, labels: Mapping[str, str], build: Build[object]) -> None:
    """Generate a key, validate it with its labels, and write it to a new private file."""
    private = Ed25519PrivateKey.generate()
    build(private, labels)  # validate before anything touches disk
    raw = private.private_bytes(
        serialization.Encoding.Raw,
        serialization.PrivateFormat.Raw,
        serialization.NoEncryption(),
    )
    content = {
        "version": _KEY_FILE_VERSION,
        **labels,
        "ed25519_private": base64.b64encode(raw).decode("ascii"),
    }
    # Never replaces: when two processes start at once, both use the first one's key.
    secret_files.create_private(path, json.dumps(content, indent=1).encode("utf-8"))


def load(
    path: Path,
    build: Build[T],
    *,
    what: str,
    error: type[Exception],
    invalid: type[Exception],
) -> T:
    """`build` over the key and labels in an existing file; `error` names what is wrong."""
    try:
        raw = secret_files.read_private(path, max_bytes=_MAX_KEY_FILE_BYTES)
    except SecretFileError as exc:
        raise error(f"{what} {exc}") from None
    try:
        data = json.loads(raw)
        if data["version"] != _KEY_FILE_VERSION:
            raise ValueError("version")
        key = base64.b64decode(data["ed25519_private"], validate=True)
        private = Ed25519PrivateKey.from_private_bytes(key)
        return build(private, data)
    except (ValueError, TypeError, KeyError, binascii.Error, invalid):
        # Never echo the file: it holds the private key.
        raise error(f"{what} {path} is malformed") from None
