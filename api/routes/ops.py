"""Operations: liveness and readiness."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import text

from api.deps import KeyringDep, SessionDep
from api.errors import problem
from api.policy import public
from core.errors import KeysUnavailable
from core.services.keys import verify_keys

router = APIRouter(tags=["ops"], dependencies=[Depends(public)])


class Health(BaseModel):
    """Liveness or readiness status."""

    status: Literal["ok", "ready"]


@router.get("/healthz", response_model=Health)
async def healthz() -> Health:
    """The process is up."""
    return Health(status="ok")


@router.get("/readyz", response_model=Health, responses={503: {"description": "not ready"}})
def readyz(session: SessionDep, keyring: KeyringDep) -> Health | JSONResponse:
    """The database answers and the key provider holds every key the data needs."""
    try:
        session.execute(text("SELECT 1"))
        verify_keys(session=session, keyring=keyring)
        session.commit()
    except KeysUnavailable:
        return problem(503, "not-ready", "Not ready", "The key provider check failed.")
    except Exception:
        return problem(503, "not-ready", "Not ready", "The database is unreachable.")
    return Health(status="ready")
