"""Witness cosignatures: C2SP tlog-cosignature (Ed25519 cosignature/v1) on signed checkpoints.

Invariants:
- A cosigner key is named by (name, key id) with key id = SHA-256(name || 0x0A || 0x04 ||
  public key)[:4]; its vkey is `<name>+<hex key id>+<base64(0x04 || public key)>`. The
  algorithm byte keeps a cosigner key apart from a log key (0x01) of the same name.
- A cosignature line is "— <name> <base64(key id || u64 big-endian timestamp || signature)>",
  exactly 4 + 8 + 64 bytes; the timestamp is non-zero and below 2**63.
- The signed message is "cosignature/v1\\ntime <timestamp>\\n" followed by the checkpoint
  body byte for byte (extension lines included, signature lines excluded).
- A cosigned checkpoint is accepted only if the log's own signature verifies, every line by
  a trusted witness key verifies (a bad one rejects the note, as signed-note requires), and
  at least `quorum` distinct trusted witnesses cosigned it. Lines of unknown keys are
  ignored but must be well formed.
- Parsing is strict: anything outside the grammar raises `CosignatureError`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from crypto.checkpoint import (
    Checkpoint,
    CheckpointError,
    VerifierKey,
    note_signature_lines,
    open_checkpoint,
)
from crypto.note_keys import KEY_ID_SIZE, NoteKeyType, b64decode, b64encode

COSIGNATURE_V1 = b"\x04"
MAX_TIMESTAMP = (1 << 63) - 1

_PREFIX = "\u2014 "  # an em dash and a space
_TIMESTAMP_SIZE = 8
_SIGNATURE_SIZE = 64


class CosignatureError(CheckpointError):
    """A cosignature, cosigner key or cosigned note is malformed, untrusted, or short of quorum."""


def _check_name(name: str) -> None:
    if not isinstance(name, str) or not name:
        raise CosignatureError("cosigner name is empty")
    if "+" in name or any(ch.isspace() or ch < " " or ch == "\x7f" for ch in name):
        raise CosignatureError(f"cosigner name {name!r} contains whitespace, '+' or a control")


_COSIGNER_KEY = NoteKeyType(
    type_byte=COSIGNATURE_V1,
    error=CosignatureError,
    check_name=_check_name,
    noun="cosigner key",
    kind="an Ed25519 cosignature/v1 key",
)


def cosigner_key_id(name: str, public_key: Ed25519PublicKey) -> bytes:
    """The 4-byte key id: SHA-256(name || 0x0A || 0x04 || public key)[:4]."""
    return _COSIGNER_KEY.key_id(name, public_key)


@dataclass(frozen=True)
class CosignerKey:
    """A witness's public key: name, key id and Ed25519 public key (cosignature/v1)."""

    name: str
    key_id: bytes
    public_key: Ed25519PublicKey

    def __str__(self) -> str:
        return cosigner_vkey(self.name, self.public_key)


def cosigner_vkey(name: str, public_key: Ed25519PublicKey) -> str:
    """The vkey string `<name>+<hex key id>+<base64(0x04 || public key)>`."""
    return _COSIGNER_KEY.vkey(name, public_key)


def parse_cosigner_key(vkey: str) -> CosignerKey:
    """Parse a cosigner vkey, checking its type byte (0x04) and that its key id matches."""
    name, kid, public_key = _COSIGNER_KEY.parse(vkey)
    return CosignerKey(name=name, key_id=kid, public_key=public_key)


def signed_message(body: str, timestamp: int) -> bytes:
    """What a cosignature/v1 signs: the header and time lines, then the checkpoint body."""
    _check_timestamp(timestamp)
    Checkpoint.parse(body)  # a cosignature is over a well-formed checkpoint only
    return f"cosignature/v1\ntime {timestamp}\n".encode() + body.encode("utf-8")


def _check_timestamp(timestamp: int) -> None:
    if (
        isinstance(timestamp, bool)
        or not isinstance(timestamp, int)
        or not 0 < timestamp <= MAX_TIMESTAMP
    ):
        raise CosignatureError(f"cosignature timestamp must be in (0, 2**63), got {timestamp!r}")


@dataclass(frozen=True)
class Cosignature:
    """One parsed cosignature line."""

    name: str
    key_id: bytes
    timestamp: int
    signature: bytes

    def line(self) -> str:
        """The note signature line, ending in a newline."""
        raw = self.key_id + self.timestamp.to_bytes(_TIMESTAMP_SIZE, "big") + self.signature
        return f"{_PREFIX}{self.name} {b64encode(raw)}\n"


