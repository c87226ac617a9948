"""vote batch counts salt: a random salt in counts_digest, published with the counts

Revision ID: f3a9c1d27b64
Revises: f3a9c1d2e4b6
Create Date: 2026-12-06 06:00:00.000000

Without it, a batch's hidden counts could be found from counts_digest by trying the few ways its
receipts split among the nominees. Batches sealed before keep an empty salt (the old digest).
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f3a9c1d27b64'
down_revision = 'f3a9c1d2e4b6'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('vote_batches', schema=None) as batch_op:
        batch_op.add_column(sa.Column('counts_salt', sa.String(length=64), server_default='', nullable=False))


def downgrade():
    with op.batch_alter_table('vote_batches', schema=None) as batch_op:
        batch_op.drop_column('counts_salt')
