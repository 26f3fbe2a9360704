"""Query audit: a searchable projection of each log leaf, and flags on queries.

Revision ID: c0b7d6c29be9
Revises: fa91f9d46f92
Create Date: 2026-11-23 11:57:40.762732
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "c0b7d6c29be9"
down_revision: str | None = "fa91f9d46f92"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "query_facet",
        sa.Column("log_index", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("agency", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
        sa.Column("subject", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("outcome", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("basis", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.PrimaryKeyConstraint("log_index", name=op.f("pk_query_facet")),
    )
    with op.batch_alter_table("query_facet", schema=None) as batch_op:
        batch_op.create_index("ix_query_facet_agency_at", ["agency", "at"], unique=False)
        batch_op.create_index(batch_op.f("ix_query_facet_at"), ["at"], unique=False)
        batch_op.create_index(batch_op.f("ix_query_facet_outcome"), ["outcome"], unique=False)
        batch_op.create_index("ix_query_facet_subject_at", ["subject", "at"], unique=False)

    op.create_table(
        "query_flag",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("log_index", sa.BigInteger(), nullable=False),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("raised_by", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_query_flag")),
        sa.UniqueConstraint("log_index", "reason", name=op.f("uq_query_flag_log_index_reason")),
    )
    with op.batch_alter_table("query_flag", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_query_flag_log_index"), ["log_index"], unique=False)
        batch_op.create_index(batch_op.f("ix_query_flag_reason"), ["reason"], unique=False)


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("query_flag", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_query_flag_reason"))
        batch_op.drop_index(batch_op.f("ix_query_flag_log_index"))

    op.drop_table("query_flag")
    with op.batch_alter_table("query_facet", schema=None) as batch_op:
        batch_op.drop_index("ix_query_facet_subject_at")
        batch_op.drop_index(batch_op.f("ix_query_facet_outcome"))
        batch_op.drop_index(batch_op.f("ix_query_facet_at"))
        batch_op.drop_index("ix_query_facet_agency_at")

    op.drop_table("query_facet")
