"""Shared fixtures: one app per test session on a schema built by the migrations, emptied after each test.

TEST_DATABASE_URL selects PostgreSQL; without it the suite runs on a fresh SQLite file.
"""
from __future__ import annotations

import os
import re

import pytest
from flask_migrate import upgrade
from sqlalchemy import text

from app import create_app
from app.extensions import db

PG_URL = os.environ.get("TEST_DATABASE_URL")


def reset_postgres(url: str) -> None:
    import psycopg

    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True) as conn:
        conn.execute("DROP SCHEMA IF EXISTS public CASCADE")
        conn.execute("CREATE SCHEMA public")


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    base = tmp_path_factory.mktemp("app")
    url = PG_URL or f"sqlite:///{base / 'test.sqlite'}"
    if PG_URL:
        reset_postgres(PG_URL)
    app = create_app({
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": url,
        "UPLOAD_DIR": str(base / "uploads"),
        "SERVER_NAME": None,
    })
    with app.app_context():
        upgrade()
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(autouse=True)
def _empty_tables(request):
    """Every test starts from empty tables (the schema stays): cheap isolation on both engines."""
    yield
    if "app" not in request.fixturenames:
        return
    empty_tables(request.getfixturevalue("app"))


def empty_tables(app) -> None:
    """Delete every row of every table, the append-only audit table included."""
    with app.app_context():
        db.session.remove()
        tables = [t.name for t in reversed(db.metadata.sorted_tables)]
        with db.engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                conn.execute(text("ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_truncate"))
                conn.execute(text("TRUNCATE " + ", ".join(tables) + " RESTART IDENTITY CASCADE"))
                conn.execute(text("ALTER TABLE audit_events ENABLE TRIGGER audit_events_no_truncate"))
            else:
                # The audit table refuses DELETE (append-only trigger): lift it for the wipe, then put it back.
                guards = conn.execute(text("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' "
                                           "AND tbl_name = 'audit_events'")).all()
                for name, _sql in guards:
                    conn.execute(text(f"DROP TRIGGER {name}"))
                for name in tables:
                    conn.execute(text(f"DELETE FROM {name}"))
                for _name, sql in guards:
                    conn.execute(text(sql))


@pytest.fixture
def ctx(app):
    """An application context for tests that call services directly."""
    with app.app_context():
        yield
        db.session.remove()


@pytest.fixture
def client(app):
    return app.test_client()


CSRF = re.compile(r'"X-CSRFToken": "([^"]+)"')


def csrf_from(client, path: str = "/login") -> str:
    """The CSRF token a page gives this client's session (every page carries it in hx-headers)."""
    response = client.get(path, follow_redirects=True)
    match = CSRF.search(response.get_data(as_text=True))
    assert match, "page carries no CSRF token"
    return match.group(1)


def login(client, username: str, password: str = "pass-word-1", **extra):
    token = csrf_from(client)
    return client.post("/login", data={"username": username, "password": password, "csrf_token": token, **extra})


@pytest.fixture
def login_as(app, client):
    """login_as(role, site=None) creates a user of that role in a site and signs the client in."""
    from tests.factories import make_site, make_user

    def _login(role: str, site=None, **kwargs):
        with app.app_context():
            site = site or make_site()
            user = make_user(role, [site], **kwargs)
            db.session.commit()
            username, site_id, user_id = user.username, site.id, user.id
        response = login(client, username)
        assert response.status_code == 303, response.get_data(as_text=True)[:500]
        return {"username": username, "site_id": site_id, "user_id": user_id}

    return _login
