"""participants: the plan's declared covariates as one JSON column; a choice arm's chosen treatment; invitations

The baseline covariates a trial records are declared in its plan (any names, types and
categories), so they are stored as one JSON object per participant. ``age`` and ``household``
keep their own columns: the benefit rules need them of every participant. The six other
columns of the 2017-2019 trials move into the JSON object (values unchanged). ``team``: the
case-manager team of a plan clustered by team (the analysis clusters on it; randomization stays
individual, households as before).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30 13:00:00
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MOVED = (
    ("sex", sa.String(8)),
    ("months_on_benefit", sa.Integer()),
    ("education", sa.String(16)),
    ("health", sa.Float()),
    ("migration_background", sa.Boolean()),
    ("distance_to_labour_market", sa.String(16)),
)
BATCH = 5000


def upgrade() -> None:
    bind = op.get_bind()
    with op.batch_alter_table("participants") as batch:
        batch.add_column(sa.Column("covariates", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("chosen_arm", sa.String(64), nullable=True))
        batch.add_column(sa.Column("team", sa.String(64), nullable=True))
        batch.create_index(batch.f("ix_participants_team"), ["team"], unique=False)
    participants = sa.table("participants", sa.column("id", sa.Integer()), sa.column("covariates", sa.JSON()),
                            *(sa.column(name, kind) for name, kind in MOVED))
    rows = bind.execute(sa.select(participants.c.id, *(participants.c[name] for name, _ in MOVED))).all()
    update = participants.update().where(participants.c.id == sa.bindparam("pid")).values(covariates=sa.bindparam("values"))
    for start in range(0, len(rows), BATCH):
        chunk = rows[start : start + BATCH]
        bind.execute(update, [{"pid": row[0], "values": {name: value for (name, _), value in zip(MOVED, row[1:], strict=True)}} for row in chunk])
    with op.batch_alter_table("participants") as batch:
        batch.alter_column("covariates", existing_type=sa.JSON(), nullable=False)
        for name, _ in MOVED:
            batch.drop_column(name)
    op.create_table(
        "invitations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("experiment_id", sa.Integer(), nullable=False),
        sa.Column("pseudonym", sa.String(64), nullable=False),
        sa.Column("invited_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("answered_on", sa.Date(), nullable=True),
        sa.Column("recorded_by", sa.String(64), nullable=False),
        sa.ForeignKeyConstraint(["experiment_id"], ["experiments.id"], name=op.f("fk_invitations_experiment_id_experiments")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invitations")),
        sa.UniqueConstraint("experiment_id", "pseudonym", name=op.f("uq_invitations_experiment_id_pseudonym")),
    )
    op.create_index(op.f("ix_invitations_experiment_id"), "invitations", ["experiment_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_invitations_experiment_id"), table_name="invitations")
    op.drop_table("invitations")
    bind = op.get_bind()
    with op.batch_alter_table("participants") as batch:
        for name, kind in MOVED:
            batch.add_column(sa.Column(name, kind, nullable=True))
    participants = sa.table("participants", sa.column("id", sa.Integer()), sa.column("covariates", sa.JSON()),
                            *(sa.column(name, kind) for name, kind in MOVED))
    rows = bind.execute(sa.select(participants.c.id, participants.c.covariates)).all()
    for pid, values in rows:
        bind.execute(participants.update().where(participants.c.id == pid).values(**{name: (values or {}).get(name) for name, _ in MOVED}))
    with op.batch_alter_table("participants") as batch:
        batch.drop_index(batch.f("ix_participants_team"))
        batch.drop_column("team")
        batch.drop_column("chosen_arm")
        batch.drop_column("covariates")
