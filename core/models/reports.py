"""Issued reports: what verifies a report later, and nothing of the person it is about."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Column, LargeBinary
from sqlmodel import Field, SQLModel

from core.models.types import UTCDateTime


class IssuedReport(SQLModel, table=True):
    """One report as issued: its number, when, its content's digest and the signature on them.

    The verification code is kept only as its hash (the lookup key of the public page);
    no subject id, name, code or content is kept, so a row cannot be tied to a person.
    """

    __tablename__ = "issued_report"
    __table_args__ = (
        CheckConstraint("length(digest) = 32", name="digest_size"),
        CheckConstraint("length(code_hash) = 32", name="code_hash_size"),
    )

    number: str = Field(primary_key=True, max_length=32)
    code_hash: bytes = Field(sa_column=Column(LargeBinary, nullable=False, unique=True))
    generated_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    digest: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    # The signed-note signature: 4-byte key id, then the 64-byte Ed25519 signature.
    signature: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
