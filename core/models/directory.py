"""The organisation registry: departments and agencies by slug, with their display names."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Column
from sqlmodel import Field, SQLModel

from core.models.types import UTCDateTime


class Organisation(SQLModel, table=True):
    """One registered department or agency: the slug tokens and rows carry, and its names."""

    __tablename__ = "organisation"
    __table_args__ = (CheckConstraint("kind IN ('department', 'agency')", name="kind"),)

    slug: str = Field(primary_key=True, max_length=64)
    kind: str = Field(max_length=16, index=True)
    name_zh: str = Field(max_length=128)
    name_en: str = Field(max_length=128)
    created_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    disabled_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
