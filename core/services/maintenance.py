"""Periodic upkeep: checkpoints and the expiry sweeper, run by the server's background task.

Invariants: every step is idempotent and safe to run in several processes at once, so a
missed or doubled tick changes nothing but timing; each step commits on its own, so one
failing step never undoes another.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine
from sqlmodel import Session

from core.db import begin_write
from core.keyring import Keyring
from core.services import querylog
from core.services.querylog import Cadence, LogSigner
from core.services.sweeper import SweepReport, sweep


@dataclass(frozen=True, slots=True)
class MaintenanceReport:
    """What one tick did."""

    checkpoint_size: int | None
    sweep: SweepReport | None = None


def run_maintenance(
    *,
    engine: Engine,
    signer: LogSigner,
    cadence: Cadence,
    now: datetime,
    keyring: Keyring | None = None,
) -> MaintenanceReport:
    """One tick: store a query-log checkpoint if one is due; sweep entries if given keys."""
    with Session(engine) as session:
        begin_write(session)
        made = querylog.maybe_checkpoint(session=session, signer=signer, cadence=cadence, now=now)
        size = None if made is None else made.size
        session.commit()
    swept = None if keyring is None else sweep(engine=engine, keyring=keyring, now=now)
    return MaintenanceReport(checkpoint_size=size, sweep=swept)
