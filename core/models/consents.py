"""Citizen authorizations (consents) and record freezes; no personal data, only subject ids."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, Column, Index, LargeBinary, text
from sqlmodel import Field, SQLModel

from core.models.types import UTCDateTime


class Authorization(SQLModel, table=True):
    """One consent a citizen gave one agency, for one purpose, scope, window and use count."""

    __tablename__ = "authorization_grant"
    __table_args__ = (
        CheckConstraint("max_uses >= 1", name="max_uses_positive"),
        CheckConstraint("uses >= 0 AND uses <= max_uses", name="uses_in_bounds"),
        CheckConstraint("expires_at > starts_at", name="expires_after_start"),
        CheckConstraint("policy_version >= 1", name="policy_version_positive"),
        # An agency presents a code for one subject: it names at most one of their grants.
        Index("uq_authorization_grant_code", "code_hash", "agency", "subject_id", unique=True),
        # The grants an agency holds, listed newest first.
        Index("ix_authorization_grant_agency_created", "agency", "created_at"),
    )

    id: uuid.UUID = Field(primary_key=True)
    subject_id: uuid.UUID = Field(foreign_key="subject.id", index=True)
    agency: str = Field(max_length=64, index=True)
    purpose: str = Field(max_length=32)
    list_kinds: list[str] = Field(sa_column=Column(JSON, nullable=False))
    domains: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    starts_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    expires_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    max_uses: int
    uses: int = 0
    revoked_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    created_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    policy_version: int = 1
    # A keyed MAC of the short code the citizen hands the agency (never the code itself);
    # null for grants made before codes existed.
    code_hash: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    # When the citizen sent the grant to the agency's inbox (null: not sent).
    delivered_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))


class SubjectFreeze(SQLModel, table=True):
    """One period during which a subject's record was frozen; open while `lifted_at` is null."""

    __tablename__ = "subject_freeze"
    __table_args__ = (
        CheckConstraint("lifted_at IS NULL OR lifted_at >= frozen_at", name="lifted_after_frozen"),
        # At most one open freeze per subject: a second freeze is a conflict, even under a race.
        Index(
            "uq_subject_freeze_open",
            "subject_id",
            unique=True,
            sqlite_where=text("lifted_at IS NULL"),
            postgresql_where=text("lifted_at IS NULL"),
        ),
    )

    id: uuid.UUID = Field(primary_key=True)
    subject_id: uuid.UUID = Field(foreign_key="subject.id", index=True)
    frozen_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    lifted_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
