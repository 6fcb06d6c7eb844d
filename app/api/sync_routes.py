"""Offline sync for the patrol PWA, under /api/v1/sync (schemas in /api/v1/openapi.json).

Contract for the phone:

- Session cookie as for pages; every POST carries the X-CSRFToken header (the pack hands out a token).
  Roles patroller and supervisor; a log, visit or answer outside the user's sites is 404.
- Every record carries a UUID made by the phone. 201: this request stored it. 200: it was already there
  (the same UUID and content sent again after a lost response, or an adopted visit) and the answer is the
  same record. The same UUID with other content: 409 uuid_conflict. Only what succeeded is remembered:
  a refused record may be sent again, with the same UUID, once the cause is fixed.
- Send in the order recorded: a visit before its answers, an answer before its photos, submit after all,
  co-sign after submit. Later records of a refused one get 404 not_found until it is resolved.
- Times are ISO 8601 with an offset (2026-05-01T08:30:00.000Z); more than 5 minutes ahead of the server or
  before the log was started is 400 invalid.
- Refusals are JSON {"code", "message" (in the user's language, says what to do), "field"?}; nothing of a
  refused request is stored. Codes:
  400 invalid (also a malformed body: JSON nested too deeply, a multipart part without a name, a NUL character in a
  form) · 422 invalid with "errors" per field (wrong type, unknown field; "body" when it is not an object) · 400 csrf_failed ·
  401 login_required (also when the session ended before the token was checked) · 403 not_assigned ·
  403 forbidden (role) · 404 not_found · 409 uuid_conflict · 409 log_locked (submitted, signed, corrected) ·
  409 not_in_round · 409 checkpoint_retired · 409 already_visited (skip) · 409 checklist_changed (answer to an
  item of another checklist version) · 409 incomplete (+ "missing": [what is left, per stop]) ·
  400/413 photo_refused · 413 too_large · 422 signature_refused (wrong username or password; the log stays
  submitted) · 429 too_many_attempts (too many failed signatures of that colleague or from this address;
  Retry-After says when to try again) · 403/409 signature_refused (signing not allowed, already signed) ·
  503 retry_later (the database is busy or restarting; Retry-After) · 507 storage_full and 503 storage_unavailable
  (the server's disk refused the photo) · 500 server_error. Every 5xx: nothing was stored, send the same record later.

GET  /logs/<log_id>/pack → {log {id, number, status, round_id, round_name, window_starts_at, window_ends_at,
     started_by_id}, user {id, username, full_name}, lang (zh|en), csrf_token, stops [{position, checkpoint_id,
     code, name, active, tokens, template_version_id, items [{id, code, text, help, answer_type, unit,
     min_value, max_value, photo_on_fail, urgent_if_fail}], visit null|{uuid, id, answers [{item_id, uuid|null,
     result, number, text, note, na_reason, photos (count)}]}, skip null|{reason}}]}. A visited stop lists its
     visit's checklist version, the others the latest (what a new visit gets).
POST /visits  {uuid, log_id, checkpoint_id, method link|qr|manual, manual_reason (manual), scanned_at,
     latitude?, longitude?, accuracy_m? (all three or none), template_version_id? (the pack's; default latest)}
     → {uuid, id, log_id, checkpoint_id, adopted}. A checkpoint already visited (online, another phone) is
     adopted: 200 with that visit; answers sent with this uuid attach to it.
POST /answers {uuid, visit_uuid, item_id, result?, number? (number or text), text?, note?, na_reason?,
     answered_at} → {uuid, id, visit_id, superseded}. The answer given last by the clock wins; one given
     earlier than the stored answer is 200 with superseded true (kept in the audit trail only). A failure may
     arrive before its photos; submitting asks for them.
POST /photos  multipart: uuid, answer_uuid, photo (file) → {uuid, id, answer_id}. Same content: the same
     answer_uuid and the same bytes.
POST /skips   {uuid, log_id, checkpoint_id, reason} → {uuid, id}.
POST /submit  {uuid, log_id} → {uuid, log_id, status, number}.
POST /cosign  {uuid, log_id, username, password} → {uuid, log_id, status, number}: the colleague's witness
     signature, checked now; the password is never stored. The log is "signed" once the performer signed too.
"""
from __future__ import annotations

from flask import request
from flask_login import current_user
from flask_smorest import Blueprint
from flask_wtf.csrf import generate_csrf
from werkzeug.datastructures import CombinedMultiDict

from app.api import sync_errors
from app.api.parsing import JsonBodyParser
from app.api.refusals import refusals as documented_refusals
from app.api.sync_schemas import (AnswerInSchema, AnswerOutSchema, CosignInSchema, LogStateOutSchema, PackSchema,
                                  PhotoInSchema, PhotoOutSchema, SkipInSchema, SkipOutSchema, SubmitInSchema,
                                  VisitInSchema, VisitOutSchema)
from app.auth.guards import get_in_my_sites, role_required
from app.extensions import db
from app.i18n import lang
from app.patrols.models import Answer, PatrolLog, Visit
from app.patrols.offline_pack import offline_pack
from app.patrols.sync import sync_answer, sync_cosign, sync_photo, sync_skip, sync_submit, sync_visit
from app.photos.models import Photo


