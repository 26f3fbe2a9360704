"""Citizen routes: the caller's own record, and nothing of anyone else's."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Query
from pydantic import BaseModel

from api.deps import KeyringDep, RuntimeDep, SessionDep
from api.params import OptionalDbIntQuery
from api.policy import CitizenDep
from core.clock import clock
from core.consents import service as consents
from core.consents.schemas import AuthorizationCreate, AuthorizationView
from core.entries import service as record_service
from core.entries.schemas import EntryView, MyRecord, StatementPut
from core.queries.notice_schemas import Notification
from core.queries.notices import citizen_notifications
from core.queries.schemas import QueryHistoryItem
from core.queries.service import query_history

router = APIRouter(prefix="/me", tags=["citizen"])


@router.get("/record", response_model=MyRecord)
def my_record(
    principal: CitizenDep, session: SessionDep, keyring: KeyringDep, runtime: RuntimeDep
) -> MyRecord:
    """All of the caller's own entries."""
    return record_service.my_record(
        session=session,
        keyring=keyring,
        code_index=principal.own_code_index(),
        today=clock.today(),
        calendar=runtime.calendar,
    )


@router.put("/record/{entry_id}/statement", response_model=EntryView)
def put_statement(
    entry_id: uuid.UUID,
    payload: StatementPut,
    principal: CitizenDep,
    session: SessionDep,
    keyring: KeyringDep,
) -> EntryView:
    """Attach a statement (≤ 200 characters) to one of the caller's entries."""
    view = record_service.set_statement(
        session=session,
        keyring=keyring,
        code_index=principal.own_code_index(),
        entry_id=entry_id,
        statement=payload.statement,
        now=clock.now(),
    )
    session.commit()
    return view


@router.delete("/record/{entry_id}/statement", response_model=EntryView)
def delete_statement(
    entry_id: uuid.UUID, principal: CitizenDep, session: SessionDep, keyring: KeyringDep
) -> EntryView:
    """Remove the caller's statement from one of their entries."""
    view = record_service.set_statement(
        session=session,
        keyring=keyring,
        code_index=principal.own_code_index(),
        entry_id=entry_id,
        statement=None,
        now=clock.now(),
    )
    session.commit()
    return view


@router.post("/authorizations", response_model=AuthorizationView, status_code=201)
def grant_authorization(
    payload: AuthorizationCreate,
    principal: CitizenDep,
    session: SessionDep,
    keyring: KeyringDep,
) -> AuthorizationView:
    """Authorize one agency to query the caller's record for one purpose and scope."""
    view = consents.grant(
        session=session,
        keyring=keyring,
        code_index=principal.own_code_index(),
        payload=payload,
        now=clock.now(),
    )
    session.commit()
    return view


@router.get("/authorizations", response_model=list[AuthorizationView])
def list_authorizations(principal: CitizenDep, session: SessionDep) -> list[AuthorizationView]:
    """The caller's authorizations with their state now, newest first."""
    return consents.list_authorizations(
        session=session, code_index=principal.own_code_index(), now=clock.now()
    )


@router.delete("/authorizations/{authorization_id}", response_model=AuthorizationView)
def revoke_authorization(
    authorization_id: uuid.UUID, principal: CitizenDep, session: SessionDep
) -> AuthorizationView:
    """Revoke one of the caller's authorizations at once."""
    view = consents.revoke(
        session=session,
        code_index=principal.own_code_index(),
        authorization_id=authorization_id,
        now=clock.now(),
    )
    session.commit()
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


@router.get("/queries", response_model=list[QueryHistoryItem])
def my_queries(
    principal: CitizenDep,
    session: SessionDep,
    before: OptionalDbIntQuery = None,
    limit: int = Query(default=50, ge=1, le=200),
) -> list[QueryHistoryItem]:
    """Every query of the caller's record (sealed ones once lifted), each with its receipt."""
    return query_history(
        session=session,
        code_index=principal.own_code_index(),
        now=clock.now(),
        before=before,
        limit=limit,
    )


@router.get("/notifications", response_model=list[Notification])
def my_notifications(
    principal: CitizenDep,
    session: SessionDep,
    limit: int = Query(default=50, ge=1, le=200),
) -> list[Notification]:
    """The caller's outbox: every query of their record and every event of their entries."""
    return citizen_notifications(
        session=session, code_index=principal.own_code_index(), now=clock.now(), limit=limit
    )
