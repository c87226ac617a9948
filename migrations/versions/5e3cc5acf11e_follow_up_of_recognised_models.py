"""follow-up of recognised models: model_followups (one request per model and yearly round, or on demand;
the unit's answer and its review) and model_followup_files (the answer's evidence, never public)

Revision ID: 5e3cc5acf11e
Revises: 60b4e8409ce3
Create Date: 2026-12-06 18:10:50.132708

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5e3cc5acf11e'
down_revision = '60b4e8409ce3'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('model_followups',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('model_id', sa.Integer(), nullable=False),
    sa.Column('committee_unit_id', sa.Integer(), nullable=False),
    sa.Column('period_year', sa.Integer(), nullable=False),
    sa.Column('round_year', sa.Integer(), nullable=True),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('state', sa.Enum('requested', 'draft', 'submitted', 'returned', 'accepted', 'cancelled', name='followupstate', native_enum=False, length=12), nullable=False),
    sa.Column('reported_status', sa.Enum('maintained', 'scaled_up', 'paused', 'ended', name='modelstatus', native_enum=False, length=12), nullable=True),
    sa.Column('people_reached', sa.Integer(), nullable=True),
    sa.Column('money_vnd', sa.BigInteger(), nullable=True),
    sa.Column('working_days', sa.Integer(), nullable=True),
    sa.Column('other_results', sa.Text(), nullable=False),
    sa.Column('internal_note', sa.Text(), nullable=False),
    sa.Column('return_reason', sa.Text(), nullable=True),
    sa.Column('requested_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('accepted_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['committee_unit_id'], ['units.id'], name=op.f('fk_model_followups_committee_unit_id_units'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['model_id'], ['registered_models.id'], name=op.f('fk_model_followups_model_id_registered_models'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['requested_by_id'], ['users.id'], name=op.f('fk_model_followups_requested_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_model_followups')),
    sa.UniqueConstraint('model_id', 'round_year', name='uq_model_followups_round')
    )
    with op.batch_alter_table('model_followups', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_model_followups_committee_unit_id'), ['committee_unit_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_model_followups_due_on'), ['due_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_model_followups_model_id'), ['model_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_model_followups_period_year'), ['period_year'], unique=False)
        batch_op.create_index(batch_op.f('ix_model_followups_state'), ['state'], unique=False)

    op.create_table('model_followup_files',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('followup_id', sa.Integer(), nullable=False),
    sa.Column('stored_name', sa.String(length=255), nullable=False),
    sa.Column('original_name', sa.String(length=255), nullable=False),
    sa.Column('content_type', sa.String(length=120), nullable=False),
    sa.Column('size_bytes', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['followup_id'], ['model_followups.id'], name=op.f('fk_model_followup_files_followup_id_model_followups'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_model_followup_files'))
    )
    with op.batch_alter_table('model_followup_files', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_model_followup_files_followup_id'), ['followup_id'], unique=False)



def downgrade():
    with op.batch_alter_table('model_followup_files', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_model_followup_files_followup_id'))

    op.drop_table('model_followup_files')
    with op.batch_alter_table('model_followups', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_model_followups_state'))
        batch_op.drop_index(batch_op.f('ix_model_followups_period_year'))
        batch_op.drop_index(batch_op.f('ix_model_followups_model_id'))
        batch_op.drop_index(batch_op.f('ix_model_followups_due_on'))
        batch_op.drop_index(batch_op.f('ix_model_followups_committee_unit_id'))

    op.drop_table('model_followups')
