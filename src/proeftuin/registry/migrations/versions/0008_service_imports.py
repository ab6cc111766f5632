"""service_contacts: the import (file revision) a service came from, so importing a file again changes nothing

Revision ID: 0008
Revises: 0004
Create Date: 2026-11-30 13:00:00
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("service_contacts") as batch:
        batch.add_column(sa.Column("import_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(batch.f("fk_service_contacts_import_id_imports"), "imports", ["import_id"], ["id"])
        batch.create_index(batch.f("ix_service_contacts_import_id"), ["import_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("service_contacts") as batch:
        batch.drop_index(batch.f("ix_service_contacts_import_id"))
        batch.drop_constraint(batch.f("fk_service_contacts_import_id_imports"), type_="foreignkey")
        batch.drop_column("import_id")
