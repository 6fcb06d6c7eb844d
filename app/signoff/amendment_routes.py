"""Correcting a locked log: open a correction, change answers, submit it for signing; a supervisor returns a log."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.auth.guards import get_in_my_sites, role_required
from app.extensions import db
from app.model_helpers import utcnow
from app.patrols.errors import PatrolError
from app.patrols.models import Answer, PatrolLog, Visit
from app.signoff import bp
from app.signoff.amendments import (change_answer, drop_change, effective_changes, open_amendment, return_for_correction,
                                    start_amendment, submit_amendment, withdraw_amendment)


def _back(log_id: int, endpoint: str = "signoff.amendment", **anchor):
    return redirect(url_for(endpoint, log_id=log_id, **anchor), code=303)


def _refused(exc: PatrolError, log_id: int, endpoint: str = "signoff.amendment"):
    db.session.rollback()
    flash(exc.message, "error")
    return _back(log_id, endpoint)


@bp.post("/logs/<int:log_id>/amend")
@role_required("patroller", "supervisor")
def amend(log_id: int):
    log = get_in_my_sites(PatrolLog, log_id)
    try:
        start_amendment(log, current_user, utcnow())
    except PatrolError as exc:
        return _refused(exc, log.id, "signoff.log")
    return _back(log.id)


@bp.post("/logs/<int:log_id>/return")
@role_required("supervisor")
def return_log(log_id: int):
    log = get_in_my_sites(PatrolLog, log_id)
    try:
        amendment = return_for_correction(log, current_user, request.form.get("note", ""), utcnow())
    except PatrolError as exc:
        return _refused(exc, log.id, "signoff.log")
    flash(_("Log %(number)s returned to %(name)s for correction %(amendment)d.", number=log.number,
            name=log.started_by.full_name, amendment=amendment.number), "success")
    return _back(log.id, "signoff.log")


@bp.get("/logs/<int:log_id>/amendment")
@role_required("patroller", "supervisor")
def amendment(log_id: int):
    """Every answer as it stands, each with a form to correct it, and the correction's reason."""
    log = get_in_my_sites(PatrolLog, log_id)
    current = open_amendment(log)
    if current is None or current.status != "open" or current_user.id != log.started_by_id:
        return _back(log.id, "signoff.log")
    visits = db.session.scalars(select(Visit).where(Visit.log_id == log.id).order_by(Visit.scanned_at).options(
        selectinload(Visit.checkpoint), selectinload(Visit.answers).selectinload(Answer.item))).all()
    standing = {answer_id: change for answer_id, (change, _number) in effective_changes(log).items()}
    drafts = {change.answer_id: change for change in current.changes}
    return render_template("signoff/amend.html", log=log, amendment=current, visits=visits, standing=standing,
                           drafts=drafts)


@bp.post("/logs/<int:log_id>/amendment/answers/<int:answer_id>")
@role_required("patroller", "supervisor")
def amend_answer(log_id: int, answer_id: int):
    log = get_in_my_sites(PatrolLog, log_id)
    try:
        change = change_answer(log, answer_id, current_user, request.form, utcnow())
    except PatrolError as exc:
        return _refused(exc, log.id)
    flash(_("Correction saved.") if change else _("Same as the recorded answer: nothing to correct."), "success")
    return _back(log.id, _anchor=f"answer-{answer_id}")


@bp.post("/logs/<int:log_id>/amendment/answers/<int:answer_id>/undo")
@role_required("patroller", "supervisor")
def undo_answer(log_id: int, answer_id: int):
    log = get_in_my_sites(PatrolLog, log_id)
    try:
        drop_change(log, answer_id, current_user)
    except PatrolError as exc:
        return _refused(exc, log.id)
    return _back(log.id, _anchor=f"answer-{answer_id}")


@bp.post("/logs/<int:log_id>/amendment/submit")
@role_required("patroller", "supervisor")
def submit_correction(log_id: int):
    log = get_in_my_sites(PatrolLog, log_id)
    try:
        submitted = submit_amendment(log, current_user, request.form.get("reason", ""), utcnow())
    except PatrolError as exc:
        return _refused(exc, log.id)
    flash(_("Correction %(number)d submitted: sign it, then a colleague signs.", number=submitted.number), "success")
    return _back(log.id, "signoff.log")


@bp.post("/logs/<int:log_id>/amendment/withdraw")
@role_required("patroller", "supervisor")
def withdraw(log_id: int):
    log = get_in_my_sites(PatrolLog, log_id)
    try:
        withdraw_amendment(log, current_user, utcnow())
    except PatrolError as exc:
        return _refused(exc, log.id)
    flash(_("Correction withdrawn."), "success")
    return _back(log.id, "signoff.log")
