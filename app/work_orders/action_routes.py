"""Work order actions on the phone: claim, start, finish with an after photo, verify on site."""
from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.auth.guards import get_in_my_sites, role_required
from app.extensions import db
from app.model_helpers import utcnow
from app.patrols.errors import PatrolError
from app.patrols.walk_forms import stamped_ingest
from app.work_orders import bp
from app.work_orders.models import WorkOrder
from app.photos.storage import discard_unreferenced
from app.validation import clean_text
from app.work_orders.transitions import check_transition, reassign, transition

ACTIONS = {"claim", "start", "finish", "verify_pass", "verify_fail"}


def _photo_ingest(order: WorkOrder, user):
    """Photos of the work on an order, stamped with its checkpoint and number."""
    place = f"{order.checkpoint.name_zh} · {order.number}" if order.checkpoint else order.number
    return stamped_ingest(order.site, user, place)


@bp.post("/<int:order_id>/<action>")
@role_required("maintenance", "patroller", "supervisor")
def act(order_id: int, action: str):
    if action not in ACTIONS:
        abort(404)
    order = get_in_my_sites(WorkOrder, order_id)
    note = clean_text(request.form.get("note"), 1000) or None
    uploads = [f for f in request.files.getlist("photos") if f.filename]
    photos = []
    try:
        check_transition(order, action, current_user)  # refuse before any upload is processed
        ingest = _photo_ingest(order, current_user)
        for upload in uploads:
            photos.append(ingest(upload))
        transition(order, action, current_user, utcnow(), note=note, photos=photos,
                   require_photo=action in ("finish", "verify_pass", "verify_fail"))
    except PatrolError as exc:
        db.session.rollback()
        discard_unreferenced(photos)
        flash(exc.message, "error")
        return redirect(url_for("work_orders.detail", order_id=order.id), code=303)
    messages = {"claim": _("Claimed. It is yours now."), "start": _("Work started."),
                "finish": _("Marked done. It now waits for on-site verification."),
                "verify_pass": _("Verified on site: the work order is closed."),
                "verify_fail": _("Verification failed: the work order is reopened for the team.")}
    flash(messages[action], "success")
    return redirect(url_for("work_orders.detail", order_id=order.id), code=303)


@bp.post("/<int:order_id>/reassign")
@role_required("supervisor")
def reassign_order(order_id: int):
    order = get_in_my_sites(WorkOrder, order_id)
    try:
        reassign(order, current_user, utcnow(), request.form.get("team") or None, request.form.get("priority") or None,
                 request.form.get("reason", ""))
    except PatrolError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return redirect(url_for("work_orders.detail", order_id=order.id), code=303)
    flash(_("Work order changed."), "success")
    return redirect(url_for("work_orders.detail", order_id=order.id), code=303)
