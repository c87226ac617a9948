"""registry: the photos a unit chose for its model's public page (registered_model_photos: in_draft is the unit's
choice, is_public what the committee approved with the summary). No row is made for existing models: evidence
images were sent to a committee, not to the public, so none is public until a unit chooses it and it is approved.

Revision ID: 6fc81bf8a3a5
Revises: c01a7313d60d
Create Date: 2026-12-06 18:16:51.036628

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '6fc81bf8a3a5'
down_revision = 'c01a7313d60d'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('registered_model_photos',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('model_id', sa.Integer(), nullable=False),
    sa.Column('attachment_id', sa.Integer(), nullable=False),
    sa.Column('in_draft', sa.Boolean(), nullable=False),
    sa.Column('is_public', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['attachment_id'], ['attachments.id'], name=op.f('fk_registered_model_photos_attachment_id_attachments'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['model_id'], ['registered_models.id'], name=op.f('fk_registered_model_photos_model_id_registered_models'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_registered_model_photos')),
    sa.UniqueConstraint('model_id', 'attachment_id', name=op.f('uq_registered_model_photos_model_id'))
    )
    with op.batch_alter_table('registered_model_photos', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_registered_model_photos_attachment_id'), ['attachment_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_registered_model_photos_is_public'), ['is_public'], unique=False)
        batch_op.create_index(batch_op.f('ix_registered_model_photos_model_id'), ['model_id'], unique=False)



def downgrade():
    with op.batch_alter_table('registered_model_photos', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_registered_model_photos_model_id'))
        batch_op.drop_index(batch_op.f('ix_registered_model_photos_is_public'))
        batch_op.drop_index(batch_op.f('ix_registered_model_photos_attachment_id'))

    op.drop_table('registered_model_photos')
