"""Patrol pages: today's rounds, my logs, the site's logs, one log."""
from __future__ import annotations

from flask import render_template, request
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.auth.guards import get_in_my_sites, role_required
from app.extensions import db
from app.model_helpers import utcnow
from app.patrols import bp
from app.patrols.models import Answer, PatrolLog, Visit
from app.patrols.services import due_today, log_page_query
from app.signoff.models import Signature
from app.web import current_site

PER_PAGE = 20


@bp.get("/")
@role_required("patroller", "supervisor")
def today():
    now = utcnow()
    rounds = due_today(current_user, current_site(), now)
    return render_template("patrols/today.html", rounds=rounds, now=now)


@bp.get("/my-logs")
@role_required("patroller", "supervisor")
def history():
    query = log_page_query(current_site().id, user_id=current_user.id)
    page = db.paginate(query, page=request.args.get("page", 1, type=int), per_page=PER_PAGE, error_out=False)
    return render_template("patrols/logs.html", page=page, title_mine=True)


@bp.get("/logs")
@role_required("supervisor", "admin")
def logs():
    status = request.args.get("status") or None
    query = log_page_query(current_site().id, status=status)
    page = db.paginate(query, page=request.args.get("page", 1, type=int), per_page=PER_PAGE, error_out=False)
    return render_template("patrols/logs.html", page=page, title_mine=False, status=status)


@bp.get("/logs/<int:log_id>")
@role_required("patroller", "supervisor", "admin")
def log_detail(log_id: int):
    log = get_in_my_sites(PatrolLog, log_id)
    visits = db.session.scalars(
        select(Visit).where(Visit.log_id == log.id).order_by(Visit.scanned_at)
        .options(
            selectinload(Visit.checkpoint),
            selectinload(Visit.answers).selectinload(Answer.item),
            selectinload(Visit.answers).selectinload(Answer.photos),
        )
    ).all()
    signatures = db.session.scalars(select(Signature).where(Signature.log_id == log.id).order_by(Signature.signed_at)).all()
    return render_template("patrols/log_detail.html", log=log, visits=visits, signatures=signatures)
