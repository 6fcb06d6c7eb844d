"""Offline sync: what a phone recorded without a network, applied once per UUID under the online walking rules."""
from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import func, select

from app.audit.services import record
from app.auth.models import User
from app.auth.throttle import Throttled
from app.checklists.models import ChecklistItem, TemplateVersion
from app.extensions import db
from app.model_helpers import utcnow
from app.patrols.answering import REASON_MAX, Decision, decide, put_answer
from app.patrols.errors import PatrolError
from app.patrols.models import Answer, PatrolLog, Visit
from app.patrols.receipts import Outcome, SyncReceipt, content_digest, earlier, once, uuid_conflict
from app.patrols.submission import progress, submit_log
from app.patrols.walk_forms import MANUAL_REASON_MAX, ingest_for, skip_reason
from app.patrols.walking import arrive, leave_out, locate, require_walking
from app.photos.storage import discard_unreferenced
from app.signoff.services import sign, verify_signer
from app.sites.models import Checkpoint
from app.validation import clean_text

CLOCK_SKEW = timedelta(minutes=5)  # phone clocks drift: a time this far ahead of the server's is still believed


class LogIncomplete(PatrolError):
    """Submitting refused: `missing` says, stop by stop, what is left to do."""

    def __init__(self, missing: list[str]):
        super().__init__(_("The log is not complete yet."), 409, code="incomplete")
        self.missing = missing


def check_time(at: datetime, log: PatrolLog, field: str) -> None:
    """A time the phone recorded: not in the future, not before the round was started (clock skew allowed)."""
    if at > utcnow() + CLOCK_SKEW:
        raise PatrolError(_("This time is in the future: check the phone's date and time settings, then send again."),
                          400, field, code="invalid")
    if at < (log.started_at or log.window_starts_at) - CLOCK_SKEW:
        raise PatrolError(_("This time is before the round was started: check the phone's date and time settings, "
                            "then send again."), 400, field, code="invalid")


def _without_uuid(data: dict) -> str:
    return content_digest({key: value for key, value in data.items() if key != "uuid"})


def _checkpoint(log: PatrolLog, checkpoint_id: int) -> Checkpoint:
    checkpoint = db.session.get(Checkpoint, checkpoint_id)
    if checkpoint is None or checkpoint.site_id != log.site_id:
        raise PatrolError(_("This checkpoint does not exist in this site."), 404, "checkpoint_id", code="not_found")
    return checkpoint


def _version(version_id: int | None) -> TemplateVersion | None:
    if version_id is None:
        return None
    version = db.session.get(TemplateVersion, version_id)
    if version is None:
        raise PatrolError(_("This checklist is not the one of this checkpoint."), 400, "template_version_id", code="invalid")
    return version


def _manual_reason(data: dict) -> str | None:
    if data["method"] != "manual":
        return None
    reason = clean_text(data.get("manual_reason"), MANUAL_REASON_MAX)
    if not reason:
        raise PatrolError(_("Say why the label could not be scanned."), 400, "manual_reason", code="invalid")
    return reason


def sync_visit(user, log: PatrolLog, data: dict) -> Outcome:
    """Record a visit made offline, or adopt the visit already stored for that checkpoint (online, another phone)."""
    uuid = data["uuid"]
    checkpoint = _checkpoint(log, data["checkpoint_id"])
    check_time(data["scanned_at"], log, "scanned_at")
    reason, version = _manual_reason(data), _version(data.get("template_version_id"))

    def perform() -> int:
        taken = db.session.scalar(select(Visit).where(Visit.client_uuid == uuid))
        if taken is not None and (taken.log_id, taken.checkpoint_id) != (log.id, checkpoint.id):
            raise uuid_conflict()
        visit = arrive(log, checkpoint, user, data["method"], data["scanned_at"], reason, uuid, version)
        if visit.client_uuid == uuid and data.get("latitude") is not None:
            locate(visit, checkpoint, user, data["latitude"], data["longitude"], data["accuracy_m"])
        return visit.id

    return once("visit", uuid, _without_uuid(data), user, log.id, perform)


def visit_by_uuid(user, uuid: str) -> Visit:
    """The visit a phone knows by this UUID: its own, one opened online (UUID from the pack), or one it adopted."""
    visit = db.session.scalar(select(Visit).where(Visit.client_uuid == uuid))
    if visit is None:
        adopted = db.session.scalar(select(SyncReceipt.entity_id).where(SyncReceipt.uuid == uuid, SyncReceipt.kind == "visit"))
        visit = db.session.get(Visit, adopted) if adopted else None
    if visit is None or visit.log.site_id not in user.site_ids:
        raise PatrolError(_("The checkpoint visit of this record has not reached the server: send the visit first."),
                          404, "visit_uuid", code="not_found")
    return visit


def answer_by_uuid(user, uuid: str) -> Answer:
    """The answer a phone knows by this UUID: the one it set last, or the one an earlier UUID of its was kept in."""
    answer = db.session.scalar(select(Answer).where(Answer.client_uuid == uuid))
    if answer is None:
        made = db.session.scalar(select(SyncReceipt.entity_id).where(SyncReceipt.uuid == uuid, SyncReceipt.kind == "answer"))
        answer = db.session.get(Answer, made) if made else None
    if answer is None or answer.visit.log.site_id not in user.site_ids:
        raise PatrolError(_("The answer of this photo has not reached the server: send the answer first."),
                          404, "answer_uuid", code="not_found")
    return answer


