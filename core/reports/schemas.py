"""The citizen's personal credit report and the export of all their data (§1, §10).

The report is what a person reads and prints: their entries with state, dates, marks and
who can still see them, the queries of their record, their authorizations and their
cases. It never carries the credit code. The export is everything held about them, in
full and decrypted, for them to keep or take elsewhere; it does carry the code.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Final, Literal

from pydantic import BaseModel, Field

from core.cases.deadlines import LegalClock
from core.cases.objections.schemas import ObjectionStatus, ObjectionView, Reconsideration
from core.cases.repairs.schemas import RepairStatus, RepairView, WhatRemains
from core.consents.schemas import AuthorizationState, AuthorizationView
from core.entries.schemas import EntryView
from core.entries.visibility import Visibility
from core.queries.notice_schemas import Notification
from core.queries.schemas import QueryHistoryItem
from core.vocabulary import Domain, EntryState, ListKind, RepairWay, Severity

REPORT_FORMAT: Final = "credence-report/1"
EXPORT_FORMAT: Final = "credence-export/1"


# --- the report ---------------------------------------------------------------------------


class ReportEntry(BaseModel):
    """One entry as the report shows it: what it says, its state, dates, marks and audiences."""

    id: uuid.UUID
    public_ref: str
    department: str
    list_kind: ListKind
    domain: Domain
    severity: Severity
    state: EntryState
    facts: str = Field(repr=False)
    legal_basis: str
    decided_on: date
    notice_until: date | None
    notice_until_provisional: bool = False
    display_until: date
    valid_until: date
    retain_until: date
    exit_reason: str | None
    # The objection mark (异议标注, §7) and the citizen's own statement.
    under_objection: bool
    statement: str | None = Field(default=None, repr=False)
    repairable: bool
    repair_ways: list[RepairWay]
    # Who can still see the entry, each until the day their view ends (exclusive).
    visible_to: list[Visibility]


class ReportQuery(BaseModel):
    """One query of the record: who, when, why, on what basis, with what outcome."""

    log_index: int
    at: datetime
    agency: str
    purpose: str
    basis: str
    legal_basis: str | None
    outcome: str
    entries_returned: int


class ReportAuthorization(BaseModel):
    """One authorization the citizen granted, with its state when the report was made."""

    id: uuid.UUID
    agency: str
    purpose: str
    list_kinds: list[ListKind]
    domains: list[Domain]
    starts_at: datetime
    expires_at: datetime
    max_uses: int
    uses: int
    revoked_at: datetime | None
    state: AuthorizationState


class ReportObjection(BaseModel):
    """One objection the citizen filed: status and the legal clocks still running."""

    id: uuid.UUID
    entry_id: uuid.UUID
    list_kind: ListKind
    department: str
    status: ObjectionStatus
    filed_on: date
    accept_due: date
    accept_due_provisional: bool = False
    resolve_due: date
    clocks: list[LegalClock]
    overdue: bool
    escalated: bool
    reconsideration: Reconsideration | None = None
    # True once the case's data key was shredded (its text is gone; its dates remain).
    erased: bool = False


class ReportRepair(BaseModel):
    """One repair application: status, clocks, and what an approval leaves behind."""

    id: uuid.UUID
    entry_id: uuid.UUID
    list_kind: ListKind
    domain: Domain
    way: RepairWay
    status: RepairStatus
    filed_on: date
    clocks: list[LegalClock]
    escalated: bool
    retry_from: date | None = None
    what_remains: WhatRemains | None = None
    erased: bool = False


class ReportSummary(BaseModel):
    """The report's counts."""

    entries: int
    # Entries by list kind (only kinds present).
    by_kind: dict[str, int]
    # Entries shown to agencies (and, for red and black, the public) today.
    displayed: int
    under_objection: int
    queries: int
    active_authorizations: int
    open_objections: int
    open_repairs: int
    # Deadlines in this report counted on the provisional holiday calendar (§4).
    provisional_deadlines: int = 0


