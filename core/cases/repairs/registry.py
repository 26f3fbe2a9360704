"""The registry of certifying organisations whose volunteering certificates count (§8).

Invariants:
- kept by admins; it holds organisations only, never personal data;
- a code is registered once (unique key); an organisation is never deleted, only
  deactivated, so applications filed under it keep naming it;
- a deactivated organisation's certificates are refused for new applications.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlmodel import Session

from core.cases.repairs import repository as repo
from core.cases.repairs.schemas import OrganisationCreate, OrganisationView
from core.errors import Conflict, NotFound
from core.models import CertifyingOrganisation


def _view(row: CertifyingOrganisation) -> OrganisationView:
    return OrganisationView(
        id=row.id, code=row.code, name=row.name, active=row.active, created_at=row.created_at
    )


def register(*, session: Session, payload: OrganisationCreate, now: datetime) -> OrganisationView:
    """Register an organisation; a code already registered is a Conflict."""
    row = CertifyingOrganisation(
        id=uuid.uuid4(), code=payload.code, name=payload.name, active=True, created_at=now
    )
    if not repo.add_organisation(session, row):
        raise Conflict(
            "an organisation with this code is registered already", rule="duplicate_organisation"
        )
    return _view(row)


def list_organisations(*, session: Session) -> list[OrganisationView]:
    """Every registered organisation, active or not, by code."""
    return [_view(row) for row in repo.organisations(session)]


def deactivate(*, session: Session, organisation_id: uuid.UUID) -> OrganisationView:
    """Stop accepting an organisation's certificates (idempotent)."""
    if not repo.set_organisation_active(session, organisation_id=organisation_id, active=False):
        raise NotFound("no such organisation")
    row = repo.organisation_by_id(session, organisation_id)
    if row is None:  # pragma: no cover - it was just updated
        raise NotFound("no such organisation")
    session.refresh(row)
    return _view(row)
