"""Offline checks of what a reader is shown against the log: an agency's answer receipt,
and a citizen's query history, rebuilt leaf by leaf before any proof is checked.

Invariants: a row passes only if the leaf rebuilt from the fields it shows hashes to the
leaf its inclusion proof is for, that proof reaches a checkpoint signed by the log's key,
and (where the private fields are shown) the leaf commits to them; a history passes only
if its rows chain without a gap. Standard library, `cryptography` and `rfc8785` only.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from crypto.checkpoint import Checkpoint
from crypto.leaf_binding import (
    BindingError,
    check_chain,
    check_commit,
    check_leaf,
    check_row_shows_leaf,
    salt_of,
    unb64,
)
from crypto.receipt import ReceiptError, verify_receipt


def _leaf_of(holder: Mapping[str, object]) -> Mapping[str, object]:
    leaf = holder.get("leaf")
    if not isinstance(leaf, Mapping):
        raise BindingError("no leaf is shown to rebuild")
    return leaf


def _private_of(holder: Mapping[str, object]) -> Mapping[str, object] | None:
    private = holder.get("private")
    if private is None:
        return None
    if not isinstance(private, Mapping):
        raise BindingError("the private fields must be a JSON object")
    return private


def _proven_hash(receipt: Mapping[str, object]) -> bytes:
    raw = receipt.get("leaf_hash")
    if not isinstance(raw, str):
        raise ReceiptError("receipt field 'leaf_hash' must be base64 text")
    return base64.b64decode(raw, validate=True)


def verify_answer(
    receipt: Mapping[str, object],
    verifier_key: str,
    *,
    witnesses: Sequence[str] = (),
    quorum: int = 0,
) -> Checkpoint:
    """Check an agency's receipt: its leaf rebuilt, its commitment opened, its proof (and,
    with a quorum, that many witnesses' cosignatures on its checkpoint)."""
    leaf = _leaf_of(receipt)
    check_leaf(leaf, _proven_hash(receipt))
    private = _private_of(receipt)
    if private is not None:
        check_commit(leaf, private, unb64(receipt.get("salt"), "the salt"))
    return verify_receipt(receipt, verifier_key, witnesses=witnesses, quorum=quorum)


def _returned(leaf: Mapping[str, object]) -> object:
    """How many entries a leaf says left (version 1 listed them)."""
    listed = leaf.get("entries")
    return len(listed) if isinstance(listed, list) else leaf.get("returned")


@dataclass(frozen=True)
class HistoryCheck:
    """What a checked history proves."""

    verified: int  # rows whose leaf, commitment and inclusion were checked
    pending: int  # rows not yet covered by a published checkpoint (leaf checks only)
    complete: bool  # the chain reaches the subject's first query: nothing older is missing


def verify_history(
    rows: Sequence[Mapping[str, object]],
    verifier_key: str,
    *,
    witnesses: Sequence[str] = (),
    quorum: int = 0,
) -> HistoryCheck:
    """Check a citizen's history rows (as `/me/queries` gives them), every one, and their
    chain; with a quorum, every receipt's checkpoint must carry that many cosignatures."""
    verified = pending = 0
    links: list[tuple[int, Mapping[str, object], bytes]] = []
    for row in rows:
        if not isinstance(row, Mapping):
            raise BindingError("a history row must be a JSON object")
        leaf = _leaf_of(row)
        check_row_shows_leaf(row, leaf)
        private = _private_of(row)
        secret = None if row.get("secret") is None else unb64(row.get("secret"), "the secret")
        if private is not None:
            if secret is None:
                raise BindingError("private fields are shown without the secret that opens them")
            check_commit(leaf, private, salt_of(secret))
            entries = private.get("entries")
            if not isinstance(entries, list) or leaf.get("returned") != len(entries):
                raise BindingError("the leaf counts other entries than it commits to")
        if "entries_returned" in row and row["entries_returned"] != _returned(leaf):
            raise BindingError("the row shows a number of entries the leaf does not hold")
        receipt = row.get("receipt")
        if receipt is None:
            pending += 1
        else:
            if not isinstance(receipt, Mapping):
                raise ReceiptError("a row's receipt must be a JSON object")
            check_leaf(leaf, _proven_hash(receipt))
            checkpoint_index = receipt.get("index")
            if checkpoint_index != row.get("log_index"):
                raise BindingError("the receipt is for another log entry than the row")
            verify_receipt(receipt, verifier_key, witnesses=witnesses, quorum=quorum)
            verified += 1
        if secret is not None and leaf.get("v") == 2:
            index = row.get("log_index")
            if isinstance(index, bool) or not isinstance(index, int):
                raise BindingError("a row's log index must be an integer")
            links.append((index, leaf, secret))
    complete = check_chain(links)
    return HistoryCheck(verified=verified, pending=pending, complete=complete)
