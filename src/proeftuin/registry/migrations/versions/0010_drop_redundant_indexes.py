"""Drop the single-column indexes whose column already leads a unique key (issue 14)

The unique constraint on ``(participant_id, ...)`` of ``outcome_months``, ``own_outcome_months``,
``survey_responses`` and ``survey_items`` is an index whose first column is ``participant_id``:
SQLite and PostgreSQL use it for every lookup, join, cascade and foreign-key check by
participant, so the separate index on ``participant_id`` only costs time on each insert
(and disk). Downgrade recreates them.

The indexes on ``experiment_id`` of ``participants``, ``arms`` and ``invitations`` also lead a unique key
but stay: on SQLite a one-column index is ordered by ``(experiment_id, id)``, so the frequent
``WHERE experiment_id = ? ORDER BY id`` reads need no sort with it (``EXPLAIN QUERY PLAN`` shows
``USE TEMP B-TREE FOR ORDER BY`` without it), and those tables take few inserts.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 01:10:00
"""
from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (table, column): the index ``ix_<table>_<column>`` dropped; the table's unique key starts with the column.
REDUNDANT = (
    ("outcome_months", "participant_id"),
    ("own_outcome_months", "participant_id"),
    ("survey_responses", "participant_id"),
    ("survey_items", "participant_id"),
)


def upgrade() -> None:
    # DROP INDEX needs no table rebuild on SQLite either, so no batch mode.
    for table, column in REDUNDANT:
        op.drop_index(op.f(f"ix_{table}_{column}"), table_name=table)


def downgrade() -> None:
    for table, column in REDUNDANT:
        op.create_index(op.f(f"ix_{table}_{column}"), table, [column], unique=False)
