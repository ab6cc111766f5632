"""the trial's lifecycle state; the audit chain keyed from here on

Existing experiments get the state their facts imply (no seal: draft; an unsealed seed:
unsealed; otherwise recruiting). Existing audit events keep their SHA-256 hashes: they are the
unkeyed legacy part of the chain, which ``verify`` reports as such; ``audit_head.keyed_from``
is the first event keyed with HMAC-SHA256. A non-empty legacy chain ends with a ``baseline``
event recording the users' roles and the experiments' states at this point (users and states
were not audited before), from which ``verify`` replays what follows.

Revision ID: 0006
Revises: 0004
Create Date: 2026-11-30 13:05:00
"""
from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("experiments") as batch:
        batch.add_column(sa.Column("status", sa.String(16), nullable=False, server_default="recruiting"))
    op.execute("UPDATE experiments SET status = 'draft' WHERE id NOT IN (SELECT experiment_id FROM seals)")
    op.execute("UPDATE experiments SET status = 'unsealed' WHERE id IN (SELECT experiment_id FROM seals WHERE seed IS NOT NULL)")
    with op.batch_alter_table("audit_head") as batch:
        batch.add_column(sa.Column("keyed_from", sa.Integer(), nullable=False, server_default="1"))
    _baseline(op.get_bind())
    op.execute("UPDATE audit_head SET keyed_from = last_id + 1")


def _baseline(connection: sa.Connection) -> None:
    from proeftuin.registry.audit import Action, event_hash

    last_id, last_hash = connection.execute(sa.text("SELECT last_id, last_hash FROM audit_head WHERE id = 1")).one()
    if last_id == 0:
        return
    users: dict[str, str] = dict(connection.execute(sa.text("SELECT name, role FROM users")).all())
    status = {str(i): s for i, s in connection.execute(sa.text("SELECT id, status FROM experiments")).all()}
    row = {"id": last_id + 1, "at": dt.datetime.now(dt.UTC).isoformat(timespec="microseconds"), "actor": "migration 0006",
           "action": Action.baseline.value, "experiment_id": None, "subject": "", "payload": {"users": users, "status": status},
           "prev_hash": last_hash}
    digest = event_hash(**row, key=None)
    connection.execute(sa.text("INSERT INTO audit_events (id, at, actor, action, experiment_id, subject, payload, prev_hash, hash) "
                               "VALUES (:id, :at, :actor, :action, NULL, '', :payload, :prev_hash, :hash)"),
                       {**row, "payload": json.dumps(row["payload"]), "hash": digest})
    connection.execute(sa.text("UPDATE audit_head SET last_id = :id, last_hash = :hash WHERE id = 1"), {"id": row["id"], "hash": digest})


def downgrade() -> None:
    with op.batch_alter_table("audit_head") as batch:
        batch.drop_column("keyed_from")
    with op.batch_alter_table("experiments") as batch:
        batch.drop_column("status")
