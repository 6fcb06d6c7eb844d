"""JSON refusals of the API (sync and reads): {"code", "message", "field"?}, a machine code and a message in the user's
language; the one error body (ErrorSchema) of the OpenAPI document."""
from __future__ import annotations

from flask import jsonify, request
from flask_babel import gettext as _, lazy_gettext as _l
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from app.errors import DATABASE_TROUBLE, MESSAGES, come_back_later, error_body, with_retry_after, without_database
from app.extensions import db
from app.patrols.errors import PatrolError

# On a page "not in this round" is a 404; for a phone sending what it recorded it is a conflict with the round.
STATUS_OF_CODE = {"not_in_round": 409}

SIGN_IN_AGAIN = _l("Your session has ended: sign in again to send what is waiting. Nothing is lost.")
RELOAD = _l("The security token is missing or out of date: open the round online once, then send again.")
SERVER_BUSY = _l("The server is busy with this record; it will be sent again.")


def refused(exc: PatrolError):
    """A domain refusal: nothing of the request was kept."""
    db.session.rollback()
    status = STATUS_OF_CODE.get(exc.code, exc.status)
    extra = {"missing": exc.missing} if getattr(exc, "missing", None) is not None else {}
    response = jsonify(error_body(status, exc.message, exc.code, exc.field, **extra)), status
    return come_back_later(response) if status == 503 else response


def database_unavailable(error):
    """The database is locked, restarting or unreachable: nothing was stored, the phone sends the record again."""
    return come_back_later(without_database(lambda: (jsonify(error_body(503, SERVER_BUSY)), 503), error))


def _schema_errors(error: HTTPException) -> dict:
    """webargs puts the schema's messages per location on the exception: {"json": {"field": [...]}}."""
    messages = (getattr(error, "data", None) or {}).get("messages") or {}
    merged = {}
    for per_location in messages.values():
        if isinstance(per_location, dict):
            merged.update(per_location)
    if "_schema" in merged:  # marshmallow's name for the body as a whole (e.g. an array where an object belongs)
        merged["body"] = merged.pop("_schema")
    return merged


def http_error(error: HTTPException):
    status = error.code or 500
    if status >= 500:
        db.session.rollback()
    # The phone's sync queue waits for the user to sign in again; a reader just signs in.
    sign_in = SIGN_IN_AGAIN if request.blueprint == "sync" else MESSAGES[401][1]
    if isinstance(error, CSRFError):
        if not current_user.is_authenticated:  # the session (and its token) is gone: signing in again is the fix
            return jsonify(error_body(401, sign_in)), 401
        return jsonify(error_body(400, RELOAD, "csrf_failed")), 400
    if status == 401:
        return jsonify(error_body(401, sign_in)), 401
    errors = _schema_errors(error)
    if errors:
        fields = sorted(errors)
        message = _("Some fields are missing or invalid: %(fields)s.", fields=", ".join(fields))
        return jsonify(error_body(status, message, "invalid", fields[0], errors=errors)), status
    _title, message = MESSAGES.get(status, MESSAGES[400] if status < 500 else MESSAGES[500])
    detail = error.description if error.description != type(error).description else message
    body = jsonify(error_body(status, detail))
    body.status_code = status
    return with_retry_after(body, error)


def register(blp) -> None:
    blp.register_error_handler(PatrolError, refused)
    blp.register_error_handler(HTTPException, http_error)
    # The app's own handlers for these are registered by status code, which Flask tries before any blueprint's class.
    blp.register_error_handler(CSRFError, http_error)
    blp.register_error_handler(InternalServerError, http_error)
    for trouble in DATABASE_TROUBLE:
        blp.register_error_handler(trouble, database_unavailable)
