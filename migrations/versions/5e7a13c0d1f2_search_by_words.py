"""search by words: recompute the stored search columns

Search matches whole words (`dvkheo.core.search`), no longer substrings: nominations, units and accounts keep
their words padded with spaces, folded and, for the words that have them, with their diacritics. Existing rows
are recomputed here. The duplicate keys (nominee_key, model_key) also fold the look-alike ð (U+00F0) as d now.
No schema change; downgrade leaves the new text, which the old substring search still finds.

Revision ID: 5e7a13c0d1f2
Revises: cefbc7daf8e5
Create Date: 2026-12-06 02:45:00.000000

"""
from alembic import op
import sqlalchemy as sa

from dvkheo.core.search import search_text


# revision identifiers, used by Alembic.
revision = '5e7a13c0d1f2'
down_revision = 'cefbc7daf8e5'
branch_labels = None
depends_on = None

BATCH = 500


def _recompute(table: str, columns: list[str], limit: int | None) -> None:
    bind = op.get_bind()
    rows = sa.table(table, sa.column('id'), sa.column('search_text'), *(sa.column(name) for name in columns))
    last_id = 0
    while True:
        batch = bind.execute(
            sa.select(rows.c.id, rows.c.search_text, *(rows.c[name] for name in columns))
            .where(rows.c.id > last_id)
            .order_by(rows.c.id)
            .limit(BATCH)
        ).all()
        if not batch:
            return
        for row in batch:
            text = search_text(*(row[2:]), limit=limit)
            if text != row.search_text:
                bind.execute(sa.update(rows).where(rows.c.id == row.id).values(search_text=text))
        last_id = batch[-1].id


def upgrade():
    _recompute('nominations', ['title', 'nominee_name', 'locality', 'nominee_position'], None)
    _recompute('units', ['code', 'name'], 600)
    _recompute('users', ['full_name', 'email'], 500)
    nominations = sa.table('nominations', sa.column('nominee_key'), sa.column('model_key'))
    for name in ('nominee_key', 'model_key'):
        column = nominations.c[name]
        op.execute(sa.update(nominations).where(column.like('%ð%')).values({name: sa.func.replace(column, 'ð', 'd')}))


def downgrade():
    pass
