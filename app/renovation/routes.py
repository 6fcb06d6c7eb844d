"""Permit pages: the list, the application form, the permit with its history, and the actions on it."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from marshmallow import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import contains_eager

from app.auth.guards import role_required
from app.extensions import db
from app.form_rows import indexed_rows
from app.model_helpers import utcnow
from app.patrols.schedules import local_today
from app.renovation import bp
from app.renovation import documents as docs
from app.renovation import services
from app.renovation.errors import RenovationError
from app.renovation.history import load_permit, progress_note, visit_page
from app.renovation.models import DOCUMENT_KINDS, PermitDocument, RenovationPermit
from app.renovation.notices import unresolved_count
from app.renovation.schemas import (WORKER_FIELDS, ApplicationSchema, ExtensionSchema, RejectionSchema,
                                    application_errors, read_application)
from app.sites.access import in_current_site
from app.sites.models import Building, Unit
from app.validation import field_errors
from app.web import bounded_id, current_site, page_number

READERS = ("supervisor", "admin", "maintenance", "patroller")
DESK = services.DESK
DECIDERS = ("maintenance", "supervisor")
BLANK_WORKER = {name: "" for name in WORKER_FIELDS}


def readable() -> None:
    """403 for the maintenance teams other than engineering."""
    if not services.may_read(current_user):
        abort(403)


def _permit(permit_id: int) -> RenovationPermit:
    readable()
    in_current_site(RenovationPermit, permit_id)
    return load_permit(permit_id)


@bp.get("/")
@role_required(*READERS)
def permits():
    readable()
    site, now = current_site(), utcnow()
    view = request.args.get("view") or ("awaiting" if current_user.role == "maintenance" else "live")
    view = view if view in services.VIEWS else "live"
    page = db.paginate(services.permit_query(site.id, view, now), page=page_number(), per_page=20, error_out=False)
    return render_template("renovation/list.html", page=page, view=view, now=now, today=local_today(site.timezone, now),
                           late=services.late_approvals(site.id, now))


def _units(site) -> list[Unit]:
    return list(db.session.scalars(select(Unit).join(Unit.building).where(Building.site_id == site.id)
                                   .options(contains_eager(Unit.building)).order_by(Building.code, Unit.floor, Unit.number)))


def _form(values: dict, rows: list[dict], errors: dict, status: int = 200):
    return render_template("renovation/form.html", values=values, rows=rows or [dict(BLANK_WORKER)], errors=errors,
                           units=_units(current_site()), kinds=DOCUMENT_KINDS), status


def _edit_rows(form) -> list[dict] | None:
    """Add or remove a worker row (buttons named `rows`): the form comes back, nothing is stored."""
    action = form.get("rows", "")
    if not action:
        return None
    rows = indexed_rows(form, "workers", WORKER_FIELDS)
    if action == "add":
        rows.append(dict(BLANK_WORKER))
    elif action.startswith("remove-") and action[7:].isdigit() and int(action[7:]) < len(rows):
        rows.pop(int(action[7:]))
    return rows


@bp.route("/new", methods=["GET", "POST"])
@role_required(*DESK)
def new():
    if request.method == "GET":
        return _form({"unit_id": request.args.get("unit_id", ""), "document_kind": "application"}, [], {})
    values = request.form.to_dict()
    edited = _edit_rows(request.form)
    if edited is not None:
        return _form(values, edited, {})
    data, positions = read_application(request.form)
    rows = indexed_rows(request.form, "workers", WORKER_FIELDS)
    try:
        loaded = ApplicationSchema().load(data)
        prepared = docs.prepare_all(request.files.getlist("documents"))
        permit = services.apply(current_site(), current_user, loaded, prepared, values.get("document_kind", "application"), utcnow())
    except ValidationError as exc:
        return _form(values, rows, application_errors(exc, positions), 400)
    except RenovationError as exc:
        return _form(values, rows, {exc.field or "form": exc.message}, exc.status)
    flash(_("Application %(number)s recorded. Submit it once every document is attached: that starts the approval clock.",
            number=permit.number), "success")
    return redirect(url_for("renovation.detail", permit_id=permit.id), code=303)


def _detail(permit: RenovationPermit, errors: dict | None = None, status: int = 200):
    now = utcnow()
    visits = visit_page(permit, bounded_id(request.args.get("older_than")) or None)
    return render_template("renovation/detail.html", permit=permit, visits=visits, progress_note=progress_note,
                           errors=errors or {}, values=request.form, now=now, kinds=DOCUMENT_KINDS,
                           today=local_today(permit.site.timezone, now), unresolved=unresolved_count(permit.id),
                           may_decide=services.may_decide(current_user)), status


@bp.get("/<int:permit_id>")
@role_required(*READERS)
def detail(permit_id: int):
    return _detail(_permit(permit_id))


def _done(permit: RenovationPermit, message: str):
    flash(message, "success")
    return redirect(url_for("renovation.detail", permit_id=permit.id), code=303)


def _refused(permit: RenovationPermit, exc):
    """A refused action: the permit page again with the reason and the status (400, 403 or 409)."""
    db.session.rollback()
    permit = load_permit(permit.id)
    if isinstance(exc, ValidationError):
        return _detail(permit, field_errors(exc), 400)
    return _detail(permit, {exc.field or "form": exc.message}, exc.status)


@bp.post("/<int:permit_id>/submit")
@role_required(*DESK)
def submit(permit_id: int):
    permit = _permit(permit_id)
    try:
        services.submit_application(permit, current_user, utcnow())
    except RenovationError as exc:
        return _refused(permit, exc)
    return _done(permit, _("Application submitted: engineering decides within 2 working days."))


@bp.post("/<int:permit_id>/approve")
@role_required(*DECIDERS)
def approve(permit_id: int):
    permit = _permit(permit_id)
    try:
        services.approve(permit, current_user, utcnow())
    except RenovationError as exc:
        return _refused(permit, exc)
    return _done(permit, _("Permit approved: the unit is in the daily renovation round from the start date."))


@bp.post("/<int:permit_id>/reject")
@role_required(*DECIDERS)
def reject(permit_id: int):
    permit = _permit(permit_id)
    try:
        services.reject(permit, current_user, RejectionSchema().load(request.form)["reason"], utcnow())
    except (RenovationError, ValidationError) as exc:
        return _refused(permit, exc)
    return _done(permit, _("Application rejected; the reason is on the permit."))


@bp.post("/<int:permit_id>/withdraw")
@role_required(*DESK)
def withdraw(permit_id: int):
    permit = _permit(permit_id)
    try:
        services.withdraw(permit, current_user, utcnow())
    except RenovationError as exc:
        return _refused(permit, exc)
    return _done(permit, _("Application withdrawn."))


@bp.post("/<int:permit_id>/extend")
@role_required(*DESK)
def extend(permit_id: int):
    permit = _permit(permit_id)
    try:
        data = ExtensionSchema().load(request.form)
        services.extend(permit, current_user, data["new_end"], data["reason"], utcnow())
    except (RenovationError, ValidationError) as exc:
        return _refused(permit, exc)
    return _done(permit, _("Permit extended to %(end)s.", end=data["new_end"].isoformat()))


@bp.post("/<int:permit_id>/complete")
@role_required(*DESK)
def complete(permit_id: int):
    permit = _permit(permit_id)
    try:
        services.request_completion(permit, current_user, utcnow())
    except RenovationError as exc:
        return _refused(permit, exc)
    return _done(permit, _("Completion recorded: the unit is in the renovation round for its initial acceptance."))


@bp.post("/<int:permit_id>/documents")
@role_required(*DESK)
def add_documents(permit_id: int):
    permit = _permit(permit_id)
    try:
        prepared = docs.prepare_all(request.files.getlist("documents"))
        if not prepared:
            raise RenovationError(_("Choose the files to attach."), 400, "documents")
        services.add_documents(permit, current_user, prepared, request.form.get("document_kind", ""))
    except RenovationError as exc:
        return _refused(permit, exc)
    return _done(permit, _("Documents attached."))


@bp.get("/<int:permit_id>/documents/<int:document_id>")
@role_required(*READERS)
def document(permit_id: int, document_id: int):
    permit = _permit(permit_id)
    found = db.session.get(PermitDocument, document_id)
    if found is None or found.permit_id != permit.id:
        abort(404)
    return docs.send(found)
