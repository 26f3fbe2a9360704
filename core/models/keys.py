"""Key material tables: wrapped data keys and the master-key check values."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Column, LargeBinary
from sqlmodel import Field, SQLModel

from core.models.types import UTCDateTime


class DataKeyRow(SQLModel, table=True):
    """A data key wrapped by a master key version; `wrapped` is NULL once shredded."""

    __tablename__ = "data_key"

    id: uuid.UUID = Field(primary_key=True)
    owner: str = Field(max_length=16)
    suite: str = Field(max_length=8)
    master_version: int = Field(index=True)
    wrapped: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    created_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    shredded_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))


class KeyCheck(SQLModel, table=True):
    """A check value per master version: proves at start-up that the provider holds the key."""

    __tablename__ = "key_check"

    master_version: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    key_id: uuid.UUID
    wrapped: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    index_check: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    created_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
