"""registry of recognised models: registered_models (one per model, public summary and its review) and
model_recognitions (one per award, revoked_at when a decision withdraws it)

Revision ID: 7692368a9f4b
Revises: f3a9c1d27b64
Create Date: 2026-12-06 06:02:28.502124

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '7692368a9f4b'
down_revision = 'f3a9c1d27b64'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('registered_models',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('origin_nomination_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.Enum('collective', 'individual', name='nomineekind', native_enum=False, length=12), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('nominee_name', sa.String(length=255), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('province_id', sa.Integer(), nullable=True),
    sa.Column('commune_id', sa.Integer(), nullable=True),
    sa.Column('locality', sa.String(length=255), nullable=False),
    sa.Column('field_id', sa.Integer(), nullable=True),
    sa.Column('first_year', sa.Integer(), nullable=True),
    sa.Column('last_year', sa.Integer(), nullable=True),
    sa.Column('highest_level', sa.Enum('central', 'province', 'district', 'commune', 'agency', name='recognitionlevel', native_enum=False, length=12), nullable=True),
    sa.Column('status', sa.Enum('maintained', 'scaled_up', 'paused', 'ended', name='modelstatus', native_enum=False, length=12), nullable=False),
    sa.Column('is_recognised', sa.Boolean(), nullable=False),
    sa.Column('public_summary', sa.Text(), nullable=False),
    sa.Column('summary_draft', sa.Text(), nullable=False),
    sa.Column('summary_state', sa.Enum('none', 'draft', 'submitted', 'returned', 'approved', name='summarystate', native_enum=False, length=12), nullable=False),
    sa.Column('summary_return_reason', sa.Text(), nullable=True),
    sa.Column('summary_approved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('search_text', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('recognised_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['commune_id'], ['units.id'], name=op.f('fk_registered_models_commune_id_units'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['field_id'], ['reference_items.id'], name=op.f('fk_registered_models_field_id_reference_items'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['origin_nomination_id'], ['nominations.id'], name=op.f('fk_registered_models_origin_nomination_id_nominations'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['province_id'], ['units.id'], name=op.f('fk_registered_models_province_id_units'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_registered_models_unit_id_units'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_registered_models')),
    sa.UniqueConstraint('origin_nomination_id', name=op.f('uq_registered_models_origin_nomination_id'))
    )
    with op.batch_alter_table('registered_models', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_registered_models_commune_id'), ['commune_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_registered_models_field_id'), ['field_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_registered_models_highest_level'), ['highest_level'], unique=False)
        batch_op.create_index(batch_op.f('ix_registered_models_is_recognised'), ['is_recognised'], unique=False)
        batch_op.create_index(batch_op.f('ix_registered_models_last_year'), ['last_year'], unique=False)
        batch_op.create_index(batch_op.f('ix_registered_models_province_id'), ['province_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_registered_models_recognised_at'), ['recognised_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_registered_models_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_registered_models_summary_state'), ['summary_state'], unique=False)
        batch_op.create_index(batch_op.f('ix_registered_models_unit_id'), ['unit_id'], unique=False)

    op.create_table('model_recognitions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('model_id', sa.Integer(), nullable=False),
    sa.Column('source', sa.Enum('award', 'external', name='recognitionsource', native_enum=False, length=12), nullable=False),
    sa.Column('nomination_id', sa.Integer(), nullable=True),
    sa.Column('awardee_id', sa.Integer(), nullable=True),
    sa.Column('decision_id', sa.Integer(), nullable=True),
    sa.Column('certificate_id', sa.Integer(), nullable=True),
    sa.Column('award_form_name', sa.String(length=120), nullable=False),
    sa.Column('issuing_body', sa.String(length=255), nullable=False),
    sa.Column('decision_number', sa.String(length=80), nullable=False),
    sa.Column('decided_on', sa.Date(), nullable=True),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('level', sa.Enum('central', 'province', 'district', 'commune', 'agency', name='recognitionlevel', native_enum=False, length=12), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['awardee_id'], ['decision_awardees.id'], name=op.f('fk_model_recognitions_awardee_id_decision_awardees'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['certificate_id'], ['certificates.id'], name=op.f('fk_model_recognitions_certificate_id_certificates'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['decision_id'], ['decisions.id'], name=op.f('fk_model_recognitions_decision_id_decisions'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['model_id'], ['registered_models.id'], name=op.f('fk_model_recognitions_model_id_registered_models'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['nomination_id'], ['nominations.id'], name=op.f('fk_model_recognitions_nomination_id_nominations'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_model_recognitions')),
    sa.UniqueConstraint('nomination_id', name=op.f('uq_model_recognitions_nomination_id'))
    )
    with op.batch_alter_table('model_recognitions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_model_recognitions_awardee_id'), ['awardee_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_model_recognitions_decision_id'), ['decision_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_model_recognitions_model_id'), ['model_id'], unique=False)



def downgrade():
    with op.batch_alter_table('model_recognitions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_model_recognitions_model_id'))
        batch_op.drop_index(batch_op.f('ix_model_recognitions_decision_id'))
        batch_op.drop_index(batch_op.f('ix_model_recognitions_awardee_id'))

    op.drop_table('model_recognitions')
    with op.batch_alter_table('registered_models', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_registered_models_unit_id'))
        batch_op.drop_index(batch_op.f('ix_registered_models_summary_state'))
        batch_op.drop_index(batch_op.f('ix_registered_models_status'))
        batch_op.drop_index(batch_op.f('ix_registered_models_recognised_at'))
        batch_op.drop_index(batch_op.f('ix_registered_models_province_id'))
        batch_op.drop_index(batch_op.f('ix_registered_models_last_year'))
        batch_op.drop_index(batch_op.f('ix_registered_models_is_recognised'))
        batch_op.drop_index(batch_op.f('ix_registered_models_highest_level'))
        batch_op.drop_index(batch_op.f('ix_registered_models_field_id'))
        batch_op.drop_index(batch_op.f('ix_registered_models_commune_id'))

    op.drop_table('registered_models')
