"""The API's refusals: one error body for every view (ErrorSchema), and the decorator documenting which a view may
answer. Nothing of the app is imported here: the Api extension itself is made with this schema."""
from __future__ import annotations

from marshmallow import Schema, fields


class ErrorSchema(Schema):
    """Every refusal of the API, sync and reads alike."""

    code = fields.String(required=True, metadata={"description": (
        "What went wrong, for machines: invalid, csrf_failed, login_required, forbidden, not_found, too_large, "
        "too_many_attempts, conflict, uuid_conflict, log_locked, not_assigned, checkpoint_retired, not_in_round, "
        "already_visited, checklist_changed, incomplete, signature_refused, photo_refused, retry_later, "
        "storage_full, storage_unavailable, server_error")})
    message = fields.String(required=True, metadata={"description": "In the user's language; says what to do."})
    field = fields.String(metadata={"description": "The request field at fault, when one is."})
    missing = fields.List(fields.String(), metadata={"description": "incomplete: what is left to do, stop by stop."})
    errors = fields.Dict(metadata={"description": "invalid (422): the schema's messages per field."})


# Any request may be malformed (400) or meet a database that is busy or restarting (503).
ALWAYS_POSSIBLE = (400, 503)


def refusals(blp, *statuses: int):
    """Document, with ErrorSchema, the refusals a view of this blueprint may answer."""
    def decorate(view):
        for status in sorted({*statuses, *ALWAYS_POSSIBLE}):
            view = blp.alt_response(status, schema=ErrorSchema, description="Refused: see code and message")(view)
        return view
    return decorate
