"""review assignments keep their final total

A finalised scoring sheet never changes, so its total is stored when it is finalised: the ranking
reads the totals of thousands of sheets without summing 5 scores each (issue 13, item 5). Existing
final sheets get their total from their scores; open sheets stay NULL.

Revision ID: a13c5e7f2b90
Revises: 5e7a13c0d1f2
Create Date: 2026-12-06 02:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a13c5e7f2b90'
down_revision = '5e7a13c0d1f2'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('review_assignments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('final_total', sa.Integer(), nullable=True))
    op.execute(
        "UPDATE review_assignments SET final_total = "
        "(SELECT COALESCE(SUM(scores.points), 0) FROM scores WHERE scores.assignment_id = review_assignments.id) "
        "WHERE finalised_at IS NOT NULL"
    )


def downgrade():
    with op.batch_alter_table('review_assignments', schema=None) as batch_op:
        batch_op.drop_column('final_total')
