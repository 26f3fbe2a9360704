"""The report key: an Ed25519 key of its own that signs every issued report's statement.

Invariants:
- A key separate from the query log's, so a report statement can never pass for a
  checkpoint nor a checkpoint for a report; its statements are C2SP signed notes, so
  anyone holding the published vkey can check one without the service.
- The key file (`report-key.json` under the data directory) is the shared signing-key
  file format (JSON, mode 0600), created once and never replaced; a file made for another
  key name is refused.
- Neither a signer's repr nor any error message shows the private key or the file's content.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Final

from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from core.errors import KeysUnavailable
from crypto import signing_key_file
from crypto.checkpoint import CheckpointError, key_id, open_note, sign_note, verifier_key

KEY_FILE_NAME: Final = "report-key.json"
USE: Final = "report"


class ReportKeyError(KeysUnavailable):
    """The report key file is missing, malformed, readable by others, or another key's."""


class ReportSigner:
    """The report key with its signed-note key name."""

    __slots__ = ("_private", "name")

    def __init__(self, private_key: Ed25519PrivateKey, *, name: str) -> None:
        # The key-id rule checks the name now, not at the first report.
        key_id(name, private_key.public_key())
        self._private = private_key
        self.name = name

    @classmethod
    def load_or_create(cls, path: Path, *, name: str) -> ReportSigner:
        """The signer kept in `path` (a 0600 JSON file), generated there on first use."""
        try:
            if not path.exists():
                signing_key_file.create(path, {"use": USE, "name": name}, _build)
            signer = signing_key_file.load(
                path, _build, what="report key file", error=ReportKeyError, invalid=CheckpointError
            )
        except ReportKeyError:
            raise
        except (OSError, CheckpointError, ValueError) as exc:
            # Names the file and the rule, never its content.
            raise ReportKeyError(f"report key file {path}: {type(exc).__name__}") from None
        if signer.name != name:
            raise ReportKeyError(f"report key file {path} belongs to another key name")
        return signer

    @property
    def public_key(self) -> Ed25519PublicKey:
        """The Ed25519 public key report statements verify with."""
        return self._private.public_key()

    def verifier_key(self) -> str:
        """The signed-note vkey string to publish (`name+keyid+base64 key`)."""
        return verifier_key(self.name, self.public_key)

    def sign(self, body: str) -> str:
        """A statement body as a signed note."""
        return sign_note(body, self.name, self._private)

    def open(self, note: str) -> str:
        """The body of a note this key signed; CheckpointError when it does not verify."""
        return open_note(note, self.name, self.public_key)

    def __repr__(self) -> str:
        return f"ReportSigner(key={self.verifier_key()!r})"


def _build(private: Ed25519PrivateKey, labels: Mapping[str, object]) -> ReportSigner:
    if labels.get("use") != USE:
        raise CheckpointError("not a report key")
    return ReportSigner(private, name=str(labels["name"]))


def signer_for_data_dir(data_dir: Path, *, name: str) -> ReportSigner:
    """The report signer kept under the service's data directory, generated on first use."""
    return ReportSigner.load_or_create(data_dir / KEY_FILE_NAME, name=name)
