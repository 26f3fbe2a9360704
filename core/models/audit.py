"""The auditor's view of the query log: a searchable projection of each leaf, and flags.

Both are derived and never authoritative: the leaf body is the record, so neither
references the leaf table (the log's tables stay free to be checked on their own). The projection
holds the same pseudonyms and codes as the leaf, never plaintext personal data.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from core.models.types import UTCDateTime


class QueryFacet(SQLModel, table=True):
    """The searchable fields of one query-log leaf (agency, time, outcome, subject pseudonym)."""

    __tablename__ = "query_facet"
    __table_args__ = (
        Index("ix_query_facet_agency_at", "agency", "at"),
        Index("ix_query_facet_subject_at", "subject", "at"),
    )

    log_index: int = Field(
        sa_column=Column(
            BigInteger,
            primary_key=True,
            autoincrement=False,
        )
    )
    at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False, index=True))
    agency: str = Field(max_length=128)
    subject: str = Field(max_length=80)
    outcome: str = Field(max_length=16, index=True)
    basis: str = Field(max_length=16)


class QueryFlag(SQLModel, table=True):
    """A flag on one query: raised by a rule (`rule:<name>`) or by an auditor."""

    __tablename__ = "query_flag"
    __table_args__ = (UniqueConstraint("log_index", "reason"),)

    id: uuid.UUID = Field(primary_key=True)
    log_index: int = Field(sa_column=Column(BigInteger, nullable=False, index=True))
    reason: str = Field(max_length=32, index=True)
    raised_by: str = Field(max_length=128)
    created_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
