"""When the query log's integrity is checked, and what a failure does (SPEC §6, §12).

Invariants:
- Three checks, each fail-closed: before any checkpoint is signed (the leaves since the
  latest one, `integrity.check_before_signing`), at start-up (the last leaves and nodes and
  the latest checkpoint, `integrity.check_recent`) and the whole log on a cadence
  (`verify.verify_log`, in one read-only snapshot, so a growing log is never mistaken for
  a corrupt one). Every failure becomes an open halt, stored in a transaction of its own.
- A halt is cleared only by `clear_halt`, and only once the whole log verifies again.
- Start-up never fails because the log is corrupt: the process comes up halted.
- Each step opens and commits its own sessions, like the maintenance tick's other steps.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine
from sqlmodel import Session

from core.db import reader
from core.querylog import integrity_repository as halt_repo
from core.querylog.checkpoints import Cadence, make_checkpoint, maybe_checkpoint
from core.querylog.integrity import (
    LogIntegrityFailure,
    check_before_signing,
    check_recent,
    record_halt,
)
from core.querylog.verify import VerifyReport, verify_log
from crypto.log_signer import LogSigner

log = logging.getLogger("credence.querylog")
MAX_REASON = 500


def start_up(*, engine: Engine, signer: LogSigner, now: datetime, recent: int) -> bool:
    """Check the recent log, then publish a checkpoint; True when the process is halted."""
    with Session(engine) as session:
        try:
            check_recent(session=session, signer=signer, leaves=recent)
            # Publish a checkpoint from the start, so a citizen always has one to check.
            make_checkpoint(session=session, signer=signer, now=now)
            session.commit()
            return False
        except LogIntegrityFailure as failure:
            session.rollback()
            found = failure
    if found.found_by == "signing":
        found.found_by = "start-up"
    record_halt(engine=engine, failure=found, now=now)
    return True


def checkpoint_or_halt(
    *, engine: Engine, signer: LogSigner, cadence: Cadence, now: datetime
) -> int | None:
    """The tick's checkpoint: one if due, else the same check alone; a failure halts.

    Returns the size of the checkpoint made (None: none was due, or the log is halted).
    """
    with Session(engine) as session:
        try:
            made = maybe_checkpoint(session=session, signer=signer, cadence=cadence, now=now)
            if made is None:
                check_before_signing(session=session, signer=signer, lock=True)
            session.commit()
            return None if made is None else made.size
        except LogIntegrityFailure as failure:
            session.rollback()
            found = failure
    record_halt(engine=engine, failure=found, now=now)
    return None


def full_check_due(*, engine: Engine, every: timedelta, now: datetime) -> bool:
    """Whether the whole log last verified `every` ago or longer (or never)."""
    with Session(reader(engine)) as session:
        row = halt_repo.full_check(session)
        last = None if row is None else row.finished_at
        session.rollback()
    return last is None or not last <= now < last + every


def verify_snapshot(*, engine: Engine, signer: LogSigner) -> VerifyReport:
    """`verify_log` over one read-only snapshot of the log."""
    with Session(reader(engine)) as session:
        if engine.dialect.name == "postgresql":
            # READ COMMITTED would see leaves appended after the state row was read.
            session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
        report = verify_log(session=session, signer_public_key=signer.public_key, name=signer.name)
        session.rollback()
    return report


def full_check(*, engine: Engine, signer: LogSigner, now: datetime) -> VerifyReport:
    """Verify the whole log; record the pass, or halt on a failure."""
    report = verify_snapshot(engine=engine, signer=signer)
    if report.ok:
        with Session(engine) as session:
            halt_repo.record_full_check(session, now=now, size=report.leaves)
            session.commit()
        return report
    failure = LogIntegrityFailure(
        report.problem or "the log does not verify",
        found_by="full-check",
        bad_index=report.bad_index,
        bad_checkpoint=report.bad_checkpoint,
    )
    record_halt(engine=engine, failure=failure, now=now)
    return report


def full_check_if_due(
    *, engine: Engine, signer: LogSigner, every: timedelta, now: datetime
) -> VerifyReport | None:
    """The tick's full check, when `every` has passed since the last one that passed."""
    if not full_check_due(engine=engine, every=every, now=now):
        return None
    return full_check(engine=engine, signer=signer, now=now)


@dataclass(frozen=True, slots=True)
class Cleared:
    """What `clear_halt` did: how many halts it cleared, or the report that kept them."""

    cleared: int
    report: VerifyReport | None


def clear_halt(*, engine: Engine, signer: LogSigner, reason: str, now: datetime) -> Cleared:
    """Clear the open halts once the whole log verifies again; the reason is stored."""
    reason = reason.strip()
    if not reason or len(reason) > MAX_REASON or "\n" in reason:
        raise ValueError(f"the reason must be one line of 1 to {MAX_REASON} characters")
    with Session(reader(engine)) as session:
        halted = halt_repo.is_halted(session)
        session.rollback()
    if not halted:
        return Cleared(cleared=0, report=None)
    report = verify_snapshot(engine=engine, signer=signer)
    if not report.ok:
        return Cleared(cleared=0, report=report)
    with Session(engine) as session:
        cleared = halt_repo.clear_halts(session, now=now, reason=reason)
        halt_repo.record_full_check(session, now=now, size=report.leaves)
        session.commit()
    log.warning("query log halt cleared by an operator after a full verification")
    return Cleared(cleared=cleared, report=report)
