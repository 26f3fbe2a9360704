"""Schemas of objections (§7): what a citizen files, what an officer decides, what both see."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

from core.cases.deadlines import LegalClock
from core.cases.schemas import CaseFilter, EvidenceView, HistoryItem
from core.vocabulary import Domain, EntryState, ListKind, Severity

ObjectionStatus = Literal["filed", "accepted", "declined", "upheld", "partly_upheld", "rejected"]
Decision = Literal["accept", "decline", "uphold", "partly_uphold", "reject"]
OPEN_STATUSES: tuple[str, ...] = ("filed", "accepted")
REASONS_MAX = 2000


def _crlf(value: object) -> object:
    # Browsers send a textarea's line breaks as CRLF; count and keep them as one LF.
    return value.replace("\r\n", "\n") if isinstance(value, str) else value


def _no_control_chars(value: str) -> str:
    if any((ord(c) < 0x20 and c not in "\n\t") or ord(c) == 0x7F for c in value):
        raise ValueError("control characters are not allowed")
    return value


# Free text: CRLF made LF first, then trimmed and measured, then control characters refused.
# (Pydantic runs a BeforeValidator listed after the constraints before them.)
# Reasons of an objection or of a decision: 1..2000 characters, line breaks and tabs only.
Reasons = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=REASONS_MAX),
    BeforeValidator(_crlf),
    AfterValidator(_no_control_chars),
]
Facts = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=4000),
    BeforeValidator(_crlf),
    AfterValidator(_no_control_chars),
]
Summary = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=500),
    BeforeValidator(_crlf),
    AfterValidator(_no_control_chars),
]


class Correction(BaseModel):
    """New values for an entry's corrected fields (at least one); the old ones become history."""

    model_config = ConfigDict(extra="forbid", hide_input_in_errors=True)

    facts: Facts | None = Field(default=None, repr=False)
    public_summary: Summary | None = Field(default=None, repr=False)
    display_until: date | None = None

    @model_validator(mode="after")
    def _something(self) -> Correction:
        if self.facts is None and self.public_summary is None and self.display_until is None:
            raise ValueError(
                "a correction names at least one of facts, public_summary, display_until"
            )
        return self


class DecisionRequest(BaseModel):
    """An officer's decision on one case (§7); which fields apply depends on the decision."""

    model_config = ConfigDict(extra="forbid", hide_input_in_errors=True)

    decision: Decision
    reasons: Reasons | None = Field(default=None, repr=False)
    # Uphold only: the entry should never have been recorded (1798号 §20) — it is erased.
    erroneous: bool = False
    # Partly uphold, and uphold when not erroneous: the corrected values.
    correction: Correction | None = None
    # The case version the officer read; when given, a case changed since is a conflict.
    version: int | None = Field(default=None, ge=1)
    # Uphold as erroneous only: the written apology the objector is given (§5.4, §7); none
    # given, the pages show the standard one.
    apology: Reasons | None = Field(default=None, repr=False)


class ObjectionFilter(CaseFilter):
    """Filters and page of the officer's queue (always the officer's own department)."""

    status: ObjectionStatus | None = None
    limit: int = Field(default=50, ge=1, le=200)
    offset: int = Field(default=0, ge=0)


class Reconsideration(BaseModel):
    """How a rejected objector may challenge the decision."""

    text: str
    apply_by: date


class ObjectionSummary(BaseModel):
    """One case in the officer's queue: workflow state and clocks, no personal text."""

    id: uuid.UUID
    entry_id: uuid.UUID
    # The entry's random public reference and its domain: no personal data.
    entry_public_ref: str
    list_kind: ListKind
    domain: Domain
    department: str
    status: ObjectionStatus
    filed_on: date
    accept_due: date
    # accept_due was counted on the provisional calendar (a year not yet official, §4).
    accept_due_provisional: bool = False
    # In calendar days: the holiday calendar never moves it (its clock's count may be).
    resolve_due: date
    clocks: list[LegalClock]
    overdue: bool
    escalated: bool
    version: int
    created_at: datetime
    updated_at: datetime


class ObjectionView(ObjectionSummary):
    """A whole case as its objector and the department's officers see it, text opened."""

    # None once the case was erased at the end of retention (its key destroyed).
    reasons: str | None = Field(repr=False)
    decision_reasons: str | None = Field(default=None, repr=False)
    reconsideration: Reconsideration | None = None
    evidence: list[EvidenceView]
    history: list[HistoryItem]
    # Once upheld as erroneous: True, and the written apology if one was written.
    apologised: bool = False
    apology: str | None = Field(default=None, repr=False)
    erased: bool = False


class ObjectionEntry(BaseModel):
    """The entry objected to, as its department's objection officer reads it."""

    external_id: str
    severity: Severity
    # None once the entry was erased (crypto-shredded).
    subject_name: str | None = Field(repr=False)
    facts: str | None = Field(repr=False)
    public_summary: str | None = Field(default=None, repr=False)
    legal_basis: str
    decided_on: date
    notice_until: date | None
    # Exclusive ends: the entry is shown, and valid, until the day before.
    display_until: date
    valid_until: date
    state: EntryState
    erased: bool = False


class ObjectionCase(ObjectionView):
    """The officer's case page: the case, plus the entry's state and who objected."""

    # Whether the objector is the entry's subject (otherwise: anyone, on a red entry, §7).
    objector_is_subject: bool
    entry_state: str
    entry: ObjectionEntry
