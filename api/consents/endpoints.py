"""Citizen routes for authorizations and the record freeze (§6)."""

from __future__ import annotations

import uuid

from fastapi import APIRouter
from pydantic import BaseModel

from api.deps import ContextDep, SessionDep
from api.policy import CitizenDep
from core.clock import clock
from core.consents import service as consents
from core.consents.schemas import AuthorizationCreate, AuthorizationView

router = APIRouter(prefix="/me", tags=["citizen"])


@router.post("/authorizations", response_model=AuthorizationView, status_code=201)
def grant_authorization(
    payload: AuthorizationCreate,
    principal: CitizenDep,
    ctx: ContextDep,
) -> AuthorizationView:
    """Authorize one agency to query the caller's record for one purpose and scope."""
    view = consents.grant(ctx, code_index=principal.own_code_index(), payload=payload)
    ctx.session.commit()
    return view


@router.get("/authorizations", response_model=list[AuthorizationView])
def list_authorizations(principal: CitizenDep, ctx: ContextDep) -> list[AuthorizationView]:
    """The caller's authorizations with their state now, newest first."""
    return consents.list_authorizations(ctx, code_index=principal.own_code_index())


@router.delete("/authorizations/{authorization_id}", response_model=AuthorizationView)
def revoke_authorization(
    authorization_id: uuid.UUID, principal: CitizenDep, ctx: ContextDep
) -> AuthorizationView:
    """Revoke one of the caller's authorizations at once."""
    view = consents.revoke(
        ctx, code_index=principal.own_code_index(), authorization_id=authorization_id
    )
    ctx.session.commit()
    return view


class FreezeStatus(BaseModel):
    """Whether the caller's record is frozen."""

    frozen: bool


@router.put("/freeze", response_model=FreezeStatus)
def freeze_record(principal: CitizenDep, session: SessionDep) -> FreezeStatus:
    """Freeze the record: authorization-based queries are refused until it is lifted."""
    consents.freeze(session=session, code_index=principal.own_code_index(), now=clock.now())
    session.commit()
    return FreezeStatus(frozen=True)


@router.delete("/freeze", response_model=FreezeStatus)
def unfreeze_record(principal: CitizenDep, session: SessionDep) -> FreezeStatus:
    """Lift the freeze."""
    consents.unfreeze(session=session, code_index=principal.own_code_index(), now=clock.now())
    session.commit()
    return FreezeStatus(frozen=False)
