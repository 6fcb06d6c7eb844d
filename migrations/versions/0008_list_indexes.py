"""indexes for the supervisor's lists and trends

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-23 18:00:00

"""
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    # Measured on 3 M answers (bench/scale_data.py): each list and trend query drops to a few ms.
    op.create_index('ix_findings_site_created', 'findings', ['site_id', 'created_at'])
    op.create_index('ix_work_orders_site_created', 'work_orders', ['site_id', 'created_at'])
    op.create_index('ix_work_orders_site_closed', 'work_orders', ['site_id', 'closed_at'])
    op.create_index('ix_answers_answered_by_id', 'answers', ['answered_by_id'])


def downgrade():
    op.drop_index('ix_answers_answered_by_id', table_name='answers')
    op.drop_index('ix_work_orders_site_closed', table_name='work_orders')
    op.drop_index('ix_work_orders_site_created', table_name='work_orders')
    op.drop_index('ix_findings_site_created', table_name='findings')
