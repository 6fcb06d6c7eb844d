"""audit hash chain

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 14:52:15.272073

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


# The audit table is append-only: no DELETE ever; UPDATE only to seal an unsealed event (seq, prev_hash, hash).
FIELDS = ("id", "at", "actor_id", "site_id", "action", "object_type", "object_id", "address")

SQLITE_TRIGGERS = [
    """CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
       BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END""",
    """CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
       WHEN OLD.seq IS NOT NULL OR """ + " OR ".join(f"NEW.{f} IS NOT OLD.{f}" for f in FIELDS) + """
         OR NEW.details IS NOT OLD.details
       BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END""",
]

POSTGRES_FUNCTION = """
CREATE FUNCTION audit_events_append_only() RETURNS trigger AS $$
BEGIN
  IF TG_OP IN ('DELETE', 'TRUNCATE') THEN
    RAISE EXCEPTION 'audit events are append-only';
  END IF;
  IF OLD.seq IS NOT NULL OR """ + " OR ".join(f"NEW.{f} IS DISTINCT FROM OLD.{f}" for f in FIELDS) + """
     OR NEW.details::text IS DISTINCT FROM OLD.details::text THEN
    RAISE EXCEPTION 'audit events are append-only';
  END IF;
  RETURN NEW;
END $$ LANGUAGE plpgsql"""


def upgrade():
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('seq', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('prev_hash', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('hash', sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_audit_events_seq'), ['seq'])
    if op.get_bind().dialect.name == "postgresql":
        op.execute(POSTGRES_FUNCTION)
        op.execute("CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events "
                   "FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()")
        # TRUNCATE skips row triggers: refuse it with a statement trigger of its own.
        op.execute("CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events "
                   "FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only()")
    else:
        for statement in SQLITE_TRIGGERS:
            op.execute(statement)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER audit_events_no_truncate ON audit_events")
        op.execute("DROP TRIGGER audit_events_append_only ON audit_events")
        op.execute("DROP FUNCTION audit_events_append_only()")
    else:
        op.execute("DROP TRIGGER audit_events_no_update")
        op.execute("DROP TRIGGER audit_events_no_delete")
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_audit_events_seq'), type_='unique')
        batch_op.drop_column('hash')
        batch_op.drop_column('prev_hash')
        batch_op.drop_column('seq')

    # ### end Alembic commands ###
