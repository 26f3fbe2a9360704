"""Schemas of credit repair (§8): the filing, the officer's decision, the views of a case,
and the admins' registry of certifying organisations."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints

from core.cases.deadlines import LegalClock
from core.cases.schemas import CaseFilter, EvidenceView, HistoryItem
from core.entries.visibility import Visibility
from core.vocabulary import Domain, EntryState, ListKind, RepairWay, Severity

RepairStatus = Literal["filed", "accepted", "declined", "approved", "rejected"]
Decision = Literal["accept", "decline", "approve", "reject"]


def _no_control_chars(value: str) -> str:
    if any(ord(c) < 0x20 and c not in "\n\t" for c in value):
        raise ValueError("control characters are not allowed")
    return value


def _single_line(value: str) -> str:
    if any(ord(c) < 0x20 for c in value):
        raise ValueError("control characters are not allowed")
    return value


FreeText = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=2000),
    AfterValidator(_no_control_chars),
]
OrganisationCode = Annotated[
    str, StringConstraints(strip_whitespace=True, pattern=r"^[A-Za-z0-9._-]{1,64}$")
]
OrganisationName = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=200),
    AfterValidator(_single_line),
]
CertificateId = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=64),
    AfterValidator(_single_line),
]


# --- the registry of certifying organisations (admins) --------------------------------


OrganisationKind = Literal["charity", "training_provider", "volunteer_organisation"]
CredentialKind = Literal["donation_receipt", "training_completion", "volunteering_certificate"]


class OrganisationCreate(BaseModel):
    """An organisation whose signed receipts, completions or certificates count for repair.

    `public_key` (optional here, or registered later) is its Ed25519 public key: 32 raw
    bytes in base64.
    """

    model_config = ConfigDict(extra="forbid", hide_input_in_errors=True)

    code: OrganisationCode
    name: OrganisationName
    kind: OrganisationKind = "volunteer_organisation"
    public_key: str | None = Field(default=None, max_length=64)


class KeyRegistration(BaseModel):
    """A new Ed25519 public key of an organisation (base64 of 32 raw bytes); the old one retires."""

    model_config = ConfigDict(extra="forbid", hide_input_in_errors=True)

    public_key: str = Field(max_length=64)


class OrganisationKeyView(BaseModel):
    """One key of an organisation and the period it signs for (retired_at None: current)."""

    id: uuid.UUID
    public_key: str
    valid_from: datetime
    retired_at: datetime | None


class OrganisationView(BaseModel):
    """A registered certifying organisation with its keys, the current one last."""

    id: uuid.UUID
    code: str
    name: str
    kind: OrganisationKind
    active: bool
    created_at: datetime
    keys: list[OrganisationKeyView] = []


# --- signed credentials (receipts, completions, certificates) ----------------------------


class CredentialBody(BaseModel):
    """What an issuer signs (canonical JSON, see crypto.credential): never the plain code.

    `subject` is SHA-256 (hex) of the subject's credit code followed by `id`.
    """

    model_config = ConfigDict(extra="forbid", hide_input_in_errors=True)

    v: Literal[1]
    issuer: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9._-]{1,64}$")]
    id: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9._:/-]{1,64}$")] = Field(repr=False)
    kind: CredentialKind
    subject: Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")] = Field(repr=False)
    issued_at: AwareDatetime
    amount_cents: int | None = Field(default=None, ge=1, le=10**12)
    hours: int | None = Field(default=None, ge=1, le=10000)


class SignedCredential(BaseModel):
    """A credential and its issuer's detached Ed25519 signature (base64)."""

    model_config = ConfigDict(extra="forbid", hide_input_in_errors=True)

    credential: dict[str, object]
    signature: str = Field(max_length=200)


# --- the citizen's filing ---------------------------------------------------------------


