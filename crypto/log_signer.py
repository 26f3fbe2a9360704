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

from collections.abc import Mapping
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from crypto import signing_key_file
from crypto.checkpoint import (
    Checkpoint,
    CheckpointError,
    key_id,
    sign_checkpoint,
    verifier_key,
)


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
            signing_key_file.create(path, {"origin": origin, "name": name}, _build)
        signer = signing_key_file.load(
            path, _build, what="log key file", error=LogKeyFileError, invalid=CheckpointError
        )
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


def _build(private: Ed25519PrivateKey, labels: Mapping[str, object]) -> LogSigner:
    return LogSigner(private, origin=str(labels["origin"]), name=str(labels["name"]))
