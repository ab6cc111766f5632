"""participants: the age of a single parent's youngest child (for the benefit rules, art. 31 lid 2 r)

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24 13:40:00
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("participants") as batch:
        batch.add_column(sa.Column("youngest_child_age", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("participants") as batch:
        batch.drop_column("youngest_child_age")