def sync_answer(user, data: dict) -> Outcome:
    """Record an answer given offline. A failure may come before its photos: submitting still asks for them."""
    uuid = data["uuid"]
    visit = visit_by_uuid(user, data["visit_uuid"])
    item = db.session.get(ChecklistItem, data["item_id"])
    if item is None:
        raise PatrolError(_("This item does not exist."), 404, "item_id", code="not_found")
    if item.version_id != visit.template_version_id:
        raise PatrolError(_("This checkpoint's checklist changed since the phone prepared the round: open the "
                            "checkpoint online and answer its items again."), 409, "item_id", code="checklist_changed")
    check_time(data["answered_at"], visit.log, "answered_at")
    decision = decide(item, {key: data.get(key) for key in ("result", "number", "text", "note", "na_reason")})

    def perform() -> int:
        require_walking(visit.log, user)
        return _keep_answer(visit, item, user, decision, data["answered_at"], uuid).id

    return once("answer", uuid, _without_uuid(data), user, visit.log_id, perform)


def _keep_answer(visit: Visit, item, user, decision: Decision, answered_at: datetime, uuid: str) -> Answer:
    """The answer given last (by the phones' clocks) wins; an older one arriving late stays in the audit trail."""
    current = db.session.scalar(select(Answer).where(Answer.visit_id == visit.id, Answer.item_id == item.id))
    if current is not None and current.answered_at > answered_at:
        offered = {"result": decision.result, "number": decision.number_value, "text": decision.text_value,
                   "note": decision.note, "na_reason": decision.na_reason}
        record("item_answer_superseded", current, site_id=visit.log.site_id, item=item.code, client_uuid=uuid,
               answered_at=answered_at.isoformat(), offered=offered)
        return current
    return put_answer(visit, item, user, decision, answered_at, client_uuid=uuid)


def _sha256(stream) -> str:
    digest = hashlib.sha256()
    while chunk := stream.read(1024 * 1024):
        digest.update(chunk)
    stream.seek(0)
    return digest.hexdigest()


def sync_photo(user, uuid: str, answer_uuid: str, upload) -> Outcome:
    """Attach a photo taken offline to its answer, checked, stamped and stored like an online one."""
    answer = answer_by_uuid(user, answer_uuid)
    visit, ingested = answer.visit, []

    def perform() -> int:
        require_walking(visit.log, user)
        upload.stream.seek(0)  # a retry reads the upload again
        photo = ingest_for(visit, user)(upload)
        ingested.append(photo)
        photo.answer_id, photo.client_uuid = answer.id, uuid
        db.session.add(photo)
        db.session.flush()
        record("answer_photo_added", answer, site_id=visit.log.site_id, photo_id=photo.id, client_uuid=uuid)
        return photo.id

    digest = content_digest({"answer_uuid": answer_uuid, "sha256": _sha256(upload.stream)})
    try:
        return once("photo", uuid, digest, user, visit.log_id, perform)
    finally:
        discard_unreferenced(ingested)  # files of a refused or rolled-back attempt do not stay behind


def sync_skip(user, log: PatrolLog, data: dict) -> Outcome:
    """A checkpoint left out offline, with the reason; the same checkpoint skipped before keeps one skip."""
    reason = skip_reason({"reason": clean_text(data["reason"], REASON_MAX)})

    def perform() -> int:
        return leave_out(log, data["checkpoint_id"], user, reason).id

    return once("skip", data["uuid"], _without_uuid({**data, "reason": reason}), user, log.id, perform)


def sync_submit(user, log: PatrolLog, uuid: str, lang: str) -> Outcome:
    """Submit the log as the phone did offline; an incomplete log says what is missing."""
    def perform() -> int:
        try:
            submit_log(log, user, utcnow(), lang)
        except PatrolError as exc:
            if exc.code != "incomplete":
                raise
            db.session.rollback()
            raise LogIncomplete(progress(log, lang).missing) from None
        return log.id

    return once("submit", uuid, content_digest({"log_id": log.id}), user, log.id, perform, entity_id=log.id)


def _still_waiting() -> str:
    return _("The log is still waiting for a colleague's signature: ask them to sign again.")


def _signature_refused(exc: PatrolError) -> PatrolError:
    return PatrolError(_("The colleague's username or password is wrong, so the signature was not accepted.") + " "
                       + _still_waiting(), 422, "password", code="signature_refused")


def sync_cosign(user, log: PatrolLog, uuid: str, username: str, password: str, address: str) -> Outcome:
    """A colleague's witness signature captured on the patroller's phone, checked now. The password is never kept."""
    name = clean_text(username, 64).lower()
    digest = content_digest({"log_id": log.id, "username": name})
    made = earlier("cosign", uuid, digest, user)
    if made is not None:
        return Outcome(made, created=False)
    colleague = db.session.scalar(select(User).where(func.lower(User.username) == name)) if name else None
    try:
        signer = verify_signer(colleague, name, password, address)  # before the receipt: a refusal commits its count
    except Throttled as exc:
        raise Throttled(exc.retry_after, f"{exc.description} {_still_waiting()}") from None
    except PatrolError as exc:
        raise _signature_refused(exc) from None

    def perform() -> int:
        try:
            sign(log, signer, "witnessed", utcnow())
        except PatrolError as exc:
            raise PatrolError(exc.message, exc.status, exc.field, code="signature_refused") from None
        return log.id

    return once("cosign", uuid, digest, user, log.id, perform, entity_id=log.id)
