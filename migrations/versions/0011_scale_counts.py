"""answer counts stored on submitted logs, findings linked to their log, open orders by checkpoint

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06 18:00:00

"""
from alembic import op
import sqlalchemy as sa

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

SUBMITTED = "('submitted', 'signed', 'reviewed', 'amending', 'returned')"


def _count(result: str = "") -> str:
    where = f" AND answers.result = '{result}'" if result else ""
    return ("(SELECT count(*) FROM answers JOIN visits ON visits.id = answers.visit_id "
            f"WHERE visits.log_id = patrol_logs.id{where})")


def upgrade():
    # Measured on 10 M answers (bench/dashboard_timing.py): the monthly archive counted a month of answers and reached
    # its findings through them (300 ms and more); merge targets scanned every work order of the site.
    with op.batch_alter_table('patrol_logs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('answer_count', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('pass_count', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('fail_count', sa.Integer(), nullable=True))
    # Answers never change after submitting (amendments are appended), so the counts of today are the counts then.
    op.execute(f"UPDATE patrol_logs SET answer_count = {_count()}, pass_count = {_count('pass')}, "
               f"fail_count = {_count('fail')} WHERE status IN {SUBMITTED}")

    with op.batch_alter_table('findings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('log_id', sa.Integer(), nullable=True))
    op.execute("UPDATE findings SET log_id = (SELECT visits.log_id FROM answers JOIN visits ON visits.id = answers.visit_id "
               "WHERE answers.id = findings.answer_id)")
    with op.batch_alter_table('findings', schema=None) as batch_op:
        batch_op.alter_column('log_id', existing_type=sa.Integer(), nullable=False)
        batch_op.create_foreign_key(batch_op.f('fk_findings_log_id_patrol_logs'), 'patrol_logs', ['log_id'], ['id'])
        batch_op.create_index(batch_op.f('ix_findings_log_id'), ['log_id'], unique=False)

    op.create_index('ix_work_orders_checkpoint_status', 'work_orders', ['checkpoint_id', 'status'])


def downgrade():
    op.drop_index('ix_work_orders_checkpoint_status', table_name='work_orders')
    with op.batch_alter_table('findings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_findings_log_id'))
        batch_op.drop_constraint(batch_op.f('fk_findings_log_id_patrol_logs'), type_='foreignkey')
        batch_op.drop_column('log_id')
    with op.batch_alter_table('patrol_logs', schema=None) as batch_op:
        batch_op.drop_column('fail_count')
        batch_op.drop_column('pass_count')
        batch_op.drop_column('answer_count')
