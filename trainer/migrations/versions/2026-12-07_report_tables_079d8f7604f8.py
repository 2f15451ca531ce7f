"""report tables: certification_statuses, skill_marks; roleplay_runs outcomes by trainee, scenario and mode

The tables start empty: fill them from the stored results with `trainer reports rebuild` (the
application keeps them in step from then on).

Revision ID: 079d8f7604f8
Revises: 27ad070efd5e
Create Date: 2026-12-07 17:41:22.898109

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '079d8f7604f8'
down_revision = '27ad070efd5e'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('certification_statuses',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('programme_key', sa.String(length=64), nullable=False),
    sa.Column('basis', sa.String(length=64), nullable=False),
    sa.Column('expires_on', sa.Date(), nullable=True),
    sa.Column('renew_from', sa.Date(), nullable=True),
    sa.Column('ever_certified', sa.Boolean(), nullable=False),
    sa.Column('retest_failed', sa.Boolean(), nullable=False),
    sa.Column('unmet', sa.Integer(), nullable=False),
    sa.Column('unmet_pending', sa.Integer(), nullable=False),
    sa.Column('started', sa.Boolean(), nullable=False),
    sa.Column('glossary_met_until', sa.Date(), nullable=True),
    sa.Column('glossary_started_until', sa.Date(), nullable=True),
    sa.Column('met', sa.Integer(), nullable=False),
    sa.Column('total', sa.Integer(), nullable=False),
    sa.Column('funnel', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('funnel BETWEEN 0 AND 5', name=op.f('ck_certification_statuses_funnel_stage')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_certification_statuses_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'programme_key', name=op.f('pk_certification_statuses'))
    )
    with op.batch_alter_table('certification_statuses', schema=None) as batch_op:
        batch_op.create_index('ix_certification_statuses_programme_key', ['programme_key'], unique=False)

    op.create_table('skill_marks',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('content_key', sa.String(length=64), nullable=False),
    sa.Column('source_id', sa.Integer(), nullable=False),
    sa.Column('marks', sa.Text(), nullable=False),
    sa.Column('pattern', sa.BigInteger(), nullable=False),
    sa.CheckConstraint("kind IN ('point', 'check')", name=op.f('ck_skill_marks_known_kind')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_skill_marks_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'kind', 'content_key', name=op.f('pk_skill_marks'))
    )
    with op.batch_alter_table('roleplay_runs', schema=None) as batch_op:
        batch_op.create_index('ix_roleplay_runs_outcomes', ['user_id', 'scenario_key', 'mode', 'status', 'scenario_version',
                              'reviewed_at', 'needs_review', 'passed', 'score', 'final_passed', 'final_score',
                              'finished_at'], unique=False)



def downgrade():
    with op.batch_alter_table('roleplay_runs', schema=None) as batch_op:
        batch_op.drop_index('ix_roleplay_runs_outcomes')

    op.drop_table('skill_marks')
    with op.batch_alter_table('certification_statuses', schema=None) as batch_op:
        batch_op.drop_index('ix_certification_statuses_programme_key')

    op.drop_table('certification_statuses')
