"""Route policies: every route names who may call it, in one dependency.

Invariants: one table (`AUDIENCES`) says who qualifies for each audience; the API
policies here and the page policies (`api.pages.session`) are both built from it. A
policy is a dependency object carrying its allowed roles, so the route table itself
says who may call what (the authorization-matrix test reads
it); roles never imply one another; a missing or invalid token is 401, a valid
token of another role is 403. A policy is an async dependency: a bearer token verified
before is admitted from the authenticator's cache on the event loop (no thread-pool
hop); anything else (a new token, whose key set may have to be fetched; a page session,
read from storage) is decided by `principal` in a worker thread, as a sync dependency was.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Annotated, ClassVar, Final, TypeVar

from fastapi import Depends, Request
from starlette.concurrency import run_in_threadpool

from api.state import app_state
from core.errors import Forbidden, Unauthenticated
from core.identity.principal import ROLES, Principal

PUBLIC = "public"

# Who qualifies for each audience: the one table the API and the page policies are built from.
AUDIENCES: Final[Mapping[str, tuple[str, ...]]] = MappingProxyType(
    {
        "public": (PUBLIC,),
        "citizen": ("citizen",),
        "recorder": ("recorder",),
        "auditor": ("auditor",),
        "agency": ("agency",),
        "objection_officer": ("objection_officer",),
        "repair_officer": ("repair_officer",),
        "admin": ("admin",),
        # Objection evidence: the case's objector or an officer of its department.
        "objector_or_officer": ("citizen", "objection_officer"),
    }
)


def _bearer_or_none(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def _bearer(request: Request) -> str:
    token = _bearer_or_none(request)
    if token is None:
        raise Unauthenticated("a bearer access token is required")
    return token


def authenticate(request: Request) -> Principal:
    """The verified principal of a request (401 when the token is missing or invalid)."""
    return app_state(request).authenticator.authenticate(_bearer(request))


class Policy:
    """A dependency that admits only the given roles (or everyone, for public routes)."""

    refusal: ClassVar[type[Forbidden]] = Forbidden
    refusal_message: ClassVar[str] = "this role may not use this endpoint"

    def __init__(self, *roles: str) -> None:
        unknown = set(roles) - set(ROLES) - {PUBLIC}
        if unknown or not roles:
            raise ValueError(f"unknown roles in policy: {sorted(unknown)}")
        self.roles = frozenset(roles)

    def __repr__(self) -> str:
        return f"Policy({', '.join(sorted(self.roles))})"

    async def __call__(self, request: Request) -> Principal | None:
        """Admit the caller or refuse with 401/403."""
        if PUBLIC in self.roles:
            return None
        principal = self.cached_principal(request)
        if principal is None:
            principal = await run_in_threadpool(self.principal, request)
        if principal.role not in self.roles:
            raise self.refusal(self.refusal_message)
        return principal

    def cached_principal(self, request: Request) -> Principal | None:
        """The caller, if their bearer token was verified before (never blocks), else None."""
        # A Bearer header wins over a page session in `PagePolicy.principal` too.
        token = _bearer_or_none(request)
        return None if token is None else app_state(request).authenticator.cached(token)

    def principal(self, request: Request) -> Principal:
        """The verified caller (an API caller sends a Bearer token)."""
        return authenticate(request)


P = TypeVar("P", bound=Policy)


def policies(kind: type[P]) -> dict[str, P]:
    """One policy of `kind` per audience of the table."""
    return {name: kind(*roles) for name, roles in AUDIENCES.items()}


API_POLICIES: Final = policies(Policy)
public = API_POLICIES["public"]
citizen_only = API_POLICIES["citizen"]
recorder_only = API_POLICIES["recorder"]
auditor_only = API_POLICIES["auditor"]
agency_only = API_POLICIES["agency"]
objection_officer_only = API_POLICIES["objection_officer"]
repair_officer_only = API_POLICIES["repair_officer"]
admin_only = API_POLICIES["admin"]
objector_or_officer = API_POLICIES["objector_or_officer"]

PublicDep = Annotated[None, Depends(public)]
CitizenDep = Annotated[Principal, Depends(citizen_only)]
RecorderDep = Annotated[Principal, Depends(recorder_only)]
AuditorDep = Annotated[Principal, Depends(auditor_only)]
AgencyDep = Annotated[Principal, Depends(agency_only)]
ObjectionOfficerDep = Annotated[Principal, Depends(objection_officer_only)]
RepairOfficerDep = Annotated[Principal, Depends(repair_officer_only)]
AdminDep = Annotated[Principal, Depends(admin_only)]
ObjectorOrOfficerDep = Annotated[Principal, Depends(objector_or_officer)]
