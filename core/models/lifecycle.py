"""What an entry's life leaves behind: exit announcements, citizen and agency notices, and
the deliveries (which agency received which entry) that corrections propagate along.

Each row is written exactly once per event: unique keys make a repeated sweep or a
doubled request a no-op instead of a second announcement or notice.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import BigInteger, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from core.models.types import UTCDateTime


class ExitAnnouncement(SQLModel, table=True):
    """A public exit announcement (§5, §9): an entry left its list, and why."""

    __tablename__ = "exit_announcement"

    id: uuid.UUID = Field(primary_key=True)
    entry_id: uuid.UUID = Field(foreign_key="entry.id", unique=True)
    public_ref: str = Field(max_length=32)
    list_kind: str = Field(max_length=8)
    domain: str = Field(max_length=32)
    department: str = Field(max_length=64)
    reason: str = Field(max_length=24)
    announced_on: date = Field(index=True)
    created_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))


class EntryNotice(SQLModel, table=True):
    """A notice to the citizen about one of their entries (started, expired, exited, erased).

    `occasion` names the event the notice is about (the entry version it happened at, or
    the case that caused it), so a repeated sweep is a no-op while a second event of the
    same kind is a second notice.
    """

    __tablename__ = "entry_notice"
    __table_args__ = (UniqueConstraint("entry_id", "kind", "occasion"),)

    id: uuid.UUID = Field(primary_key=True)
    subject_id: uuid.UUID = Field(foreign_key="subject.id", index=True)
    entry_id: uuid.UUID = Field(foreign_key="entry.id")
    kind: str = Field(max_length=24)
    occasion: str = Field(max_length=48)
    created_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))


class AgencyNotice(SQLModel, table=True):
    """A notice to an agency that an entry it received was corrected, withdrawn or erased (§6)."""

    __tablename__ = "agency_notice"
    __table_args__ = (UniqueConstraint("agency", "entry_id", "kind", "entry_version"),)

    id: uuid.UUID = Field(primary_key=True)
    agency: str = Field(max_length=128, index=True)
    entry_id: uuid.UUID = Field(foreign_key="entry.id")
    entry_version: int
    kind: str = Field(max_length=24)
    created_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))


class QueryDelivery(SQLModel, table=True):
    """One entry returned to one agency by one logged query (a projection of the log leaf)."""

    __tablename__ = "query_delivery"
    __table_args__ = (Index("ix_query_delivery_entry_at", "entry_id", "at"),)

    log_index: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    entry_id: uuid.UUID = Field(primary_key=True)
    agency: str = Field(max_length=128)
    at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))


class NoticeDelivery(SQLModel, table=True):
    """The outbox: one citizen notice to deliver outside the app, and when to try next.

    Holds no text and no address: the message is rendered from the sealed entry when it is
    sent, the address looked up then.
    """

    __tablename__ = "notice_delivery"
    __table_args__ = (Index("ix_notice_delivery_status_next_at", "status", "next_at"),)

    notice_id: uuid.UUID = Field(foreign_key="entry_notice.id", primary_key=True)
    # pending (to try at next_at), sent, no_address (in-app only), failed (gave up)
    status: str = Field(max_length=16)
    attempts: int = 0
    next_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    created_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))


class DeliveryAttempt(SQLModel, table=True):
    """One try at delivering a notice: when, what came of it, the error's class if any."""

    __tablename__ = "delivery_attempt"

    id: uuid.UUID = Field(primary_key=True)
    notice_id: uuid.UUID = Field(foreign_key="notice_delivery.notice_id", index=True)
    at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    outcome: str = Field(max_length=16)
    error_class: str | None = Field(default=None, max_length=64)
