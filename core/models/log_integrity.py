"""The query log's integrity record: halts found by its checks, and the last full check.

A halt row with no `cleared_at` stops the service from signing checkpoints and answering
agency queries until an operator clears it (`credence log clear-halt`), after the whole log
verifies again. Rows are kept once cleared: they are the record of what was found, when,
and why an operator let the service go on. No row holds personal data: the problem is the
verifier's own wording, with leaf indices and checkpoint sizes only.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, Column, Integer, String, Text
from sqlmodel import Field, SQLModel

from core.models.types import UTCDateTime

FULL_CHECK_ROW_ID = 1
FOUND_BY = ("signing", "start-up", "full-check")


class LogHalt(SQLModel, table=True):
    """One integrity failure of the query log: open (halting the service) until cleared."""

    __tablename__ = "query_log_halt"
    __table_args__ = (
        CheckConstraint(
            "found_by IN ({})".format(", ".join(f"'{f}'" for f in FOUND_BY)), name="found_by"
        ),
    )

    id: int | None = Field(default=None, sa_column=Column(Integer, primary_key=True))
    halted_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    found_by: str = Field(sa_column=Column(String(16), nullable=False))
    problem: str = Field(sa_column=Column(Text, nullable=False))
    bad_index: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    bad_checkpoint: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    cleared_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime, nullable=True))
    cleared_reason: str | None = Field(default=None, sa_column=Column(Text, nullable=True))


class LogFullCheck(SQLModel, table=True):
    """The single row (id 1) saying when the whole log last verified, and at what size."""

    __tablename__ = "query_log_full_check"
    __table_args__ = (CheckConstraint(f"id = {FULL_CHECK_ROW_ID}", name="single_row"),)

    id: int = Field(
        default=FULL_CHECK_ROW_ID,
        sa_column=Column(Integer, primary_key=True, autoincrement=False),
    )
    finished_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    size: int = Field(sa_column=Column(BigInteger, nullable=False))
