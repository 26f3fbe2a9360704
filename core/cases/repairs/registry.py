"""The registry of certifying organisations whose signed credentials count for repair (§8).

Invariants:
- kept by admins; it holds organisations and their public keys only, never personal data;
- each organisation has a kind (charity, training provider, volunteer organisation) that
  says which credential it may issue, and Ed25519 public keys: registering a new key
  retires the current one at that moment, and retired keys are kept with their period so
  credentials issued under them still verify;
- a code is registered once (unique key); an organisation is never deleted, only
  deactivated, so applications filed under it keep naming it;
- a deactivated organisation's certificates are refused for new applications.
"""

from __future__ import annotations

import base64
import uuid
from datetime import datetime

from sqlmodel import Session

from core.cases.repairs import repository as repo
from core.cases.repairs.schemas import (
    OrganisationCreate,
    OrganisationKeyView,
    OrganisationView,
)
from core.errors import Conflict, InvalidInput, NotFound
from core.models import CertifyingOrganisation, OrganisationKey
from crypto import credential as signed


def _view(session: Session, row: CertifyingOrganisation) -> OrganisationView:
    keys = [
        OrganisationKeyView(
            id=k.id,
            public_key=base64.b64encode(k.public_key).decode("ascii"),
            valid_from=k.valid_from,
            retired_at=k.retired_at,
        )
        for k in repo.organisation_keys(session, row.id)
    ]
    return OrganisationView(
        id=row.id,
        code=row.code,
        name=row.name,
        kind=row.kind,
        active=row.active,
        created_at=row.created_at,
        keys=keys,
    )


def _raw_key(text: str) -> bytes:
    try:
        return signed.public_key_from_b64(text.strip())
    except signed.BadKey as exc:
        raise InvalidInput(
            f"the public key is not an Ed25519 key: {exc}", rule="bad_public_key"
        ) from None


def register(*, session: Session, payload: OrganisationCreate, now: datetime) -> OrganisationView:
    """Register an organisation (and its first key); a code already registered is a Conflict."""
    raw = None if payload.public_key is None else _raw_key(payload.public_key)
    row = CertifyingOrganisation(
        id=uuid.uuid4(),
        code=payload.code,
        name=payload.name,
        kind=payload.kind,
        active=True,
        created_at=now,
    )
    if not repo.add_organisation(session, row):
        raise Conflict(
            "an organisation with this code is registered already", rule="duplicate_organisation"
        )
    if raw is not None:
        _add_key(session, row.id, raw, now)
    return _view(session, row)


def _add_key(session: Session, organisation_id: uuid.UUID, raw: bytes, now: datetime) -> None:
    key = OrganisationKey(
        id=uuid.uuid4(), organisation_id=organisation_id, public_key=raw, valid_from=now
    )
    if not repo.add_key(session, key, now=now):
        raise Conflict(
            "this key is registered for the organisation already", rule="duplicate_public_key"
        )


def register_key(
    *, session: Session, organisation_id: uuid.UUID, public_key: str, now: datetime
) -> OrganisationView:
    """Give an organisation a new current key; its current one retires now (kept)."""
    raw = _raw_key(public_key)
    row = repo.organisation_by_id(session, organisation_id)
    if row is None:
        raise NotFound("no such organisation")
    _add_key(session, row.id, raw, now)
    return _view(session, row)


def list_organisations(*, session: Session) -> list[OrganisationView]:
    """Every registered organisation, active or not, by code."""
    return [_view(session, row) for row in repo.organisations(session)]


def deactivate(*, session: Session, organisation_id: uuid.UUID) -> OrganisationView:
    """Stop accepting an organisation's certificates (idempotent)."""
    if not repo.set_organisation_active(session, organisation_id=organisation_id, active=False):
        raise NotFound("no such organisation")
    row = repo.organisation_by_id(session, organisation_id)
    if row is None:  # pragma: no cover - it was just updated
        raise NotFound("no such organisation")
    session.refresh(row)
    return _view(session, row)
