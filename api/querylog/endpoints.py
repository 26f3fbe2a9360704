"""The query log in public (§6, §12): the signed checkpoint, the key that verifies it, and
the witnesses whose cosignatures it carries."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from fastapi.responses import PlainTextResponse

from api.deps import LogSignerDep, RuntimeDep, SessionDep
from api.policy import public
from core.querylog import checkpoints
from core.querylog.schemas import WitnessesPublic

router = APIRouter(prefix="/public", tags=["public"], dependencies=[Depends(public)])


@router.get("/checkpoint", response_class=PlainTextResponse)
def checkpoint(session: SessionDep, runtime: RuntimeDep) -> PlainTextResponse:
    """The latest signed checkpoint (with a witness quorum, the latest that many cosigned),
    as a C2SP tlog-checkpoint signed note carrying the witnesses' cosignature lines."""
    note = checkpoints.latest_checkpoint_note(session=session, witnesses=runtime.witnesses)
    return PlainTextResponse(note, headers={"Cache-Control": "no-cache"})


@router.get("/log-key", response_class=PlainTextResponse)
def log_key(signer: LogSignerDep) -> PlainTextResponse:
    """The verifier key (`name+id+key`) that checkpoints are signed with."""
    return PlainTextResponse(signer.verifier_key())


@router.get("/witnesses", response_model=WitnessesPublic)
def witnesses(runtime: RuntimeDep) -> WitnessesPublic:
    """The witnesses' cosigner keys (C2SP tlog-cosignature vkeys) and the quorum."""
    configured = runtime.witnesses
    return WitnessesPublic(quorum=configured.quorum, witnesses=[str(k) for k in configured.keys])
