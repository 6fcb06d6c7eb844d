"""Work order lists: a maintenance team's tasks, and the site's board for supervisors."""
from __future__ import annotations

from flask import abort, render_template, request
from flask_login import current_user

from app.auth.guards import get_in_my_sites, role_required
from app.extensions import db
from app.model_helpers import utcnow
from app.web import current_site, page_number
from app.work_orders import bp
from app.work_orders.models import WorkOrder
from app.work_orders.services import open_query, story


@bp.get("/")
@role_required("maintenance")
def my_team():
    page = db.paginate(open_query(current_site().id, current_user.team_id), page=page_number(), per_page=20, error_out=False)
    return render_template("work_orders/list.html", page=page, now=utcnow(), team=current_user.team)


@bp.get("/board")
@role_required("supervisor", "admin")
def board():
    page = db.paginate(open_query(current_site().id), page=page_number(), per_page=20, error_out=False)
    return render_template("work_orders/list.html", page=page, now=utcnow(), team=None)


@bp.get("/<int:order_id>")
@role_required("maintenance", "patroller", "supervisor", "admin")
def detail(order_id: int):
    order = get_in_my_sites(WorkOrder, order_id)
    if current_user.role == "maintenance" and order.team_id != current_user.team_id:
        abort(404)
    return render_template("work_orders/detail.html", order=order, now=utcnow(), **story(order))
