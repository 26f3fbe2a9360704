"""Entry lifecycle: stored statuses, notice and exit fields, announcements, notices, deliveries.

Existing rows move to the new statuses: `active` becomes `displayed` (what is shown is
decided at read time anyway) and `withdrawn` becomes `retained` with its exit reason.

Revision ID: 0a3dbefb7202
Revises: c0b7d6c29be9
Create Date: 2026-11-23 12:07:34.440341
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0a3dbefb7202"
down_revision: str | None = "c0b7d6c29be9"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STATUS_CHECK = (
    "status IN ('pending_notice', 'displayed', 'expired', 'exited', 'retained', 'shredded')"
)


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "query_delivery",
        sa.Column("log_index", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("entry_id", sa.Uuid(), nullable=False),
        sa.Column("agency", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("log_index", "entry_id", name=op.f("pk_query_delivery")),
    )
    with op.batch_alter_table("query_delivery", schema=None) as batch_op:
        batch_op.create_index("ix_query_delivery_entry_at", ["entry_id", "at"], unique=False)

    op.create_table(
        "agency_notice",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("agency", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
        sa.Column("entry_id", sa.Uuid(), nullable=False),
        sa.Column("entry_version", sa.Integer(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["entry_id"], ["entry.id"], name=op.f("fk_agency_notice_entry_id_entry")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agency_notice")),
        sa.UniqueConstraint(
            "agency",
            "entry_id",
            "kind",
            "entry_version",
            name=op.f("uq_agency_notice_agency_entry_id_kind_entry_version"),
        ),
    )
    with op.batch_alter_table("agency_notice", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_agency_notice_agency"), ["agency"], unique=False)

    op.create_table(
        "entry_notice",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("subject_id", sa.Uuid(), nullable=False),
        sa.Column("entry_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["entry_id"], ["entry.id"], name=op.f("fk_entry_notice_entry_id_entry")
        ),
        sa.ForeignKeyConstraint(
            ["subject_id"], ["subject.id"], name=op.f("fk_entry_notice_subject_id_subject")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_entry_notice")),
        sa.UniqueConstraint("entry_id", "kind", name=op.f("uq_entry_notice_entry_id_kind")),
    )
    with op.batch_alter_table("entry_notice", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_entry_notice_subject_id"), ["subject_id"], unique=False
        )

    op.create_table(
        "exit_announcement",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("entry_id", sa.Uuid(), nullable=False),
        sa.Column("public_ref", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("list_kind", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("domain", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("department", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
        sa.Column("announced_on", sa.Date(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["entry_id"], ["entry.id"], name=op.f("fk_exit_announcement_entry_id_entry")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exit_announcement")),
        sa.UniqueConstraint("entry_id", name=op.f("uq_exit_announcement_entry_id")),
    )
    with op.batch_alter_table("exit_announcement", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_exit_announcement_announced_on"), ["announced_on"], unique=False
        )

    with op.batch_alter_table("entry", schema=None) as batch_op:
        batch_op.add_column(sa.Column("notice_until", sa.Date(), nullable=True))
        batch_op.add_column(
            sa.Column("under_objection", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(
            sa.Column("exit_reason", sqlmodel.sql.sqltypes.AutoString(length=24), nullable=True)
        )
        batch_op.add_column(sa.Column("exited_on", sa.Date(), nullable=True))
        batch_op.add_column(
            sa.Column("watch_months", sa.Integer(), nullable=False, server_default="12")
        )
        batch_op.drop_index(batch_op.f("ix_entry_status"))
        batch_op.create_index(
            "ix_entry_status_display_until", ["status", "display_until"], unique=False
        )
        batch_op.create_index(
            "ix_entry_status_notice_until", ["status", "notice_until"], unique=False
        )
        batch_op.create_index(
            "ix_entry_status_retain_until", ["status", "retain_until"], unique=False
        )
    op.execute("UPDATE entry SET status = 'displayed' WHERE status = 'active'")
    op.execute(
        "UPDATE entry SET status = 'retained', exit_reason = 'withdrawn' WHERE status = 'withdrawn'"
    )
    with op.batch_alter_table("entry", schema=None) as batch_op:
        batch_op.create_check_constraint(op.f("ck_entry_status"), STATUS_CHECK)
        batch_op.create_check_constraint(
            op.f("ck_entry_watch_months"), "watch_months BETWEEN 1 AND 60"
        )


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("entry", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_entry_watch_months"), type_="check")
        batch_op.drop_constraint(op.f("ck_entry_status"), type_="check")
    op.execute("UPDATE entry SET status = 'withdrawn' WHERE exit_reason = 'withdrawn'")
    op.execute(
        "UPDATE entry SET status = 'active' WHERE status IN ('pending_notice', 'displayed', "
        "'expired', 'exited', 'retained')"
    )
    with op.batch_alter_table("entry", schema=None) as batch_op:
        batch_op.drop_index("ix_entry_status_retain_until")
        batch_op.drop_index("ix_entry_status_notice_until")
        batch_op.drop_index("ix_entry_status_display_until")
        batch_op.create_index(batch_op.f("ix_entry_status"), ["status"], unique=False)
        batch_op.drop_column("watch_months")
        batch_op.drop_column("exited_on")
        batch_op.drop_column("exit_reason")
        batch_op.drop_column("under_objection")
        batch_op.drop_column("notice_until")

    with op.batch_alter_table("exit_announcement", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_exit_announcement_announced_on"))

    op.drop_table("exit_announcement")
    with op.batch_alter_table("entry_notice", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_entry_notice_subject_id"))

    op.drop_table("entry_notice")
    with op.batch_alter_table("agency_notice", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_agency_notice_agency"))

    op.drop_table("agency_notice")
    with op.batch_alter_table("query_delivery", schema=None) as batch_op:
        batch_op.drop_index("ix_query_delivery_entry_at")

    op.drop_table("query_delivery")