def cosign(body: str, name: str, private_key: Ed25519PrivateKey, *, timestamp: int) -> str:
    """A cosignature/v1 line over a checkpoint body at a POSIX timestamp."""
    signature = private_key.sign(signed_message(body, timestamp))
    kid = cosigner_key_id(name, private_key.public_key())
    return Cosignature(name=name, key_id=kid, timestamp=timestamp, signature=signature).line()


def parse_cosignature(line: str) -> Cosignature:
    """Parse one cosignature line (with or without its final newline) strictly."""
    if not isinstance(line, str):
        raise CosignatureError("cosignature line must be text")
    text = line[:-1] if line.endswith("\n") else line
    if "\n" in text or not text.startswith(_PREFIX):
        raise CosignatureError("cosignature line is not one '— <name> <signature>' line")
    fields = text[len(_PREFIX) :].split(" ")
    if len(fields) != 2:
        raise CosignatureError("cosignature line is not '— <name> <signature>'")
    name, encoded = fields
    _check_name(name)
    raw = b64decode(encoded, "cosignature", CosignatureError)
    if len(raw) != KEY_ID_SIZE + _TIMESTAMP_SIZE + _SIGNATURE_SIZE:
        raise CosignatureError("cosignature is not key id, timestamp and Ed25519 signature")
    timestamp = int.from_bytes(raw[KEY_ID_SIZE : KEY_ID_SIZE + _TIMESTAMP_SIZE], "big")
    _check_timestamp(timestamp)
    return Cosignature(
        name=name,
        key_id=raw[:KEY_ID_SIZE],
        timestamp=timestamp,
        signature=raw[KEY_ID_SIZE + _TIMESTAMP_SIZE :],
    )


def verify_cosignature(body: str, line: str, key: CosignerKey) -> int:
    """Check one cosignature line by `key` over a checkpoint body; its timestamp."""
    cosig = parse_cosignature(line)
    if cosig.name != key.name or cosig.key_id != key.key_id:
        raise CosignatureError(f"cosignature is not by witness {key.name}+{key.key_id.hex()}")
    try:
        key.public_key.verify(cosig.signature, signed_message(body, cosig.timestamp))
    except InvalidSignature as exc:
        raise CosignatureError(f"cosignature by witness {key.name} does not verify") from exc
    return cosig.timestamp


def cosigned_by(note_text: str, witnesses: Iterable[CosignerKey]) -> dict[bytes, int]:
    """Key id → timestamp for each trusted witness whose cosignature on the note verifies.

    A line that names a trusted key but does not verify (or is not a cosignature) rejects the
    whole note; two lines by one trusted key too. Lines of unknown keys are ignored.
    """
    body, lines = note_signature_lines(note_text)
    trusted = {(w.name, w.key_id): w for w in witnesses}
    found: dict[bytes, int] = {}
    for name, kid, line in lines:
        key = trusted.get((name, kid))
        if key is None:
            continue
        if kid in found:
            raise CosignatureError(f"note carries more than one cosignature by {name}")
        found[kid] = verify_cosignature(body, line, key)
    return found


def open_cosigned_checkpoint(
    note_text: str,
    log_key: VerifierKey,
    witnesses: Iterable[CosignerKey],
    quorum: int,
    *,
    origin: str | None = None,
) -> Checkpoint:
    """Verify the log's signature and at least `quorum` trusted witness cosignatures."""
    witnesses = list(witnesses)
    if isinstance(quorum, bool) or not isinstance(quorum, int) or quorum < 0:
        raise CosignatureError("quorum must be a non-negative integer")
    if quorum > len({w.key_id for w in witnesses}):
        raise CosignatureError(f"quorum {quorum} exceeds the {len(witnesses)} witnesses given")
    checkpoint = open_checkpoint(note_text, log_key.name, log_key.public_key, origin=origin)
    found = cosigned_by(note_text, witnesses)
    if len(found) < quorum:
        raise CosignatureError(
            f"checkpoint carries {len(found)} valid witness cosignatures, quorum is {quorum}"
        )
    return checkpoint


def with_cosignatures(note_text: str, lines: Iterable[str]) -> str:
    """The note with cosignature lines appended after its signatures (no verification)."""
    extra = "".join(line if line.endswith("\n") else line + "\n" for line in lines)
    return note_text + extra


__all__ = [
    "COSIGNATURE_V1",
    "MAX_TIMESTAMP",
    "Cosignature",
    "CosignatureError",
    "CosignerKey",
    "cosign",
    "cosigned_by",
    "cosigner_key_id",
    "cosigner_vkey",
    "open_cosigned_checkpoint",
    "parse_cosignature",
    "parse_cosigner_key",
    "signed_message",
    "verify_cosignature",
    "with_cosignatures",
]
