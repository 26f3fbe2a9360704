"""Admin routes: the registry of certifying organisations (no personal data here)."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, status

from api.deps import SessionDep
from api.params import CursorQuery, LimitQuery
from api.policy import AdminDep
from core import paging
from core.cases.repairs import registry
from core.cases.repairs.schemas import KeyRegistration, OrganisationCreate, OrganisationView
from core.clock import clock
from core.paging import PAGE_DEFAULT, Page

router = APIRouter(prefix="/admin", tags=["admin"])


@router.post(
    "/certifying-organisations",
    response_model=OrganisationView,
    status_code=status.HTTP_201_CREATED,
)
def register_organisation(
    payload: OrganisationCreate, principal: AdminDep, session: SessionDep
) -> OrganisationView:
    """Register an organisation (kind, optional first Ed25519 key) whose credentials count."""
    view = registry.register(session=session, payload=payload, now=clock.now())
    session.commit()
    return view


@router.get("/certifying-organisations", response_model=Page[OrganisationView])
def list_organisations(
    principal: AdminDep,
    session: SessionDep,
    cursor: CursorQuery = None,
    limit: LimitQuery = PAGE_DEFAULT,
) -> Page[OrganisationView]:
    """Every registered organisation, active or not."""
    views = registry.list_organisations(session=session)
    return paging.sliced(views, scope="certifying-organisations", cursor=cursor, limit=limit)


@router.post(
    "/certifying-organisations/{organisation_id}/deactivate", response_model=OrganisationView
)
def deactivate_organisation(
    organisation_id: uuid.UUID, principal: AdminDep, session: SessionDep
) -> OrganisationView:
    """Stop accepting an organisation's certificates for new applications (idempotent)."""
    view = registry.deactivate(session=session, organisation_id=organisation_id)
    session.commit()
    return view


@router.post(
    "/certifying-organisations/{organisation_id}/keys",
    response_model=OrganisationView,
    status_code=status.HTTP_201_CREATED,
)
def register_key(
    organisation_id: uuid.UUID,
    payload: KeyRegistration,
    principal: AdminDep,
    session: SessionDep,
) -> OrganisationView:
    """Register (or rotate to) an organisation's Ed25519 key; the current one retires now."""
    view = registry.register_key(
        session=session,
        organisation_id=organisation_id,
        public_key=payload.public_key,
        now=clock.now(),
    )
    session.commit()
    return view
