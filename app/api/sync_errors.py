"""JSON refusals of the sync API: {"code", "message", "field"?}, a machine code and a message in the user's language."""
from __future__ import annotations

from flask import jsonify
from flask_babel import gettext as _, lazy_gettext as _l
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from app.errors import MESSAGES
from app.extensions import db
from app.patrols.errors import PatrolError

# Codes for refusals that do not name their own.
CODE_OF_STATUS = {400: "invalid", 401: "login_required", 403: "forbidden", 404: "not_found", 405: "invalid",
                  409: "conflict", 413: "too_large", 422: "invalid", 429: "too_many_attempts", 503: "retry_later"}
# On a page "not in this round" is a 404; for a phone sending what it recorded it is a conflict with the round.
STATUS_OF_CODE = {"not_in_round": 409}

SIGN_IN_AGAIN = _l("Your session has ended: sign in again to send what is waiting. Nothing is lost.")
RELOAD = _l("The security token is missing or out of date: open the round online once, then send again.")


def _body(code: str, message, field: str | None = None, **extra) -> dict:
    body = {"code": code, "message": str(message)}
    if field:
        body["field"] = field
    return {**body, **extra}


def refused(exc: PatrolError):
    """A domain refusal: nothing of the request was kept."""
    db.session.rollback()
    status = STATUS_OF_CODE.get(exc.code, exc.status)
    extra = {"missing": exc.missing} if getattr(exc, "missing", None) is not None else {}
    return jsonify(_body(exc.code or CODE_OF_STATUS.get(status, "invalid"), exc.message, exc.field, **extra)), status


def _schema_errors(error: HTTPException) -> dict:
    """webargs puts the schema's messages per location on the exception: {"json": {"field": [...]}}."""
    messages = (getattr(error, "data", None) or {}).get("messages") or {}
    merged = {}
    for per_location in messages.values():
        if isinstance(per_location, dict):
            merged.update(per_location)
    return merged


def http_error(error: HTTPException):
    status = error.code or 500
    if status >= 500:
        db.session.rollback()
    if isinstance(error, CSRFError):
        if not current_user.is_authenticated:  # the session (and its token) is gone: signing in again is the fix
            return jsonify(_body("login_required", SIGN_IN_AGAIN)), 401
        return jsonify(_body("csrf_failed", RELOAD)), 400
    if status == 401:
        return jsonify(_body("login_required", SIGN_IN_AGAIN)), 401
    errors = _schema_errors(error)
    if errors:
        fields = sorted(errors)
        message = _("Some fields are missing or invalid: %(fields)s.", fields=", ".join(fields))
        return jsonify(_body("invalid", message, fields[0], errors=errors)), status
    _title, message = MESSAGES.get(status, MESSAGES[400] if status < 500 else MESSAGES[500])
    detail = error.description if error.description != type(error).description else message
    return jsonify(_body(CODE_OF_STATUS.get(status, "invalid" if status < 500 else "server_error"), detail)), status


def register(blp) -> None:
    blp.register_error_handler(PatrolError, refused)
    blp.register_error_handler(HTTPException, http_error)
    # The app's own handlers for these are registered by status code, which Flask tries before any blueprint's class.
    blp.register_error_handler(CSRFError, http_error)
    blp.register_error_handler(InternalServerError, http_error)
