"""Configuration read from the environment; tests pass a mapping instead."""
from __future__ import annotations

import os
from datetime import timedelta


def normalise_database_url(url: str) -> str:
    """Point plain PostgreSQL URLs at the psycopg 3 driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


class Config:
    SECRET_KEY = os.environ.get("SECRET_KEY")
    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL")  # None: SQLite in the instance folder
    UPLOAD_DIR = os.environ.get("UPLOAD_DIR")  # None: <instance>/uploads
    BASE_URL = os.environ.get("BASE_URL", "http://127.0.0.1:5000")
    MAX_CONTENT_LENGTH = int(os.environ.get("MAX_UPLOAD_MB", "25")) * 1024 * 1024
    # The session cookie is signed with a timestamp and re-signed on every request; one older than this is refused,
    # so the lifetime is an idle timeout (load_config sets PERMANENT_SESSION_LIFETIME from it).
    SESSION_IDLE_MINUTES = int(os.environ.get("SESSION_IDLE_MINUTES", "720"))
    SESSION_REFRESH_EACH_REQUEST = True
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = os.environ.get("SESSION_COOKIE_SECURE", "0") == "1"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE
    HSTS_SECONDS = int(os.environ.get("HSTS_SECONDS", "31536000"))  # over HTTPS or with SESSION_COOKIE_SECURE; 0: off
    WTF_CSRF_TIME_LIMIT = None  # a patrol can sit on one page for hours; the session bounds it
    WTF_CSRF_HEADERS = ["X-CSRFToken"]
    BABEL_DEFAULT_LOCALE = "zh_CN"
    BABEL_DEFAULT_TIMEZONE = "Asia/Shanghai"
    LANGUAGES = ("zh_CN", "en")
    LOGIN_MAX_FAILURES_PER_ACCOUNT = 5
    LOGIN_MAX_FAILURES_PER_ADDRESS = 20
    LOGIN_FAILURE_WINDOW = timedelta(minutes=15)
    API_TITLE = "Patrol API"
    API_VERSION = "v1"
    OPENAPI_VERSION = "3.0.3"
    OPENAPI_URL_PREFIX = "/api/v1"
    OPENAPI_JSON_PATH = "openapi.json"
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}  # a connection the database dropped is replaced, not used
    # How long a write waits for another transaction's lock (SQLite busy timeout, PostgreSQL lock_timeout) before
    # the request gives up with 503 and a message; well under gunicorn's 30 s worker timeout.
    DB_BUSY_TIMEOUT_MS = int(os.environ.get("DB_BUSY_TIMEOUT_MS", "10000"))
    COMPRESS_STREAMS = False  # streamed exports go out as they are made


def engine_options(config) -> dict:
    """The pool options with the lock wait of DB_BUSY_TIMEOUT_MS passed to the driver of the configured database."""
    options = dict(config["SQLALCHEMY_ENGINE_OPTIONS"])
    connect_args = dict(options.get("connect_args", {}))
    wait_ms = int(config["DB_BUSY_TIMEOUT_MS"])
    url = config["SQLALCHEMY_DATABASE_URI"]
    if url.startswith("sqlite"):
        connect_args.setdefault("timeout", wait_ms / 1000)
    elif url.startswith("postgresql"):
        connect_args.setdefault("options", f"-c lock_timeout={wait_ms}")
    options["connect_args"] = connect_args
    return options


def load_config(app, overrides: dict | None) -> None:
    """Apply Config, then test overrides; refuse to start without a secret outside debug/testing."""
    app.config.from_object(Config)
    if overrides:
        app.config.update(overrides)
    if "PERMANENT_SESSION_LIFETIME" not in (overrides or {}):
        app.config["PERMANENT_SESSION_LIFETIME"] = timedelta(minutes=int(app.config["SESSION_IDLE_MINUTES"]))
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite:///" + os.path.join(app.instance_path, "patrol.sqlite")
    app.config["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(app.config["SQLALCHEMY_DATABASE_URI"])
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options(app.config)
    if not app.config.get("UPLOAD_DIR"):
        app.config["UPLOAD_DIR"] = os.path.join(app.instance_path, "uploads")
    production = not (app.debug or app.testing or os.environ.get("PATROL_DEV") == "1")
    if production and not os.environ.get("BASE_URL") and not (overrides or {}).get("BASE_URL"):
        raise RuntimeError("BASE_URL must be set in production: it is printed in every checkpoint's QR label")
    if not app.config.get("SECRET_KEY"):
        if app.debug or app.testing or os.environ.get("PATROL_DEV") == "1":
            app.config["SECRET_KEY"] = "dev-only-not-secret"
        else:
            raise RuntimeError("SECRET_KEY must be set in the environment for production")
