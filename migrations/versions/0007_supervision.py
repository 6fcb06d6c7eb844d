"""weekly review batches, monthly spot-checks, shift handovers

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23 17:20:42

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('handovers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=32), nullable=False),
    sa.Column('shift_starts_at', sa.DateTime(), nullable=False),
    sa.Column('shift_ends_at', sa.DateTime(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('snapshot', sa.JSON(), nullable=False),
    sa.Column('content_sha256', sa.String(length=64), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('outgoing_id', sa.Integer(), nullable=True),
    sa.Column('outgoing_name', sa.String(length=120), nullable=True),
    sa.Column('outgoing_signed_at', sa.DateTime(), nullable=True),
    sa.Column('incoming_id', sa.Integer(), nullable=True),
    sa.Column('incoming_name', sa.String(length=120), nullable=True),
    sa.Column('incoming_signed_at', sa.DateTime(), nullable=True),
    sa.Column('incoming_note', sa.Text(), nullable=True),
    sa.CheckConstraint('(incoming_id IS NULL) = (incoming_signed_at IS NULL)', name=op.f('ck_handovers_incoming_signed_at')),
    sa.CheckConstraint('(outgoing_id IS NULL) = (outgoing_signed_at IS NULL)', name=op.f('ck_handovers_outgoing_signed_at')),
    sa.CheckConstraint('outgoing_id IS NULL OR incoming_id IS NULL OR outgoing_id <> incoming_id', name=op.f('ck_handovers_two_people')),
    sa.CheckConstraint('shift_starts_at < shift_ends_at', name=op.f('ck_handovers_shift_ordered')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_handovers_created_by_id_users')),
    sa.ForeignKeyConstraint(['incoming_id'], ['users.id'], name=op.f('fk_handovers_incoming_id_users')),
    sa.ForeignKeyConstraint(['outgoing_id'], ['users.id'], name=op.f('fk_handovers_outgoing_id_users')),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_handovers_site_id_sites')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_handovers')),
    sa.UniqueConstraint('site_id', 'number', name=op.f('uq_handovers_site_id_number'))
    )
    with op.batch_alter_table('handovers', schema=None) as batch_op:
        batch_op.create_index('ix_handovers_site_created', ['site_id', 'created_at'], unique=False)

    op.create_table('review_batches',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('iso_year', sa.Integer(), nullable=False),
    sa.Column('iso_week', sa.Integer(), nullable=False),
    sa.Column('supervisor_id', sa.Integer(), nullable=False),
    sa.Column('full_name', sa.String(length=120), nullable=False),
    sa.Column('log_ids', sa.JSON(), nullable=False),
    sa.Column('log_count', sa.Integer(), nullable=False),
    sa.Column('set_sha256', sa.String(length=64), nullable=False),
    sa.Column('signed_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('iso_week BETWEEN 1 AND 53', name=op.f('ck_review_batches_iso_week_range')),
    sa.CheckConstraint('log_count >= 1', name=op.f('ck_review_batches_not_empty')),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_review_batches_site_id_sites')),
    sa.ForeignKeyConstraint(['supervisor_id'], ['users.id'], name=op.f('fk_review_batches_supervisor_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_review_batches'))
    )
    with op.batch_alter_table('review_batches', schema=None) as batch_op:
        batch_op.create_index('ix_review_batches_site_week', ['site_id', 'iso_year', 'iso_week'], unique=False)

    op.create_table('spot_checks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('month', sa.Integer(), nullable=False),
    sa.Column('seed', sa.BigInteger(), nullable=False),
    sa.Column('population', sa.JSON(), nullable=False),
    sa.Column('population_count', sa.Integer(), nullable=False),
    sa.Column('sample_size', sa.Integer(), nullable=False),
    sa.Column('drawn_by_id', sa.Integer(), nullable=False),
    sa.Column('drawn_at', sa.DateTime(), nullable=False),
    sa.Column('signed_by_id', sa.Integer(), nullable=True),
    sa.Column('signed_full_name', sa.String(length=120), nullable=True),
    sa.Column('signed_at', sa.DateTime(), nullable=True),
    sa.Column('results_sha256', sa.String(length=64), nullable=True),
    sa.CheckConstraint('(signed_at IS NULL) = (results_sha256 IS NULL)', name=op.f('ck_spot_checks_signed_has_hash')),
    sa.CheckConstraint('month BETWEEN 1 AND 12', name=op.f('ck_spot_checks_month_range')),
    sa.CheckConstraint('sample_size >= 1 AND sample_size <= population_count', name=op.f('ck_spot_checks_sample_within_population')),
    sa.ForeignKeyConstraint(['drawn_by_id'], ['users.id'], name=op.f('fk_spot_checks_drawn_by_id_users')),
    sa.ForeignKeyConstraint(['signed_by_id'], ['users.id'], name=op.f('fk_spot_checks_signed_by_id_users')),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_spot_checks_site_id_sites')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_spot_checks')),
    sa.UniqueConstraint('site_id', 'year', 'month', name=op.f('uq_spot_checks_site_id_year_month'))
    )
    op.create_table('spot_check_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('spot_check_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('log_id', sa.Integer(), nullable=False),
    sa.Column('result', sa.String(length=8), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('content_sha256', sa.String(length=64), nullable=True),
    sa.Column('checked_by_id', sa.Integer(), nullable=True),
    sa.Column('checked_at', sa.DateTime(), nullable=True),
    sa.CheckConstraint("result <> 'problem' OR note IS NOT NULL", name=op.f('ck_spot_check_items_problem_has_note')),
    sa.CheckConstraint("result IN ('ok', 'problem')", name=op.f('ck_spot_check_items_result')),
    sa.CheckConstraint('(result IS NULL) = (checked_at IS NULL)', name=op.f('ck_spot_check_items_checked_has_time')),
    sa.ForeignKeyConstraint(['checked_by_id'], ['users.id'], name=op.f('fk_spot_check_items_checked_by_id_users')),
    sa.ForeignKeyConstraint(['log_id'], ['patrol_logs.id'], name=op.f('fk_spot_check_items_log_id_patrol_logs')),
    sa.ForeignKeyConstraint(['spot_check_id'], ['spot_checks.id'], name=op.f('fk_spot_check_items_spot_check_id_spot_checks')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_spot_check_items')),
    sa.UniqueConstraint('spot_check_id', 'log_id', name=op.f('uq_spot_check_items_spot_check_id_log_id')),
    sa.UniqueConstraint('spot_check_id', 'position', name=op.f('uq_spot_check_items_spot_check_id_position'))
    )
    with op.batch_alter_table('spot_check_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_spot_check_items_log_id'), ['log_id'], unique=False)



def downgrade():
    with op.batch_alter_table('spot_check_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_spot_check_items_log_id'))

    op.drop_table('spot_check_items')
    op.drop_table('spot_checks')
    with op.batch_alter_table('review_batches', schema=None) as batch_op:
        batch_op.drop_index('ix_review_batches_site_week')

    op.drop_table('review_batches')
    with op.batch_alter_table('handovers', schema=None) as batch_op:
        batch_op.drop_index('ix_handovers_site_created')

    op.drop_table('handovers')
