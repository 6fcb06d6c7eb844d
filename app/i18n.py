"""Locale and time-zone selection; display helpers for the site's local time."""
from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from flask import current_app, has_request_context, request, session
from flask_babel import get_locale
from flask_login import current_user

DEFAULT_TZ = "Asia/Shanghai"


def select_locale() -> str:
    """User setting, then the anonymous visitor's choice, then Accept-Language, then Chinese."""
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():  # CLI and background work speak the default language
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    if current_user and current_user.is_authenticated and current_user.locale in languages:
        return current_user.locale
    if session.get("locale") in languages:
        return session["locale"]
    best = request.accept_languages.best_match(["zh_CN", "zh", "en"])
    if best and best.startswith("en"):
        return "en"
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def select_timezone() -> str:
    from app.web import current_site

    site = current_site() if has_request_context() else None
    return site.timezone if site else DEFAULT_TZ


def lang() -> str:
    """'en' or 'zh': which of a record's two name columns to show."""
    return "en" if str(get_locale()) == "en" else "zh"


def to_local(value: datetime | None, tz: str = DEFAULT_TZ) -> datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=timezone.utc).astimezone(ZoneInfo(tz))
