"""Schemas of an agency query and its answer (§6)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from core.audit.rules import FlagReason
from core.bounds import DB_INT_MAX
from core.consents.schemas import AuthorizationCode
from core.fields import SubjectCode
from core.paging import CURSOR_MAX, PAGE_DEFAULT, PAGE_MAX
from core.queries.catalogues import LegalBasisCode, PurposeCode
from core.vocabulary import Domain, ListKind, Severity


class QueryRequest(BaseModel):
    """One subject, a purpose, and either the subject's authorization (by its id, or by the
    short code the subject gave the agency) or a legal basis."""

    model_config = ConfigDict(extra="forbid", hide_input_in_errors=True)

    subject_code: SubjectCode
    purpose: PurposeCode
    authorization_id: uuid.UUID | None = None
    authorization_code: AuthorizationCode | None = Field(default=None, repr=False)
    legal_basis: LegalBasisCode | None = None
    sealed_until: date | None = None

    @model_validator(mode="after")
    def _one_basis(self) -> QueryRequest:
        given = (self.authorization_id, self.authorization_code, self.legal_basis)
        if sum(v is not None for v in given) != 1:
            raise ValueError(
                "give exactly one of authorization_id, authorization_code and legal_basis"
            )
        if self.sealed_until is not None and self.legal_basis is None:
            raise ValueError("only a legal-basis query may be sealed")
        return self


class AnsweredEntry(BaseModel):
    """An entry as an authorized agency receives it: displayed now and in scope."""

    id: uuid.UUID
    department: str
    list_kind: ListKind
    domain: Domain
    severity: Severity
    subject_name: str = Field(repr=False)
    facts: str = Field(repr=False)
    legal_basis: str
    decided_on: date
    display_until: date
    # The objection mark (异议标注, §7) and the citizen's statement, wherever the entry is shown.
    under_objection: bool = False
    statement: str | None = Field(default=None, repr=False)


class QueryAnswer(BaseModel):
    """The answer, with the receipt proving the query was logged before it left."""

    log_index: int
    outcome: str
    entries: list[AnsweredEntry]
    # On the derived warning list (watch entries shown in three or more domains, §5.5).
    warning_list: bool = False
    receipt: dict[str, object]


class QueryHistoryItem(BaseModel):
    """One query of the citizen's record as they see it (who, when, why, on what basis)."""

    log_index: int
    at: str
    agency: str
    purpose: str
    basis: str
    legal_basis: str | None
    outcome: str
    entries_returned: int
    receipt: dict[str, object] | None = None
    # True until the next stored checkpoint covers this query (within the checkpoint cadence).
    receipt_pending: bool = False
    # The leaf as stored (rebuild it with RFC 8785 to check the receipt), and for the
    # subject only: the leaf's secret and the private fields its `commit` binds.
    leaf: dict[str, object] | None = None
    private: dict[str, object] | None = None
    secret: str | None = None


class QueryFlagView(BaseModel):
    """A flag on a query: why, raised by whom (`rule:<name>` or an auditor), when."""

    reason: str
    raised_by: str
    at: datetime


class AuditedQuery(BaseModel):
    """One query-log entry as an auditor reviews it (sealed ones included), with its flags."""

    log_index: int
    leaf: dict[str, object]
    flags: list[QueryFlagView] = []


class AuditCriteria(BaseModel):
    """The auditor's filters: every one given must match."""

    model_config = ConfigDict(extra="forbid", hide_input_in_errors=True)

    agency: str | None = Field(default=None, max_length=128)
    since: AwareDatetime | None = None
    until: AwareDatetime | None = None
    outcome: Literal["answered", "empty", "refused"] | None = None
    flag: FlagReason | None = None

    @model_validator(mode="after")
    def _ordered(self) -> AuditCriteria:
        if self.since is not None and self.until is not None and self.until <= self.since:
            raise ValueError("until must be after since")
        return self


class AuditFilter(AuditCriteria):
    """The auditor's filters and one stretch of the log: `before` an index, `limit` rows."""

    before: int | None = Field(default=None, ge=0, le=DB_INT_MAX)
    limit: int = Field(default=100, ge=1, le=500)


class AuditSearch(AuditCriteria):
    """The auditor's search as asked over HTTP: the filters, then a page like every list's."""

    cursor: str | None = Field(default=None, min_length=1, max_length=CURSOR_MAX)
    limit: int = Field(default=PAGE_DEFAULT, ge=1, le=PAGE_MAX)

    def at(self, before: int | None, limit: int) -> AuditFilter:
        """The filters for the stretch of the log a page is read from."""
        criteria = self.model_dump(include=set(AuditCriteria.model_fields))
        return AuditFilter(**criteria, before=before, limit=limit)


class FlagCreate(BaseModel):
    """An auditor's flag: a reason from the catalogue (never free text)."""

    model_config = ConfigDict(extra="forbid", hide_input_in_errors=True)

    reason: FlagReason
