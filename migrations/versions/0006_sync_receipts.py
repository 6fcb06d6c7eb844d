"""sync receipts: one row per record a phone sent, by its UUID, so a resend is answered, not redone

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23 16:22:03.134598

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('sync_receipts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('uuid', sa.String(length=36), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('content_sha256', sa.String(length=64), nullable=False),
    sa.Column('entity_id', sa.Integer(), nullable=True),
    sa.Column('log_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("kind IN ('visit', 'answer', 'photo', 'skip', 'submit', 'cosign')", name=op.f('ck_sync_receipts_kind')),
    sa.ForeignKeyConstraint(['log_id'], ['patrol_logs.id'], name=op.f('fk_sync_receipts_log_id_patrol_logs')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_sync_receipts_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sync_receipts')),
    sa.UniqueConstraint('uuid', name=op.f('uq_sync_receipts_uuid'))
    )
    with op.batch_alter_table('sync_receipts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sync_receipts_log_id'), ['log_id'], unique=False)



def downgrade():
    with op.batch_alter_table('sync_receipts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sync_receipts_log_id'))

    op.drop_table('sync_receipts')
