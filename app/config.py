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
    PERMANENT_SESSION_LIFETIME = timedelta(minutes=int(os.environ.get("SESSION_IDLE_MINUTES", "720")))
    SESSION_REFRESH_EACH_REQUEST = True
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = os.environ.get("SESSION_COOKIE_SECURE", "0") == "1"
    REMEMBER_COOKIE_HTTPONLY = True
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
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}


def load_config(app, overrides: dict | None) -> None:
    """Apply Config, then test overrides; refuse to start without a secret outside debug/testing."""
    app.config.from_object(Config)
    if overrides:
        app.config.update(overrides)
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite:///" + os.path.join(app.instance_path, "patrol.sqlite")
    app.config["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(app.config["SQLALCHEMY_DATABASE_URI"])
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
