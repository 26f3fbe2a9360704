"""Citizen routes for authorizations and the record freeze (§6), and the agency's listing of
the grants it holds."""

from __future__ import annotations

import uuid
from typing import Annotated, Final

from fastapi import APIRouter, Query
from pydantic import BaseModel

from api.deps import ContextDep, SessionDep
from api.policy import AgencyDep, CitizenDep
from core.clock import clock
from core.consents import service as consents
from core.consents.policy import CURSOR_MAX
from core.consents.schemas import (
    PAGE_DEFAULT,
    PAGE_MAX,
    AuthorizationCreate,
    AuthorizationGranted,
    AuthorizationPage,
    AuthorizationView,
    HeldAuthorizationPage,
)
from core.errors import Forbidden

router = APIRouter()
me_router = APIRouter(prefix="/me", tags=["citizen"])
agency_router = APIRouter(prefix="/agency", tags=["agency"])

Limit = Annotated[int, Query(ge=1, le=PAGE_MAX, description=f"Items per page (1-{PAGE_MAX}).")]
Cursor = Annotated[
    str | None, Query(min_length=1, max_length=CURSOR_MAX, description="next_cursor of a page.")
]
GRANTED_DESCRIPTION: Final = (
    "The grant, with `authorization_code`: the short code to give the agency, which it may "
    "send instead of the authorization id. It is shown in this response only; only a keyed "
    "hash of it is stored."
)


@me_router.post(
    "/authorizations",
    response_model=AuthorizationGranted,
    status_code=201,
    responses={201: {"description": GRANTED_DESCRIPTION}},
)
def grant_authorization(
    payload: AuthorizationCreate,
    principal: CitizenDep,
    ctx: ContextDep,
) -> AuthorizationGranted:
    """Authorize one registered agency to query the caller's record for one purpose and scope."""
    view = consents.grant(ctx, code_index=principal.own_code_index(), payload=payload)
    ctx.session.commit()
    return view


@me_router.get("/authorizations", response_model=AuthorizationPage)
def list_authorizations(
    principal: CitizenDep,
    ctx: ContextDep,
    limit: Limit = PAGE_DEFAULT,
    cursor: Cursor = None,
) -> AuthorizationPage:
    """The caller's authorizations with their state now, newest first; cursor-paged."""
    return consents.authorizations_page(
        ctx, code_index=principal.own_code_index(), cursor=cursor, limit=limit
    )


@me_router.delete("/authorizations/{authorization_id}", response_model=AuthorizationView)
def revoke_authorization(
    authorization_id: uuid.UUID, principal: CitizenDep, ctx: ContextDep
) -> AuthorizationView:
    """Revoke one of the caller's authorizations at once."""
    view = consents.revoke(
        ctx, code_index=principal.own_code_index(), authorization_id=authorization_id
    )
    ctx.session.commit()
    return view


@me_router.post("/authorizations/{authorization_id}/delivery", response_model=AuthorizationView)
def deliver_authorization(
    authorization_id: uuid.UUID, principal: CitizenDep, ctx: ContextDep
) -> AuthorizationView:
    """Send one of the caller's grants in force to its agency's inbox (again: no change)."""
    view = consents.deliver(
        ctx, code_index=principal.own_code_index(), authorization_id=authorization_id
    )
    ctx.session.commit()
    return view


class FreezeStatus(BaseModel):
    """Whether the caller's record is frozen."""

    frozen: bool


@me_router.put("/freeze", response_model=FreezeStatus)
def freeze_record(principal: CitizenDep, session: SessionDep) -> FreezeStatus:
    """Freeze the record: authorization-based queries are refused until it is lifted."""
    consents.freeze(session=session, code_index=principal.own_code_index(), now=clock.now())
    session.commit()
    return FreezeStatus(frozen=True)


@me_router.delete("/freeze", response_model=FreezeStatus)
def unfreeze_record(principal: CitizenDep, session: SessionDep) -> FreezeStatus:
    """Lift the freeze."""
    consents.unfreeze(session=session, code_index=principal.own_code_index(), now=clock.now())
    session.commit()
    return FreezeStatus(frozen=False)


@agency_router.get("/authorizations", response_model=HeldAuthorizationPage)
def held_authorizations(
    principal: AgencyDep,
    ctx: ContextDep,
    limit: Limit = PAGE_DEFAULT,
    cursor: Cursor = None,
) -> HeldAuthorizationPage:
    """The grants this agency holds — sent to its inbox by the citizen, or used by it —
    active and past, newest first, the subject masked; cursor-paged."""
    if principal.agency is None:
        raise Forbidden("the token names no agency")
    return consents.held_authorizations(ctx, agency=principal.agency, cursor=cursor, limit=limit)


router.include_router(me_router)
router.include_router(agency_router)
