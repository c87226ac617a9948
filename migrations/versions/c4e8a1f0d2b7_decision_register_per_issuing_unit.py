"""decision numbers per issuing unit: two communes' People's Committees ("UBND") keep two registers

A decision's register was named by the issuer's code alone, so every commune's "UBND" and every province's "BDVTU"
drew from one counter and one unique constraint. The issuing unit (the campaign's organiser) now names the register
with the code. Issued decisions get their unit, and their numbers are entered in the new per-unit registers so that
the next number of each continues from its own.

Revision ID: c4e8a1f0d2b7
Revises: b7e3c9d41f20
Create Date: 2026-12-06 22:05:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c4e8a1f0d2b7'
down_revision = 'b7e3c9d41f20'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('decisions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('issuer_unit_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f('fk_decisions_issuer_unit_id_units'), 'units', ['issuer_unit_id'], ['id'], ondelete='RESTRICT'
        )
    op.execute(
        "UPDATE decisions SET issuer_unit_id = "
        "(SELECT organising_unit_id FROM campaigns WHERE campaigns.id = decisions.campaign_id) "
        "WHERE number IS NOT NULL"
    )
    op.execute(
        "INSERT INTO document_numbers (series, year, number, entity_type, entity_id, issued_at) "
        "SELECT 'QĐ:' || CAST(issuer_unit_id AS VARCHAR(20)) || ':' || issuer_code, year, number, 'decision', id, "
        "COALESCE(issued_at, CURRENT_TIMESTAMP) FROM decisions WHERE number IS NOT NULL"
    )
    with op.batch_alter_table('decisions', schema=None) as batch_op:
        batch_op.drop_constraint('uq_decisions_issuer_year_number', type_='unique')
        batch_op.create_unique_constraint(
            'uq_decisions_issuer_unit_year_number', ['issuer_unit_id', 'issuer_code', 'year', 'number']
        )
        batch_op.create_check_constraint(op.f('ck_decisions_numbered_in_a_unit'), 'number IS NULL OR issuer_unit_id IS NOT NULL')


def downgrade():
    op.execute("DELETE FROM document_numbers WHERE series LIKE 'QĐ:%:%'")
    with op.batch_alter_table('decisions', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_decisions_numbered_in_a_unit'), type_='check')
        batch_op.drop_constraint('uq_decisions_issuer_unit_year_number', type_='unique')
        batch_op.create_unique_constraint('uq_decisions_issuer_year_number', ['issuer_code', 'year', 'number'])
        batch_op.drop_constraint(batch_op.f('fk_decisions_issuer_unit_id_units'), type_='foreignkey')
        batch_op.drop_column('issuer_unit_id')
