"""The query log's integrity record: halts its checks found, and the last full check.

Revision ID: b3c8d1e6f2a9
Revises: 5c1e8d2f7a90
Create Date: 2026-12-04 12:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "b3c8d1e6f2a9"
down_revision: str | None = "5c1e8d2f7a90"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "query_log_halt",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("halted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("found_by", sa.String(length=16), nullable=False),
        sa.Column("problem", sa.Text(), nullable=False),
        sa.Column("bad_index", sa.BigInteger(), nullable=True),
        sa.Column("bad_checkpoint", sa.BigInteger(), nullable=True),
        sa.Column("cleared_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cleared_reason", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "found_by IN ('signing', 'start-up', 'full-check')",
            name=op.f("ck_query_log_halt_found_by"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_query_log_halt")),
    )
    op.create_table(
        "query_log_full_check",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("id = 1", name=op.f("ck_query_log_full_check_single_row")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_query_log_full_check")),
    )


def downgrade() -> None:
    """Revert this revision."""
    op.drop_table("query_log_full_check")
    op.drop_table("query_log_halt")
