"""Deadlines counted on the provisional calendar keep their working days, so they can be
counted again when the official holiday schedule arrives; a repair keeps the day its
decision clock started. All nullable: every existing deadline was counted officially.

Revision ID: 2b8e003a0eca
Revises: 3f00b1051ecd
Create Date: 2026-12-02 04:11:11.751411
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes  # noqa: F401 - the revision template's import
from alembic import op

revision: str = "2b8e003a0eca"
down_revision: str | None = "3f00b1051ecd"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table("entry", schema=None) as batch_op:
        batch_op.add_column(sa.Column("notice_provisional_days", sa.Integer(), nullable=True))

    with op.batch_alter_table("objection", schema=None) as batch_op:
        batch_op.add_column(sa.Column("accept_provisional_days", sa.Integer(), nullable=True))

    with op.batch_alter_table("repair_application", schema=None) as batch_op:
        batch_op.add_column(sa.Column("accept_provisional_days", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("decide_provisional_days", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("decide_from", sa.Date(), nullable=True))


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("repair_application", schema=None) as batch_op:
        batch_op.drop_column("decide_from")
        batch_op.drop_column("decide_provisional_days")
        batch_op.drop_column("accept_provisional_days")

    with op.batch_alter_table("objection", schema=None) as batch_op:
        batch_op.drop_column("accept_provisional_days")

    with op.batch_alter_table("entry", schema=None) as batch_op:
        batch_op.drop_column("notice_provisional_days")
