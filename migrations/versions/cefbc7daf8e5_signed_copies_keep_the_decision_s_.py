"""signed copies keep the decision's signer when the certificate names another

A signed copy whose signing certificate does not name the signer printed on the decision is accepted but
flagged (review of issue 11, finding 2): the decision's signer name is kept on the copy, NULL when they agree.
Existing copies were never compared and stay NULL.

Revision ID: cefbc7daf8e5
Revises: 663f328b0c92
Create Date: 2026-12-05 22:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'cefbc7daf8e5'
down_revision = '663f328b0c92'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('signed_copies', schema=None) as batch_op:
        batch_op.add_column(sa.Column('decision_signer_name', sa.String(length=255), nullable=True))


def downgrade():
    with op.batch_alter_table('signed_copies', schema=None) as batch_op:
        batch_op.drop_column('decision_signer_name')
