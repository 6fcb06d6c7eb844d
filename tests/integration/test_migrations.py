"""Migrations build the schema from empty and take it back down, on SQLite and PostgreSQL,
and agree with the models (autogenerate finds no difference)."""
from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from app import create_app
from app.extensions import db
from tests.conftest import PG_URL

MIGRATION_DB = "test_migrations"


def _scratch_url(tmp_path) -> str:
    """A database of its own, so the suite's schema is left alone."""
    if not PG_URL:
        return f"sqlite:///{tmp_path / 'migrations.sqlite'}"
    import psycopg

    plain = PG_URL.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {MIGRATION_DB}")
        conn.execute(f"CREATE DATABASE {MIGRATION_DB}")
    return plain.rsplit("/", 1)[0] + "/" + MIGRATION_DB


@pytest.fixture
def scratch_app(tmp_path):
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": _scratch_url(tmp_path),
                      "UPLOAD_DIR": str(tmp_path / "uploads")})
    yield app
    with app.app_context():
        db.engine.dispose()
    if PG_URL:
        import psycopg

        with psycopg.connect(PG_URL.replace("postgresql+psycopg://", "postgresql://"), autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {MIGRATION_DB}")


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

