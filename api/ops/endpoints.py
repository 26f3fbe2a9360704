"""Operations: liveness, readiness and metrics (aggregate counts only)."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse, PlainTextResponse
from pydantic import BaseModel

from api.deps import ContextDep, SessionDep
from api.policy import public
from api.problems import problem
from core.calendar import provisional
from core.cases.objections import service as objections
from core.cases.repairs import service as repairs
from core.clock import clock
from core.db import ping
from core.errors import KeysUnavailable
from core.ops.keys import verify_keys
from core.ops.metrics import OverdueCounter, render
from core.querylog.integrity import is_halted as log_is_halted

router = APIRouter(tags=["ops"], dependencies=[Depends(public)])
# Overdue-case counters of the objection and repair services, by case kind.
OVERDUE_COUNTERS: list[tuple[str, OverdueCounter]] = [
    ("objection", objections.count_overdue),
    ("repair", repairs.count_overdue),
]


class Health(BaseModel):
    """Liveness or readiness status."""

    status: Literal["ok", "ready"]


@router.get("/healthz", response_model=Health)
async def healthz() -> Health:
    """The process is up."""
    return Health(status="ok")


@router.get("/readyz", response_model=Health, responses={503: {"description": "not ready"}})
def readyz(ctx: ContextDep) -> Health | JSONResponse:
    """The database answers, the key provider holds every key the data needs, and the
    query log is not halted by a failed integrity check."""
    try:
        ping(ctx.session)
        verify_keys(session=ctx.session, keyring=ctx.keyring)
        ctx.session.commit()
    except KeysUnavailable:
        return problem(503, "not-ready", "Not ready", "The key provider check failed.")
    except Exception:
        return problem(503, "not-ready", "Not ready", "The database is unreachable.")
    if log_is_halted(session=ctx.session):
        detail = "The query log failed an integrity check; an operator must clear it."
        return problem(503, "log-integrity-failure", "Not ready", detail)
    return Health(status="ready")


@router.get("/metrics", response_class=PlainTextResponse)
def metrics(session: SessionDep) -> PlainTextResponse:
    """Prometheus metrics: log size, entries, overdue cases, provisional deadlines (counts)."""
    body = render(
        session=session,
        today=clock.today(),
        overdue=OVERDUE_COUNTERS,
        provisional=provisional.open_counts,
    )
    return PlainTextResponse(body, media_type="text/plain; version=0.0.4")
