"""Friendly error pages in the user's language; JSON errors under /api/."""
from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from app.extensions import db

MESSAGES = {
    400: (_l("Bad request"), _l("The request could not be understood. Check what you entered and try again.")),
    401: (_l("Please sign in"), _l("You need to sign in to see this page.")),
    403: (_l("Not allowed"), _l("Your role does not allow this action or page.")),
    404: (_l("Not found"), _l("This page or record does not exist, or it belongs to a site you do not work for.")),
    405: (_l("Not allowed"), _l("This action is not available here.")),
    409: (_l("Conflict"), _l("Someone changed this record in the meantime. Reload and try again.")),
    413: (_l("Too large"), _l("The upload is too large. Photos must be under the size limit.")),
    422: (_l("Check your input"), _l("Some fields are missing or invalid.")),
    429: (_l("Too many attempts"), _l("Too many attempts. Wait a moment and try again.")),
    500: (_l("Something went wrong"), _l("The server had a problem. Nothing you entered was lost; try again in a moment.")),
    503: (_l("Unavailable"), _l("The service is temporarily unavailable. Try again shortly.")),
}


def wants_json() -> bool:
    return request.path.startswith("/api/") or request.path == "/healthz"


def render_error(code: int, detail: str | None = None):
    title, message = MESSAGES.get(code, MESSAGES[400] if code < 500 else MESSAGES[500])
    text = detail or str(message)
    if wants_json():
        return jsonify({"status": code, "error": str(title), "message": text}), code
    if request.headers.get("HX-Request") and code != 401:
        # An htmx swap target is a fragment: show the message at the top of the page instead.
        fragment = render_template("errors/_message.html", title=title, message=text)
        return fragment, code, {"HX-Retarget": "#main", "HX-Reswap": "afterbegin"}
    return render_template("errors/error.html", code=code, title=title, message=text), code


def register(app: Flask) -> None:
    # Registered after flask-smorest's own handler, so HTML pages keep HTML error pages.
    @app.errorhandler(CSRFError)
    def csrf_error(_error):
        return render_error(400, str(_l("Your form has expired or was sent from elsewhere. Reload the page and try again.")))

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        # A description passed to abort() is ours (already translated); werkzeug's defaults are English.
        detail = error.description if error.description != type(error).description else None
        return render_error(error.code or 500, detail)

    @app.errorhandler(InternalServerError)
    def server_error(_error):
        db.session.rollback()
        return render_error(500)
