"""Subjects, list entries and entry history; personal fields only as ciphertext (`*_ct`)."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Column,
    Index,
    LargeBinary,
    UniqueConstraint,
    text,
)
from sqlmodel import Field, SQLModel

from core.models.types import UTCDateTime


class Subject(SQLModel, table=True):
    """A person or organisation, found by the blind index of its code.

    Once its last entry and case are gone the subject is erased: its code ciphertext and
    blind index are cleared and its data key shredded, so nothing links the row to anyone.
    """

    __tablename__ = "subject"
    __table_args__ = (
        CheckConstraint("code_kind IN ('citizen', 'org')", name="code_kind"),
        # Erased subjects: few, looked for every tick (core/ops/index_after_erasure.py).
        Index(
            "ix_subject_erased_at",
            "erased_at",
            sqlite_where=text("erased_at IS NOT NULL"),
            postgresql_where=text("erased_at IS NOT NULL"),
        ),
    )

    id: uuid.UUID = Field(primary_key=True)
    code_index: bytes | None = Field(sa_column=Column(LargeBinary, nullable=True, unique=True))
    # The index under the next index key, only while the index key rotates.
    code_index_next: bytes | None = Field(
        default=None, sa_column=Column(LargeBinary, nullable=True, unique=True)
    )
    code_kind: str = Field(max_length=8)
    data_key_id: uuid.UUID = Field(foreign_key="data_key.id")
    code_ct: bytes | None = Field(sa_column=Column(LargeBinary, nullable=True))
    created_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    erased_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))


class Entry(SQLModel, table=True):
    """One list entry (名单信息); its personal fields are sealed under its own data key."""

    __tablename__ = "entry"
    __table_args__ = (
        UniqueConstraint("department", "external_id"),
        CheckConstraint("list_kind IN ('red', 'black', 'watch', 'warning')", name="list_kind"),
        CheckConstraint("severity IN ('minor', 'general', 'serious')", name="severity"),
        CheckConstraint("display_until >= decided_on", name="display_after_decision"),
        CheckConstraint(
            "status IN ('pending_notice', 'displayed', 'expired', 'exited', 'retained', "
            "'shredded')",
            name="status",
        ),
        CheckConstraint("watch_months BETWEEN 1 AND 60", name="watch_months"),
        # The sweeper's three scans: notice ends, display ends, retention ends.
        Index("ix_entry_status_notice_until", "status", "notice_until"),
        Index("ix_entry_status_display_until", "status", "display_until"),
        Index("ix_entry_status_retain_until", "status", "retain_until"),
    )

    id: uuid.UUID = Field(primary_key=True)
    subject_id: uuid.UUID = Field(foreign_key="subject.id", index=True)
    data_key_id: uuid.UUID = Field(foreign_key="data_key.id")
    department: str = Field(max_length=64, index=True)
    external_id: str = Field(max_length=128)
    public_ref: str = Field(max_length=32, unique=True)
    list_kind: str = Field(max_length=8)
    domain: str = Field(max_length=32)
    severity: str = Field(max_length=8)
    subject_name_ct: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    facts_ct: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    public_summary_ct: bytes | None = Field(default=None, sa_column=Column(LargeBinary))
    legal_basis: str = Field(max_length=500)
    decided_on: date
    display_until: date = Field(index=True)
    valid_until: date
    retain_until: date
    repairable: bool = False
    repair_ways: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    # Stored lifecycle status (core.entries.states); what is shown is decided at read time.
    status: str = Field(default="displayed", max_length=16)
    notice_until: date | None = None
    # Set while a black entry's prior notice was counted on the provisional calendar: its
    # working days, to count again when the official schedule arrives (None: official).
    # notice_until then never moves earlier than it was first shown (§4).
    notice_provisional_days: int | None = None
    under_objection: bool = False
    exit_reason: str | None = Field(default=None, max_length=24)
    exited_on: date | None = None
    # Months on the watch list after a black exit (other than an erroneous listing), §5.
    watch_months: int = 12
    # The transparency-log leaf that records this entry's erasure (None until shredded).
    erasure_log_index: int | None = Field(default=None, sa_column=Column(BigInteger))
    # The citizen's statement (≤ 200 characters, §7), sealed under the entry's key.
    statement_ct: bytes | None = Field(default=None, sa_column=Column(LargeBinary))
    version: int = 1
    created_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    updated_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))


class EntryEvent(SQLModel, table=True):
    """An append-only line of an entry's history: who did what, when, and why."""

    __tablename__ = "entry_event"

    id: uuid.UUID = Field(primary_key=True)
    entry_id: uuid.UUID = Field(foreign_key="entry.id", index=True)
    at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    actor: str = Field(max_length=128)
    event: str = Field(max_length=32)
    reason_ct: bytes | None = Field(default=None, sa_column=Column(LargeBinary))
