"""registry: search by one indexed column

The registry's word search reads one column: a model's stored words now include the names of its
unit, commune and province (recomputed here), and on PostgreSQL a trigram index serves the
`LIKE '% word %'` patterns (pg_trgm, a trusted extension the database owner may create). The year
filter's choices come from the first and last recognition year (an index).

Revision ID: 3c482d78844a
Revises: 7692368a9f4b
Create Date: 2026-12-06 17:46:01.698462

"""
from alembic import op
import sqlalchemy as sa

from dvkheo.core.search import search_text


# revision identifiers, used by Alembic.
revision = '3c482d78844a'
down_revision = '7692368a9f4b'
branch_labels = None
depends_on = None

BATCH = 500


def _recompute_search_text() -> None:
    bind = op.get_bind()
    units = dict(bind.execute(sa.text("SELECT id, name FROM units")).tuples().all())
    models = sa.table(
        'registered_models', sa.column('id'), sa.column('title'), sa.column('nominee_name'), sa.column('locality'),
        sa.column('unit_id'), sa.column('commune_id'), sa.column('province_id'), sa.column('public_summary'),
        sa.column('search_text'),
    )
    last_id = 0
    while True:
        batch = bind.execute(
            sa.select(models).where(models.c.id > last_id).order_by(models.c.id).limit(BATCH)
        ).all()
        if not batch:
            return
        for row in batch:
            places = [units[i] for i in dict.fromkeys((row.unit_id, row.commune_id, row.province_id)) if i in units]
            text = search_text(row.title, row.nominee_name, row.locality, *places, row.public_summary)
            if text != row.search_text:
                bind.execute(sa.update(models).where(models.c.id == row.id).values(search_text=text))
        last_id = batch[-1].id


def upgrade():
    with op.batch_alter_table('model_recognitions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_model_recognitions_year'), ['year'], unique=False)
    _recompute_search_text()
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('CREATE EXTENSION IF NOT EXISTS pg_trgm')
        op.create_index(
            'ix_registered_models_search_trgm', 'registered_models', ['search_text'], unique=False,
            postgresql_using='gin', postgresql_ops={'search_text': 'gin_trgm_ops'},
        )


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.drop_index('ix_registered_models_search_trgm', table_name='registered_models')
    with op.batch_alter_table('model_recognitions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_model_recognitions_year'))
    # The stored words keep the place names: the substring search before this finds them too.
