"""Patrol pages: today's rounds, starting one, my logs, the site's logs, one log."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.auth.guards import get_in_my_sites, role_required
from app.extensions import db
from app.i18n import lang
from app.model_helpers import utcnow
from app.patrols import bp
from app.patrols.errors import PatrolError
from app.patrols.models import Answer, PatrolLog, Round, Visit
from app.patrols import site_rounds
from app.patrols.services import due_today, log_page_query
from app.patrols.submission import progress
from app.patrols.walking import assigned_to, open_visit, start_round
from app.signoff.amendments import effective_changes
from app.signoff.models import Signature
from app.sites.services import lookup_token
from app.web import current_site, page_number

PER_PAGE = 20
LOG_FILTERS = ("in_progress", "submitted", "signed", "reviewed", "returned", "amending", "missed")


@bp.get("/")
@role_required("patroller", "supervisor")
def today():
    now = utcnow()  # windows passed without a log show as missed (DueRound.state); cron and the dashboard record them
    site_rounds.refresh_all(current_site(), now)  # today's renovation units and due upkeep visits
    db.session.commit()
    rounds = due_today(current_user, current_site(), now)
    corrections = db.session.scalars(
        select(PatrolLog).where(PatrolLog.site_id == current_site().id, PatrolLog.started_by_id == current_user.id,
                                PatrolLog.status.in_(("returned", "amending")))
        .order_by(PatrolLog.local_date.desc()).limit(20).options(selectinload(PatrolLog.round))).all()
    return render_template("patrols/today.html", rounds=rounds, now=now, corrections=corrections)


@bp.post("/rounds/<int:round_id>/start")
@role_required("patroller", "supervisor")
def start(round_id: int):
    round_ = get_in_my_sites(Round, round_id)
    try:
        log = start_round(current_user, round_, utcnow())
        token = request.form.get("token")
        if token:  # started from a scanned label: go straight to that checkpoint
            found = lookup_token(token)
            if found.checkpoint is None or found.replaced or found.checkpoint.site_id != log.site_id:
                raise PatrolError(_("This label is not valid any more. Scan it again."), 404)
            visit = open_visit(log, found.checkpoint, current_user, "link", utcnow())
            return redirect(url_for("patrols.visit", visit_id=visit.id), code=303)
    except PatrolError as exc:
        flash(exc.message, "error")
        return redirect(url_for("patrols.today"), code=303)
    return redirect(url_for("patrols.log_detail", log_id=log.id), code=303)


@bp.get("/my-logs")
@role_required("patroller", "supervisor")
def history():
    query = log_page_query(current_site().id, user_id=current_user.id)
    page = db.paginate(query, page=page_number(), per_page=PER_PAGE, error_out=False)
    return render_template("patrols/logs.html", page=page, title_mine=True)


@bp.get("/logs")
@role_required("supervisor", "admin")
def logs():
    status = request.args.get("status") if request.args.get("status") in LOG_FILTERS else None
    query = log_page_query(current_site().id, status=status)
    page = db.paginate(query, page=page_number(), per_page=PER_PAGE, error_out=False)
    return render_template("patrols/logs.html", page=page, title_mine=False, status=status, filters=LOG_FILTERS)


@bp.get("/logs/<int:log_id>")
@role_required("patroller", "supervisor", "admin")
def log_detail(log_id: int):
    log = get_in_my_sites(PatrolLog, log_id)
    if log.status == "in_progress" and assigned_to(current_user, log.round):
        return render_template("patrols/walk.html", log=log, state=progress(log, lang()))
    visits = db.session.scalars(
        select(Visit).where(Visit.log_id == log.id).order_by(Visit.scanned_at)
        .options(
            selectinload(Visit.checkpoint),
            selectinload(Visit.answers).selectinload(Answer.item),
            selectinload(Visit.answers).selectinload(Answer.photos),
        )
    ).all()
    signatures = db.session.scalars(select(Signature).where(Signature.log_id == log.id).order_by(Signature.signed_at)).all()
    state = progress(log, lang()) if log.number else None
    return render_template("patrols/log_detail.html", log=log, visits=visits, signatures=signatures, state=state,
                           corrected=effective_changes(log))
