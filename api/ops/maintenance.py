"""The server's background maintenance loop: checkpoints on their cadence, the sweeper, the
delivery of citizen notices, and the purge of expired browser sessions."""

from __future__ import annotations

import asyncio
import logging

from fastapi import FastAPI
from starlette.concurrency import run_in_threadpool

from api.state import state_of
from core.clock import clock
from core.ops.maintenance import full_check_every, run_maintenance

log = logging.getLogger("credence.maintenance")


def _tick(app: FastAPI) -> None:
    state = state_of(app)
    runtime = state.runtime
    run_maintenance(
        engine=runtime.engine,
        signer=state.log_signer,
        cadence=runtime.cadence,
        now=clock.now(),
        keyring=runtime.keyring,
        calendar=runtime.calendar,
        index_rotation_after=runtime.index_rotation_after,
        case_grace=runtime.case_grace,
        witnesses=runtime.witnesses,
        full_check_every=full_check_every(runtime.settings.log_full_check_hours),
        notices=runtime.settings,
    )
    # What this tick (or another process) found about the log, for the query guard.
    state.log_halt.refresh(runtime.read_engine, clock.now())
    # Expired browser sessions and abandoned sign-ins (the database is shared by workers).
    state.web.sessions.purge()


async def maintain_forever(app: FastAPI, every: float) -> None:
    """Run one maintenance tick every `every` seconds until cancelled."""
    while True:
        await asyncio.sleep(every)
        try:
            await run_in_threadpool(_tick, app)
        except Exception as exc:  # the loop must outlive one bad tick
            # The type only: a message could carry data from the database.
            log.error("maintenance tick failed: %s", type(exc).__name__)
