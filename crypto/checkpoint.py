"""Signed checkpoints: C2SP tlog-checkpoint bodies inside C2SP signed-note envelopes (Ed25519).

Invariants:
- A checkpoint body is exactly "<origin>\\n<size>\\n<base64 root>\\n" followed by zero or
  more non-empty extension lines; the size is canonical decimal (no sign, no leading
  zero) below 2**64 and the root is exactly 32 bytes in canonical standard base64, so a
  checkpoint has one textual form and the signature covers that form byte for byte.
- A note is its body, one blank line, then one or more lines
  "— <key name> <base64(4-byte key id || signature)>"; every line ends in a newline and
  no ASCII control character other than newline appears anywhere.
- A key is named by (name, key id) with key id = SHA-256(name || 0x0A || 0x01 ||
  public key)[:4]. A note is accepted only with exactly one signature from that key and
  only if it verifies; signatures by other keys are ignored, as signed-note requires,
  but must still be well formed.
- Parsing is strict: anything outside the grammar raises `CheckpointError` (a
  ValueError); nothing is repaired or guessed.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from crypto.note_keys import KEY_ID_SIZE, NoteKeyType, b64decode, b64encode

ROOT_SIZE = 32
MAX_TREE_SIZE = (1 << 64) - 1
MAX_SIGNATURES = 100

_ED25519 = b"\x01"
_SIGNATURE_PREFIX = "\u2014 "  # an em dash and a space
_ED25519_SIGNATURE_SIZE = 64
_SIZE_RE = re.compile(r"0|[1-9][0-9]*")


class CheckpointError(ValueError):
    """A note or checkpoint is malformed, unsigned by the expected key, or badly signed."""


def _check_text(text: str, what: str) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise CheckpointError(f"{what} is not valid UTF-8 text") from exc
    for ch in text:
        if (ch < " " and ch != "\n") or ch == "\x7f":
            raise CheckpointError(f"{what} contains control character U+{ord(ch):04X}")


def _check_line(line: str, what: str) -> None:
    if not line:
        raise CheckpointError(f"{what} is empty")
    if "\n" in line:
        raise CheckpointError(f"{what} contains a newline")
    _check_text(line, what)


def _check_key_name(name: str) -> None:
    if not isinstance(name, str) or not name:
        raise CheckpointError("key name is empty")
    if "+" in name or any(ch.isspace() for ch in name):
        raise CheckpointError(f"key name {name!r} contains whitespace or '+'")
    _check_text(name, "key name")


_LOG_KEY = NoteKeyType(
    type_byte=_ED25519,
    error=CheckpointError,
    check_name=_check_key_name,
    noun="verifier key",
    kind="an Ed25519 key",
)


def key_id(name: str, public_key: Ed25519PublicKey) -> bytes:
    """The 4-byte signed-note key id: SHA-256(name || 0x0A || 0x01 || public key)[:4]."""
    return _LOG_KEY.key_id(name, public_key)


@dataclass(frozen=True)
class VerifierKey:
    """A parsed signed-note verifier key: name, key id and Ed25519 public key."""

    name: str
    key_id: bytes
    public_key: Ed25519PublicKey

    def __str__(self) -> str:
        return verifier_key(self.name, self.public_key)


def verifier_key(name: str, public_key: Ed25519PublicKey) -> str:
    """The vkey string `<name>+<hex key id>+<base64(0x01 || public key)>`."""
    return _LOG_KEY.vkey(name, public_key)


def parse_verifier_key(vkey: str) -> VerifierKey:
    """Parse a vkey string, checking its Ed25519 type and that its key id matches."""
    name, kid, public_key = _LOG_KEY.parse(vkey)
    return VerifierKey(name=name, key_id=kid, public_key=public_key)


@dataclass(frozen=True)
class Checkpoint:
    """A tlog checkpoint: the log's origin, its tree size, root hash and extension lines."""

    origin: str
    size: int
    root: bytes
    extra: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not isinstance(self.origin, str):
            raise CheckpointError("origin must be text")
        _check_line(self.origin, "origin line")
        if (
            isinstance(self.size, bool)
            or not isinstance(self.size, int)
            or not 0 <= self.size <= MAX_TREE_SIZE
        ):
            raise CheckpointError(f"tree size must be in [0, 2**64), got {self.size!r}")
        if not isinstance(self.root, bytes) or len(self.root) != ROOT_SIZE:
            raise CheckpointError(f"root hash must be {ROOT_SIZE} bytes")
        if isinstance(self.extra, str) or not isinstance(self.extra, Sequence):
            raise CheckpointError("extension lines must be a sequence of lines")
        # A list would leave the frozen dataclass mutable and unhashable.
        object.__setattr__(self, "extra", tuple(self.extra))
        for i, line in enumerate(self.extra):
            if not isinstance(line, str):
                raise CheckpointError(f"extension line {i} must be text")
            _check_line(line, f"extension line {i}")

    def body(self) -> str:
        """The checkpoint text that gets signed, ending in a newline."""
        lines = [self.origin, str(self.size), b64encode(self.root), *self.extra]
        return "".join(line + "\n" for line in lines)

    @classmethod
    def parse(cls, body: str) -> Checkpoint:
        """Parse an (already verified) checkpoint body strictly."""
        if not isinstance(body, str):
            raise CheckpointError("checkpoint body must be text")
        if not body.endswith("\n"):
            raise CheckpointError("checkpoint body does not end with a newline")
        _check_text(body, "checkpoint body")
        lines = body[:-1].split("\n")
        if len(lines) < 3:
            raise CheckpointError("checkpoint body needs origin, size and root lines")
        origin, size_text, root_text, *extra = lines
        if not _SIZE_RE.fullmatch(size_text):
            raise CheckpointError("tree size line is not a canonical decimal number")
        size = int(size_text)
        if size > MAX_TREE_SIZE:
            raise CheckpointError("tree size does not fit in 64 bits")
        root = b64decode(root_text, "root hash line", CheckpointError)
        return cls(origin=origin, size=size, root=root, extra=tuple(extra))


