"""Schemas for authorizations as a citizen grants them and as their owner reads them."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints, model_validator

from core.clock import clock
from core.queries.catalogues import PurposeCode
from core.vocabulary import Domain, ListKind

AgencyId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{1,63}$")]
# The short code a citizen hands an agency, as the agency may type it: "K7QX-M2PD".
AuthorizationCode = Annotated[
    str, StringConstraints(pattern=r"^[A-Za-z0-9]{4}[- ]?[A-Za-z0-9]{4}$", max_length=9)
]
AuthorizationState = Literal["active", "used_up", "expired", "revoked", "pending"]

MAX_USES = 100
# The authorization listings page like the public lists: at most this many a page.
PAGE_MAX = 100
PAGE_DEFAULT = 50
# A client clock a little behind ours must not make "start now" look backdated.
START_SKEW = timedelta(minutes=5)


def one_year_after(start: datetime) -> datetime:
    """The same instant a calendar year later (29 February becomes 1 March)."""
    try:
        return start.replace(year=start.year + 1)
    except ValueError:
        return start.replace(year=start.year + 1, month=3, day=1)


def _distinct(values: list[str], field: str) -> None:
    if len(set(values)) != len(values):
        raise ValueError(f"{field} must not repeat a value")


class AuthorizationCreate(BaseModel):
    """A consent as the citizen grants it; the subject comes from their token, never the body."""

    model_config = ConfigDict(extra="forbid", hide_input_in_errors=True)

    agency: AgencyId
    purpose: PurposeCode
    list_kinds: list[ListKind] = Field(min_length=1, max_length=4)
    domains: list[Domain] = Field(default_factory=list, max_length=10)
    starts_at: AwareDatetime | None = None
    expires_at: AwareDatetime
    max_uses: int = Field(ge=1, le=MAX_USES)

    @model_validator(mode="after")
    def _scope_and_window(self) -> AuthorizationCreate:
        _distinct(list(self.list_kinds), "list_kinds")
        _distinct(list(self.domains), "domains")
        now = clock.now()
        start = now if self.starts_at is None else self.starts_at
        if start < now - START_SKEW:
            raise ValueError("starts_at must not be in the past")
        if self.expires_at <= start:
            raise ValueError("expires_at must be after the start")
        if self.expires_at > one_year_after(start):
            raise ValueError("an authorization may last at most one year")
        return self


class AuthorizationView(BaseModel):
    """One authorization as its owner sees it, with its state at the time of reading."""

    id: uuid.UUID
    agency: str
    purpose: PurposeCode
    list_kinds: list[ListKind]
    domains: list[Domain]
    starts_at: datetime
    expires_at: datetime
    max_uses: int
    uses: int
    revoked_at: datetime | None
    created_at: datetime
    policy_version: int
    state: AuthorizationState
    # When the citizen sent it to the agency's inbox (null: not sent).
    delivered_at: datetime | None = None


class AuthorizationGranted(AuthorizationView):
    """A grant just made, with its short code: shown to the citizen this once, never stored."""

    authorization_code: str = Field(repr=False, examples=["K7QX-M2PD"])


class AuthorizationPage(BaseModel):
    """One page of the citizen's authorizations, newest first; `next_cursor` null on the last."""

    items: list[AuthorizationView]
    next_cursor: str | None = None


class HeldAuthorization(BaseModel):
    """A grant as the agency holding it sees it: the subject masked, never its code."""

    id: uuid.UUID
    subject: str = Field(description="The subject's code masked: first two and last two kept.")
    purpose: PurposeCode
    list_kinds: list[ListKind]
    domains: list[Domain]
    starts_at: datetime
    expires_at: datetime
    max_uses: int
    uses: int
    revoked_at: datetime | None
    created_at: datetime
    delivered_at: datetime | None
    state: AuthorizationState


class HeldAuthorizationPage(BaseModel):
    """One page of the grants an agency holds, newest first; `next_cursor` null on the last."""

    items: list[HeldAuthorization]
    next_cursor: str | None = None
