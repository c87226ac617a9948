"""data requests: confirmation by emailed link, identity check by the secretary

A request naming an email address now waits (status "unconfirmed", a new value of the plain
VARCHAR status column) until its owner opens the one-time link; only the token's SHA-256 is kept.
Requests filed before this revision have neither a confirmation nor an identity check, so the
secretary must record one before erasing or answering them (nothing is assumed verified).

Revision ID: 6487bb1302ab
Revises: 1822ed719532
Create Date: 2026-12-05 12:46:28.331828

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '6487bb1302ab'
down_revision = '1822ed719532'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('data_requests', schema=None) as batch_op:
        batch_op.add_column(sa.Column('confirm_token_hash', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('confirm_expires_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('identity_verified_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('identity_note', sa.Text(), server_default='', nullable=False))
        batch_op.create_unique_constraint(batch_op.f('uq_data_requests_confirm_token_hash'), ['confirm_token_hash'])


def downgrade():
    # The older code knows no "unconfirmed" state: those requests were never shown to be the requester's.
    op.execute("DELETE FROM data_requests WHERE status = 'unconfirmed'")
    with op.batch_alter_table('data_requests', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_data_requests_confirm_token_hash'), type_='unique')
        batch_op.drop_column('identity_note')
        batch_op.drop_column('identity_verified_at')
        batch_op.drop_column('confirmed_at')
        batch_op.drop_column('confirm_expires_at')
        batch_op.drop_column('confirm_token_hash')
