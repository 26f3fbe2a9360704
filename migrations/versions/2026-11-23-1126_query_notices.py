"""Query notices: the citizen's outbox of queries made of their record.

Revision ID: fa91f9d46f92
Revises: df1124a53569
Create Date: 2026-11-23 11:26:01.818972
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "fa91f9d46f92"
down_revision: str | None = "df1124a53569"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "query_notice",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("subject_id", sa.Uuid(), nullable=False),
        sa.Column("log_index", sa.BigInteger(), nullable=False),
        sa.Column("visible_from", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["subject_id"], ["subject.id"], name=op.f("fk_query_notice_subject_id_subject")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_query_notice")),
        sa.UniqueConstraint("log_index", name=op.f("uq_query_notice_log_index")),
    )
    with op.batch_alter_table("query_notice", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_query_notice_subject_id"), ["subject_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_query_notice_visible_from"), ["visible_from"], unique=False
        )


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("query_notice", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_query_notice_visible_from"))
        batch_op.drop_index(batch_op.f("ix_query_notice_subject_id"))

    op.drop_table("query_notice")
