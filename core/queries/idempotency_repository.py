"""SQL for the idempotency keys of agency queries."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime

from sqlalchemy import bindparam, delete, insert, select
from sqlmodel import Session

from core.models import QueryDelivery, QueryIdempotency
from core.prepared import run, table

_KEYS = table(QueryIdempotency)
_ADD = insert(_KEYS)
_FIND = select(_KEYS).where(_KEYS.c.key_hash == bindparam("key_hash"))
_FORGET = delete(_KEYS).where(_KEYS.c.created_at < bindparam("cutoff"))


def find(session: Session, key_hash: bytes) -> QueryIdempotency | None:
    """The answer remembered under a key hash, if any (however old)."""
    row = run(session, _FIND, {"key_hash": key_hash}).first()
    return None if row is None else QueryIdempotency.model_validate(row._asdict())


def remember(session: Session, rows: Sequence[Mapping[str, object]]) -> None:
    """Remember answers under their key hashes (one executemany in the log's transaction)."""
    if rows:
        run(session, _ADD, list(rows))


def forget_before(session: Session, cutoff: datetime) -> None:
    """Forget every answer remembered before `cutoff` (its key may then be used again)."""
    run(session, _FORGET, {"cutoff": cutoff})


_DELIVERY = table(QueryDelivery)
_DELIVERED = select(_DELIVERY.c.entry_id).where(_DELIVERY.c.log_index == bindparam("log_index"))


def delivered(session: Session, log_index: int) -> set[uuid.UUID]:
    """The entries the query logged at `log_index` returned."""
    return {row[0] for row in run(session, _DELIVERED, {"log_index": log_index})}
