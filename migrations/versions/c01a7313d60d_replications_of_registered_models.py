"""replications of registered models: replications (a unit applies a recognised model elsewhere, confirmed by the
committee above it) with their evidence files; registered_models.replication_count and source_model_id;
nominations.source_model_id and source_replication_id (a dossier written from a replication)

Revision ID: c01a7313d60d
Revises: 5e3cc5acf11e
Create Date: 2026-12-06 18:11:23.637995

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c01a7313d60d'
down_revision = '5e3cc5acf11e'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('replications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('source_model_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('province_id', sa.Integer(), nullable=True),
    sa.Column('commune_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.Enum('draft', 'submitted', 'returned', 'confirmed', 'withdrawn', name='replicationstate', native_enum=False, length=12), nullable=False),
    sa.Column('started_on', sa.Date(), nullable=True),
    sa.Column('adaptation', sa.Text(), nullable=False),
    sa.Column('scale', sa.String(length=500), nullable=False),
    sa.Column('people_reached', sa.Integer(), nullable=True),
    sa.Column('first_results', sa.Text(), nullable=False),
    sa.Column('return_reason', sa.Text(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('people_reached IS NULL OR people_reached >= 0', name=op.f('ck_replications_people_reached_non_negative')),
    sa.ForeignKeyConstraint(['commune_id'], ['units.id'], name=op.f('fk_replications_commune_id_units'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_replications_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['province_id'], ['units.id'], name=op.f('fk_replications_province_id_units'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['source_model_id'], ['registered_models.id'], name=op.f('fk_replications_source_model_id_registered_models'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_replications_unit_id_units'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_replications'))
    )
    with op.batch_alter_table('replications', schema=None) as batch_op:
        batch_op.create_index('ix_replications_model_status', ['source_model_id', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_replications_source_model_id'), ['source_model_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_replications_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_replications_unit_id'), ['unit_id'], unique=False)

    op.create_table('replication_files',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('replication_id', sa.Integer(), nullable=False),
    sa.Column('original_name', sa.String(length=255), nullable=False),
    sa.Column('stored_name', sa.String(length=80), nullable=False),
    sa.Column('content_type', sa.String(length=120), nullable=False),
    sa.Column('size_bytes', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.Column('uploaded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['replication_id'], ['replications.id'], name=op.f('fk_replication_files_replication_id_replications'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['users.id'], name=op.f('fk_replication_files_uploaded_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_replication_files')),
    sa.UniqueConstraint('stored_name', name=op.f('uq_replication_files_stored_name'))
    )
    with op.batch_alter_table('replication_files', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_replication_files_replication_id'), ['replication_id'], unique=False)

    with op.batch_alter_table('nominations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('source_model_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('source_replication_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key('fk_nominations_source_model_id_registered_models', 'registered_models', ['source_model_id'], ['id'], ondelete='SET NULL')
        batch_op.create_foreign_key('fk_nominations_source_replication_id_replications', 'replications', ['source_replication_id'], ['id'], ondelete='SET NULL')

    with op.batch_alter_table('registered_models', schema=None) as batch_op:
        batch_op.add_column(sa.Column('replication_count', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('source_model_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_registered_models_source_model_id_registered_models'), 'registered_models', ['source_model_id'], ['id'], ondelete='SET NULL')



def downgrade():
    with op.batch_alter_table('registered_models', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_registered_models_source_model_id_registered_models'), type_='foreignkey')
        batch_op.drop_column('source_model_id')
        batch_op.drop_column('replication_count')

    with op.batch_alter_table('nominations', schema=None) as batch_op:
        batch_op.drop_constraint('fk_nominations_source_replication_id_replications', type_='foreignkey')
        batch_op.drop_constraint('fk_nominations_source_model_id_registered_models', type_='foreignkey')
        batch_op.drop_column('source_replication_id')
        batch_op.drop_column('source_model_id')

    with op.batch_alter_table('replication_files', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_replication_files_replication_id'))

    op.drop_table('replication_files')
    with op.batch_alter_table('replications', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_replications_unit_id'))
        batch_op.drop_index(batch_op.f('ix_replications_status'))
        batch_op.drop_index(batch_op.f('ix_replications_source_model_id'))
        batch_op.drop_index('ix_replications_model_status')

    op.drop_table('replications')
