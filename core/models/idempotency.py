"""Idempotency keys of agency queries: which logged answer a retried request gets again."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Column, LargeBinary
from sqlmodel import Field, SQLModel

from core.models.types import UTCDateTime


class QueryIdempotency(SQLModel, table=True):
    """One answered query sent with an `Idempotency-Key`: keyed hashes and the log index only.

    Neither the key nor the request is kept: `key_hash` is a keyed MAC of the agency and
    its key, `request_hash` one of the request body, so nothing here names a person."""

    __tablename__ = "query_idempotency"

    key_hash: bytes = Field(sa_column=Column(LargeBinary, primary_key=True))
    request_hash: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    # The answer's leaf, and the size of the tree its receipt was proven in.
    log_index: int = Field(sa_column=Column(BigInteger, nullable=False))
    receipt_size: int = Field(sa_column=Column(BigInteger, nullable=False))
    created_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False, index=True))
