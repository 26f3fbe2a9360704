"""The notice outbox and its delivery attempts (1798号 §7: notices reach the person).

Revision ID: 9b5d2f8a3c47
Revises: 8a4c1e7f2b95
Create Date: 2026-12-07 09:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "9b5d2f8a3c47"
down_revision: str | None = "8a4c1e7f2b95"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "notice_delivery",
        sa.Column("notice_id", sa.Uuid(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["notice_id"],
            ["entry_notice.id"],
            name=op.f("fk_notice_delivery_notice_id_entry_notice"),
        ),
        sa.PrimaryKeyConstraint("notice_id", name=op.f("pk_notice_delivery")),
    )
    op.create_index(
        "ix_notice_delivery_status_next_at", "notice_delivery", ["status", "next_at"], unique=False
    )
    op.create_table(
        "delivery_attempt",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("notice_id", sa.Uuid(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("outcome", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("error_class", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["notice_id"],
            ["notice_delivery.notice_id"],
            name=op.f("fk_delivery_attempt_notice_id_notice_delivery"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_delivery_attempt")),
    )
    op.create_index(
        op.f("ix_delivery_attempt_notice_id"), "delivery_attempt", ["notice_id"], unique=False
    )


def downgrade() -> None:
    """Revert this revision."""
    op.drop_index(op.f("ix_delivery_attempt_notice_id"), table_name="delivery_attempt")
    op.drop_table("delivery_attempt")
    op.drop_index("ix_notice_delivery_status_next_at", table_name="notice_delivery")
    op.drop_table("notice_delivery")
