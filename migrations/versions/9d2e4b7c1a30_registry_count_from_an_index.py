"""registry: the public list's count from an index (recognised, status)

Revision ID: 9d2e4b7c1a30
Revises: 6fc81bf8a3a5
Create Date: 2026-12-06 20:12:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '9d2e4b7c1a30'
down_revision = '6fc81bf8a3a5'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('registered_models', schema=None) as batch_op:
        batch_op.create_index('ix_registered_models_recognised_status', ['is_recognised', 'status'], unique=False)


def downgrade():
    with op.batch_alter_table('registered_models', schema=None) as batch_op:
        batch_op.drop_index('ix_registered_models_recognised_status')
