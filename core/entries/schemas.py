"""Schemas for entries as a recorder submits them and as their owner reads them."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Final, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from core.clock import clock
from core.codes import holds_code
from core.entries.visibility import Visibility
from core.fields import SubjectCode
from core.vocabulary import Domain, EntryState, ListKind, RepairWay, Severity

ShortText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
LongText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4000)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]


def _no_code_inside(value: str) -> str:
    # A department's own reference is stored and shown in plain text: no subject code in it.
    if holds_code(value, today=clock.today()):
        raise PydanticCustomError(
            "external_id_code", "external_id must not be or contain a subject code"
        )
    return value


ExternalId = Annotated[
    str,
    StringConstraints(strip_whitespace=True, pattern=r"^[A-Za-z0-9._:/-]{1,128}$"),
    AfterValidator(_no_code_inside),
]


def _no_control_chars(value: str) -> str:
    if any(ord(c) < 0x20 and c not in "\n\t" for c in value):
        raise PydanticCustomError("control_characters", "control characters are not allowed")
    return value


class EntryCreate(BaseModel):
    """An entry as a recording department submits it (§10); the department comes from the token."""

    model_config = ConfigDict(extra="forbid", hide_input_in_errors=True)

    external_id: ExternalId
    subject_code: SubjectCode
    subject_name: Name = Field(repr=False)
    list_kind: ListKind
    domain: Domain
    severity: Severity
    facts: LongText = Field(repr=False)
    public_summary: ShortText | None = Field(default=None, repr=False)
    legal_basis: ShortText
    decided_on: date
    display_until: date | None = None
    valid_until: date
    repairable: bool = False
    repair_ways: list[RepairWay] = Field(default_factory=list, max_length=5)
    # Months on the watch list after this black entry exits (the department's period, §5.4).
    watch_months: int = Field(default=12, ge=1, le=60)

    @field_validator("subject_name", "facts", "public_summary", "legal_basis")
    @classmethod
    def _text(cls, value: str | None) -> str | None:
        return None if value is None else _no_control_chars(value)

    @field_validator("list_kind")
    @classmethod
    def _not_derived(cls, value: str) -> str:
        if value == "warning":
            raise PydanticCustomError(
                "warning_derived", "the warning list is derived (§5) and cannot be recorded"
            )
        return value

    @model_validator(mode="after")
    def _dates_and_ways(self) -> EntryCreate:
        # Each rule is its own error type, so a page can say it in the page's language.
        if self.valid_until < self.decided_on:
            raise PydanticCustomError(
                "validity_before_decision", "valid_until must not be before decided_on"
            )
        if self.display_until is not None and self.display_until <= self.decided_on:
            raise PydanticCustomError(
                "display_after_decision", "display_until must be after decided_on"
            )
        if len(set(self.repair_ways)) != len(self.repair_ways):
            raise PydanticCustomError("repair_way_repeated", "repair_ways must not repeat a way")
        if self.repair_ways and not self.repairable:
            raise PydanticCustomError(
                "ways_not_repairable", "repair_ways given for an entry that is not repairable"
            )
        if self.repairable and not self.repair_ways:
            raise PydanticCustomError(
                "ways_required", "a repairable entry must name the repair ways that apply"
            )
        return self


class EntryView(BaseModel):
    """A decrypted entry, for its owner or its recording department."""

    model_config = ConfigDict(from_attributes=False)

    id: uuid.UUID
    external_id: str
    public_ref: str
    department: str
    subject_code: str = Field(repr=False)
    subject_name: str = Field(repr=False)
    list_kind: ListKind
    domain: Domain
    severity: Severity
    facts: str = Field(repr=False)
    public_summary: str | None = Field(repr=False)
    legal_basis: str
    decided_on: date
    display_until: date
    valid_until: date
    retain_until: date
    repairable: bool
    repair_ways: list[RepairWay]
    state: EntryState
    notice_until: date | None
    # The notice end was counted on the provisional calendar (§4); it never moves earlier.
    notice_until_provisional: bool = False
    under_objection: bool
    exit_reason: str | None
    visible_to: list[Visibility]
    statement: str | None = Field(default=None, repr=False)
    version: int
    created_at: datetime
    # A repairable entry's first day a repair may be applied for (end of its minimum display).
    repair_from: date | None = None


Statement = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


class StatementPut(BaseModel):
    """The citizen's statement on one of their entries (≤ 200 characters, §7)."""

    model_config = ConfigDict(extra="forbid", hide_input_in_errors=True)

    statement: Statement = Field(repr=False)

    @field_validator("statement")
    @classmethod
    def _text(cls, value: str) -> str:
        return _no_control_chars(value)


class ErasedEntry(BaseModel):
    """An entry of the caller's that was erased: what is left is when, why, and the proof."""

    public_ref: str
    list_kind: ListKind
    department: str
    reason: Literal["erroneous_listing", "retention_ended"]
    shredded_at: datetime
    # When no copy of its key could be recovered any more (None while that is pending).
    erased_at: datetime | None
    # The transparency-log leaf that records the erasure (§3); None before this release.
    log_index: int | None


class MyRecord(BaseModel):
    """The caller's entries, decrypted, with their state, dates and who can still see them."""

    entries: list[EntryView]
    erased: list[ErasedEntry] = Field(default_factory=list)
    # On the derived warning list today (watch entries shown in three or more domains, §5.5).
    warning_list: bool = False


