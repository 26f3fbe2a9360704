"""A blind-index key rotation run by the maintenance tick once people have been erased.

Why: on PostgreSQL an erased person's blind index lives on in dead row versions, index
pages and the WAL until they are vacuumed and recycled. While the key that computed it is
in service, whoever holds the data directory and the keys could compute the index of every
possible code and find that person again. A rotation begun after the erasure takes that
key out of service and queues it for erasure by destruction (`index_rotation._switch`):
then the remnant is a value under a key nobody can recover, and names nobody.

Invariants:
- A rotation starts only once a subject erased under the current index key has waited
  `after`: erasures of a day (by default) share one rotation.
- A tick never waits and does at most `chunks` committed chunks; a grace not yet passed
  or a spent budget ends its share, and the next tick resumes (every step is re-entrant).
- Any process may run it; two that race to start leave one rotation.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from core.errors import InvalidInput
from core.keyring import Keyring
from core.ops import index_repository as repo
from core.ops import keys_repository as key_repo
from core.ops.index_rotation import rotate_index
from core.ops.keys import INDEX_SECRET


class _TickSpent(Exception):
    """This tick's share of the rotation is done (a grace to wait, or the chunk budget)."""


def index_remnants(session: Session) -> int:
    """How many subjects were erased under the index key now in service."""
    key = key_repo.stored_secret(session, INDEX_SECRET)
    return 0 if key is None else repo.count_erased_since(session, key.created_at)


def _due(session: Session, *, now: datetime, after: timedelta) -> bool:
    """Whether a subject erased under the current index key has waited `after`."""
    key = key_repo.stored_secret(session, INDEX_SECRET)
    return key is not None and repo.any_erased_between(session, key.created_at, now - after)


def advance_index_rotation(
    *, engine: Engine, keyring: Keyring, now: datetime, after: timedelta, chunks: int = 20
) -> str | None:
    """Start a due rotation or move the one under way on; the state it is left in."""
    with Session(engine) as session:
        state = repo.rotation(session)
        if state is None and not _due(session, now=now, after=after):
            return None
        budget = [chunks]

        def spend(_step: str, _count: int) -> None:
            budget[0] -= 1
            if budget[0] <= 0:
                raise _TickSpent

        def later(_delta: timedelta) -> None:
            raise _TickSpent

        try:
            rotate_index(
                session=session,
                keyring=keyring,
                wait=later,
                resume=state is not None,
                progress=spend,
            )
        except (_TickSpent, IntegrityError, InvalidInput):
            # Committed chunks stay; a lost race to start (or to resume) is the other's.
            session.rollback()
        keyring.index_changed()
        left = repo.rotation(session)
        return "finished" if left is None else left.state
