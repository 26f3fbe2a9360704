"""Witness cosignatures collected for the query log's checkpoints (C2SP tlog-cosignature).

One row per (checkpoint size, witness key id): the verified cosignature line as the witness
returned it. Rows are append-only; the largest size per witness is where its next
consistency proof starts.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, Column, ForeignKey, LargeBinary, Text
from sqlmodel import Field, SQLModel

from core.models.types import UTCDateTime


class LogCosignature(SQLModel, table=True):
    """A witness's verified cosignature on one stored checkpoint."""

    __tablename__ = "query_log_cosignature"
    __table_args__ = (CheckConstraint("timestamp > 0", name="timestamp_positive"),)

    checkpoint_size: int = Field(
        sa_column=Column(
            BigInteger,
            ForeignKey("query_log_checkpoint.size"),
            primary_key=True,
            autoincrement=False,
        )
    )
    key_id: bytes = Field(sa_column=Column(LargeBinary(4), primary_key=True))
    witness: str = Field(sa_column=Column(Text, nullable=False))
    line: str = Field(sa_column=Column(Text, nullable=False))
    timestamp: int = Field(sa_column=Column(BigInteger, nullable=False))
    created_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
