"""Registered OAuth clients of the embedded issuer, and the role claims their tokens carry.

Invariants:

- A client secret is random (256 bits), returned exactly once by `add_client` and
  stored only as an argon2id hash; no message, log line or repr holds it.
- `authenticate_client` does the same argon2 work whether or not the id exists or is
  enabled (an unknown id is checked against a dummy hash), so its timing does not
  reveal which ids are registered; a disabled client never authenticates.
- Clients are organisations or departments: a client never has the `citizen` role
  (citizens sign in through OIDC). Department roles carry a department, the agency
  role an agency, and no role carries a field that does not apply to it, so every
  client's claims build a valid principal.
- Validation errors name the rule that failed and never echo the value given.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlmodel import Session

from core.codes import InvalidCode, validate_citizen_code
from core.errors import InvalidInput
from core.identity import clients_repository as repo
from core.identity.principal import (
    AGENCY_CLAIM,
    DEPARTMENT_CLAIM,
    DEPARTMENT_ROLES,
    ROLE_CLAIM,
    ROLES,
    SUPERVISOR_CLAIM,
)
from core.models import OAuthClient

CLIENT_ROLES: tuple[str, ...] = tuple(r for r in ROLES if r != "citizen")
CLIENT_ID_PREFIX = "cl_"
NAME_MAX = 128
_CLIENT_ID = re.compile(r"cl_[0-9a-f]{16}")
# Department and agency ids are stable slugs ("sz-tax-bureau"), as tokens and rows carry them.
_SLUG = re.compile(r"[a-z0-9](?:[a-z0-9._-]{0,62}[a-z0-9])?")
_HASHER = PasswordHasher()  # argon2id with the library's current recommended parameters


@dataclass(frozen=True)
class Identity:
    """A validated role with the department, agency and supervisor flag that go with it."""

    role: str
    department: str | None = None
    agency: str | None = None
    supervisor: bool = False


@cache
def _dummy_hash() -> str:
    """A hash of a secret nobody knows, with the same parameters as real ones."""
    return _HASHER.hash(secrets.token_urlsafe(32))


def _slug(value: str | None, field: str) -> str | None:
    if value is None:
        return None
    value = value.strip()
    if not _SLUG.fullmatch(value):
        raise InvalidInput(
            f"{field} must be 1 to 64 lower-case letters, digits, '.', '_' or '-', "
            "starting and ending with a letter or digit",
            rule=field,
        )
    return value


def check_identity(
    *,
    role: str,
    department: str | None,
    agency: str | None,
    supervisor: bool,
    roles: tuple[str, ...] = CLIENT_ROLES,
) -> Identity:
    """Validate a role and its fields; raises InvalidInput naming the rule that failed."""
    if role not in roles:
        raise InvalidInput(f"role must be one of: {', '.join(roles)}", rule="role")
    department = _slug(department, "department")
    agency = _slug(agency, "agency")
    if role in DEPARTMENT_ROLES and department is None:
        raise InvalidInput("this role needs a department", rule="department")
    if role not in DEPARTMENT_ROLES and department is not None:
        raise InvalidInput("only department roles take a department", rule="department")
    if role == "agency" and agency is None:
        raise InvalidInput("the agency role needs an agency", rule="agency")
    if role != "agency" and agency is not None:
        raise InvalidInput("only the agency role takes an agency", rule="agency")
    if supervisor and role not in DEPARTMENT_ROLES:
        raise InvalidInput("only department roles can be supervisors", rule="supervisor")
    return Identity(role=role, department=department, agency=agency, supervisor=supervisor)


def identity_claims(identity: Identity) -> dict[str, object]:
    """The role claims of an access token for this identity (absent fields are left out)."""
    claims: dict[str, object] = {ROLE_CLAIM: identity.role}
    if identity.department is not None:
        claims[DEPARTMENT_CLAIM] = identity.department
    if identity.agency is not None:
        claims[AGENCY_CLAIM] = identity.agency
    if identity.supervisor:
        claims[SUPERVISOR_CLAIM] = True
    return claims


def client_claims(client: OAuthClient) -> dict[str, object]:
    """The role claims of an access token issued to this client."""
    return identity_claims(
        Identity(
            role=client.role,
            department=client.department,
            agency=client.agency,
            supervisor=client.supervisor,
        )
    )


def add_client(
    *,
    session: Session,
    name: str,
    role: str,
    department: str | None,
    agency: str | None,
    supervisor: bool,
    now: datetime,
) -> tuple[OAuthClient, str]:
    """Register a client; returns it with its plaintext secret, which is never available again."""
    identity = check_identity(
        role=role, department=department, agency=agency, supervisor=supervisor
    )
    name = name.strip()
    if not name or len(name) > NAME_MAX or not name.isprintable():
        raise InvalidInput(
            f"name must be 1 to {NAME_MAX} printable characters (an organisation or department)",
            rule="name",
        )
    secret = secrets.token_urlsafe(32)
    client = OAuthClient(
        client_id=CLIENT_ID_PREFIX + secrets.token_hex(8),
        secret_hash=_HASHER.hash(secret),
        name=name,
        role=identity.role,
        department=identity.department,
        agency=identity.agency,
        supervisor=identity.supervisor,
        created_at=now,
    )
    return repo.add_client(session, client), secret


def authenticate_client(*, session: Session, client_id: str, secret: str) -> OAuthClient | None:
    """The enabled client these credentials prove, or None (same work for unknown ids)."""
    client = repo.get_client(session, client_id) if _CLIENT_ID.fullmatch(client_id) else None
    stored = client.secret_hash if client is not None else _dummy_hash()
    verified: bool
    try:
        verified = _HASHER.verify(stored, secret)
    except (VerificationError, InvalidHashError):
        verified = False
    if not verified or client is None or client.disabled_at is not None:
        return None
    if _HASHER.check_needs_rehash(stored):
        repo.set_secret_hash(
            session, client_id=client.client_id, old=stored, new=_HASHER.hash(secret)
        )
    return client


def disable_client(*, session: Session, client_id: str, now: datetime) -> bool:
    """Disable a client for good; its tokens stop being issued at once. True if it was enabled."""
    return repo.disable_client(session, client_id=client_id, now=now)


def list_clients(*, session: Session) -> list[OAuthClient]:
    """Every registered client, enabled or disabled (never a secret or its hash)."""
    return repo.list_clients(session)


def dev_token_claims(
    *,
    role: str,
    code: str | None,
    department: str | None,
    agency: str | None,
    supervisor: bool,
    code_claim: str,
) -> dict[str, object]:
    """Claims for a development token: a client's role claims, or a citizen with a valid code."""
    identity = check_identity(
        role=role, department=department, agency=agency, supervisor=supervisor, roles=ROLES
    )
    claims = identity_claims(identity)
    if role != "citizen":
        if code is not None:
            raise InvalidInput("only the citizen role takes a code", rule="code")
        return claims
    if code is None:
        raise InvalidInput("the citizen role needs a citizen code", rule="code")
    try:
        claims[code_claim] = validate_citizen_code(code)
    except InvalidCode as exc:
        rule = exc.rule
        message = exc.message
    else:
        return claims
    # Raised outside the except block so the InvalidCode (and its context) is not chained.
    raise InvalidInput(message, rule=rule)
