"""registry imports of recognitions made elsewhere: model_import_batches (one uploaded file, kept for its
preview and confirmation) and model_recognitions.import_batch_id (the file a recognition came from)

Revision ID: 60b4e8409ce3
Revises: 3c482d78844a
Create Date: 2026-12-06 17:41:46.448801

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '60b4e8409ce3'
down_revision = '3c482d78844a'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('model_import_batches',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('committee_unit_id', sa.Integer(), nullable=False),
    sa.Column('state', sa.Enum('pending', 'imported', 'discarded', name='importstate', native_enum=False, length=12), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('file_kind', sa.String(length=8), nullable=False),
    sa.Column('size_bytes', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=True),
    sa.Column('row_count', sa.Integer(), nullable=False),
    sa.Column('created_count', sa.Integer(), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.Column('uploaded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('imported_by_id', sa.Integer(), nullable=True),
    sa.Column('imported_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['committee_unit_id'], ['units.id'], name=op.f('fk_model_import_batches_committee_unit_id_units'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['imported_by_id'], ['users.id'], name=op.f('fk_model_import_batches_imported_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['users.id'], name=op.f('fk_model_import_batches_uploaded_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_model_import_batches'))
    )
    with op.batch_alter_table('model_import_batches', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_model_import_batches_committee_unit_id'), ['committee_unit_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_model_import_batches_imported_at'), ['imported_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_model_import_batches_state'), ['state'], unique=False)

    with op.batch_alter_table('model_recognitions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('import_batch_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_model_recognitions_import_batch_id'), ['import_batch_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_model_recognitions_import_batch_id_model_import_batches'), 'model_import_batches', ['import_batch_id'], ['id'], ondelete='RESTRICT')



def downgrade():
    with op.batch_alter_table('model_recognitions', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_model_recognitions_import_batch_id_model_import_batches'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_model_recognitions_import_batch_id'))
        batch_op.drop_column('import_batch_id')

    with op.batch_alter_table('model_import_batches', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_model_import_batches_state'))
        batch_op.drop_index(batch_op.f('ix_model_import_batches_imported_at'))
        batch_op.drop_index(batch_op.f('ix_model_import_batches_committee_unit_id'))

    op.drop_table('model_import_batches')
