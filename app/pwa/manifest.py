"""The web app manifest: what a phone shows when the app is installed to its home screen."""
from __future__ import annotations

from flask import url_for
from flask_babel import gettext as _

from app.i18n import lang

THEME = "#0f5c4d"  # the brand green of the top bar (static/css/app.css --brand)
BACKGROUND = "#f4f6f7"  # the page background, shown on the splash screen


def _icon(filename: str, size: int, purpose: str) -> dict:
    return {"src": url_for("static", filename=f"icons/{filename}"), "sizes": f"{size}x{size}", "type": "image/png",
            "purpose": purpose}


def web_app_manifest() -> dict:
    """In the language of the request, so the home-screen name matches the pages."""
    return {
        "id": "/",
        "name": _("Estate patrol"),
        "short_name": _("Patrol"),
        "description": _("Building patrols, findings and work orders."),
        "lang": "en" if lang() == "en" else "zh-CN",
        "dir": "ltr",
        "start_url": url_for("main.index"),  # redirects to the home of the user's role
        "scope": "/",
        "display": "standalone",
        "theme_color": THEME,
        "background_color": BACKGROUND,
        "icons": [
            _icon("icon-192.png", 192, "any"),
            _icon("icon-512.png", 512, "any"),
            _icon("maskable-512.png", 512, "maskable"),
        ],
    }
