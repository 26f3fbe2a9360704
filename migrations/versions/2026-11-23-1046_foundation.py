"""Foundation: data keys, key checks, subjects, entries and entry history.

Revision ID: 1306e414f023
Revises:
Create Date: 2026-11-23 10:46:01.355591
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "1306e414f023"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "data_key",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("owner", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("suite", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("master_version", sa.Integer(), nullable=False),
        sa.Column("wrapped", sa.LargeBinary(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("shredded_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_data_key")),
    )
    with op.batch_alter_table("data_key", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_data_key_master_version"), ["master_version"], unique=False
        )

    op.create_table(
        "key_check",
        sa.Column("master_version", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("key_id", sa.Uuid(), nullable=False),
        sa.Column("wrapped", sa.LargeBinary(), nullable=False),
        sa.Column("index_check", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("master_version", name=op.f("pk_key_check")),
    )
    op.create_table(
        "subject",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("code_index", sa.LargeBinary(), nullable=False),
        sa.Column("code_kind", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("data_key_id", sa.Uuid(), nullable=False),
        sa.Column("code_ct", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("code_kind IN ('citizen', 'org')", name=op.f("ck_subject_code_kind")),
        sa.ForeignKeyConstraint(
            ["data_key_id"], ["data_key.id"], name=op.f("fk_subject_data_key_id_data_key")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_subject")),
        sa.UniqueConstraint("code_index", name=op.f("uq_subject_code_index")),
    )
    op.create_table(
        "entry",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("subject_id", sa.Uuid(), nullable=False),
        sa.Column("data_key_id", sa.Uuid(), nullable=False),
        sa.Column("department", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("external_id", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
        sa.Column("public_ref", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("list_kind", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("domain", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("severity", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("subject_name_ct", sa.LargeBinary(), nullable=False),
        sa.Column("facts_ct", sa.LargeBinary(), nullable=False),
        sa.Column("public_summary_ct", sa.LargeBinary(), nullable=True),
        sa.Column("legal_basis", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column("decided_on", sa.Date(), nullable=False),
        sa.Column("display_until", sa.Date(), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=False),
        sa.Column("retain_until", sa.Date(), nullable=False),
        sa.Column("repairable", sa.Boolean(), nullable=False),
        sa.Column("repair_ways", sa.JSON(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "list_kind IN ('red', 'black', 'watch', 'warning')", name=op.f("ck_entry_list_kind")
        ),
        sa.CheckConstraint(
            "severity IN ('minor', 'general', 'serious')", name=op.f("ck_entry_severity")
        ),
        sa.CheckConstraint(
            "display_until >= decided_on", name=op.f("ck_entry_display_after_decision")
        ),
        sa.ForeignKeyConstraint(
            ["data_key_id"], ["data_key.id"], name=op.f("fk_entry_data_key_id_data_key")
        ),
        sa.ForeignKeyConstraint(
            ["subject_id"], ["subject.id"], name=op.f("fk_entry_subject_id_subject")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_entry")),
        sa.UniqueConstraint(
            "department", "external_id", name=op.f("uq_entry_department_external_id")
        ),
        sa.UniqueConstraint("public_ref", name=op.f("uq_entry_public_ref")),
    )
    with op.batch_alter_table("entry", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_entry_department"), ["department"], unique=False)
        batch_op.create_index(batch_op.f("ix_entry_display_until"), ["display_until"], unique=False)
        batch_op.create_index(batch_op.f("ix_entry_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_entry_subject_id"), ["subject_id"], unique=False)

    op.create_table(
        "entry_event",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("entry_id", sa.Uuid(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
        sa.Column("event", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("reason_ct", sa.LargeBinary(), nullable=True),
        sa.ForeignKeyConstraint(
            ["entry_id"], ["entry.id"], name=op.f("fk_entry_event_entry_id_entry")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_entry_event")),
    )
    with op.batch_alter_table("entry_event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_entry_event_entry_id"), ["entry_id"], unique=False)


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("entry_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_entry_event_entry_id"))

    op.drop_table("entry_event")
    with op.batch_alter_table("entry", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_entry_subject_id"))
        batch_op.drop_index(batch_op.f("ix_entry_status"))
        batch_op.drop_index(batch_op.f("ix_entry_display_until"))
        batch_op.drop_index(batch_op.f("ix_entry_department"))

    op.drop_table("entry")
    op.drop_table("subject")
    op.drop_table("key_check")
    with op.batch_alter_table("data_key", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_data_key_master_version"))

    op.drop_table("data_key")