class WithdrawRequest(BaseModel):
    """Why a department withdraws an entry: withdrawn, or the listing criteria changed (§5.4)."""

    model_config = ConfigDict(extra="forbid", hide_input_in_errors=True)

    reason: ShortText = Field(repr=False)
    kind: Literal["withdrawn", "criteria_changed"] = "withdrawn"


class BatchRequest(BaseModel):
    """Up to 1,000 submissions; each item is validated on its own so one bad item loses nothing."""

    model_config = ConfigDict(extra="forbid", hide_input_in_errors=True)

    items: list[dict[str, object]] = Field(min_length=1, max_length=1000, repr=False)


class ItemError(BaseModel):
    """Where and which rule one batch item broke (never its value)."""

    loc: list[str]
    msg: str
    type: str


class BatchItemResult(BaseModel):
    """The outcome of one batch item, in submission order."""

    index: int
    external_id: str | None
    status: Literal["created", "existing", "conflict", "invalid"]
    http_status: Literal[200, 201, 409, 422]
    id: uuid.UUID | None = None
    errors: list[ItemError] = Field(default_factory=list)


class BatchResult(BaseModel):
    """Per-item outcomes and counts."""

    created: int
    existing: int
    # Items whose external id was already recorded with other content (nothing changed).
    conflict: int = 0
    invalid: int
    items: list[BatchItemResult]


# The fields an amendment may give new values for.
AMENDABLE: Final = (
    "facts",
    "public_summary",
    "legal_basis",
    "decided_on",
    "display_until",
    "valid_until",
)


class EntryAmend(BaseModel):
    """A department's amendment of one of its entries: new values for some fields (§1).

    The subject, list, domain and severity are what the entry is about: to change them the
    department withdraws the entry and records another.
    """

    model_config = ConfigDict(extra="forbid", hide_input_in_errors=True)

    facts: LongText | None = Field(default=None, repr=False)
    public_summary: ShortText | None = Field(default=None, repr=False)
    legal_basis: ShortText | None = None
    decided_on: date | None = None
    display_until: date | None = None
    valid_until: date | None = None
    # The entry version the recorder read; when given, an entry changed since is a conflict.
    version: int | None = Field(default=None, ge=1, le=2**31 - 1)

    @field_validator("facts", "public_summary", "legal_basis")
    @classmethod
    def _text(cls, value: str | None) -> str | None:
        return None if value is None else _no_control_chars(value)

    @model_validator(mode="after")
    def _something(self) -> EntryAmend:
        if all(getattr(self, name) is None for name in AMENDABLE):
            raise ValueError(
                "an amendment names at least one of facts, public_summary, legal_basis, "
                "decided_on, display_until, valid_until"
            )
        return self


EntryStateFilter = Literal["pending_notice", "displayed", "expired", "exited", "shredded"]
RecordedKind = Literal["red", "black", "watch"]
Reference = Annotated[
    str, StringConstraints(strip_whitespace=True, pattern=r"^[A-Za-z0-9._:/-]{1,128}$")
]
CURSOR_MAX = 256


class EntryFilter(BaseModel):
    """Which of its entries a department lists; blanks mean any (none is personal data)."""

    model_config = ConfigDict(extra="forbid")

    list_kind: RecordedKind | None = None
    state: EntryStateFilter | None = None
    domain: Domain | None = None
    decided_from: date | None = None
    decided_to: date | None = None
    # An external id or a public reference, matched exactly (never a subject code).
    reference: Reference | None = None
    cursor: str | None = Field(default=None, min_length=1, max_length=CURSOR_MAX)
    limit: int = Field(default=50, ge=1, le=100)

    @model_validator(mode="after")
    def _range(self) -> EntryFilter:
        if self.decided_from and self.decided_to and self.decided_to < self.decided_from:
            raise ValueError("decided_to must not be before decided_from")
        return self


class EntrySearch(EntryFilter):
    """A department's search of its entries by the subject's code (posted, never in a URL)."""

    subject_code: SubjectCode

    def __repr__(self) -> str:
        return "EntrySearch(<code>)"


class DepartmentEntry(BaseModel):
    """One entry as the department's list shows it: the name masked, no code, no facts."""

    id: uuid.UUID
    external_id: str
    public_ref: str
    masked_name: str | None
    list_kind: ListKind
    domain: Domain
    severity: Severity
    state: EntryState
    decided_on: date
    display_until: date
    valid_until: date
    under_objection: bool
    version: int


class DepartmentEntries(BaseModel):
    """One page of the department's entries, newest decision first; `next_cursor` is null last."""

    items: list[DepartmentEntry]
    next_cursor: str | None = None


class HistoryLine(BaseModel):
    """One line of an entry's history as its department reads it."""

    at: datetime
    event: str
    actor: str
    # The role the actor acted in, when the history line says it (None: not known).
    role: str | None
    # For a correction, which fields changed (their old values stay sealed).
    changed: list[str] = Field(default_factory=list)
    # For a withdrawal, the department's reason.
    reason: str | None = Field(default=None, repr=False)


class EntryHistory(BaseModel):
    """One page of an entry's history, oldest first; `next_cursor` is null on the last."""

    items: list[HistoryLine]
    next_cursor: str | None = None
