"""The query log's Ed25519 checkpoint key and the private file it is kept in.

Invariants:
- A signer's origin and key name are validated when it is made (by the checkpoint and
  key-id rules), so a bad one fails at start-up, not at the first signature.
- The key file is JSON (version, origin, name, base64 raw private key), mode 0600, and is
  created once and never replaced: when two processes start at once, both use the first
  one's key.
- A key file is used only for the origin and key name it was made for.
- Neither a signer's repr nor any error message shows the private key or the file's content.
"""

from __future__ import annotations

import base64
import binascii
import json
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from crypto import secret_files
from crypto.checkpoint import (
    Checkpoint,
    CheckpointError,
    key_id,
    sign_checkpoint,
    verifier_key,
)
from crypto.secret_files import SecretFileError

_KEY_FILE_VERSION = 1
_MAX_KEY_FILE_BYTES = 16 * 1024


class LogKeyFileError(Exception):
    """The log signing key file is missing, malformed, or readable by others."""


class LogSigner:
    """The log's Ed25519 checkpoint key with its origin line and signed-note key name."""

    __slots__ = ("_private", "name", "origin")

    def __init__(self, private_key: Ed25519PrivateKey, *, origin: str, name: str) -> None:
        # Checkpoint and key-id rules validate origin and name now, not at first signature.
        Checkpoint(origin=origin, size=0, root=bytes(32))
        key_id(name, private_key.public_key())
        self._private = private_key
        self.origin = origin
        self.name = name

    @classmethod
    def load_or_create(cls, path: Path, *, origin: str, name: str) -> LogSigner:
        """The signer kept in `path` (a 0600 JSON file), generated there on first use."""
        if not path.exists():
            _create_key_file(path, origin=origin, name=name)
        signer = _read_key_file(path)
        if signer.origin != origin or signer.name != name:
            raise LogKeyFileError(f"log key file {path} belongs to another origin or key name")
        return signer

    @property
    def public_key(self) -> Ed25519PublicKey:
        """The Ed25519 public key checkpoints verify with."""
        return self._private.public_key()

    def verifier_key(self) -> str:
        """The signed-note vkey string to publish (`name+keyid+base64 key`)."""
        return verifier_key(self.name, self.public_key)

    def sign(self, checkpoint: Checkpoint) -> str:
        """The checkpoint as a signed note."""
        return sign_checkpoint(checkpoint, self.name, self._private)

    def __repr__(self) -> str:
        return f"LogSigner(origin={self.origin!r}, key={self.verifier_key()!r})"


def _create_key_file(path: Path, *, origin: str, name: str) -> None:
    private = Ed25519PrivateKey.generate()
    LogSigner(private, origin=origin, name=name)  # validate before anything touches disk
    raw = private.private_bytes(
        serialization.Encoding.Raw,
        serialization.PrivateFormat.Raw,
        serialization.NoEncryption(),
    )
    content = json.dumps(
        {
            "version": _KEY_FILE_VERSION,
            "origin": origin,
            "name": name,
            "ed25519_private": base64.b64encode(raw).decode("ascii"),
        },
        indent=1,
    ).encode("utf-8")
    # Never replaces: when two processes start at once, both use the first one's key.
    secret_files.create_private(path, content)


def _read_key_file(path: Path) -> LogSigner:
    try:
        raw = secret_files.read_private(path, max_bytes=_MAX_KEY_FILE_BYTES)
    except SecretFileError as exc:
        raise LogKeyFileError(f"log key file {exc}") from None
    try:
        data = json.loads(raw)
        if data["version"] != _KEY_FILE_VERSION:
            raise ValueError("version")
        key = base64.b64decode(data["ed25519_private"], validate=True)
        private = Ed25519PrivateKey.from_private_bytes(key)
        return LogSigner(private, origin=str(data["origin"]), name=str(data["name"]))
    except (ValueError, TypeError, KeyError, binascii.Error, CheckpointError):
        # Never echo the file: it holds the private key.
        raise LogKeyFileError(f"log key file {path} is malformed") from None
