"""sealed vote batches: votes are published in hash-chained batches, the per-event chain goes

Revision ID: e7b2c4d91f05
Revises: d4e1a7c93b20
Create Date: 2026-12-06 05:30:00.000000

The event chain carried receipts in clear beside nominees and serialised every vote of a campaign
on its head row. Existing votes are left unsealed: the sealer publishes them as the first batch.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e7b2c4d91f05'
down_revision = 'd4e1a7c93b20'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'vote_batches',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('campaign_id', sa.Integer(), nullable=False),
        sa.Column('seq', sa.Integer(), nullable=False),
        sa.Column('sealed_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('final', sa.Boolean(), nullable=False),
        sa.Column('cast_receipts', sa.JSON(), nullable=False),
        sa.Column('withdrawal_receipts', sa.JSON(), nullable=False),
        sa.Column('counts', sa.JSON(), nullable=False),
        sa.Column('cast_count', sa.Integer(), nullable=False),
        sa.Column('withdrawal_count', sa.Integer(), nullable=False),
        sa.Column('cast_digest', sa.String(length=64), nullable=False),
        sa.Column('withdrawal_digest', sa.String(length=64), nullable=False),
        sa.Column('counts_digest', sa.String(length=64), nullable=False),
        sa.Column('entries_commitment', sa.String(length=64), nullable=False),
        sa.Column('prev_hash', sa.String(length=64), nullable=False),
        sa.Column('hash', sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(['campaign_id'], ['campaigns.id'], name=op.f('fk_vote_batches_campaign_id_campaigns'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_vote_batches')),
        sa.UniqueConstraint('campaign_id', 'seq', name='uq_vote_batches_campaign_seq'),
    )
    with op.batch_alter_table('votes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('cast_batch', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('withdrawal_batch', sa.Integer(), nullable=True))
    op.create_index('ix_votes_unsealed_cast', 'votes', ['campaign_id'], unique=False,
                    sqlite_where=sa.text('cast_batch IS NULL'), postgresql_where=sa.text('cast_batch IS NULL'))
    op.create_index('ix_votes_unsealed_withdrawal', 'votes', ['campaign_id'], unique=False,
                    sqlite_where=sa.text('withdrawn_at IS NOT NULL AND withdrawal_batch IS NULL'),
                    postgresql_where=sa.text('withdrawn_at IS NOT NULL AND withdrawal_batch IS NULL'))
    op.drop_table('vote_checkpoints')
    op.drop_table('vote_events')
    op.execute("UPDATE vote_chains SET seq = 0, head_hash = '" + "0" * 64 + "'")


def downgrade():
    op.create_table(
        'vote_events',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('campaign_id', sa.Integer(), nullable=False),
        sa.Column('seq', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=10), nullable=False),
        sa.Column('nomination_id', sa.Integer(), nullable=False),
        sa.Column('receipt_code', sa.String(length=24), nullable=False),
        sa.Column('occurred_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('prev_hash', sa.String(length=64), nullable=False),
        sa.Column('hash', sa.String(length=64), nullable=False),
        sa.CheckConstraint("kind IN ('cast', 'withdraw')", name=op.f('ck_vote_events_kind_known')),
        sa.ForeignKeyConstraint(['campaign_id'], ['campaigns.id'], name=op.f('fk_vote_events_campaign_id_campaigns'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['nomination_id'], ['nominations.id'], name=op.f('fk_vote_events_nomination_id_nominations'), ondelete='RESTRICT'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_vote_events')),
        sa.UniqueConstraint('campaign_id', 'seq', name='uq_vote_events_campaign_seq'),
    )
    with op.batch_alter_table('vote_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_vote_events_receipt_code'), ['receipt_code'], unique=False)
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
    op.drop_index('ix_votes_unsealed_withdrawal', table_name='votes')
    op.drop_index('ix_votes_unsealed_cast', table_name='votes')
    with op.batch_alter_table('votes', schema=None) as batch_op:
        batch_op.drop_column('withdrawal_batch')
        batch_op.drop_column('cast_batch')
    op.drop_table('vote_batches')
    op.execute("UPDATE vote_chains SET seq = 0, head_hash = '" + "0" * 64 + "'")
