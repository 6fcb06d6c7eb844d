"""Duty desk handover pages: the list, writing one, and both staff signing it."""
from __future__ import annotations

from datetime import datetime

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from marshmallow import ValidationError
from sqlalchemy import func, select

from app.auth.guards import get_in_my_sites, role_required
from app.auth.models import User
from app.extensions import db
from app.handover import bp
from app.handover.models import Handover
from app.handover.schemas import LOCAL_FORMAT, load_handover
from app.handover.services import PARTS, create_handover, default_shift, sign_handover, to_local, to_utc
from app.model_helpers import utcnow
from app.patrols.errors import PatrolError
from app.signoff.services import verify_signer
from app.validation import clean_text, field_errors
from app.web import current_site, page_number


@bp.get("/")
@role_required("patroller", "supervisor", "admin")
def index():
    query = select(Handover).where(Handover.site_id == current_site().id).order_by(Handover.created_at.desc(), Handover.id.desc())
    page = db.paginate(query, page=page_number(), per_page=20, error_out=False)
    return render_template("handover/index.html", page=page)


def _form(values: dict, errors: dict, status: int = 200):
    return render_template("handover/new.html", values=values, errors=errors), status


@bp.route("/new", methods=["GET", "POST"])
@role_required("patroller", "supervisor")
def new():
    site = current_site()
    if request.method == "GET":
        starts, ends = default_shift(site, utcnow())
        return _form({"shift_starts": to_local(starts, site.timezone).strftime(LOCAL_FORMAT),
                      "shift_ends": to_local(ends, site.timezone).strftime(LOCAL_FORMAT), "note": ""}, {})
    values = {key: request.form.get(key, "") for key in ("shift_starts", "shift_ends", "note")}
    try:
        data = load_handover(request.form)
        handover = create_handover(site, current_user, to_utc(data["shift_starts"], site.timezone),
                                   to_utc(data["shift_ends"], site.timezone), data["note"], utcnow())
    except ValidationError as exc:
        return _form(values, field_errors(exc), 400)
    except PatrolError as exc:
        db.session.rollback()
        return _form(values, {exc.field or "form": exc.message}, exc.status)
    flash(_("Handover %(number)s written. Now both of you sign it.", number=handover.number), "success")
    return redirect(url_for("handover.detail", handover_id=handover.id), code=303)


def _detail(handover: Handover, status: int = 200):
    return render_template("handover/detail.html", handover=handover, snapshot=handover.snapshot), status


@bp.get("/<int:handover_id>")
@role_required("patroller", "supervisor", "admin")
def detail(handover_id: int):
    return _detail(get_in_my_sites(Handover, handover_id))


@bp.post("/<int:handover_id>/sign/<part>")
@role_required("patroller", "supervisor")
def sign(handover_id: int, part: str):
    """The outgoing or incoming staff signs on this device with their own username and password or PIN."""
    handover = get_in_my_sites(Handover, handover_id)
    if part not in PARTS:
        abort(404)
    username = clean_text(request.form.get("username"), 64).lower()
    person = db.session.scalar(select(User).where(func.lower(User.username) == username)) if username else None
    try:
        signer = verify_signer(person, username, request.form.get("password", ""), request.remote_addr or "-")
        sign_handover(handover, signer, part, utcnow(), request.form.get("remark"))
    except PatrolError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return _detail(get_in_my_sites(Handover, handover_id), exc.status)
    flash(_("%(name)s signed the handover.", name=signer.full_name), "success")
    return redirect(url_for("handover.detail", handover_id=handover.id), code=303)


@bp.app_template_filter("from_iso")
def from_iso(value: str | None):
    """A snapshot's stored ISO time back as a datetime, for the `local` filter."""
    return datetime.fromisoformat(value) if value else None
