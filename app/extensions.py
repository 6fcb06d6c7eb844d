"""Extension objects, bound to the app in create_app."""
from __future__ import annotations

import sqlite3

from flask_babel import Babel
from flask_compress import Compress
from flask_htmx import HTMX
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_smorest import Api
from flask_smorest.pagination import PaginationMetadataSchema
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase

from app.api.refusals import ErrorSchema

# Named constraints so Alembic can alter them on SQLite and PostgreSQL alike.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
htmx = HTMX()


class PatrolApi(Api):
    """The JSON API: one error body everywhere, and each view documents the refusals it may answer (no "default")."""

    ERROR_SCHEMA = ErrorSchema
    DEFAULT_ERROR_RESPONSE_NAME = None

    def _register_pagination_header(self):
        # X-Pagination carries JSON text (flask-smorest json.dumps it): OpenAPI 3 says so with "content", not "schema".
        self.spec.components.header("PAGINATION", {
            "description": "Pagination metadata: total, total_pages, first_page, last_page, page, previous_page, next_page",
            "content": {"application/json": {"schema": PaginationMetadataSchema}},
        }, lazy=True)


api = PatrolApi()
compress = Compress()  # HTML and JSON; static files come compressed from app/assets.py


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, _record):
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()
