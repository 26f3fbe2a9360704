"""Blind-index key rotation: a second index column on subject and objection, filled
while the index key rotates, and the row saying where a rotation stands.

Revision ID: 4d9a6b1c3e57
Revises: 7c1d5e2a9f40
Create Date: 2026-12-03 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "4d9a6b1c3e57"
down_revision: str | None = "7c1d5e2a9f40"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "index_rotation",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "state IN ('backfill', 'switched', 'done')", name="index_rotation_state"
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("subject", schema=None) as batch_op:
        batch_op.add_column(sa.Column("code_index_next", sa.LargeBinary(), nullable=True))
        batch_op.create_unique_constraint(
            batch_op.f("uq_subject_code_index_next"), ["code_index_next"]
        )
    with op.batch_alter_table("objection", schema=None) as batch_op:
        batch_op.add_column(sa.Column("objector_index_next", sa.LargeBinary(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_objection_objector_index_next"), ["objector_index_next"], unique=False
        )
    if op.get_bind().dialect.name == "postgresql":
        # Blind indexes never feed the planner statistics (pg_stats is readable).
        for table, column in (("subject", "code_index_next"), ("objection", "objector_index_next")):
            op.execute(f"ALTER TABLE {table} ALTER COLUMN {column} SET STATISTICS 0")


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("objection", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_objection_objector_index_next"))
        batch_op.drop_column("objector_index_next")
    with op.batch_alter_table("subject", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_subject_code_index_next"), type_="unique")
        batch_op.drop_column("code_index_next")
    op.drop_table("index_rotation")
