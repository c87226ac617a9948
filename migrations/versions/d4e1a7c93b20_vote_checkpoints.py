"""vote checkpoints: chain heads saved with their date, listed on the public results page

Revision ID: d4e1a7c93b20
Revises: a13c5e7f2b90
Create Date: 2026-12-06 03:10:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd4e1a7c93b20'
down_revision = 'a13c5e7f2b90'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'vote_checkpoints',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('campaign_id', sa.Integer(), nullable=False),
        sa.Column('seq', sa.Integer(), nullable=False),
        sa.Column('head_hash', sa.String(length=64), nullable=False),
        sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['campaign_id'], ['campaigns.id'], name=op.f('fk_vote_checkpoints_campaign_id_campaigns'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_vote_checkpoints')),
    )
    with op.batch_alter_table('vote_checkpoints', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_vote_checkpoints_campaign_id'), ['campaign_id'], unique=False)


def downgrade():
    with op.batch_alter_table('vote_checkpoints', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_vote_checkpoints_campaign_id'))
    op.drop_table('vote_checkpoints')