class _FormWithFiles(JsonBodyParser):
    """A multipart body read as one location, so one schema describes the whole upload."""

    def load_form(self, req, schema):
        return self._makeproxy(CombinedMultiDict([req.form, req.files]), schema)


class SyncBlueprint(Blueprint):
    ARGUMENTS_PARSER = _FormWithFiles()


blp = SyncBlueprint("sync", __name__, url_prefix="/api/v1/sync",
                    description="Offline sync: the phone's records, sent once each by UUID")
sync_errors.register(blp)
SYNC_ROLES = ("patroller", "supervisor")


def refusals(*statuses: int):
    return documented_refusals(blp, *statuses)


def _status(created: bool) -> int:
    return 201 if created else 200


@blp.get("/logs/<int:log_id>/pack")
@blp.response(200, PackSchema)
@refusals(401, 403, 404)
@role_required(*SYNC_ROLES)
def pack(log_id: int):
    """Everything the phone needs to walk this log offline."""
    log = get_in_my_sites(PatrolLog, log_id)
    return {**offline_pack(log, current_user, lang()), "csrf_token": generate_csrf()}


@blp.post("/visits")
@blp.arguments(VisitInSchema)
@blp.response(201, VisitOutSchema)
@blp.alt_response(200, schema=VisitOutSchema, description="Sent before, or the checkpoint's existing visit adopted")
@refusals(401, 403, 404, 409, 413)
@role_required(*SYNC_ROLES)
def visit(data: dict):
    """A checkpoint visit recorded offline."""
    outcome = sync_visit(current_user, get_in_my_sites(PatrolLog, data["log_id"]), data)
    found = db.session.get(Visit, outcome.entity_id)
    adopted = found.client_uuid != data["uuid"]
    return ({"uuid": data["uuid"], "id": found.id, "log_id": found.log_id, "checkpoint_id": found.checkpoint_id,
             "adopted": adopted}, _status(outcome.created and not adopted))


@blp.post("/answers")
@blp.arguments(AnswerInSchema)
@blp.response(201, AnswerOutSchema)
@blp.alt_response(200, schema=AnswerOutSchema, description="Sent before, or older than the stored answer")
@refusals(401, 403, 404, 409, 413)
@role_required(*SYNC_ROLES)
def answer(data: dict):
    """One checklist answer recorded offline."""
    outcome = sync_answer(current_user, data)
    found = db.session.get(Answer, outcome.entity_id)
    superseded = found.client_uuid != data["uuid"]
    return ({"uuid": data["uuid"], "id": found.id, "visit_id": found.visit_id, "superseded": superseded},
            _status(outcome.created and not superseded))


@blp.post("/photos")
@blp.arguments(PhotoInSchema, location="form", content_type="multipart/form-data")
@blp.response(201, PhotoOutSchema)
@blp.alt_response(200, schema=PhotoOutSchema, description="Sent before")
@refusals(401, 403, 404, 409, 413, 507)
@role_required(*SYNC_ROLES)
def photo(data: dict):
    """A photo of an answer, taken offline; stamped and stored like an online one."""
    outcome = sync_photo(current_user, data["uuid"], data["answer_uuid"], data["photo"])
    found = db.session.get(Photo, outcome.entity_id)
    return {"uuid": data["uuid"], "id": found.id, "answer_id": found.answer_id}, _status(outcome.created)


@blp.post("/skips")
@blp.arguments(SkipInSchema)
@blp.response(201, SkipOutSchema)
@blp.alt_response(200, schema=SkipOutSchema, description="Sent before")
@refusals(401, 403, 404, 409, 413)
@role_required(*SYNC_ROLES)
def skip(data: dict):
    """A checkpoint left out, with the reason."""
    outcome = sync_skip(current_user, get_in_my_sites(PatrolLog, data["log_id"]), data)
    return {"uuid": data["uuid"], "id": outcome.entity_id}, _status(outcome.created)


def _log_state(uuid: str, log_id: int) -> dict:
    log = db.session.get(PatrolLog, log_id)
    return {"uuid": uuid, "log_id": log.id, "status": log.status, "number": log.number}


@blp.post("/submit")
@blp.arguments(SubmitInSchema)
@blp.response(201, LogStateOutSchema)
@blp.alt_response(200, schema=LogStateOutSchema, description="Sent before")
@refusals(401, 403, 404, 409, 413)
@role_required(*SYNC_ROLES)
def submit(data: dict):
    """Submit the log as the phone did offline."""
    outcome = sync_submit(current_user, get_in_my_sites(PatrolLog, data["log_id"]), data["uuid"], lang())
    return _log_state(data["uuid"], outcome.entity_id), _status(outcome.created)


@blp.post("/cosign")
@blp.arguments(CosignInSchema)
@blp.response(201, LogStateOutSchema)
@blp.alt_response(200, schema=LogStateOutSchema, description="Sent before")
@refusals(401, 403, 404, 409, 413, 422, 429)
@role_required(*SYNC_ROLES)
def cosign(data: dict):
    """A colleague's witness signature captured on this phone offline, checked now."""
    log = get_in_my_sites(PatrolLog, data["log_id"])
    outcome = sync_cosign(current_user, log, data["uuid"], data["username"], data["password"], request.remote_addr or "-")
    return _log_state(data["uuid"], outcome.entity_id), _status(outcome.created)
