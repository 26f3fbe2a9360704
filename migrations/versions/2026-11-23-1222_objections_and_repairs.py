"""Objections and repair applications: cases, histories, evidence files, the volunteering
registry and used certificates; the citizen statement on entries.

Revision ID: 019184ebff73
Revises: 0a3dbefb7202
Create Date: 2026-11-23 12:22:37.819340
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "019184ebff73"
down_revision: str | None = "0a3dbefb7202"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "case_event",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("case_kind", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
        sa.Column("event", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("note_ct", sa.LargeBinary(), nullable=True),
        sa.CheckConstraint(
            "case_kind IN ('objection', 'repair')", name=op.f("ck_case_event_case_kind")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_event")),
    )
    with op.batch_alter_table("case_event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_case_event_case_id"), ["case_id"], unique=False)

    op.create_table(
        "certifying_organisation",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("code", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_certifying_organisation")),
        sa.UniqueConstraint("code", name=op.f("uq_certifying_organisation_code")),
    )
    op.create_table(
        "evidence_file",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("case_kind", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("media_type", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("name_ct", sa.LargeBinary(), nullable=False),
        sa.Column("content_ct", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "case_kind IN ('objection', 'repair')", name=op.f("ck_evidence_file_case_kind")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evidence_file")),
    )
    with op.batch_alter_table("evidence_file", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_evidence_file_case_id"), ["case_id"], unique=False)

    op.create_table(
        "objection",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("entry_id", sa.Uuid(), nullable=False),
        sa.Column("department", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("objector_index", sa.LargeBinary(), nullable=False),
        sa.Column("data_key_id", sa.Uuid(), nullable=False),
        sa.Column("reasons_ct", sa.LargeBinary(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("filed_on", sa.Date(), nullable=False),
        sa.Column("accept_due", sa.Date(), nullable=False),
        sa.Column("resolve_due", sa.Date(), nullable=False),
        sa.Column("decision_reasons_ct", sa.LargeBinary(), nullable=True),
        sa.Column("escalated", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status IN ('filed', 'accepted', 'declined', 'upheld', 'partly_upheld', 'rejected')",
            name=op.f("ck_objection_status"),
        ),
        sa.ForeignKeyConstraint(
            ["data_key_id"], ["data_key.id"], name=op.f("fk_objection_data_key_id_data_key")
        ),
        sa.ForeignKeyConstraint(
            ["entry_id"], ["entry.id"], name=op.f("fk_objection_entry_id_entry")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_objection")),
    )
    with op.batch_alter_table("objection", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_objection_department"), ["department"], unique=False)
        batch_op.create_index(batch_op.f("ix_objection_entry_id"), ["entry_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_objection_objector_index"), ["objector_index"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_objection_status"), ["status"], unique=False)

    op.create_table(
        "repair_application",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("entry_id", sa.Uuid(), nullable=False),
        sa.Column("department", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("subject_id", sa.Uuid(), nullable=False),
        sa.Column("data_key_id", sa.Uuid(), nullable=False),
        sa.Column("way", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("evidence_ct", sa.LargeBinary(), nullable=False),
        sa.Column("commitment_ct", sa.LargeBinary(), nullable=False),
        sa.Column("organisation_id", sa.Uuid(), nullable=True),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("filed_on", sa.Date(), nullable=False),
        sa.Column("accept_due", sa.Date(), nullable=False),
        sa.Column("decide_due", sa.Date(), nullable=False),
        sa.Column("decision_reasons_ct", sa.LargeBinary(), nullable=True),
        sa.Column("retry_from", sa.Date(), nullable=True),
        sa.Column("escalated", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status IN ('filed', 'accepted', 'declined', 'approved', 'rejected')",
            name=op.f("ck_repair_application_status"),
        ),
        sa.ForeignKeyConstraint(
            ["data_key_id"],
            ["data_key.id"],
            name=op.f("fk_repair_application_data_key_id_data_key"),
        ),
        sa.ForeignKeyConstraint(
            ["entry_id"], ["entry.id"], name=op.f("fk_repair_application_entry_id_entry")
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["certifying_organisation.id"],
            name=op.f("fk_repair_application_organisation_id_certifying_organisation"),
        ),
        sa.ForeignKeyConstraint(
            ["subject_id"], ["subject.id"], name=op.f("fk_repair_application_subject_id_subject")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_repair_application")),
    )
    with op.batch_alter_table("repair_application", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_repair_application_department"), ["department"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_repair_application_entry_id"), ["entry_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_repair_application_status"), ["status"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_repair_application_subject_id"), ["subject_id"], unique=False
        )

    op.create_table(
        "used_certificate",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column("certificate_index", sa.LargeBinary(), nullable=False),
        sa.Column("repair_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["certifying_organisation.id"],
            name=op.f("fk_used_certificate_organisation_id_certifying_organisation"),
        ),
        sa.ForeignKeyConstraint(
            ["repair_id"],
            ["repair_application.id"],
            name=op.f("fk_used_certificate_repair_id_repair_application"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_used_certificate")),
        sa.UniqueConstraint(
            "organisation_id",
            "certificate_index",
            name=op.f("uq_used_certificate_organisation_id_certificate_index"),
        ),
    )
    with op.batch_alter_table("entry", schema=None) as batch_op:
        batch_op.add_column(sa.Column("statement_ct", sa.LargeBinary(), nullable=True))


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("entry", schema=None) as batch_op:
        batch_op.drop_column("statement_ct")

    op.drop_table("used_certificate")
    with op.batch_alter_table("repair_application", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_repair_application_subject_id"))
        batch_op.drop_index(batch_op.f("ix_repair_application_status"))
        batch_op.drop_index(batch_op.f("ix_repair_application_entry_id"))
        batch_op.drop_index(batch_op.f("ix_repair_application_department"))

    op.drop_table("repair_application")
    with op.batch_alter_table("objection", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_objection_status"))
        batch_op.drop_index(batch_op.f("ix_objection_objector_index"))
        batch_op.drop_index(batch_op.f("ix_objection_entry_id"))
        batch_op.drop_index(batch_op.f("ix_objection_department"))

    op.drop_table("objection")
    with op.batch_alter_table("evidence_file", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_evidence_file_case_id"))

    op.drop_table("evidence_file")
    op.drop_table("certifying_organisation")
    with op.batch_alter_table("case_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_case_event_case_id"))

    op.drop_table("case_event")
