"""own_outcome_months: the monthly values of the outcomes a trial's plan declares of its own

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30 16:00:00
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "own_outcome_months",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("participant_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.Integer(), nullable=False),
        sa.Column("period", sa.Date(), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("import_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["participant_id"], ["participants.id"], name=op.f("fk_own_outcome_months_participant_id_participants")),
        sa.ForeignKeyConstraint(["import_id"], ["imports.id"], name=op.f("fk_own_outcome_months_import_id_imports")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_own_outcome_months")),
        sa.UniqueConstraint("participant_id", "month", "source", "name", name=op.f("uq_own_outcome_months_participant_id_month_source_name")),
    )
    op.create_index(op.f("ix_own_outcome_months_participant_id"), "own_outcome_months", ["participant_id"], unique=False)
    op.create_index(op.f("ix_own_outcome_months_import_id"), "own_outcome_months", ["import_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_own_outcome_months_import_id"), table_name="own_outcome_months")
    op.drop_index(op.f("ix_own_outcome_months_participant_id"), table_name="own_outcome_months")
    op.drop_table("own_outcome_months")
