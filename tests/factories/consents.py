"""Consents: an authorization's fields, as a service payload, an API body and a page form,
and the agency it names registered first (a grant to an unregistered agency is refused)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlmodel import Session

from core.clock import clock, local_date
from core.consents import service as consents
from core.consents.schemas import AuthorizationCreate, AuthorizationGranted
from core.context import Context
from core.directory import service as directory
from core.keyring import Keyring
from core.runtime import Runtime
from tests.factories.directory import make_agency


def grant_fields(**overrides: Any) -> dict[str, Any]:
    """A valid grant: bank-1 may look up black and red entries, twice within 30 days."""
    return {
        "agency": "bank-1",
        "purpose": "credit_loan",
        "list_kinds": ["black", "red"],
        "domains": [],
        "expires_at": clock.now() + timedelta(days=30),
        "max_uses": 2,
        **overrides,
    }


def grant_payload(**overrides: Any) -> AuthorizationCreate:
    """A `grant_fields` grant as the service takes it (validated here, so it may raise)."""
    return AuthorizationCreate.model_validate(grant_fields(**overrides))


def grant_json(**overrides: Any) -> dict[str, Any]:
    """A `grant_fields` grant as the API's JSON body; an override is sent as given."""
    fields = grant_fields()
    return {**fields, "expires_at": fields["expires_at"].isoformat(), **overrides}


def grant_form(**overrides: Any) -> dict[str, Any]:
    """A `grant_fields` grant as the page's form posts it; an override is sent as given."""
    fields = grant_fields()
    # The form names the last day a grant is valid, and an unticked domain box sends nothing.
    form = {k: fields[k] for k in ("agency", "purpose", "list_kinds")}
    form |= {"expires_on": local_date(fields["expires_at"]).isoformat()}
    return form | {"max_uses": str(fields["max_uses"])} | overrides


def agency_registered(ctx: Context, slug: str = "bank-1", **names: str) -> None:
    """Register the agency `slug` (with `make_agency`'s names by default) unless it is."""
    if not directory.names(ctx).known(slug):
        make_agency(ctx, slug, **names)


def register_agency(runtime: Runtime, slug: str = "bank-1", **names: str) -> None:
    """Register an agency in a runtime's database unless it is, and commit (for tests over
    a live app)."""
    with Session(runtime.engine) as session:
        agency_registered(Context(session, runtime.keyring), slug, **names)
        session.commit()


def granted(
    session: Session, keyring: Keyring, code_index: bytes, **overrides: Any
) -> AuthorizationGranted:
    """The citizen of `code_index` grants a `grant_payload` authorization through the service,
    its agency registered first."""
    ctx = Context(session, keyring)
    payload = grant_payload(**overrides)
    agency_registered(ctx, payload.agency)
    return consents.grant(ctx, code_index=code_index, payload=payload)
