"""Query notices: the citizen's outbox of queries made of their record (§6)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, Column
from sqlmodel import Field, SQLModel

from core.models.types import UTCDateTime


class QueryNotice(SQLModel, table=True):
    """One query of a subject's record, visible to them from `visible_from` (a seal's end)."""

    __tablename__ = "query_notice"

    id: uuid.UUID = Field(primary_key=True)
    subject_id: uuid.UUID = Field(foreign_key="subject.id", index=True)
    log_index: int = Field(sa_column=Column(BigInteger, nullable=False, unique=True))
    visible_from: datetime = Field(sa_column=Column(UTCDateTime, nullable=False, index=True))
    created_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    delivered_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
