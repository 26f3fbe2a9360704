"""The query log's guard: an agency query it cannot log honestly is not answered (503).

Invariants:
- While the log is halted (an integrity check failed: core/querylog/failclosed.py), every
  request on a guarded router gets 503 problem+json with Retry-After, before its body is
  read or validated, so nothing is appended or signed for it.
- The guard costs a request no thread-pool hop and no read: it asks the process's
  `HaltWatch`, which this process's own findings set at once and which re-reads the
  database (what another worker found) at most every `log_halt_recheck_seconds`.
- A failure found on the request path (the check before a checkpoint due after the query's
  append) rolls the query back, is stored as a halt in a transaction of its own, and is
  answered 503 too; the message names no person.
"""

from __future__ import annotations

from fastapi import Depends, FastAPI, Request, Response
from starlette.concurrency import run_in_threadpool

from api.problems import problem
from api.state import app_state
from core.clock import clock
from core.querylog.integrity import LogHalted, LogIntegrityFailure, record_halt


async def refuse_while_halted(request: Request) -> None:
    """Raise `LogHalted` while the query log is halted."""
    state = app_state(request)
    watch = state.log_halt
    now = clock.now()
    if watch.due(now):
        await run_in_threadpool(watch.refresh, state.runtime.read_engine, now)
    if watch.halted:
        raise LogHalted()


depends = Depends(refuse_while_halted)


def halted_problem(exc: LogIntegrityFailure) -> Response:
    """503 with Retry-After: the log must be investigated before queries are answered."""
    headers = {"Retry-After": str(exc.retry_after_seconds)}
    return problem(503, exc.type_slug, exc.title, exc.detail, headers=headers, rule=exc.rule)


async def _integrity_failure(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, LogIntegrityFailure)  # noqa: S101 - registered for this type only
    state = app_state(request)
    now = clock.now()
    if not isinstance(exc, LogHalted):
        # Found on the request path: its transaction is rolled back and its session closed.
        await run_in_threadpool(record_halt, engine=state.runtime.engine, failure=exc, now=now)
    state.log_halt.mark(True, now)
    return halted_problem(exc)


def install(app: FastAPI) -> None:
    """Answer every integrity failure 503 (and store it as a halt when it is new)."""
    app.add_exception_handler(LogIntegrityFailure, _integrity_failure)
