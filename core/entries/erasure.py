"""Erasure on the record: a log event per shred, and the subject erased with its last entry.

Invariants:
- Every shred of an entry, of the cases about it, and of a subject appends one leaf to
  the transparency log holding no personal data: what was erased, the entry's public
  reference, why, and when. So an auditor can prove when each erasure happened. The
  leaves are appended as the transaction commits, after every other row it locks.
- A subject goes when nothing of it remains: every entry of it is shredded and every
  case about those entries is erased. Its code ciphertext and blind index are cleared
  and its data key shredded, so the log pseudonyms derived from that key link to nobody.
- A case is erased with its keys; its dates and outcome stay for whoever objected, until
  the subject goes: then the objector index of every case about its entries is cleared.
- The cases of an erroneous listing hold its decision and written apology: they are
  erased `CASE_GRACE` after the listing, once the window for reconsideration has passed.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime, timedelta

from sqlalchemy import event
from sqlmodel import Session

from core.entries import lifecycle_repository as repo
from core.keyring import Keyring
from core.models import Entry, Subject
from core.ops import keys_repository as key_repo
from core.querylog import appends
from core.querylog.leaves import LEAF_VERSION, canonical_leaf, leaf_time

# Administrative reconsideration may be sought within 60 days of a decision (行政复议法 §20).
CASE_GRACE = timedelta(days=60)
_QUEUED = "credence.erasure_leaves"
_LISTENING = "credence.erasure_leaves.listening"


def log_erasure(
    *,
    session: Session,
    what: str,
    ref: str,
    why: str,
    now: datetime,
    entry_id: uuid.UUID | None = None,
) -> None:
    """Queue one erasure event for the transparency log, appended when the transaction
    commits (and, with `entry_id`, its index recorded on the entry).

    Appended last because the log's state row must be the last lock a transaction takes:
    a sweeper holding it while it waits for a subject row that a query holds (the query
    waiting for the log) would deadlock.
    """
    body = canonical_leaf(
        {
            "v": LEAF_VERSION,
            "kind": "erasure",
            "what": what,
            "ref": ref,
            "why": why,
            "at": leaf_time(now),
        }
    )
    if not session.info.get(_LISTENING):
        event.listen(session, "before_commit", _append_queued)
        event.listen(session, "after_rollback", _drop_queued)
        session.info[_LISTENING] = True
    session.info.setdefault(_QUEUED, []).append((body, entry_id, now))


def _append_queued(session: Session) -> None:
    queued = session.info.pop(_QUEUED, [])
    if not queued:
        return
    indexes = appends.append_leaves(
        session=session, bodies=[body for body, _e, _n in queued], now=queued[-1][2]
    )
    repo.set_erasure_indexes(
        session,
        [
            (entry_id, index)
            for index, (_body, entry_id, _now) in zip(indexes, queued, strict=True)
            if entry_id is not None
        ],
    )


def _drop_queued(session: Session) -> None:
    session.info.pop(_QUEUED, None)


def erase_cases(
    *, session: Session, keyring: Keyring, entry: Entry, why: str, now: datetime
) -> int:
    """Shred every case about an entry (keys, objector index); logged once if any was live."""
    shredded = 0
    for key_id in repo.case_keys_of(session, entry_id=entry.id):
        shredded += key_repo.shred_data_key(session, key_id=key_id, now=now)
        keyring.forget(key_id)
    if shredded:
        log_erasure(session=session, what="cases", ref=entry.public_ref, why=why, now=now)
    return shredded


def erase_subject_if_gone(
    *, session: Session, keyring: Keyring, subject_id: uuid.UUID, ref: str, now: datetime
) -> bool:
    """Erase a subject none of whose entries or cases remain; true if it was erased now."""
    subject = session.get(Subject, subject_id)
    if subject is None or subject.erased_at is not None:
        return False
    if repo.subject_has_live_records(session, subject_id=subject_id):
        return False
    key_repo.shred_data_key(session, key_id=subject.data_key_id, now=now)
    keyring.forget(subject.data_key_id)
    repo.erase_subject_row(session, subject_id=subject_id, now=now)
    repo.clear_objector_indexes(session, subject_id=subject_id)
    session.expire(subject)
    log_erasure(session=session, what="subject", ref=ref, why="last_record_erased", now=now)
    return True


def erase_subjects_if_gone(
    *, session: Session, keyring: Keyring, refs: Mapping[uuid.UUID, str], now: datetime
) -> int:
    """`erase_subject_if_gone` for several subjects at once (each logged with its ref, the
    entry whose erasure let it go); how many were erased now."""
    gone = repo.gone_subjects(session, subject_ids=list(refs))
    if not gone:
        return 0
    repo.shred_data_keys(session, key_ids=[key_id for _s, key_id in gone], now=now)
    for _subject, key_id in gone:
        keyring.forget(key_id)
    repo.erase_subject_rows(session, subject_ids=[subject for subject, _k in gone], now=now)
    for subject, _key in gone:
        log_erasure(
            session=session, what="subject", ref=refs[subject], why="last_record_erased", now=now
        )
    return len(gone)
