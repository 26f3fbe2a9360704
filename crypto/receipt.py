"""Offline verification of query-log receipts: a signed checkpoint plus an inclusion proof.

A receipt is a JSON object {"index", "leaf_hash", "tree_size", "inclusion_proof",
"checkpoint"}: byte strings are standard base64, the checkpoint is the signed note text.

Invariants: a receipt is accepted only if its checkpoint carries a valid signature
from the given verifier key (and, when a quorum is asked for, valid cosignatures from
that many of the given witnesses), its tree size equals the checkpoint's, and its inclusion
proof recomputes the checkpoint's root from the leaf hash at the index. Nothing here
needs more than the standard library and `cryptography`, so anyone holding a receipt
and the log's published verifier key can check it without the service or its database.
Unknown fields are ignored so receipts can grow; the five above are parsed strictly.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterable, Mapping, Sequence

from crypto.checkpoint import Checkpoint, open_checkpoint, parse_verifier_key
from crypto.cosignature import open_cosigned_checkpoint, parse_cosigner_key
from crypto.merkle import ProofError, verify_inclusion


class ReceiptError(ProofError):
    """A receipt is missing a field or has one of the wrong type or encoding."""


def _field(receipt: Mapping[str, object], key: str) -> object:
    if key not in receipt:
        raise ReceiptError(f"receipt has no {key!r} field")
    return receipt[key]


def _integer(receipt: Mapping[str, object], key: str) -> int:
    value = _field(receipt, key)
    # bool is an int subclass, and JSON true must not pass as index 1.
    if isinstance(value, bool) or not isinstance(value, int):
        raise ReceiptError(f"receipt field {key!r} must be an integer")
    return value


def _bytes(value: object, what: str) -> bytes:
    if not isinstance(value, str):
        raise ReceiptError(f"{what} must be a base64 string")
    try:
        raw = base64.b64decode(value.encode("ascii"), validate=True)
    except (UnicodeEncodeError, binascii.Error) as exc:
        raise ReceiptError(f"{what} is not valid base64") from exc
    if base64.b64encode(raw).decode("ascii") != value:
        raise ReceiptError(f"{what} is not canonical base64")
    return raw


def verify_receipt(
    receipt: Mapping[str, object],
    verifier_key: str,
    *,
    witnesses: Iterable[str] = (),
    quorum: int = 0,
) -> Checkpoint:
    """Check a receipt against the log's vkey string (and, with a quorum, that many of the
    witness vkeys' cosignatures); return the checkpoint it is anchored to."""
    if not isinstance(receipt, Mapping):
        raise ReceiptError("receipt must be a JSON object")
    index = _integer(receipt, "index")
    tree_size = _integer(receipt, "tree_size")
    leaf = _bytes(_field(receipt, "leaf_hash"), "receipt field 'leaf_hash'")
    raw_proof = _field(receipt, "inclusion_proof")
    if isinstance(raw_proof, str | bytes) or not isinstance(raw_proof, Sequence):
        raise ReceiptError("receipt field 'inclusion_proof' must be a list")
    proof = [_bytes(h, f"inclusion proof hash {i}") for i, h in enumerate(raw_proof)]
    note = _field(receipt, "checkpoint")
    if not isinstance(note, str):
        raise ReceiptError("receipt field 'checkpoint' must be the signed note text")

    vkey = parse_verifier_key(verifier_key)
    if quorum:
        keys = [parse_cosigner_key(w) for w in witnesses]
        checkpoint = open_cosigned_checkpoint(note, vkey, keys, quorum)
    else:
        checkpoint = open_checkpoint(note, vkey.name, vkey.public_key)
    if tree_size != checkpoint.size:
        raise ProofError(
            f"receipt tree size {tree_size} differs from its checkpoint's {checkpoint.size}"
        )
    verify_inclusion(leaf, index, checkpoint.size, proof, checkpoint.root)
    return checkpoint


def build_receipt(
    index: int,
    leaf_hash: bytes,
    tree_size: int,
    inclusion_proof: Sequence[bytes],
    checkpoint_note: str,
) -> dict[str, object]:
    """Assemble a JSON-able receipt from its parts (no verification is done here)."""
    return {
        "index": index,
        "leaf_hash": base64.b64encode(leaf_hash).decode("ascii"),
        "tree_size": tree_size,
        "inclusion_proof": [base64.b64encode(h).decode("ascii") for h in inclusion_proof],
        "checkpoint": checkpoint_note,
    }


__all__ = ["ReceiptError", "build_receipt", "verify_receipt"]
