"""initial schema

Revision ID: 0001
Revises: (none)
Create Date: 2026-11-24 13:05:06.853361
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0001'
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('experiments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=64), nullable=False),
    sa.Column('municipality', sa.String(length=128), nullable=False),
    sa.Column('name', sa.String(length=256), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('end_date', sa.Date(), nullable=False),
    sa.Column('spec', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_experiments')),
    sa.UniqueConstraint('slug', name=op.f('uq_experiments_slug'))
    )
    op.create_table('analysis_runs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('experiment_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=64), nullable=False),
    sa.Column('options', sa.JSON(), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.ForeignKeyConstraint(['experiment_id'], ['experiments.id'], name=op.f('fk_analysis_runs_experiment_id_experiments')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_analysis_runs'))
    )
    op.create_table('arms',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('experiment_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('label_nl', sa.String(length=256), nullable=False),
    sa.Column('label_en', sa.String(length=256), nullable=False),
    sa.Column('components', sa.JSON(), nullable=False),
    sa.Column('regime', sa.String(length=64), nullable=False),
    sa.Column('ratio', sa.Float(), nullable=False),
    sa.Column('is_control', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['experiment_id'], ['experiments.id'], name=op.f('fk_arms_experiment_id_experiments')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_arms')),
    sa.UniqueConstraint('experiment_id', 'code', name=op.f('uq_arms_experiment_id_code'))
    )
    with op.batch_alter_table('arms', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_arms_experiment_id'), ['experiment_id'], unique=False)

    op.create_table('participants',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('experiment_id', sa.Integer(), nullable=False),
    sa.Column('pseudonym', sa.String(length=64), nullable=False),
    sa.Column('enrolled_on', sa.Date(), nullable=False),
    sa.Column('age', sa.Integer(), nullable=False),
    sa.Column('sex', sa.String(length=8), nullable=False),
    sa.Column('household', sa.String(length=16), nullable=False),
    sa.Column('months_on_benefit', sa.Integer(), nullable=False),
    sa.Column('education', sa.String(length=16), nullable=False),
    sa.Column('health', sa.Float(), nullable=False),
    sa.Column('migration_background', sa.Boolean(), nullable=False),
    sa.Column('distance_to_labour_market', sa.String(length=16), nullable=False),
    sa.Column('stratum', sa.String(length=128), nullable=False),
    sa.ForeignKeyConstraint(['experiment_id'], ['experiments.id'], name=op.f('fk_participants_experiment_id_experiments')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_participants')),
    sa.UniqueConstraint('experiment_id', 'pseudonym', name=op.f('uq_participants_experiment_id_pseudonym'))
    )
    with op.batch_alter_table('participants', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_participants_experiment_id'), ['experiment_id'], unique=False)

    op.create_table('assignments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('participant_id', sa.Integer(), nullable=False),
    sa.Column('arm_id', sa.Integer(), nullable=False),
    sa.Column('assigned_on', sa.Date(), nullable=False),
    sa.Column('seed', sa.BigInteger(), nullable=False),
    sa.Column('algorithm', sa.String(length=32), nullable=False),
    sa.ForeignKeyConstraint(['arm_id'], ['arms.id'], name=op.f('fk_assignments_arm_id_arms')),
    sa.ForeignKeyConstraint(['participant_id'], ['participants.id'], name=op.f('fk_assignments_participant_id_participants')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assignments')),
    sa.UniqueConstraint('participant_id', name=op.f('uq_assignments_participant_id'))
    )
    with op.batch_alter_table('assignments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_assignments_arm_id'), ['arm_id'], unique=False)

    op.create_table('outcome_months',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('participant_id', sa.Integer(), nullable=False),
    sa.Column('month', sa.Integer(), nullable=False),
    sa.Column('period', sa.Date(), nullable=False),
    sa.Column('hours_per_week', sa.Float(), nullable=False),
    sa.Column('contract', sa.String(length=16), nullable=False),
    sa.Column('gross_earnings', sa.Float(), nullable=False),
    sa.Column('on_benefit', sa.Boolean(), nullable=False),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.ForeignKeyConstraint(['participant_id'], ['participants.id'], name=op.f('fk_outcome_months_participant_id_participants')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outcome_months')),
    sa.UniqueConstraint('participant_id', 'month', 'source', name=op.f('uq_outcome_months_participant_id_month_source'))
    )
    with op.batch_alter_table('outcome_months', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_outcome_months_participant_id'), ['participant_id'], unique=False)

    op.create_table('survey_responses',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('participant_id', sa.Integer(), nullable=False),
    sa.Column('wave', sa.Integer(), nullable=False),
    sa.Column('index_name', sa.String(length=64), nullable=False),
    sa.Column('score', sa.Float(), nullable=False),
    sa.ForeignKeyConstraint(['participant_id'], ['participants.id'], name=op.f('fk_survey_responses_participant_id_participants')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_survey_responses')),
    sa.UniqueConstraint('participant_id', 'wave', 'index_name', name=op.f('uq_survey_responses_participant_id_wave_index_name'))
    )
    with op.batch_alter_table('survey_responses', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_survey_responses_participant_id'), ['participant_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('survey_responses', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_survey_responses_participant_id'))

    op.drop_table('survey_responses')
    with op.batch_alter_table('outcome_months', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outcome_months_participant_id'))

    op.drop_table('outcome_months')
    with op.batch_alter_table('assignments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_assignments_arm_id'))

    op.drop_table('assignments')
    with op.batch_alter_table('participants', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_participants_experiment_id'))

    op.drop_table('participants')
    with op.batch_alter_table('arms', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_arms_experiment_id'))

    op.drop_table('arms')
    op.drop_table('analysis_runs')
    op.drop_table('experiments')
