"""documents keep the vote ledger's head: closed ballots (the minutes) and issued decisions (the annex)

Revision ID: f3a9c1d2e4b6
Revises: e7b2c4d91f05
Create Date: 2026-12-06 05:20:00.000000

Existing closed ballots and issued decisions stay NULL: they were issued without a head and print none.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f3a9c1d2e4b6'
down_revision = 'e7b2c4d91f05'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('council_ballots', schema=None) as batch_op:
        batch_op.add_column(sa.Column('ledger_head', sa.JSON(), nullable=True))
    with op.batch_alter_table('decisions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('ledger_head', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('decisions', schema=None) as batch_op:
        batch_op.drop_column('ledger_head')
    with op.batch_alter_table('council_ballots', schema=None) as batch_op:
        batch_op.drop_column('ledger_head')
