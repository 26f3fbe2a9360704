"""Signed repair evidence: what each certifying organisation issues, and its Ed25519 keys.

Revision ID: 5c1e8a7d3b90
Revises: 7e2b9c4d1a36
Create Date: 2026-12-07 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "5c1e8a7d3b90"
down_revision: str | None = "7e2b9c4d1a36"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    # Organisations registered before issued volunteering certificates only.
    with op.batch_alter_table("certifying_organisation", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "kind",
                sa.String(length=32),
                nullable=False,
                server_default="volunteer_organisation",
            )
        )
        batch_op.create_check_constraint(
            op.f("ck_certifying_organisation_kind"),
            "kind IN ('charity', 'training_provider', 'volunteer_organisation')",
        )
    with op.batch_alter_table("certifying_organisation", schema=None) as batch_op:
        batch_op.alter_column("kind", server_default=None)
    op.create_table(
        "organisation_key",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column("public_key", sa.LargeBinary(), nullable=False),
        sa.Column("valid_from", sa.DateTime(timezone=True), nullable=False),
        sa.Column("retired_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["certifying_organisation.id"],
            name=op.f("fk_organisation_key_organisation_id_certifying_organisation"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organisation_key")),
        sa.UniqueConstraint(
            "organisation_id",
            "public_key",
            name=op.f("uq_organisation_key_organisation_id_public_key"),
        ),
    )
    op.create_index(
        op.f("ix_organisation_key_organisation_id"),
        "organisation_key",
        ["organisation_id"],
        unique=False,
    )


def downgrade() -> None:
    """Revert this revision."""
    op.drop_index(op.f("ix_organisation_key_organisation_id"), table_name="organisation_key")
    op.drop_table("organisation_key")
    with op.batch_alter_table("certifying_organisation", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_certifying_organisation_kind"), type_="check")
        batch_op.drop_column("kind")
