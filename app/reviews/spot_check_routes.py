"""Monthly spot-check pages: draw a month, check each sampled log, sign the results."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from app.auth.guards import role_required
from app.extensions import db, htmx
from app.model_helpers import utcnow
from app.patrols.errors import PatrolError
from app.patrols.schedules import local_today
from app.reviews import bp
from app.reviews.models import SpotCheck
from app.reviews.periods import Month
from app.reviews.spot_checks import check_item, draw_holds, draw_spot_check, load_spot_check, sign_spot_check
from app.signoff.services import verify_signer
from app.web import current_site, page_number


def _index(month: str, errors: dict, status: int = 200):
    query = select(SpotCheck).where(SpotCheck.site_id == current_site().id).order_by(SpotCheck.year.desc(), SpotCheck.month.desc())
    page = db.paginate(query, page=page_number(), per_page=24, error_out=False)
    return render_template("reviews/spot_checks.html", page=page, month=month, errors=errors), status


@bp.get("/spot-checks")
@role_required("supervisor", "admin")
def spot_checks():
    return _index(str(Month.before(local_today(current_site().timezone, utcnow()))), {})


@bp.post("/spot-checks")
@role_required("supervisor")
def draw():
    raw = request.form.get("month", "")
    month = Month.parse(raw)
    if month is None:
        return _index(raw[:7], {"month": _("Choose a month, written like 2026-10.")}, 400)
    try:
        spot = draw_spot_check(current_site(), month, current_user, utcnow())
    except PatrolError as exc:
        db.session.rollback()
        return _index(str(month), {exc.field or "month": exc.message}, exc.status)
    flash(_("%(size)d of %(total)d logs drawn for checking.", size=spot.sample_size, total=spot.population_count), "success")
    return redirect(url_for("reviews.spot_check", spot_id=spot.id), code=303)


def _spot_or_404(spot_id: int) -> SpotCheck:
    spot = load_spot_check(spot_id)
    if spot is None or spot.site_id not in current_user.site_ids:
        abort(404)
    return spot


def _detail(spot: SpotCheck, errors: dict | None = None, status: int = 200, values: dict | None = None):
    return render_template("reviews/spot_check.html", spot=spot, holds=draw_holds(spot), errors=errors or {},
                           values=values or {}), status


@bp.get("/spot-checks/<int:spot_id>")
@role_required("supervisor", "admin")
def spot_check(spot_id: int):
    return _detail(_spot_or_404(spot_id))


@bp.post("/spot-checks/<int:spot_id>/items/<int:item_id>")
@role_required("supervisor")
def check(spot_id: int, item_id: int):
    """Mark one sampled log in order or with a problem; htmx gets the item back (and the signing form once all are done)."""
    spot = _spot_or_404(spot_id)
    errors, status, values = {}, 200, {}
    try:
        check_item(spot, item_id, current_user, request.form.get("result", ""), request.form.get("note"), utcnow())
    except PatrolError as exc:
        db.session.rollback()
        if exc.status == 404:
            abort(404)
        errors, status = {item_id: {exc.field or "form": exc.message}}, exc.status
        values = {item_id: {"result": request.form.get("result"), "note": request.form.get("note", "")}}
    spot = _spot_or_404(spot_id)
    if htmx:
        item = next(i for i in spot.items if i.id == item_id)
        return render_template("reviews/_spot_item_swap.html", spot=spot, item=item, errors=errors, values=values), status
    if errors:
        return _detail(spot, errors, status, values)
    return redirect(url_for("reviews.spot_check", spot_id=spot.id, _anchor=f"item-{item_id}"), code=303)


@bp.post("/spot-checks/<int:spot_id>/sign")
@role_required("supervisor")
def sign_spot(spot_id: int):
    spot = _spot_or_404(spot_id)
    try:
        signer = verify_signer(current_user._get_current_object(), current_user.username, request.form.get("password", ""),
                               request.remote_addr or "-")
        sign_spot_check(spot, signer, utcnow())
    except PatrolError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return _detail(_spot_or_404(spot_id), status=exc.status)
    flash(_("Spot-check signed."), "success")
    return redirect(url_for("reviews.spot_check", spot_id=spot.id), code=303)