@dataclass(frozen=True)
class _SignatureLine:
    name: str
    key_id: bytes
    signature: bytes


def _split_note(note_text: str) -> tuple[str, list[_SignatureLine]]:
    """Split a signed note into its body and parsed signature lines, checking the grammar."""
    if not isinstance(note_text, str):
        raise CheckpointError("note must be text")
    _check_text(note_text, "note")
    if not note_text.endswith("\n"):
        raise CheckpointError("note does not end with a newline")
    cut = note_text.rfind("\n\n")
    if cut < 0:
        raise CheckpointError("note has no blank line between its body and signatures")
    body = note_text[: cut + 1]
    block = note_text[cut + 2 :]
    if not block:
        raise CheckpointError("note has no signature lines")
    lines = block[:-1].split("\n")
    if len(lines) > MAX_SIGNATURES:
        raise CheckpointError(f"note has more than {MAX_SIGNATURES} signatures")
    return body, [_parse_signature_line(line) for line in lines]


def _parse_signature_line(line: str) -> _SignatureLine:
    if not line.startswith(_SIGNATURE_PREFIX):
        raise CheckpointError("signature line does not start with an em dash and a space")
    fields = line[len(_SIGNATURE_PREFIX) :].split(" ")
    if len(fields) != 2:
        raise CheckpointError("signature line is not '— <key name> <signature>'")
    name, encoded = fields
    _check_key_name(name)
    raw = b64decode(encoded, "signature", CheckpointError)
    if len(raw) <= KEY_ID_SIZE:
        raise CheckpointError("signature is too short to hold a key id and a signature")
    return _SignatureLine(name=name, key_id=raw[:KEY_ID_SIZE], signature=raw[KEY_ID_SIZE:])


def note_signature_lines(note_text: str) -> tuple[str, list[tuple[str, bytes, str]]]:
    """A note's body and, for each well-formed signature line, (key name, key id, line)."""
    body, _ = _split_note(note_text)
    lines = note_text[len(body) + 1 : -1].split("\n")
    parsed = [_parse_signature_line(line) for line in lines]
    return body, [(s.name, s.key_id, line) for s, line in zip(parsed, lines, strict=True)]


def sign_note(body: str, name: str, private_key: Ed25519PrivateKey) -> str:
    """Sign arbitrary note text (non-empty, newline-terminated) as one signed note."""
    if not isinstance(body, str) or not body.endswith("\n") or body == "\n":
        raise CheckpointError("note body must be non-empty text ending in a newline")
    _check_text(body, "note body")
    if "\n\n" in body:
        raise CheckpointError("note body must not contain a blank line")
    kid = key_id(name, private_key.public_key())
    signature = private_key.sign(body.encode("utf-8"))
    return f"{body}\n{_SIGNATURE_PREFIX}{name} {b64encode(kid + signature)}\n"


def open_note(note_text: str, name: str, public_key: Ed25519PublicKey) -> str:
    """Verify a signed note against one key and return its body (with its final newline)."""
    kid = key_id(name, public_key)
    body, signatures = _split_note(note_text)
    ours = [s for s in signatures if s.name == name and s.key_id == kid]
    if not ours:
        raise CheckpointError(f"note carries no signature from key {name}+{kid.hex()}")
    if len(ours) > 1:
        raise CheckpointError(f"note carries more than one signature from key {name}")
    signature = ours[0].signature
    if len(signature) != _ED25519_SIGNATURE_SIZE:
        raise CheckpointError(f"signature from key {name} is not an Ed25519 signature")
    try:
        public_key.verify(signature, body.encode("utf-8"))
    except InvalidSignature as exc:
        raise CheckpointError(f"signature from key {name} does not verify") from exc
    return body


def sign_checkpoint(cp: Checkpoint, name: str, private_key: Ed25519PrivateKey) -> str:
    """The checkpoint as a signed note carrying one Ed25519 signature by `name`."""
    return sign_note(cp.body(), name, private_key)


def open_checkpoint(
    note_text: str,
    name: str,
    public_key: Ed25519PublicKey,
    *,
    origin: str | None = None,
) -> Checkpoint:
    """Verify a signed checkpoint note and parse its body; optionally require an origin."""
    checkpoint = Checkpoint.parse(open_note(note_text, name, public_key))
    if origin is not None and checkpoint.origin != origin:
        raise CheckpointError(f"checkpoint origin {checkpoint.origin!r} is not {origin!r}")
    return checkpoint


__all__ = [
    "MAX_SIGNATURES",
    "MAX_TREE_SIZE",
    "ROOT_SIZE",
    "Checkpoint",
    "CheckpointError",
    "VerifierKey",
    "key_id",
    "note_signature_lines",
    "open_checkpoint",
    "open_note",
    "parse_verifier_key",
    "sign_checkpoint",
    "sign_note",
    "verifier_key",
]
