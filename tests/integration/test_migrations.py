"""Migrations build the schema from empty and take it back down, on SQLite and PostgreSQL,
and agree with the models (autogenerate finds no difference)."""
from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from app.extensions import db
from tests.scratch_db import scratch_instance

@pytest.fixture
def scratch_app(tmp_path):
    """A database of its own, so the suite's schema is left alone."""
    with scratch_instance(tmp_path, "migrations") as app:
        yield app


def _tables(app) -> set[str]:
    with app.app_context():
        return set(inspect(db.engine).get_table_names()) - {"alembic_version"}


def test_upgrade_downgrade_upgrade(scratch_app):
    with scratch_app.app_context():
        upgrade()
    assert _tables(scratch_app) == set(db.metadata.tables)
    with scratch_app.app_context():
        downgrade(revision="base")
    assert _tables(scratch_app) == set()
    with scratch_app.app_context():
        upgrade()
    assert _tables(scratch_app) == set(db.metadata.tables)


def test_models_and_migrations_agree(scratch_app):
    with scratch_app.app_context():
        upgrade()
        with db.engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True, "render_as_batch": True})
            diff = compare_metadata(context, db.metadata)
    assert diff == [], f"models differ from migrations; run `flask db migrate`: {diff}"



def test_0011_fills_in_the_counts_of_submitted_logs_and_the_log_of_each_finding(scratch_app):
    """Records from before 0011 get what it adds: taken back down to 0010 and up again, they hold the same values."""
    from sqlalchemy import select

    from app.findings.models import Finding
    from app.patrols.models import Answer, PatrolLog, Visit
    from app.patrols.submission import answer_counts
    from tests.integration.export_world import build_export_world

    with scratch_app.app_context():
        upgrade()
    world = build_export_world(scratch_app)  # signed logs written directly, one failure with its finding
    with scratch_app.app_context():
        expected = {log_id: answer_counts(log_id) for log_id in world.log_ids}
        db.session.remove()
        downgrade(revision="0010")
        upgrade()
        stored = {log_id: (answers, passes, failures) for log_id, answers, passes, failures in db.session.execute(
            select(PatrolLog.id, PatrolLog.answer_count, PatrolLog.pass_count, PatrolLog.fail_count)
            .where(PatrolLog.id.in_(world.log_ids)))}
        links = db.session.execute(select(Finding.log_id, Visit.log_id).join(Answer, Finding.answer_id == Answer.id)
                                   .join(Visit, Answer.visit_id == Visit.id)).all()
    assert stored == expected and expected[world.log_ids[0]][2] == 1
    assert links and all(kept == found for kept, found in links)
