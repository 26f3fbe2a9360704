"""Idempotency keys of agency queries: keyed hashes and the log index of the answer.

Revision ID: 7e2b9c4d1a36
Revises: 6e2b9f4a7c13
Create Date: 2026-12-06 12:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "7e2b9c4d1a36"
down_revision: str | None = "6e2b9f4a7c13"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "query_idempotency",
        sa.Column("key_hash", sa.LargeBinary(), nullable=False),
        sa.Column("request_hash", sa.LargeBinary(), nullable=False),
        sa.Column("log_index", sa.BigInteger(), nullable=False),
        sa.Column("receipt_size", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key_hash", name=op.f("pk_query_idempotency")),
    )
    op.create_index(
        op.f("ix_query_idempotency_created_at"), "query_idempotency", ["created_at"], unique=False
    )


def downgrade() -> None:
    """Revert this revision."""
    op.drop_index(op.f("ix_query_idempotency_created_at"), table_name="query_idempotency")
    op.drop_table("query_idempotency")
