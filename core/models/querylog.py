"""The tamper-evident query log: leaves, the persisted frontier, cached nodes, checkpoints.

Leaf bodies hold pseudonyms and ids only, never plaintext personal data. Leaves,
nodes and checkpoints are append-only; the single state row is the one thing that
changes, and it holds exactly one hash per set bit of the log size.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, Column, Integer, LargeBinary, Text
from sqlmodel import Field, SQLModel

from core.models.types import UTCDateTime

STATE_ROW_ID = 1


class LogLeaf(SQLModel, table=True):
    """One log entry at its 0-based index: the canonical JSON body and its RFC 9162 leaf hash."""

    __tablename__ = "query_log_leaf"
    __table_args__ = (CheckConstraint("idx >= 0", name="idx_non_negative"),)

    # Indices are assigned by the appender from the frontier size, never by the database.
    idx: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    leaf_hash: bytes = Field(sa_column=Column(LargeBinary(32), nullable=False))
    body: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    created_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))


class LogState(SQLModel, table=True):
    """The single row (id 1) holding the log size and its compact-range frontier."""

    __tablename__ = "query_log_state"
    __table_args__ = (
        CheckConstraint(f"id = {STATE_ROW_ID}", name="single_row"),
        CheckConstraint("size >= 0", name="size_non_negative"),
    )

    id: int = Field(
        default=STATE_ROW_ID,
        sa_column=Column(Integer, primary_key=True, autoincrement=False),
    )
    size: int = Field(sa_column=Column(BigInteger, nullable=False))
    frontier: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    updated_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))


class LogNode(SQLModel, table=True):
    """A cached interior node (level >= 1): the hash of leaves [index * 2**level, +2**level)."""

    __tablename__ = "query_log_node"
    __table_args__ = (CheckConstraint('level >= 1 AND "index" >= 0', name="position"),)

    level: int = Field(sa_column=Column(Integer, primary_key=True, autoincrement=False))
    index: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    digest: bytes = Field(sa_column=Column(LargeBinary(32), nullable=False))


class LogCheckpoint(SQLModel, table=True):
    """A signed checkpoint (C2SP signed note) of the log at one size."""

    __tablename__ = "query_log_checkpoint"
    __table_args__ = (CheckConstraint("size >= 0", name="size_non_negative"),)

    size: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    root: bytes = Field(sa_column=Column(LargeBinary(32), nullable=False))
    note: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
