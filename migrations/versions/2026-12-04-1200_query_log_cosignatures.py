"""Witness cosignatures of query-log checkpoints.

Revision ID: 5c1e8d2f7a90
Revises: 5b7d0c3e9a21
Create Date: 2026-12-04 12:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "5c1e8d2f7a90"
down_revision: str | None = "5b7d0c3e9a21"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "query_log_cosignature",
        sa.Column("checkpoint_size", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("key_id", sa.LargeBinary(length=4), nullable=False),
        sa.Column("witness", sa.Text(), nullable=False),
        sa.Column("line", sa.Text(), nullable=False),
        sa.Column("timestamp", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "timestamp > 0", name=op.f("ck_query_log_cosignature_timestamp_positive")
        ),
        sa.ForeignKeyConstraint(
            ["checkpoint_size"],
            ["query_log_checkpoint.size"],
            name=op.f("fk_query_log_cosignature_checkpoint_size_query_log_checkpoint"),
        ),
        sa.PrimaryKeyConstraint("checkpoint_size", "key_id", name=op.f("pk_query_log_cosignature")),
    )


def downgrade() -> None:
    """Revert this revision."""
    op.drop_table("query_log_cosignature")
