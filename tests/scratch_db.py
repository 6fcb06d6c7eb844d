"""A second instance of the app on an empty database of its own, for tests that must not touch the suite's schema."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from app import create_app
from app.extensions import db
from tests.conftest import PG_URL


def _plain(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


def _recreate(name: str, create: bool) -> None:
    import psycopg

    with psycopg.connect(_plain(PG_URL), autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        if create:
            conn.execute(f"CREATE DATABASE {name}")


@contextmanager
def scratch_instance(tmp_path: Path, suffix: str, uploads: str = "uploads") -> Iterator:
    """The app on a new SQLite file, or on a fresh PostgreSQL database named after the suite's plus `suffix` (so two
    suites on one server keep apart); the database is dropped afterwards."""
    if PG_URL:
        name = _plain(PG_URL).rsplit("/", 1)[1].split("?")[0] + "_" + suffix
        _recreate(name, create=True)
        url = _plain(PG_URL).rsplit("/", 1)[0] + "/" + name
    else:
        url = f"sqlite:///{tmp_path / (suffix + '.sqlite')}"
    app = create_app({"TESTING": True, "SECRET_KEY": f"scratch-{suffix}", "SQLALCHEMY_DATABASE_URI": url,
                      "UPLOAD_DIR": str(tmp_path / uploads)})
    try:
        yield app
    finally:
        with app.app_context():
            db.engine.dispose()
        if PG_URL:
            _recreate(name, create=False)
