"""Query notices: the citizen's outbox of queries made of their record (§6)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, Boolean, Column, LargeBinary, text
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
    # The leaf's secret and private fields, sealed under the subject's data key: what the
    # subject is shown to open the leaf's commitment (crypto/leaf_binding.py).
    private_ct: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    # The value the subject's next unsealed leaf carries as `prev`; set on unsealed ones.
    chain_tag: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    in_chain: bool = Field(
        default=False, sa_column=Column(Boolean, nullable=False, server_default=text("false"))
    )
