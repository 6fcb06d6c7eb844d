"""Answering one checklist item: the itemised rule (002 §4.5.6) and photos of failures."""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.audit.services import record
from app.extensions import db
from app.patrols.errors import PatrolError
from app.patrols.models import Answer, Visit
from app.patrols.walking import require_walking
from app.photos.storage import discard_unreferenced

NOTE_MAX, REASON_MAX, TEXT_MAX = 2000, 255, 4000


@dataclass(frozen=True)
class Decision:
    result: str
    number_value: float | None = None
    text_value: str | None = None
    note: str | None = None
    na_reason: str | None = None


def _clean(value, limit: int, field: str) -> str | None:
    text = (value or "").strip()
    text = "".join(ch for ch in text if ch in "\n\t" or ch.isprintable())  # no control characters
    if len(text) > limit:
        raise PatrolError(_("Too long: at most %(limit)d characters.", limit=limit), 400, field)
    return text or None


def parse_number(raw) -> float:
    """A finite decimal number; commas accepted as decimal marks."""
    text = (raw or "").strip().replace(",", ".")
    try:
        value = float(text)
    except ValueError:
        raise PatrolError(_("Enter a number."), 400, "number") from None
    if not math.isfinite(value) or abs(value) > 1e9:
        raise PatrolError(_("Enter a number."), 400, "number")
    return value


def out_of_range(item, value: float) -> bool:
    return (item.min_value is not None and value < item.min_value) or (item.max_value is not None and value > item.max_value)


def decide(item, data: dict) -> Decision:
    """What an answer means for this item, or a PatrolError naming the field to fix."""
    chosen = data.get("result")
    if chosen not in (None, "", "pass", "fail", "na"):
        raise PatrolError(_("Choose pass, fail or N/A."), 400, "result")
    note = _clean(data.get("note"), NOTE_MAX, "note")
    if chosen == "na":
        reason = _clean(data.get("na_reason"), REASON_MAX, "na_reason")
        if not reason:
            raise PatrolError(_("Say why this item does not apply."), 400, "na_reason")
        return Decision("na", note=note, na_reason=reason)
    number = text = None
    if item.answer_type == "number":
        number = parse_number(data.get("number"))
        result = "fail" if chosen == "fail" or out_of_range(item, number) else "pass"
    elif item.answer_type == "text":
        text = _clean(data.get("text"), TEXT_MAX, "text")
        if not text:
            raise PatrolError(_("Write the answer."), 400, "text")
        result = "fail" if chosen == "fail" else "pass"
    else:
        if not chosen:
            raise PatrolError(_("Choose pass, fail or N/A."), 400, "result")
        result = chosen
    if result == "fail" and not note:
        message = _("Out of range: describe the problem.") if number is not None and chosen != "fail" else _("Describe the problem.")
        raise PatrolError(message, 400, "note")
    return Decision(result, number, text, note)


def answer_item(visit: Visit, item, user, data: dict, photos: list, now: datetime, ingest=None) -> Answer:
    """Save one answer (the last answer wins; the audit trail keeps the earlier one) with any new photos."""
    log = visit.log
    require_walking(log, user)
    if item.version_id != visit.template_version_id:
        raise PatrolError(_("This item is not on this checkpoint's checklist."), 404)
    decision = decide(item, data)
    answer = db.session.scalar(select(Answer).where(Answer.visit_id == visit.id, Answer.item_id == item.id))
    existing_photos = len(answer.photos) if answer is not None else 0
    if decision.result == "fail" and item.photo_on_fail and not photos and not existing_photos:
        raise PatrolError(_("Add at least one photo of the problem."), 400, "photos")
    new_photos = []
    try:
        for upload in photos:
            new_photos.append(ingest(upload))
        return _save(visit, item, user, decision, new_photos, now)
    except Exception:
        db.session.rollback()
        discard_unreferenced(new_photos)  # a refused batch leaves no files behind
        raise


def _save(visit: Visit, item, user, decision: Decision, new_photos: list, now: datetime, retry: bool = True) -> Answer:
    try:
        answer = put_answer(visit, item, user, decision, now, new_photos)
        db.session.commit()
    except IntegrityError:
        if not retry:
            raise
        db.session.rollback()  # answered twice at once: save again over the answer that won
        return _save(visit, item, user, decision, new_photos, now, retry=False)
    return answer


def put_answer(visit: Visit, item, user, decision: Decision, now: datetime, new_photos: list = (),
               client_uuid: str | None = None) -> Answer:
    """Make the decision this item's answer inside the caller's transaction (flushed and audited, not committed)."""
    answer = db.session.scalar(select(Answer).where(Answer.visit_id == visit.id, Answer.item_id == item.id))
    before = None
    if answer is None:
        answer = Answer(visit_id=visit.id, item_id=item.id, answered_by_id=user.id, photos=[])  # none yet: no query
        db.session.add(answer)
    else:
        before = {"result": answer.result, "number": answer.number_value, "text": answer.text_value,
                  "note": answer.note, "na_reason": answer.na_reason}
    answer.result, answer.number_value, answer.text_value = decision.result, decision.number_value, decision.text_value
    answer.note, answer.na_reason = decision.note, decision.na_reason
    answer.answered_at, answer.answered_by_id = now, user.id
    if client_uuid is not None:
        answer.client_uuid = client_uuid
    for photo in new_photos:
        photo.answer = answer
        db.session.add(photo)
    db.session.flush()
    record("item_answered" if before is None else "item_answer_changed", answer, site_id=visit.log.site_id,
           item=item.code, result=decision.result, before=before, photos_added=len(new_photos) or None,
           client_uuid=client_uuid)
    return answer
