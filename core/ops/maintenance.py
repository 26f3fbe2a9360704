"""Periodic upkeep run by the server's background task: checkpoints (the log checked before
each, and in full on a cadence: core/querylog/failclosed.py) and their witnesses'
cosignatures, provisional deadlines
settled on the official calendar, sweeper, the blind-index rotation after erasures,
erasures completed, escalations.

Invariants: every step is idempotent and safe to run in several processes at once, so a
missed or doubled tick changes nothing but timing; each step commits on its own, so one
failing step never undoes another.
"""

from __future__ import annotations

import logging
import weakref
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine
from sqlmodel import Session

from core.calendar import provisional
from core.calendar.workdays import WorkCalendar
from core.cases.objections import service as objections
from core.cases.repairs import service as repairs
from core.clock import local_date
from core.db import finish_erasure_on_disk
from core.entries.erasure import CASE_GRACE
from core.entries.sweeper import SweepReport, sweep
from core.errors import KeysUnavailable
from core.keyring import Keyring
from core.ops import keys_repository as key_repo
from core.ops.index_after_erasure import advance_index_rotation
from core.ops.keys import ErasureProgress, complete_erasures
from core.queries.delivery import DeliveryReport, addresses_from, channel_from, deliver_due
from core.querylog.checkpoints import Cadence
from core.querylog.failclosed import checkpoint_or_halt, full_check_if_due
from core.querylog.verify import VerifyReport
from core.querylog.witnesses import Collected, WitnessSet, collect_cosignatures
from core.settings import Settings
from crypto.log_signer import LogSigner

_SETTLED: weakref.WeakSet[WorkCalendar] = weakref.WeakSet()
log = logging.getLogger("credence.maintenance")


@dataclass(frozen=True, slots=True)
class MaintenanceReport:
    """What one tick did."""

    checkpoint_size: int | None
    sweep: SweepReport | None = None
    escalated: int = 0
    settled: provisional.Settled | None = None
    erasures: ErasureProgress | None = None
    index_rotation: str | None = None
    cosignatures: Collected | None = None
    full_check: VerifyReport | None = None
    delivered: DeliveryReport | None = None


def run_maintenance(
    *,
    engine: Engine,
    signer: LogSigner,
    cadence: Cadence,
    now: datetime,
    keyring: Keyring | None = None,
    calendar: WorkCalendar | None = None,
    index_rotation_after: timedelta | None = None,
    witnesses: WitnessSet | None = None,
    case_grace: timedelta = CASE_GRACE,
    full_check_every: timedelta | None = None,
    notices: Settings | None = None,
) -> MaintenanceReport:
    """One tick: a checkpoint if due (the log checked since the last, in any case) and its
    cosignatures, the whole log verified when `full_check_every` has passed; with a
    calendar, settling; with keys, the sweep, the index rotation after erasures (when
    `index_rotation_after` is set) and the erasures; with a calendar, escalations;
    with `notices` (the settings naming the channel) and keys, the citizen notices due."""
    # Fails closed: a log that does not rehash since its last checkpoint is halted, unsigned.
    size = checkpoint_or_halt(engine=engine, signer=signer, cadence=cadence, now=now)
    checked = None
    if full_check_every is not None:
        checked = full_check_if_due(engine=engine, signer=signer, every=full_check_every, now=now)
    cosignatures = None if witnesses is None else collect_from(witnesses, engine=engine, now=now)
    settled = None
    if calendar is not None and calendar not in _SETTLED:
        # Before the sweep: a notice the official schedule lengthens must not end first.
        # A process's calendar never changes, so once it has settled what it covers, what
        # stays provisional lies in years it does not cover: nothing to settle until a
        # new calendar (a restart with new data) comes.
        with Session(engine) as session:
            settled = provisional.settle(session=session, calendar=calendar)
            session.commit()
        _SETTLED.add(calendar)
    swept = (
        None
        if keyring is None
        else sweep(engine=engine, keyring=keyring, now=now, case_grace=case_grace)
    )
    rotation = None
    if keyring is not None and index_rotation_after is not None:
        # Before the erasures: the index key it retires is destroyed in the same passes.
        rotation = advance_index_rotation(
            engine=engine, keyring=keyring, now=now, after=index_rotation_after
        )
    erasures = None if keyring is None else finish_erasures(engine=engine, keyring=keyring, now=now)
    escalated = 0
    if calendar is not None:
        with Session(engine) as session:
            today = local_date(now)
            for service in (objections, repairs):
                escalated += service.escalate_overdue(
                    session=session, today=today, now=now, calendar=calendar
                )
            session.commit()
    delivered = None
    if keyring is not None and notices is not None:
        # After the sweep, so the notices it just wrote go out in the same tick.
        delivered = deliver_due(
            engine=engine,
            keyring=keyring,
            channel=channel_from(notices),
            addresses=addresses_from(notices, keyring),
            now=now,
        )
    return MaintenanceReport(
        checkpoint_size=size,
        delivered=delivered,
        sweep=swept,
        escalated=escalated,
        settled=settled,
        erasures=erasures,
        index_rotation=rotation,
        cosignatures=cosignatures,
        full_check=checked,
    )


def collect_from(witnesses: WitnessSet, *, engine: Engine, now: datetime) -> Collected | None:
    """Ask the witnesses to cosign the newest checkpoint; a failure here is only a warning
    (the next tick tries again), never the end of the tick."""
    try:
        return collect_cosignatures(engine=engine, witnesses=witnesses, now=now)
    except Exception as exc:  # a witness must never stop the log's upkeep
        log.warning("collecting cosignatures failed: %s", type(exc).__name__)
        return None


def full_check_every(hours: float) -> timedelta | None:
    """The full log check's cadence from its setting (0: never)."""
    return timedelta(hours=hours) if hours > 0 else None


def finish_erasures(*, engine: Engine, keyring: Keyring, now: datetime) -> ErasureProgress | None:
    """Complete pending erasures (destroy the versions they need), then clean SQLite's WAL.

    With a read-only provider (the environment) versions cannot be destroyed here: the
    erasures stay pending, `keys status` shows them, and a warning says why.
    """
    with Session(engine) as session:
        if not key_repo.has_pending_erasures(session):
            return None
        try:
            progress = complete_erasures(session=session, keyring=keyring, now=now)
        except KeysUnavailable as exc:
            session.rollback()
            log.warning("erasures stay pending: %s", exc)
            return None
    if progress.completed or progress.destroyed_versions:
        finish_erasure_on_disk(engine)
    return progress
