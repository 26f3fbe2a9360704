"""Route policies: every route names who may call it, in one dependency.

Invariants: a policy is a dependency object carrying its allowed roles, so the
route table itself says who may call what (the authorization-matrix test reads
it); roles never imply one another; a missing or invalid token is 401, a valid
token of another role is 403.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from core.errors import Forbidden, Unauthenticated
from core.identity.authenticator import Authenticator
from core.identity.principal import ROLES, Principal

PUBLIC = "public"


def _bearer(request: Request) -> str:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("a bearer access token is required")
    return token.strip()


def authenticate(request: Request) -> Principal:
    """The verified principal of a request (401 when the token is missing or invalid)."""
    authenticator: Authenticator = request.app.state.authenticator
    return authenticator.authenticate(_bearer(request))


class Policy:
    """A dependency that admits only the given roles (or everyone, for public routes)."""

    def __init__(self, *roles: str) -> None:
        unknown = set(roles) - set(ROLES) - {PUBLIC}
        if unknown or not roles:
            raise ValueError(f"unknown roles in policy: {sorted(unknown)}")
        self.roles = frozenset(roles)

    def __repr__(self) -> str:
        return f"Policy({', '.join(sorted(self.roles))})"

    def __call__(self, request: Request) -> Principal | None:
        """Admit the caller or refuse with 401/403."""
        if PUBLIC in self.roles:
            return None
        principal = authenticate(request)
        if principal.role not in self.roles:
            raise Forbidden("this role may not use this endpoint")
        return principal


public = Policy(PUBLIC)
citizen_only = Policy("citizen")
recorder_only = Policy("recorder")
auditor_only = Policy("auditor")
agency_only = Policy("agency")
objection_officer_only = Policy("objection_officer")
repair_officer_only = Policy("repair_officer")
admin_only = Policy("admin")

PublicDep = Annotated[None, Depends(public)]
CitizenDep = Annotated[Principal, Depends(citizen_only)]
RecorderDep = Annotated[Principal, Depends(recorder_only)]
AuditorDep = Annotated[Principal, Depends(auditor_only)]
AgencyDep = Annotated[Principal, Depends(agency_only)]
ObjectionOfficerDep = Annotated[Principal, Depends(objection_officer_only)]
RepairOfficerDep = Annotated[Principal, Depends(repair_officer_only)]
AdminDep = Annotated[Principal, Depends(admin_only)]