class ReportIssue(BaseModel):
    """An issued report's number and how anyone holding it can have it verified."""

    number: str
    # Printed on the report and in its QR code; the service keeps only its hash.
    verification_code: str
    generated_at: datetime
    # SHA-256 of the report's content (RFC 8785 JSON of this document without `issue`).
    digest: str
    # The vkey of the report key that signed the statement.
    key: str


class ReportVerification(BaseModel):
    """What the public verification page confirms: number, time, and the signed statement."""

    number: str
    generated_at: datetime
    digest: str
    # The C2SP signed note (number, generation instant, digest) the key's signature covers.
    statement: str
    key: str


class PersonalReport(BaseModel):
    """The citizen's personal credit report (no credit code in it, only its mask)."""

    format: Literal["credence-report/1"] = REPORT_FORMAT
    generated_at: datetime
    # The day (China Standard Time) states, clocks and audiences are computed for.
    as_of: date
    # The name on the citizen's most recent entry; None without readable entries.
    subject_name: str | None = Field(default=None, repr=False)
    # The identity line: the surname and the code's first and last two characters only.
    masked_name: str | None = None
    masked_code: str | None = None
    warning_list: bool
    frozen: bool
    summary: ReportSummary
    entries: list[ReportEntry]
    queries: list[ReportQuery]
    authorizations: list[ReportAuthorization]
    objections: list[ReportObjection]
    repairs: list[ReportRepair]
    # Set when the report is issued (the pages and the PDF); the API's report is not.
    issue: ReportIssue | None = None


# --- the export ---------------------------------------------------------------------------


class HistoryLine(BaseModel):
    """One line of an entry's history; the reason opened (None when there is none or erased)."""

    at: datetime
    actor: str
    event: str
    reason: str | None = Field(default=None, repr=False)


class ExportEntry(EntryView):
    """A readable entry with every field held, and its history."""

    exited_on: date | None
    watch_months: int
    updated_at: datetime
    history: list[HistoryLine]


class ErasedEntry(BaseModel):
    """An entry whose data key was destroyed: only what never was personal remains."""

    id: uuid.UUID
    public_ref: str
    department: str
    list_kind: ListKind
    domain: Domain
    severity: Severity
    state: EntryState
    decided_on: date
    display_until: date
    retain_until: date
    exit_reason: str | None
    exited_on: date | None
    history: list[HistoryLine]


class ExportQuery(QueryHistoryItem):
    """A query of the record, with the exact log leaf its receipt's `leaf_hash` covers."""

    # The leaf body as logged, byte for byte (RFC 8785 JSON of `leaf`; no personal data).
    leaf_body: str


class ErasedCase(BaseModel):
    """An objection whose case key was shredded at the end of retention: dates only."""

    id: uuid.UUID
    entry_id: uuid.UUID
    department: str
    status: ObjectionStatus
    filed_on: date


class FreezePeriod(BaseModel):
    """One period the record was frozen; open while `lifted_at` is None."""

    frozen_at: datetime
    lifted_at: datetime | None


class FreezeState(BaseModel):
    """Whether the record is frozen now, and every period it was."""

    frozen: bool
    periods: list[FreezePeriod]


class ExportSubject(BaseModel):
    """The subject as held: the code (decrypted), its kind, when it was first recorded."""

    code: str = Field(repr=False)
    code_kind: str
    first_recorded_at: datetime


class DataExport(BaseModel):
    """Everything held about the citizen, decrypted (evidence as metadata, not contents)."""

    format: Literal["credence-export/1"] = EXPORT_FORMAT
    generated_at: datetime
    # None when nothing was ever recorded about the citizen.
    subject: ExportSubject | None
    warning_list: bool
    entries: list[ExportEntry]
    erased_entries: list[ErasedEntry]
    queries: list[ExportQuery]
    notifications: list[Notification]
    authorizations: list[AuthorizationView]
    freeze: FreezeState
    objections: list[ObjectionView]
    erased_objections: list[ErasedCase]
    repairs: list[RepairView]
