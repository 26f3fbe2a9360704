"""Registered OAuth clients of the embedded issuer; only an argon2id hash of each secret is kept."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Column
from sqlmodel import Field, SQLModel

from core.models.types import UTCDateTime


class OAuthClient(SQLModel, table=True):
    """An organisation or department that signs in with client credentials (never a citizen)."""

    __tablename__ = "oauth_client"
    __table_args__ = (
        CheckConstraint(
            "role IN ('agency', 'recorder', 'objection_officer', 'repair_officer', "
            "'auditor', 'admin')",
            name="role",
        ),
        CheckConstraint(
            "role NOT IN ('recorder', 'objection_officer', 'repair_officer') "
            "OR department IS NOT NULL",
            name="department_role_has_department",
        ),
        CheckConstraint("role != 'agency' OR agency IS NOT NULL", name="agency_has_agency"),
    )

    client_id: str = Field(primary_key=True, max_length=32)
    secret_hash: str = Field(max_length=255, repr=False)
    name: str = Field(max_length=128)
    role: str = Field(max_length=32)
    department: str | None = Field(default=None, max_length=64)
    agency: str | None = Field(default=None, max_length=64)
    supervisor: bool = False
    created_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    disabled_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
