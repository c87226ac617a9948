"""personal data: consent, retention, purge, data subject requests

Consent (time and notice version) on voters, email codes, objections and individual nominations;
per-campaign retention days, the publication moment they count from (back-filled from the
"publish_awards" audit event) and purge marks; anonymisation marks; data subjects' requests.

Revision ID: 1822ed719532
Revises: ac211002f5c0
Create Date: 2026-12-05 08:42:57.016875

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '1822ed719532'
down_revision = 'ac211002f5c0'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('data_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('access', 'correct', 'delete', 'withdraw', name='requestkind', native_enum=False, length=12), nullable=False),
    sa.Column('status', sa.Enum('received', 'in_progress', 'done', 'refused', name='requeststatus', native_enum=False, length=12), nullable=False),
    sa.Column('requester_name', sa.String(length=200), nullable=False),
    sa.Column('requester_contact', sa.String(length=254), nullable=False),
    sa.Column('details', sa.Text(), nullable=False),
    sa.Column('notice_version', sa.String(length=20), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('answer', sa.Text(), nullable=False),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('handled_by_id', sa.Integer(), nullable=True),
    sa.Column('erased_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaigns.id'], name=op.f('fk_data_requests_campaign_id_campaigns'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['handled_by_id'], ['users.id'], name=op.f('fk_data_requests_handled_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_data_requests'))
    )
    with op.batch_alter_table('data_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_data_requests_campaign_id'), ['campaign_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_data_requests_status'), ['status'], unique=False)

    with op.batch_alter_table('campaigns', schema=None) as batch_op:
        batch_op.add_column(sa.Column('voter_data_retention_days', sa.Integer(), server_default='90', nullable=False))
        batch_op.add_column(sa.Column('objector_data_retention_days', sa.Integer(), server_default='180', nullable=False))
        batch_op.add_column(sa.Column('results_published_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('voter_data_purged_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('objector_data_purged_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_check_constraint(
            op.f('ck_campaigns_retention_days_non_negative'),
            'voter_data_retention_days >= 0 AND objector_data_retention_days >= 0',
        )
    # Campaigns published before this migration: retention counts from the publication's audit event.
    op.execute(
        "UPDATE campaigns SET results_published_at = (SELECT MAX(occurred_at) FROM audit_events "
        "WHERE entity_type = 'campaign' AND entity_id = campaigns.id AND action = 'publish_awards') "
        "WHERE results_published_at IS NULL"
    )

    with op.batch_alter_table('email_codes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('consent_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('consent_notice', sa.String(length=20), nullable=True))

    with op.batch_alter_table('nominations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('nominee_consent_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('nominee_consent_notice', sa.String(length=20), nullable=True))

    with op.batch_alter_table('objections', schema=None) as batch_op:
        batch_op.add_column(sa.Column('consent_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('consent_notice', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('anonymised_at', sa.DateTime(timezone=True), nullable=True))

    with op.batch_alter_table('voters', schema=None) as batch_op:
        batch_op.add_column(sa.Column('consent_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('consent_notice', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('anonymised_at', sa.DateTime(timezone=True), nullable=True))



def downgrade():
    with op.batch_alter_table('voters', schema=None) as batch_op:
        batch_op.drop_column('anonymised_at')
        batch_op.drop_column('consent_notice')
        batch_op.drop_column('consent_at')

    with op.batch_alter_table('objections', schema=None) as batch_op:
        batch_op.drop_column('anonymised_at')
        batch_op.drop_column('consent_notice')
        batch_op.drop_column('consent_at')

    with op.batch_alter_table('nominations', schema=None) as batch_op:
        batch_op.drop_column('nominee_consent_notice')
        batch_op.drop_column('nominee_consent_at')

    with op.batch_alter_table('email_codes', schema=None) as batch_op:
        batch_op.drop_column('consent_notice')
        batch_op.drop_column('consent_at')

    with op.batch_alter_table('campaigns', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_campaigns_retention_days_non_negative'), type_='check')
        batch_op.drop_column('objector_data_purged_at')
        batch_op.drop_column('voter_data_purged_at')
        batch_op.drop_column('results_published_at')
        batch_op.drop_column('objector_data_retention_days')
        batch_op.drop_column('voter_data_retention_days')

    with op.batch_alter_table('data_requests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_data_requests_status'))
        batch_op.drop_index(batch_op.f('ix_data_requests_campaign_id'))

    op.drop_table('data_requests')
