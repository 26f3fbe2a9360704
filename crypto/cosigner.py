"""A witness's Ed25519 cosigning key and the private file it is kept in.

Invariants:
- The key file is JSON (version, name, base64 raw private key), mode 0600, created once and
  never replaced (`secret_files.create_private`); it is used only for the name it was made for.
- The name is validated when a cosigner is made, so a bad one fails at start-up.
- Neither a cosigner's repr nor any error message shows the private key or the file's content.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from crypto import signing_key_file
from crypto.cosignature import (
    CosignatureError,
    CosignerKey,
    cosign,
    cosigner_key_id,
    parse_cosigner_key,
)


class CosignerKeyFileError(Exception):
    """The witness key file is missing, malformed, for another name, or readable by others."""


class Cosigner:
    """A witness's Ed25519 key with its cosigner name."""

    __slots__ = ("_private", "name")

    def __init__(self, private_key: Ed25519PrivateKey, *, name: str) -> None:
        cosigner_key_id(name, private_key.public_key())  # validates the name now
        self._private = private_key
        self.name = name

    @classmethod
    def load_or_create(cls, path: Path, *, name: str) -> Cosigner:
        """The cosigner kept in `path` (a 0600 JSON file), generated there on first use."""
        if not path.exists():
            signing_key_file.create(path, {"name": name}, _build)
        cosigner = cls.load(path)
        if cosigner.name != name:
            raise CosignerKeyFileError(f"witness key file {path} belongs to another name")
        return cosigner

    @classmethod
    def load(cls, path: Path) -> Cosigner:
        """The cosigner kept in an existing key file."""
        return signing_key_file.load(
            path,
            _build,
            what="witness key file",
            error=CosignerKeyFileError,
            invalid=CosignatureError,
        )

    @property
    def public_key(self) -> Ed25519PublicKey:
        """The Ed25519 public key cosignatures verify with."""
        return self._private.public_key()

    def key(self) -> CosignerKey:
        """The public cosigner key (name, key id, public key)."""
        return parse_cosigner_key(self.vkey())

    def vkey(self) -> str:
        """The cosigner vkey string to publish (`name+keyid+base64(0x04 || key)`)."""
        return str(
            CosignerKey(
                name=self.name,
                key_id=cosigner_key_id(self.name, self.public_key),
                public_key=self.public_key,
            )
        )

    def cosign(self, body: str, *, timestamp: int) -> str:
        """A cosignature/v1 line over a checkpoint body."""
        return cosign(body, self.name, self._private, timestamp=timestamp)

    def __repr__(self) -> str:
        return f"Cosigner(key={self.vkey()!r})"


def _build(private: Ed25519PrivateKey, labels: Mapping[str, object]) -> Cosigner:
    return Cosigner(private, name=str(labels["name"]))
