"""Supervisor pages: the findings queue (the overview became the dashboard)."""
from __future__ import annotations

from flask import redirect, render_template, request, url_for

from app.auth.guards import role_required
from app.extensions import db
from app.findings import bp
from app.findings.services import queue_query
from app.model_helpers import utcnow
from app.web import current_site, page_number
from app.work_orders.models import TEAM_CODES
from app.work_orders.services import team_for_category
from app.findings.review import history_counts, merge_targets


@bp.get("/")
@role_required("supervisor")
def overview():
    """The supervisor's former home: the dashboard has taken its place (old bookmarks still land there)."""
    return redirect(url_for("dashboard.home"))


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
