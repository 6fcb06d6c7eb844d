"""Supervisor pages: the site overview and the findings queue."""
from __future__ import annotations

from flask import render_template, request
from flask_login import current_user
from sqlalchemy import select

from app.auth.guards import role_required
from app.extensions import db
from app.findings import bp
from app.findings.services import open_counts, queue_query
from app.model_helpers import utcnow
from app.patrols.missed import mark_missed
from app.patrols.services import due_today
from app.web import current_site, page_number
from app.work_orders.models import TEAM_CODES, Team
from app.work_orders.services import counts_by_team, team_for_category
from app.findings.review import history_counts, merge_targets


@bp.get("/")
@role_required("supervisor")
def overview():
    site, now = current_site(), utcnow()
    mark_missed(site, now)
    teams = {t.id: t for t in db.session.scalars(select(Team).where(Team.site_id == site.id))}
    return render_template(
        "findings/overview.html",
        rounds=due_today(current_user, site, now),
        now=now,
        counts=open_counts(site.id),
        team_counts=[(teams[row[0]], row[1], row[2] or 0, row[3] or 0) for row in counts_by_team(site.id, now)],
        latest=db.session.scalars(queue_query(site.id).limit(5)).all(),
    )


@bp.get("/findings")
@role_required("supervisor")
def queue():
    status = request.args.get("status", "open")
    if status not in ("open", "approved", "rejected", "merged"):
        status = "open"
    page = db.paginate(queue_query(current_site().id, status), page=page_number(), per_page=20, error_out=False)
    now = utcnow()
    return render_template("findings/queue.html", page=page, status=status, history=history_counts(page.items, now),
                           targets=merge_targets(page.items) if status == "open" else {}, teams=TEAM_CODES,
                           routed={f.id: team_for_category(f.answer.item.category) for f in page.items})
