"""The C2SP tlog-witness `add-checkpoint` request body, parsed strictly (pure functions).

Invariants: the body is UTF-8 text "old <size>\\n", at most 63 base64 proof lines of 32-byte
hashes, one empty line, then a signed checkpoint note; sizes are canonical decimal. Anything
else is `Malformed`. The note is only split here; its signatures are checked by the service.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass

from core.witness.errors import Malformed

MAX_PROOF_LINES = 63
MAX_BODY_BYTES = 64 * 1024
_SIZE_RE = re.compile(r"0|[1-9][0-9]*")
_HASH_SIZE = 32


@dataclass(frozen=True, slots=True)
class AddCheckpoint:
    """One add-checkpoint request: the old size, the consistency proof and the note."""

    old_size: int
    proof: tuple[bytes, ...]
    note: str


def _hash(line: str) -> bytes:
    try:
        raw = base64.b64decode(line.encode("ascii"), validate=True)
    except (UnicodeEncodeError, binascii.Error):
        raise Malformed("a consistency proof line is not base64") from None
    if len(raw) != _HASH_SIZE or base64.b64encode(raw).decode("ascii") != line:
        raise Malformed("a consistency proof line is not one canonical base64 hash")
    return raw


def parse_add_checkpoint(body: bytes) -> AddCheckpoint:
    """Parse an add-checkpoint request body."""
    if len(body) > MAX_BODY_BYTES:
        raise Malformed("request body is too large")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise Malformed("request body is not UTF-8") from None
    head, sep, note = text.partition("\n\n")
    if not sep:
        raise Malformed("request has no empty line before the checkpoint")
    lines = head.split("\n")
    old_line, proof_lines = lines[0], lines[1:]
    if not old_line.startswith("old ") or not _SIZE_RE.fullmatch(old_line[4:]):
        raise Malformed("first line is not 'old <size>'")
    if len(proof_lines) > MAX_PROOF_LINES:
        raise Malformed(f"more than {MAX_PROOF_LINES} consistency proof lines")
    old_size = int(old_line[4:])
    if old_size >= 1 << 64:
        raise Malformed("old size does not fit in 64 bits")
    return AddCheckpoint(
        old_size=old_size, proof=tuple(_hash(line) for line in proof_lines), note=note
    )


def add_checkpoint_body(old_size: int, proof: list[bytes], note: str) -> bytes:
    """The request body a log sends (the inverse of `parse_add_checkpoint`)."""
    lines = [f"old {old_size}", *(base64.b64encode(h).decode("ascii") for h in proof)]
    return ("".join(line + "\n" for line in lines) + "\n" + note).encode("utf-8")


def parse_size_response(text: str) -> int:
    """The witness's size from a 409 body (`text/x.tlog.size`: decimal and a newline)."""
    if not text.endswith("\n") or not _SIZE_RE.fullmatch(text[:-1]):
        raise Malformed("409 body is not a tree size line")
    return int(text[:-1])
