"""Objections and repair applications: cases with legal clocks and append-only histories.

Personal free text (reasons, evidence, decision reasons, certificate ids) is stored only
as ciphertext under the case's own data key (`*_ct`); what is in clear is workflow
state, dates, departments and ids. `version` lets two officers race safely: a decision
is an update conditioned on the version it read, so exactly one of them wins.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import CheckConstraint, Column, LargeBinary, UniqueConstraint
from sqlmodel import Field, SQLModel

from core.models.types import UTCDateTime


class Objection(SQLModel, table=True):
    """An objection (异议) to one entry, decided by the entry's department (§7)."""

    __tablename__ = "objection"
    __table_args__ = (
        CheckConstraint(
            "status IN ('filed', 'accepted', 'declined', 'upheld', 'partly_upheld', 'rejected')",
            name="status",
        ),
    )

    id: uuid.UUID = Field(primary_key=True)
    entry_id: uuid.UUID = Field(foreign_key="entry.id", index=True)
    department: str = Field(max_length=64, index=True)
    # The blind index of whoever objected (the entry's subject, or anyone for a red entry);
    # cleared when the case is erased.
    objector_index: bytes | None = Field(sa_column=Column(LargeBinary, nullable=True, index=True))
    # The objector's index under the next index key, only while the index key rotates.
    objector_index_next: bytes | None = Field(
        default=None, sa_column=Column(LargeBinary, nullable=True, index=True)
    )
    data_key_id: uuid.UUID = Field(foreign_key="data_key.id")
    reasons_ct: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    status: str = Field(default="filed", max_length=16, index=True)
    filed_on: date
    accept_due: date
    # Set while accept_due was counted on the provisional calendar: its working days, so
    # it can be counted again when the official schedule arrives (None: official).
    accept_provisional_days: int | None = None
    resolve_due: date
    decision_reasons_ct: bytes | None = Field(default=None, sa_column=Column(LargeBinary))
    escalated: bool = False
    version: int = 1
    created_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    updated_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))


class RepairApplication(SQLModel, table=True):
    """A credit-repair application (信用修复) for one entry, processed by a repair officer (§8)."""

    __tablename__ = "repair_application"
    __table_args__ = (
        CheckConstraint(
            "status IN ('filed', 'accepted', 'declined', 'approved', 'rejected')", name="status"
        ),
    )

    id: uuid.UUID = Field(primary_key=True)
    entry_id: uuid.UUID = Field(foreign_key="entry.id", index=True)
    department: str = Field(max_length=64, index=True)
    subject_id: uuid.UUID = Field(foreign_key="subject.id", index=True)
    data_key_id: uuid.UUID = Field(foreign_key="data_key.id")
    way: str = Field(max_length=16)
    # The way's evidence (hours, proof, certificate…) and the signed commitment, sealed.
    evidence_ct: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    commitment_ct: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    organisation_id: uuid.UUID | None = Field(
        default=None, foreign_key="certifying_organisation.id"
    )
    status: str = Field(default="filed", max_length=16, index=True)
    filed_on: date
    accept_due: date
    decide_due: date
    # Set while a due date was counted on the provisional calendar: its working days, so
    # it can be counted again when the official schedule arrives (None: official).
    accept_provisional_days: int | None = None
    decide_provisional_days: int | None = None
    # The day the decision clock started (acceptance); None while filed.
    decide_from: date | None = None
    decision_reasons_ct: bytes | None = Field(default=None, sa_column=Column(LargeBinary))
    retry_from: date | None = None
    escalated: bool = False
    version: int = 1
    created_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    updated_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))


class CaseEvent(SQLModel, table=True):
    """One line of a case's append-only history (who, what, when; a note only sealed)."""

    __tablename__ = "case_event"
    __table_args__ = (CheckConstraint("case_kind IN ('objection', 'repair')", name="case_kind"),)

    id: uuid.UUID = Field(primary_key=True)
    case_kind: str = Field(max_length=16)
    case_id: uuid.UUID = Field(index=True)
    at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    actor: str = Field(max_length=128)
    event: str = Field(max_length=32)
    note_ct: bytes | None = Field(default=None, sa_column=Column(LargeBinary))


class EvidenceFile(SQLModel, table=True):
    """An evidence file of a case: name and content sealed under the case's key."""

    __tablename__ = "evidence_file"
    __table_args__ = (CheckConstraint("case_kind IN ('objection', 'repair')", name="case_kind"),)

    id: uuid.UUID = Field(primary_key=True)
    case_kind: str = Field(max_length=16)
    case_id: uuid.UUID = Field(index=True)
    media_type: str = Field(max_length=64)
    size: int
    name_ct: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    content_ct: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    created_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))


class CertifyingOrganisation(SQLModel, table=True):
    """An organisation whose volunteering certificates repair officers accept (kept by admins)."""

    __tablename__ = "certifying_organisation"
    __table_args__ = (
        CheckConstraint(
            "kind IN ('charity', 'training_provider', 'volunteer_organisation')", name="kind"
        ),
    )

    id: uuid.UUID = Field(primary_key=True)
    code: str = Field(max_length=64, unique=True)
    name: str = Field(max_length=200)
    # What it issues: donation receipts, training completions or volunteering certificates.
    kind: str = Field(default="volunteer_organisation", max_length=32)
    active: bool = True
    created_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))


class OrganisationKey(SQLModel, table=True):
    """An Ed25519 public key an organisation signs its credentials with; retired, never deleted."""

    __tablename__ = "organisation_key"
    __table_args__ = (UniqueConstraint("organisation_id", "public_key"),)

    id: uuid.UUID = Field(primary_key=True)
    organisation_id: uuid.UUID = Field(foreign_key="certifying_organisation.id", index=True)
    public_key: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    # Credentials issued in [valid_from, retired_at) are checked with this key.
    valid_from: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    retired_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))


class UsedCertificate(SQLModel, table=True):
    """A volunteering certificate already used for a repair: a keyed hash, never the id itself."""

    __tablename__ = "used_certificate"
    __table_args__ = (UniqueConstraint("organisation_id", "certificate_index"),)

    id: uuid.UUID = Field(primary_key=True)
    organisation_id: uuid.UUID = Field(foreign_key="certifying_organisation.id")
    certificate_index: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    repair_id: uuid.UUID = Field(foreign_key="repair_application.id")
    created_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
