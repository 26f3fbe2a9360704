"""The query log in public (§6, §12): the signed checkpoint and the key that verifies it."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from fastapi.responses import PlainTextResponse

from api.deps import LogSignerDep, SessionDep
from api.policy import public
from core.querylog import checkpoints

router = APIRouter(prefix="/public", tags=["public"], dependencies=[Depends(public)])


@router.get("/checkpoint", response_class=PlainTextResponse)
def checkpoint(session: SessionDep) -> PlainTextResponse:
    """The latest signed checkpoint, as a C2SP tlog-checkpoint signed note."""
    note = checkpoints.latest_checkpoint_note(session=session)
    return PlainTextResponse(note, headers={"Cache-Control": "no-cache"})


@router.get("/log-key", response_class=PlainTextResponse)
def log_key(signer: LogSignerDep) -> PlainTextResponse:
    """The verifier key (`name+id+key`) that checkpoints are signed with."""
    return PlainTextResponse(signer.verifier_key())
