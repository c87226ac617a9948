"""decisions freeze their certificates' title, design and emblem

Revision ID: 663f328b0c92
Revises: cbeaed49c0fd
Create Date: 2026-12-05 22:40:00

Decisions already issued get the snapshot from their award forms as they stand now: that is what their
certificates print today, so nothing changes on paper at upgrade, and from then on editing the award form
no longer reaches them (the renderer would fall back to the award form for a NULL snapshot anyway).
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '663f328b0c92'
down_revision = 'cbeaed49c0fd'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('decisions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('certificate_snapshot', sa.JSON(), nullable=True))

    bind = op.get_bind()
    # Lightweight tables: the migration must not depend on the models as they will be later.
    decisions = sa.table(
        'decisions', sa.column('id', sa.Integer), sa.column('award_form_id', sa.Integer),
        sa.column('status', sa.String), sa.column('certificate_snapshot', sa.JSON),
    )
    awardees = sa.table('decision_awardees', sa.column('decision_id', sa.Integer), sa.column('award_form_id', sa.Integer))
    forms = sa.table(
        'award_forms', sa.column('id', sa.Integer), sa.column('name', sa.String),
        sa.column('certificate_title', sa.String), sa.column('certificate_design', sa.String),
        sa.column('emblem_file', sa.String),
    )
    looks = {
        row.id: {
            "name": row.name,
            "title": row.certificate_title,
            "design": row.certificate_design or "classic_red",
            "emblem_file": row.emblem_file or None,
        }
        for row in bind.execute(sa.select(forms.c.id, forms.c.name, forms.c.certificate_title,
                                          forms.c.certificate_design, forms.c.emblem_file))
    }
    issued = {row.id: {row.award_form_id} for row in bind.execute(
        sa.select(decisions.c.id, decisions.c.award_form_id).where(decisions.c.status == 'issued'))}
    for row in bind.execute(sa.select(awardees.c.decision_id, awardees.c.award_form_id)):
        if row.decision_id in issued:
            issued[row.decision_id].add(row.award_form_id)
    for decision_id, form_ids in issued.items():
        snapshot = {str(form_id): looks[form_id] for form_id in sorted(form_ids) if form_id in looks}
        bind.execute(decisions.update().where(decisions.c.id == decision_id).values(certificate_snapshot=snapshot))


def downgrade():
    if op.get_bind().dialect.name == "sqlite":
        # SQLite drops a plain column in place (3.35+): a batch copy of `decisions` would trip its
        # self-referencing foreign keys (amends_id, revokes_id) with the app's PRAGMA foreign_keys=ON.
        op.execute("ALTER TABLE decisions DROP COLUMN certificate_snapshot")
        return
    with op.batch_alter_table('decisions', schema=None) as batch_op:
        batch_op.drop_column('certificate_snapshot')
