"""Idempotency keys of agency queries: a retry gets the logged answer again, spending nothing.

Invariants:
- Only keyed MACs are stored (under the blind-index key, each with its own label): of the
  agency and its key, and of the request body; with the answer's log index and the size of
  the tree its receipt was proven in. Neither the key nor the request is kept, so the
  table names nobody.
- An answer is remembered in the log's transaction, with its leaf; a key is claimed under
  the log's lock, so two requests with one key never both become answers: the later is
  refused (logged, spending nothing) and its retry gets the first's answer.
- The leaf secret of a query sent with a key is a MAC of the two hashes and the leaf's
  time, so the answer can be given again exactly (same leaf, same opening, same receipt)
  without keeping it; a replay rebuilds the opening and checks it against the leaf's
  commitment before anything leaves.
- A key is remembered for `WINDOW`; a refused query is not remembered (it spent nothing,
  so its retry is judged, and logged, afresh). A blind-index key rotation changes every
  MAC, so keys remembered before it are forgotten: a retry across it is a new query.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

from sqlmodel import Session

from core.errors import Conflict, DomainError
from core.keyring import Keyring
from core.models import QueryIdempotency
from core.queries import idempotency_repository as repo
from core.queries.schemas import QueryRequest
from crypto.leaf_binding import SECRET_LEN, canonical

WINDOW: Final = timedelta(hours=24)
KEY_MAX: Final = 255
# Printable ASCII without spaces: what an opaque key such as a UUID is written in.
KEY_PATTERN: Final = r"^[!-~]{1,255}$"

_KEY_LABEL: Final = b"idempotency-key\x00"
_REQUEST_LABEL: Final = b"idempotency-request\x00"
_SECRET_LABEL: Final = b"idempotency-leaf-secret\x00"


class IdempotencyKeyReused(Conflict):
    """The same agency sent a different request under a key it used before."""

    type_slug = "idempotency-key-reused"
    title = "Idempotency key reused"


@dataclass(frozen=True)
class Claim:
    """A request's idempotency key as stored: the MAC of agency and key, and of the body."""

    key_hash: bytes
    request_hash: bytes

    def __repr__(self) -> str:
        return "Claim(…)"


def claim_of(keyring: Keyring, *, agency: str, key: str, payload: QueryRequest) -> Claim:
    """The stored form of a request's key: keyed MACs only."""
    mac = keyring.indexer.pseudonym
    body = canonical(payload.model_dump(mode="json"))
    return Claim(
        key_hash=mac(_KEY_LABEL + agency.encode("utf-8") + b"\x00" + key.encode("ascii")),
        request_hash=mac(_REQUEST_LABEL + body),
    )


def leaf_secret(keyring: Keyring, claim: Claim, at: str) -> bytes:
    """The secret of the leaf that answers a claimed request, logged at `at` (leaf time)."""
    tag = keyring.indexer.pseudonym(
        _SECRET_LABEL + claim.key_hash + claim.request_hash + at.encode("ascii")
    )
    return tag[:SECRET_LEN]


def remembered(session: Session, claim: Claim, now: datetime) -> QueryIdempotency | None:
    """The answer remembered under this key, if still in its window; a different request
    under the same key is refused."""
    row = repo.find(session, claim.key_hash)
    if row is None or row.created_at <= now - WINDOW:
        return None
    if row.request_hash != claim.request_hash:
        raise IdempotencyKeyReused(
            "this Idempotency-Key was used for a different request; use a new key",
            rule="idempotency_key_reused",
        )
    return row


def in_use() -> DomainError:
    """The refusal of a request whose key another request claimed meanwhile."""
    return Conflict(
        "a request with this Idempotency-Key was answered meanwhile; send it again for that answer",
        rule="idempotency_key_in_use",
    )


@dataclass
class Claims:
    """The keys claimed in one batch of the log, checked under its lock."""

    session: Session
    now: datetime
    seen: set[bytes]
    rows: list[dict[str, object]]

    @classmethod
    def open(cls, session: Session, now: datetime) -> Claims:
        """The batch's claims; call under the log's lock."""
        return cls(session=session, now=now, seen=set(), rows=[])

    def take(self, claim: Claim) -> DomainError | None:
        """Claim a key for this batch; the refusal if it is remembered or claimed already."""
        if not self.seen and not self.rows:
            repo.forget_before(self.session, self.now - WINDOW)
        if claim.key_hash in self.seen:
            return in_use()
        self.seen.add(claim.key_hash)
        try:
            if remembered(self.session, claim, self.now) is not None:
                return in_use()
        except IdempotencyKeyReused as reused:
            return reused
        return None

    def answered(self, claim: Claim, *, index: int, receipt_size: int, at: datetime) -> None:
        """Remember an answer logged at `index` under its key."""
        self.rows.append(
            {
                "key_hash": claim.key_hash,
                "request_hash": claim.request_hash,
                "log_index": index,
                "receipt_size": receipt_size,
                "created_at": at,
            }
        )

    def store(self) -> None:
        """Write the remembered answers (in the log's transaction)."""
        repo.remember(self.session, self.rows)
