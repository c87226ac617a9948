"""reports: the periodic report of a committee (Báo cáo sơ kết/tổng kết), its frozen figures and letterhead

Revision ID: b7e3c9d41f20
Revises: b5d81e3f7a92
Create Date: 2026-12-06 21:30:00.000000

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = 'b7e3c9d41f20'
down_revision = 'b5d81e3f7a92'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'periodic_reports',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('unit_id', sa.Integer(), nullable=False),
        sa.Column('period_kind', sa.Enum('quarter', 'half', 'year', 'range', name='periodkind', native_enum=False, length=10), nullable=False),
        sa.Column('starts_on', sa.Date(), nullable=False),
        sa.Column('ends_on', sa.Date(), nullable=False),
        sa.Column('state', sa.Enum('draft', 'submitted', 'returned', name='reportstate', native_enum=False, length=12), nullable=False),
        sa.Column('situation', sa.Text(), nullable=False),
        sa.Column('results', sa.Text(), nullable=False),
        sa.Column('shortcomings', sa.Text(), nullable=False),
        sa.Column('directions', sa.Text(), nullable=False),
        sa.Column('figures', sa.JSON(), nullable=True),
        sa.Column('letterhead', sa.JSON(), nullable=True),
        sa.Column('return_reason', sa.Text(), nullable=True),
        sa.Column('submissions', sa.Integer(), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint('starts_on <= ends_on', name=op.f('ck_periodic_reports_period_order')),
        sa.CheckConstraint("state <> 'submitted' OR (figures IS NOT NULL AND letterhead IS NOT NULL)", name=op.f('ck_periodic_reports_submitted_frozen')),
        sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_periodic_reports_created_by_id_users'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_periodic_reports_unit_id_units'), ondelete='RESTRICT'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_periodic_reports')),
        sa.UniqueConstraint('unit_id', 'starts_on', 'ends_on', name='uq_periodic_reports_unit_period'),
    )
    with op.batch_alter_table('periodic_reports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_periodic_reports_state'), ['state'], unique=False)
        batch_op.create_index(batch_op.f('ix_periodic_reports_unit_id'), ['unit_id'], unique=False)


def downgrade():
    with op.batch_alter_table('periodic_reports', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_periodic_reports_unit_id'))
        batch_op.drop_index(batch_op.f('ix_periodic_reports_state'))
    op.drop_table('periodic_reports')
