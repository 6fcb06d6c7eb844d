"""Friendly error pages in the user's language; JSON errors under /api/."""
from __future__ import annotations

from typing import Callable, TypeVar

from flask import Flask, Response, current_app, jsonify, make_response, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import InterfaceError, OperationalError, SQLAlchemyError, TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException, InternalServerError

from app.extensions import db, login_manager

T = TypeVar("T")
# The database would not do the work: locked beyond the busy timeout, restarting, connection dropped, pool exhausted.
DATABASE_TROUBLE = (OperationalError, InterfaceError, PoolTimeout)
DATABASE_BUSY = _l("The database is busy or restarting, so nothing was saved. Try again in a moment.")
RETRY_AFTER_SECONDS = 5

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


# The machine code of a JSON error whose cause names none of its own (the API's one error body, see error_body).
CODE_OF_STATUS = {400: "invalid", 401: "login_required", 403: "forbidden", 404: "not_found", 405: "invalid",
                  409: "conflict", 413: "too_large", 422: "invalid", 429: "too_many_attempts", 503: "retry_later"}


def wants_json() -> bool:
    return request.path.startswith("/api/") or request.path == "/healthz"


def error_body(status: int, message, code: str | None = None, field: str | None = None, **extra) -> dict:
    """The one JSON error body of the API (ErrorSchema in its OpenAPI document): {"code", "message", "field"?, ...}."""
    body = {"code": code or CODE_OF_STATUS.get(status, "invalid" if status < 500 else "server_error"),
            "message": str(message)}
    if field:
        body["field"] = field
    return {**body, **extra}


def render_error(code: int, detail: str | None = None):
    title, message = MESSAGES.get(code, MESSAGES[400] if code < 500 else MESSAGES[500])
    text = detail or str(message)
    if wants_json():
        return jsonify(error_body(code, text)), code
    if request.headers.get("HX-Request") and code != 401:
        # An htmx swap target is a fragment: show the message at the top of the page instead.
        fragment = render_template("errors/_message.html", title=title, message=text)
        return fragment, code, {"HX-Retarget": "#main", "HX-Reswap": "afterbegin"}
    return render_template("errors/error.html", code=code, title=title, message=text), code


def with_retry_after(response: Response, error: HTTPException) -> Response:
    """Keep the Retry-After of a 429 or 503 (e.g. a throttled sign-in) on the page that replaces it."""
    wait = dict(error.get_headers()).get("Retry-After")
    if wait:
        response.headers["Retry-After"] = wait
    return response


def _rollback_quietly() -> None:
    try:
        db.session.rollback()
    except SQLAlchemyError:  # the connection is gone: the database dropped the work, the pool replaces it
        db.session.close()


def without_database(answer: Callable[[], T], error: Exception) -> T:
    """Answer a request whose database work failed; nothing of it is kept (rolled back).

    Knowing who is signed in, and so their language, needs the database too: when that fails as well,
    the answer is made as to a visitor (language from the session or the browser)."""
    current_app.logger.warning("database unavailable, answered 503: %s", getattr(error, "orig", None) or error)
    _rollback_quietly()
    try:
        return answer()
    except SQLAlchemyError:
        _rollback_quietly()
        login_manager._update_request_context_with_user()  # anonymous for the rest of this request
        return answer()


def come_back_later(response) -> Response:
    response = make_response(response)
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def register(app: Flask) -> None:
    # Registered after flask-smorest's own handler, so HTML pages keep HTML error pages.
    @app.errorhandler(CSRFError)
    def csrf_error(_error):
        return render_error(400, str(_l("Your form has expired or was sent from elsewhere. Reload the page and try again.")))

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        # A description passed to abort() is ours (already translated); werkzeug's defaults are English.
        detail = error.description if error.description != type(error).description else None
        return with_retry_after(make_response(render_error(error.code or 500, detail)), error)

    @app.errorhandler(InternalServerError)
    def server_error(_error):
        db.session.rollback()
        return render_error(500)

    def database_unavailable(error):
        return come_back_later(without_database(lambda: render_error(503, str(DATABASE_BUSY)), error))

    for trouble in DATABASE_TROUBLE:
        app.register_error_handler(trouble, database_unavailable)
