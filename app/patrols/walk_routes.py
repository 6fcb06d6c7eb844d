"""Walking a log on the phone: manual code entry, skipping, the checklist of a checkpoint, submitting."""
from __future__ import annotations

from flask import abort, after_this_request, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from app.auth.guards import get_in_my_sites, role_required
from app.checklists.models import ChecklistItem
from app.extensions import db, htmx
from app.i18n import lang
from app.model_helpers import utcnow
from app.patrols import bp
from app.patrols.answering import answer_item
from app.patrols.errors import PatrolError
from app.patrols.models import Answer, PatrolLog, Visit
from app.patrols.submission import submit_log
from app.patrols.walk_forms import ingest_for, location_from, manual_entry, skip_reason
from app.patrols.walking import open_visit, record_location, skip_checkpoint
from app.sites.models import Checkpoint
from app.work_orders.services import awaiting_verification


def _my_visit(visit_id: int) -> Visit:
    visit = db.session.get(Visit, visit_id)
    if visit is None or visit.log.site_id not in current_user.site_ids:
        abort(404)
    return visit


def _keep_loaded_until_response() -> None:
    """The fragment shows what this request just saved: no reading it all back after the commit (until the response)."""
    session = db.session()
    session.expire_on_commit = False

    @after_this_request
    def restore(response):
        session.expire_on_commit = True
        return response


@bp.post("/logs/<int:log_id>/manual")
@role_required("patroller", "supervisor")
def manual(log_id: int):
    log = get_in_my_sites(PatrolLog, log_id)
    try:
        code, reason = manual_entry(request.form)
        checkpoint = db.session.scalar(select(Checkpoint).where(
            Checkpoint.site_id == log.site_id, func.upper(Checkpoint.code) == code))
        if checkpoint is None:
            raise PatrolError(_("No checkpoint has the code %(code)s.", code=code), 404, "code")
        visit = open_visit(log, checkpoint, current_user, "manual", utcnow(), manual_reason=reason)
    except PatrolError as exc:
        flash(exc.message, "error")
        return redirect(url_for("patrols.log_detail", log_id=log.id, _anchor="manual"), code=303)
    return redirect(url_for("patrols.visit", visit_id=visit.id), code=303)


@bp.post("/logs/<int:log_id>/skip/<int:checkpoint_id>")
@role_required("patroller", "supervisor")
def skip(log_id: int, checkpoint_id: int):
    log = get_in_my_sites(PatrolLog, log_id)
    try:
        skip_checkpoint(log, checkpoint_id, current_user, skip_reason(request.form))
        flash(_("Checkpoint skipped; the reason is in the log."), "info")
    except PatrolError as exc:
        flash(exc.message, "error")
    return redirect(url_for("patrols.log_detail", log_id=log.id), code=303)


@bp.post("/logs/<int:log_id>/submit")
@role_required("patroller", "supervisor")
def submit(log_id: int):
    log = get_in_my_sites(PatrolLog, log_id)
    try:
        state = submit_log(log, current_user, utcnow(), lang())
    except PatrolError as exc:
        flash(exc.message, "error")
        return redirect(url_for("patrols.log_detail", log_id=log.id), code=303)
    score = f"{state.score:.0%}" if state.score is not None else "—"
    flash(_("Log %(number)s submitted. Score: %(score)s.", number=log.number, score=score), "success")
    return redirect(url_for("signoff.log", log_id=log.id), code=303)


@bp.get("/visits/<int:visit_id>")
@role_required("patroller", "supervisor", "admin")
def visit(visit_id: int):
    visit = _my_visit(visit_id)
    items = db.session.scalars(select(ChecklistItem).where(ChecklistItem.version_id == visit.template_version_id)
                               .order_by(ChecklistItem.position)).all()
    answers = {a.item_id: a for a in visit.answers}
    return render_template("patrols/visit.html", visit=visit, log=visit.log, items=items, answers=answers,
                           editable=visit.log.status == "in_progress", errors={},
                           to_verify=awaiting_verification(visit.checkpoint_id, current_user))


@bp.get("/visits/<int:visit_id>/items/<int:item_id>")
@role_required("patroller", "supervisor", "admin")
def item_form(visit_id: int, item_id: int):
    """One item's fragment, open for a new answer (the 'change' button), or its page without htmx."""
    visit = _my_visit(visit_id)
    item = db.session.get(ChecklistItem, item_id)
    if item is None or item.version_id != visit.template_version_id:
        abort(404)
    if not htmx:
        return redirect(url_for("patrols.visit", visit_id=visit.id, edit=item.id, _anchor=f"item-{item.id}"))
    answer = db.session.scalar(select(Answer).where(Answer.visit_id == visit.id, Answer.item_id == item.id))
    return render_template("patrols/_item.html", visit=visit, item=item, answer=answer, editing=True, errors={},
                           editable=visit.log.status == "in_progress")


@bp.post("/visits/<int:visit_id>/items/<int:item_id>")
@role_required("patroller", "supervisor")
def answer(visit_id: int, item_id: int):
    visit = _my_visit(visit_id)
    item = db.session.get(ChecklistItem, item_id)
    if item is None:
        abort(404)
    status, errors, values = 200, {}, request.form.to_dict()
    _keep_loaded_until_response()
    try:
        photos = [f for f in request.files.getlist("photos") if f.filename]
        saved = answer_item(visit, item, current_user, values, photos, utcnow(),
                            ingest=ingest_for(visit, current_user) if photos else None)
    except PatrolError as exc:
        db.session.rollback()
        status, errors, saved = exc.status, {exc.field or "form": exc.message}, None
    if not htmx:
        if errors:
            flash(next(iter(errors.values())), "error")
        return redirect(url_for("patrols.visit", visit_id=visit.id, _anchor=f"item-{item.id}"), code=303)
    answer = saved or db.session.scalar(select(Answer).where(Answer.visit_id == visit.id, Answer.item_id == item.id))
    return render_template("patrols/_item.html", visit=visit, item=item, answer=answer, editing=bool(errors),
                           errors=errors, values=values, editable=True), status


@bp.post("/visits/<int:visit_id>/location")
@role_required("patroller", "supervisor")
def location(visit_id: int):
    visit = _my_visit(visit_id)
    coords = location_from(request.form)
    if coords is None:
        return {"status": "ignored"}, 400
    try:
        record_location(visit, visit.checkpoint, current_user, *coords)
    except PatrolError as exc:
        return {"status": "refused", "message": exc.message}, exc.status
    return {"status": "ok", "flags": visit.flags}
