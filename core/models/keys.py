"""Key material tables: wrapped data keys, master versions, stored secrets, check values."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, Column, Index, LargeBinary, text
from sqlmodel import Field, SQLModel

from core.models.types import UTCDateTime

_PENDING = "wrapped IS NULL AND erased_at IS NULL"


class DataKeyRow(SQLModel, table=True):
    """A data key wrapped by a master key version; `wrapped` is NULL once shredded."""

    __tablename__ = "data_key"
    __table_args__ = (
        # Shredded keys whose erasure is not complete: few rows, looked for every tick.
        Index(
            "ix_data_key_pending_erasure",
            "shredded_at",
            sqlite_where=text(_PENDING),
            postgresql_where=text(_PENDING),
        ),
    )

    id: uuid.UUID = Field(primary_key=True)
    owner: str = Field(max_length=16)
    suite: str = Field(max_length=8)
    master_version: int = Field(index=True)
    wrapped: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    created_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    shredded_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    # Every master version this key was ever wrapped under ("1,3"): its erasure is done
    # only once all of them are destroyed, wherever old wrapped copies survive.
    wrapped_versions: str | None = Field(default=None, max_length=200)
    erased_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))


class KeyCheck(SQLModel, table=True):
    """A check value per master version: proves at start-up that the provider holds the key."""

    __tablename__ = "key_check"

    master_version: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    key_id: uuid.UUID
    wrapped: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    index_check: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    created_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))


class MasterKeyRow(SQLModel, table=True):
    """A master key version as the fleet sees it: current, active, or destroyed for good."""

    __tablename__ = "master_key"
    __table_args__ = (
        CheckConstraint("state IN ('current', 'active', 'destroyed')", name="master_key_state"),
    )

    version: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    state: str = Field(max_length=12)
    created_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    # When it stopped being current: no process wraps under it a TTL after this.
    demoted_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    destroyed_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))


class StoredSecret(SQLModel, table=True):
    """A process secret (the blind-index key) kept wrapped under a master version."""

    __tablename__ = "stored_secret"

    name: str = Field(primary_key=True, max_length=32)
    master_version: int = Field(index=True)
    wrapped: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    created_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))


class IndexRotation(SQLModel, table=True):
    """The one row saying where a blind-index key rotation stands (none: no row).

    backfill: the next key is stored as "blind-index-next", writes fill both index columns,
    the back-fill computes the next column of older rows. switched: the next key became
    "blind-index", the old one is deleted, and the next column's values move into the
    first column. `changed_at` is when the state was entered: every process has seen it
    `2 * CURRENT_TTL` later.
    """

    __tablename__ = "index_rotation"
    __table_args__ = (
        CheckConstraint("state IN ('backfill', 'switched', 'done')", name="index_rotation_state"),
    )

    id: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    state: str = Field(max_length=12)
    changed_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
