"""What binds a log leaf to what its reader is shown: the canonical encoding (RFC 8785),
hiding commitments to the private fields, and each subject's chain of leaves.

Invariants:
- A leaf body is the RFC 8785 (JCS) encoding of a flat JSON object, so whoever holds the
  object shown rebuilds the same bytes, and the leaf hash binds every field shown.
- Private fields (the subject's pseudonym, the authorization, the entries returned) are
  in a leaf only as `commit` = SHA-256(tag || salt || JCS(private)): hiding without the
  salt, binding with it. The salt is derived from a per-leaf secret the subject is shown;
  the agency that asked is given the salt of its own query, never the secret.
- A subject's unsealed leaves form a chain: `prev` is SHA-256(tag || secret of the
  subject's previous unsealed leaf), null for the first. Only the subject can compute it,
  so the public log links no two leaves, and a row left out of a history is a break.
Nothing here needs more than the standard library and `rfc8785`.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
from collections.abc import Mapping, Sequence
from itertools import pairwise
from typing import Any, cast

import rfc8785

from crypto.merkle import leaf_hash

SECRET_LEN = 16
_SALT_TAG = b"credence/leaf-salt/v2\n"
_CHAIN_TAG = b"credence/leaf-chain/v2\n"
_COMMIT_TAG = b"credence/leaf-commit/v2\n"


class BindingError(ValueError):
    """A leaf, commitment or chain does not match what was shown."""


def canonical(fields: Mapping[str, object]) -> bytes:
    """The RFC 8785 encoding of a JSON object."""
    try:
        return rfc8785.dumps(cast(Any, dict(fields)))
    except (rfc8785.CanonicalizationError, TypeError, ValueError) as exc:
        raise BindingError(f"not canonicalisable JSON: {type(exc).__name__}") from None


def b64(data: bytes) -> str:
    """Standard base64 text of bytes."""
    return base64.b64encode(data).decode("ascii")


def unb64(text: object, what: str) -> bytes:
    """Bytes from canonical standard base64 text, or BindingError."""
    if not isinstance(text, str):
        raise BindingError(f"{what} must be base64 text")
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise BindingError(f"{what} is not valid base64") from None
    if b64(raw) != text:
        raise BindingError(f"{what} is not canonical base64")
    return raw


def new_secret() -> bytes:
    """A fresh per-leaf secret."""
    return os.urandom(SECRET_LEN)


def salt_of(secret: bytes) -> bytes:
    """The commitment salt a secret gives (the agency's share of it)."""
    return hashlib.sha256(_SALT_TAG + secret).digest()


def chain_tag(secret: bytes) -> bytes:
    """The value the subject's next unsealed leaf carries as `prev`."""
    return hashlib.sha256(_CHAIN_TAG + secret).digest()


def commit(salt: bytes, private: Mapping[str, object]) -> str:
    """The commitment to the private fields, as a leaf carries it."""
    return b64(hashlib.sha256(_COMMIT_TAG + salt + canonical(private)).digest())


def check_leaf(leaf: Mapping[str, object], expected_hash: bytes) -> bytes:
    """The body rebuilt from the leaf shown, if its hash is the one proven; else raise."""
    body = canonical(leaf)
    if leaf_hash(body) != expected_hash:
        raise BindingError("the leaf shown does not hash to the leaf the proof is for")
    return body


def check_commit(leaf: Mapping[str, object], private: Mapping[str, object], salt: bytes) -> None:
    """Raise unless the leaf commits to exactly these private fields under this salt."""
    if leaf.get("commit") != commit(salt, private):
        raise BindingError("the private fields shown are not the ones the leaf commits to")


def check_chain(rows: Sequence[tuple[int, Mapping[str, object], bytes]]) -> bool:
    """Check that a subject's rows (index, leaf, secret), in any order, link without a gap.

    Returns whether the oldest unsealed row is the subject's first (its `prev` is null):
    then no unsealed leaf older than the newest row shown was left out. A sealed row is
    not a link of the chain, but must point at the unsealed row before it.
    """
    ordered = sorted(rows, key=lambda r: r[0])
    chained = [r for r in ordered if r[1].get("sealed_until") is None]
    for before, after in pairwise(chained):
        if after[1].get("prev") != b64(chain_tag(before[2])):
            raise BindingError(f"a query is missing between log entries {before[0]} and {after[0]}")
    complete = not chained or chained[0][1].get("prev") is None
    for index, leaf, _secret in ordered:
        if leaf.get("sealed_until") is None:
            continue
        heads = [r for r in chained if r[0] < index]
        if heads:
            expected: str | None = b64(chain_tag(heads[-1][2]))
        elif complete:
            expected = None
        else:
            continue  # its head is older than every row shown
        if leaf.get("prev") != expected:
            raise BindingError(f"sealed log entry {index} does not follow the query before it")
    return complete


_SHOWN = ("at", "agency", "purpose", "basis", "legal_basis", "outcome")


def check_row_shows_leaf(row: Mapping[str, object], leaf: Mapping[str, object]) -> None:
    """Raise unless every field a history row displays is the leaf's own."""
    for name in _SHOWN:
        if name in row and row[name] != leaf.get(name):
            raise BindingError(f"the row shows a {name!r} that is not the leaf's")
