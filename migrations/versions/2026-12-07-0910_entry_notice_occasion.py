"""Entry notices keyed by their occasion: a second event of one kind is a second notice.

Revision ID: 8a4c1e7f2b95
Revises: 5c1e8a7d3b90
Create Date: 2026-12-07 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "8a4c1e7f2b95"
down_revision: str | None = "5c1e8a7d3b90"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table("entry_notice", schema=None) as batch_op:
        # The notices kept so far were one per (entry, kind): "v1" names that one occasion.
        batch_op.add_column(
            sa.Column(
                "occasion",
                sqlmodel.sql.sqltypes.AutoString(length=48),
                nullable=False,
                server_default="v1",
            )
        )
        batch_op.drop_constraint("uq_entry_notice_entry_id_kind", type_="unique")
        batch_op.create_unique_constraint(
            batch_op.f("uq_entry_notice_entry_id_kind_occasion"), ["entry_id", "kind", "occasion"]
        )
    with op.batch_alter_table("entry_notice", schema=None) as batch_op:
        batch_op.alter_column("occasion", server_default=None)


def downgrade() -> None:
    """Revert this revision (only the earliest notice of each entry and kind survives)."""
    notice = sa.table(
        "entry_notice",
        sa.column("id", sa.Uuid()),
        sa.column("entry_id", sa.Uuid()),
        sa.column("kind", sa.String()),
        sa.column("created_at", sa.DateTime(timezone=True)),
    )
    older = notice.alias("older")
    op.execute(
        notice.delete().where(
            sa.exists().where(
                older.c.entry_id == notice.c.entry_id,
                older.c.kind == notice.c.kind,
                sa.or_(
                    older.c.created_at < notice.c.created_at,
                    sa.and_(older.c.created_at == notice.c.created_at, older.c.id < notice.c.id),
                ),
            )
        )
    )
    with op.batch_alter_table("entry_notice", schema=None) as batch_op:
        batch_op.drop_constraint("uq_entry_notice_entry_id_kind_occasion", type_="unique")
        batch_op.create_unique_constraint(
            batch_op.f("uq_entry_notice_entry_id_kind"), ["entry_id", "kind"]
        )
        batch_op.drop_column("occasion")
