"""The principal: a verified caller, built from access-token claims.

Invariants: roles are exactly those of SPEC §1 and never imply one another; a
citizen principal carries only the blind index of their verified code, never
the code itself; the repr shows no personal data.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal, get_args

from core.codes import InvalidCode, validate_code
from core.errors import Forbidden, Unauthenticated
from core.keyring import Keyring

# Every role but the citizen's signs in with client credentials.
ClientRole = Literal[
    "agency", "recorder", "objection_officer", "repair_officer", "auditor", "admin"
]
Role = Literal["citizen", ClientRole]
ROLES: tuple[str, ...] = get_args(Role)
DEPARTMENT_ROLES = frozenset({"recorder", "objection_officer", "repair_officer"})
ROLE_CLAIM = "role"
DEPARTMENT_CLAIM = "department"
AGENCY_CLAIM = "agency"
SUPERVISOR_CLAIM = "supervisor"


@dataclass(frozen=True)
class Principal:
    """Who is calling, as far as authorization needs to know."""

    subject: str
    role: Role
    token_id: str
    expires_at: datetime
    department: str | None = None
    agency: str | None = None
    supervisor: bool = False
    code_index: bytes | None = field(default=None, repr=False)

    def own_code_index(self) -> bytes:
        """The blind index of the caller's verified code; refused for a token without one."""
        if self.code_index is None:
            raise Forbidden("the token carries no verified credit code")
        return self.code_index

    def own_department(self) -> str:
        """The caller's department, from the verified token (never from a request body)."""
        if self.department is None:
            raise Forbidden("the token names no department")
        return self.department

    def __repr__(self) -> str:
        return (
            f"Principal(role={self.role}, department={self.department}, "
            f"agency={self.agency}, token_id={self.token_id})"
        )


def principal_from_claims(
    claims: Mapping[str, object], *, keyring: Keyring, code_claim: str
) -> Principal:
    """Build a principal from verified claims; refuse tokens whose role claims are incomplete."""
    role = claims.get(ROLE_CLAIM)
    if role not in ROLES:
        raise Unauthenticated("the token carries no known role")
    department = claims.get(DEPARTMENT_CLAIM)
    agency = claims.get(AGENCY_CLAIM)
    if role in DEPARTMENT_ROLES and not (isinstance(department, str) and department):
        raise Unauthenticated("a department role needs a department claim")
    if role == "agency" and not (isinstance(agency, str) and agency):
        raise Unauthenticated("an agency token needs an agency claim")
    code_index = None
    if role == "citizen":
        raw = claims.get(code_claim)
        if not isinstance(raw, str):
            raise Unauthenticated("a citizen token needs a verified credit code claim")
        try:
            code_index = keyring.blind_index(validate_code(raw)[0])
        except InvalidCode:
            raise Unauthenticated("the credit code in the token is not valid") from None
    exp = claims.get("exp")
    if not isinstance(exp, int | float) or isinstance(exp, bool):
        raise Unauthenticated("the token has no expiry")
    try:
        expires_at = datetime.fromtimestamp(exp, UTC)
    except (OverflowError, ValueError, OSError):
        # Past what a datetime holds (year 33658, 1e308, NaN): no real expiry.
        raise Unauthenticated("the token has no valid expiry") from None
    return Principal(
        subject=str(claims.get("sub", "")),
        role=role,  # type: ignore[arg-type]
        token_id=str(claims.get("jti", "")),
        expires_at=expires_at,
        department=department if isinstance(department, str) and department else None,
        agency=agency if isinstance(agency, str) and agency else None,
        supervisor=claims.get(SUPERVISOR_CLAIM) is True,
        code_index=code_index,
    )
