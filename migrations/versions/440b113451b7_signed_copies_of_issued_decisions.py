"""signed copies of issued decisions

One row per accepted upload of a decision's digitally signed PDF (issue 11 point 5); the latest is
the official copy, earlier ones are kept as history. A new table only: nothing existing changes.

Revision ID: 440b113451b7
Revises: bcb04717164e
Create Date: 2026-12-05 17:12:27.776878

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '440b113451b7'
down_revision = 'bcb04717164e'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('signed_copies',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('decision_id', sa.Integer(), nullable=False),
    sa.Column('original_name', sa.String(length=255), nullable=False),
    sa.Column('stored_name', sa.String(length=80), nullable=False),
    sa.Column('size_bytes', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('signer_name', sa.String(length=255), nullable=False),
    sa.Column('signed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('trusted', sa.Boolean(), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.Column('uploaded_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('size_bytes > 0', name=op.f('ck_signed_copies_size_positive')),
    sa.ForeignKeyConstraint(['decision_id'], ['decisions.id'], name=op.f('fk_signed_copies_decision_id_decisions'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['users.id'], name=op.f('fk_signed_copies_uploaded_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_signed_copies')),
    sa.UniqueConstraint('stored_name', name=op.f('uq_signed_copies_stored_name'))
    )
    with op.batch_alter_table('signed_copies', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_signed_copies_decision_id'), ['decision_id'], unique=False)



def downgrade():
    with op.batch_alter_table('signed_copies', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_signed_copies_decision_id'))

    op.drop_table('signed_copies')
