"""Periodic upkeep: what the server's background task and `credence` commands run on a timer.

Invariants: every step is idempotent and safe to run in several processes at once, so a
missed or doubled tick changes nothing but timing; each step commits on its own, so one
failing step never undoes another.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine
from sqlmodel import Session

from core.services import querylog
from core.services.querylog import Cadence, LogSigner


@dataclass(frozen=True, slots=True)
class MaintenanceReport:
    """What one tick did."""

    checkpoint_size: int | None


def run_maintenance(
    *, engine: Engine, signer: LogSigner, cadence: Cadence, now: datetime
) -> MaintenanceReport:
    """One tick: store a query-log checkpoint if one is due."""
    with Session(engine) as session:
        made = querylog.maybe_checkpoint(session=session, signer=signer, cadence=cadence, now=now)
        size = None if made is None else made.size
        session.commit()
    return MaintenanceReport(checkpoint_size=size)
