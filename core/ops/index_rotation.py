"""Blind-index key rotation, online: dual-write a second index column, back-fill it in
chunks, switch the keys, move the values back into the first column.

States (the `index_rotation` row; no row: no rotation):
- backfill: the next key is stored as "blind-index-next". Every process that has read
  the state writes both columns (`code_index` under the old key, `code_index_next` under
  the next) and looks up `code_index = old OR code_index_next = next`. The back-fill
  computes the next index of every readable subject from its sealed code, and of every
  objection its entry's subject filed. It is final only `GRACE` after the state was
  entered, when no process can still be writing one column only.
- switched (one transaction): the next key becomes "blind-index" (dated when the rotation
  began), the old key's row is deleted and the old key queued for erasure like a shredded
  data key (every master version that may have wrapped it is destroyed on later ticks),
  the master-key check values are recomputed, and the objector index of the objections
  nobody could recompute (third-party objectors of red entries: no code is
  stored for them) is cleared: nothing could match it once the old key is gone, so the
  objection stays with its department but leaves the objector's own account. Processes
  use the new key for both columns (`code_index = new OR code_index_next = new`); one
  that has not re-read yet still finds everyone by the old key in `code_index`, because
  the values move only `GRACE` later.
- done: every next value was moved into `code_index` and `code_index_next` cleared, in
  chunks; `GRACE` later a last pass moves what a process still writing both columns
  added, and the row is deleted. One index column is in use again.

Lookups never fail during it: at every moment each row matches the index a process in
the current or the previous state computes. Every step commits per chunk and is
re-entrant, so `--resume` continues wherever a rotation stopped. The CSRF key and the
certificate key are derived from the first index key and stored (secrets "csrf" and
"certificate-index") when the first rotation starts: they never change with rotation.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from sqlmodel import Session

from core.clock import clock
from core.errors import InvalidInput
from core.keyring import CURRENT_TTL, Keyring
from core.ops import index_repository as repo
from core.ops import keys_repository as key_repo
from core.ops.keys import (
    CERTIFICATE_SECRET,
    CSRF_SECRET,
    INDEX_LABEL,
    INDEX_SECRET,
    NEXT_INDEX_SECRET,
    secret_aad,
)
from crypto.blind_index import BlindIndexer
from crypto.envelope import FieldContext, open_field

# Every process re-reads the state within CURRENT_TTL; twice that and none is behind.
GRACE = 2 * CURRENT_TTL
BACKFILL = "backfill"
SWITCHED = "switched"
DONE = "done"

Wait = Callable[[timedelta], None]
Progress = Callable[[str, int], None]


@dataclass
class RotationReport:
    """What `credence keys rotate-index` did."""

    subjects: int = 0
    objections: int = 0
    unlinked_objections: int = 0
    moved: int = 0
    steps: list[str] = field(default_factory=list)


def _quiet(_step: str, _count: int) -> None:
    return None


def rotate_index(
    *,
    session: Session,
    keyring: Keyring,
    wait: Wait,
    resume: bool = False,
    batch: int = 500,
    progress: Progress = _quiet,
) -> RotationReport:
    """Run a blind-index key rotation to its end, or (resume) finish the one under way.

    `wait(delta)` must let `delta` of project time pass (the CLI sleeps; tests advance
    the clock); `progress(step, count)` is called after every committed chunk and step.
    """
    report = RotationReport()
    state = repo.rotation(session)
    if state is not None and state.state != DONE and not resume:
        raise InvalidInput(
            "an index-key rotation is under way; run `keys rotate-index --resume`",
            rule="rotation_under_way",
        )
    if state is None:
        if resume:
            raise InvalidInput("no index-key rotation to resume", rule="no_rotation")
        _start(session, keyring)
        progress(BACKFILL, 0)
    elif state.state == DONE and not resume:
        _finish(session, keyring, wait, batch, progress, report)
        _start(session, keyring)
        progress(BACKFILL, 0)
    state = repo.rotation(session)
    if state is not None and state.state == BACKFILL:
        _backfill(session, keyring, batch, progress, report)
        _wait_grace(session, wait)
        _backfill(session, keyring, batch, progress, report)
        _switch(session, keyring, report)
        progress(SWITCHED, report.unlinked_objections)
    state = repo.rotation(session)
    if state is not None and state.state == SWITCHED:
        _wait_grace(session, wait)
        report.moved += _move(session, batch, progress)
        repo.set_rotation(session, state=DONE, now=clock.now())
        session.commit()
        keyring.index_changed()
        progress(DONE, report.moved)
    _finish(session, keyring, wait, batch, progress, report)
    return report


def _wait_grace(session: Session, wait: Wait) -> None:
    state = repo.rotation(session)
    if state is None:
        return
    left = state.changed_at + GRACE - clock.now()
    if left > timedelta(0):
        session.commit()  # hold no transaction open while waiting
        wait(left)


def _start(session: Session, keyring: Keyring) -> None:
    """Store the stable keys (first time), the next index key and the backfill state."""
    current = key_repo.current_version(session) or keyring.current_version()
    now = clock.now()
    for name, value in (
        (CSRF_SECRET, keyring.csrf_key),
        (CERTIFICATE_SECRET, keyring.certificate_key),
    ):
        if key_repo.stored_secret(session, name) is None:
            wrapped = keyring.provider.wrap(current, value, secret_aad(name))
            key_repo.add_stored_secret(
                session, name=name, version=current, wrapped=wrapped, now=now
            )
    nxt = BlindIndexer.generate(keyring.suite)
    wrapped = keyring.provider.wrap(current, nxt.key, secret_aad(NEXT_INDEX_SECRET))
    key_repo.add_stored_secret(
        session, name=NEXT_INDEX_SECRET, version=current, wrapped=wrapped, now=now
    )
    repo.set_rotation(session, state=BACKFILL, now=now)
    session.commit()
    keyring.index_changed()


def _next_indexer(keyring: Keyring) -> BlindIndexer:
    keyring.index_changed()
    nxt = keyring.index_keys().next
    if nxt is None:
        raise RuntimeError("an index-key rotation is in back-fill but no next key is stored")
    return nxt


def _backfill(
    session: Session, keyring: Keyring, batch: int, progress: Progress, report: RotationReport
) -> None:
    """Fill the next column of subjects (from their sealed code) and of their objections."""
    nxt = _next_indexer(keyring)
    while rows := repo.subjects_to_backfill(session, limit=batch):
        for subject_id, code_ct, key_id, wrapped in rows:
            key = keyring.data_key(key_id, wrapped)
            ctx = FieldContext(table="subject", column="code", row_key=str(subject_id))
            code = open_field(key, code_ct, ctx).decode()
            repo.set_subject_next(session, subject_id=subject_id, value=nxt.index(code))
        session.commit()
        report.subjects += len(rows)
        progress("backfill-subjects", len(rows))
    while pairs := repo.subject_objections_to_backfill(session, limit=batch):
        for objection_id, value in pairs:
            repo.set_objection_next(session, objection_id=objection_id, value=value)
        session.commit()
        report.objections += len(pairs)
        progress("backfill-objections", len(pairs))


def _switch(session: Session, keyring: Keyring, report: RotationReport) -> None:
    """Make the next key the index key and delete the old one, in one transaction."""
    nxt = _next_indexer(keyring)
    current = key_repo.current_version(session) or keyring.current_version()
    started = key_repo.stored_secret(session, NEXT_INDEX_SECRET)
    # Copies of the old key survive in dead rows and WALs under any version that ever
    # wrapped it: it is erased like a shredded data key, by destroying them all.
    key_repo.add_retired_secret(
        session,
        suite=keyring.suite.name,
        versions=[v.version for v in key_repo.master_versions(session) if v.state != "destroyed"],
        current=current,
        now=clock.now(),
    )
    wrapped = keyring.provider.wrap(current, nxt.key, secret_aad(INDEX_SECRET))
    key_repo.set_secret_wrapped(session, name=INDEX_SECRET, wrapped=wrapped, version=current)
    if started is not None:
        key_repo.set_secret_since(session, name=INDEX_SECRET, since=started.created_at)
    repo.delete_secret(session, NEXT_INDEX_SECRET)
    repo.set_index_checks(session, nxt.index(INDEX_LABEL))
    report.unlinked_objections += repo.clear_unlinked_objectors(session)
    repo.set_rotation(session, state=SWITCHED, now=clock.now())
    session.commit()
    keyring.index_changed()


def _move(session: Session, batch: int, progress: Progress) -> int:
    """Move next values into the first column, chunk by chunk; how many moved."""
    moved = 0
    for swap, step in (
        (repo.swap_subjects, "move-subjects"),
        (repo.swap_objections, "move-objections"),
    ):
        while done := swap(session, limit=batch):
            session.commit()
            moved += done
            progress(step, done)
    return moved


def _finish(
    session: Session,
    keyring: Keyring,
    wait: Wait,
    batch: int,
    progress: Progress,
    report: RotationReport,
) -> None:
    """After the grace, move what late writers added to the next column; end the rotation."""
    state = repo.rotation(session)
    if state is None or state.state != DONE:
        return
    _wait_grace(session, wait)
    report.moved += _move(session, batch, progress)
    repo.end_rotation(session)
    session.commit()
    keyring.index_changed()
    progress("finished", 0)
