"""login failures say where they happened: sign-in, signing a record, confirming a password

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-23 19:30:00

"""
from alembic import op
import sqlalchemy as sa

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    # Rows from before were all counted alike; 'login' keeps them counting as they did.
    with op.batch_alter_table('login_failures', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kind', sa.String(length=8), server_default='login', nullable=False))
        batch_op.create_check_constraint(batch_op.f('ck_login_failures_kind'), "kind IN ('login', 'signing', 'reauth')")


def downgrade():
    with op.batch_alter_table('login_failures', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_login_failures_kind'), type_='check')
        batch_op.drop_column('kind')