class RepairFiling(BaseModel):
    """A repair application as a citizen files it (multipart form fields; files beside).

    `commitment` is the text of the signed credit commitment, always required (2025 plan).
    `credential` is the signed receipt, completion or certificate that donation, training
    and volunteering need; `hours`, `organisation_code` and `certificate_id` are the old
    unsigned volunteering fields, now refused (the signed certificate carries them).
    """

    model_config = ConfigDict(hide_input_in_errors=True)

    entry_id: uuid.UUID
    way: RepairWay
    commitment: FreeText = Field(repr=False)
    hours: int | None = Field(default=None, ge=1, le=10000)
    organisation_code: OrganisationCode | None = None
    certificate_id: CertificateId | None = Field(default=None, repr=False)
    # The signed credential as JSON text: {"credential": {...}, "signature": "..."}.
    credential: str | None = Field(default=None, max_length=8000, repr=False)


class Commitment(BaseModel):
    """The signed credit commitment (信用承诺) and when it was signed."""

    text: str = Field(repr=False)
    signed_at: datetime


class WayEvidence(BaseModel):
    """The way's own evidence besides files: for volunteering, the certified hours."""

    hours: int | None = None
    organisation_code: str | None = None
    organisation_name: str | None = None
    certificate_id: str | None = Field(default=None, repr=False)
    # From a signed credential: its kind, amount (donations) and when it was issued.
    credential_kind: CredentialKind | None = None
    amount_cents: int | None = None
    issued_at: datetime | None = None


class WhatRemains(BaseModel):
    """After an approved repair: what stays in the back end, who can still see it, until when."""

    entry_state: EntryState
    exited_on: date | None
    kept_until: date
    visible_to: list[Visibility]
    # The watch entry that follows a black exit (§5.4), shown until this day (exclusive).
    watch_entry_id: uuid.UUID | None = None
    watch_until: date | None = None
    explanation: str


class RepairView(BaseModel):
    """A repair application as its citizen sees it: status, clocks, evidence, history."""

    id: uuid.UUID
    entry_id: uuid.UUID
    list_kind: ListKind
    domain: Domain
    way: RepairWay
    status: RepairStatus
    filed_on: date
    # The open step's legal clock(s): while filed, acceptance and the latest decision date.
    clocks: list[LegalClock]
    escalated: bool
    # True once the case's data key was shredded: its sealed contents are gone for good.
    erased: bool = False
    evidence: WayEvidence
    commitment: Commitment | None
    files: list[EvidenceView]
    decision_reasons: str | None = Field(default=None, repr=False)
    # After a rejection: the earliest day to apply again for this entry.
    retry_from: date | None = None
    history: list[HistoryItem]
    what_remains: WhatRemains | None = None


# --- the repair officer's side ----------------------------------------------------------


class RepairFilter(CaseFilter):
    """Filters of the officer's list (always the officer's own department)."""

    # It is the list's query model: an unknown query parameter is refused.
    model_config = ConfigDict(extra="forbid")

    status: RepairStatus | None = None


class RepairSummary(BaseModel):
    """One case in the officer's list (no personal data)."""

    id: uuid.UUID
    entry_id: uuid.UUID
    entry_public_ref: str
    list_kind: ListKind
    domain: Domain
    severity: Severity
    way: RepairWay
    status: RepairStatus
    filed_on: date
    clocks: list[LegalClock]
    overdue: bool
    escalated: bool
    organisation_code: str | None = None
    retry_from: date | None = None


class RepairEntry(BaseModel):
    """The entry a case is about, as its department's repair officer reads it."""

    external_id: str
    # None once the entry was erased (crypto-shredded).
    subject_name: str | None = Field(repr=False)
    facts: str | None = Field(repr=False)
    decided_on: date
    display_until: date
    repair_ways: list[RepairWay]
    state: EntryState


class RepairCase(RepairSummary):
    """One case in full for the officer: the entry, the evidence, the commitment, the history."""

    entry: RepairEntry
    erased: bool = False
    evidence: WayEvidence
    organisation_active: bool | None = None
    commitment: Commitment | None
    files: list[EvidenceView]
    decision_reasons: str | None = Field(default=None, repr=False)
    history: list[HistoryItem]


class RepairDecision(BaseModel):
    """An officer's decision: accept/decline a filed case, approve/reject an accepted one."""

    model_config = ConfigDict(extra="forbid", hide_input_in_errors=True)

    decision: Decision
    # Required to decline or reject; sealed, shown to the citizen.
    reasons: FreeText | None = Field(default=None, repr=False)
