"""Admin screens for buildings and checkpoints. Admins change them; supervisors may look."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from marshmallow import ValidationError

from app.auth.guards import role_required
from app.extensions import db
from app.sites import bp
from app.sites.access import READERS, in_current_site
from app.sites.labels import qr_payload
from app.sites.models import CHECKPOINT_CATEGORIES, Building, Checkpoint
from app.sites.schemas import BuildingSchema, CheckpointSchema
from app.sites.services import (OUTDOOR, EstateError, buildings_of, checkpoints_of, create_building, create_checkpoint,
                                rotate_token, set_checkpoint_active, update_building, update_checkpoint)
from app.validation import clean_text, field_errors
from app.web import bounded_id, current_site, page_number

PER_PAGE = 50


def _form_values() -> dict:
    values = request.form.to_dict()
    values.pop("csrf_token", None)
    return values


def _save(schema, save, values: dict):
    """Validate and save; returns (record, None) or (None, errors beside the fields)."""
    try:
        return save(schema.load(values)), None
    except ValidationError as exc:
        return None, field_errors(exc)
    except EstateError as exc:
        return None, {exc.field: str(exc.message)}


# Buildings

@bp.get("/buildings")
@role_required(*READERS)
def buildings():
    return render_template("sites/buildings.html", buildings=buildings_of(current_site().id), outdoor=OUTDOOR)


@bp.route("/buildings/new", methods=["GET", "POST"])
@role_required("admin")
def building_new():
    values, errors = {"floors_above": "1", "floors_below": "0"}, {}
    if request.method == "POST":
        values = _form_values()
        building, errors = _save(BuildingSchema(), lambda data: create_building(current_site(), data, current_user), values)
        if building is not None:
            flash(_("Building %(code)s added.", code=building.code), "success")
            return redirect(url_for("sites.buildings"), code=303)
    return render_template("sites/building_form.html", building=None, values=values, errors=errors), 400 if errors else 200


@bp.route("/buildings/<int:building_id>/edit", methods=["GET", "POST"])
@role_required("admin")
def building_edit(building_id: int):
    building = in_current_site(Building, building_id)
    values, errors = {name: getattr(building, name) for name in ("code", "name_zh", "name_en", "floors_above", "floors_below")}, {}
    if request.method == "POST":
        values = _form_values()
        saved, errors = _save(BuildingSchema(), lambda data: update_building(building, data, current_user), values)
        if saved is not None:
            flash(_("Building %(code)s saved.", code=saved.code), "success")
            return redirect(url_for("sites.buildings"), code=303)
    return render_template("sites/building_form.html", building=building, values=values, errors=errors), 400 if errors else 200


# Checkpoints

@bp.get("/checkpoints")
@role_required(*READERS)
def checkpoints():
    site = current_site()
    building_id = request.args.get("building_id", "")
    if building_id not in ("", OUTDOOR):
        building_id = in_current_site(Building, bounded_id(building_id)).id
    search = clean_text(request.args.get("q"), 64)  # no NUL or control characters reach the query
    query = checkpoints_of(site.id, building_id or None, search or None)
    page = db.paginate(query, page=page_number(), per_page=PER_PAGE, error_out=False)
    return render_template("sites/checkpoints.html", page=page, buildings=buildings_of(site.id),
                           building_id=str(building_id), search=search, outdoor=OUTDOOR)


def _checkpoint_form(checkpoint: Checkpoint | None, values: dict, errors: dict, site_id: int):
    return render_template("sites/checkpoint_form.html", checkpoint=checkpoint, values=values, errors=errors,
                           buildings=buildings_of(site_id), categories=CHECKPOINT_CATEGORIES), 400 if errors else 200


@bp.route("/checkpoints/new", methods=["GET", "POST"])
@role_required("admin")
def checkpoint_new():
    site = current_site()
    values, errors = {"building_id": request.args.get("building_id", "")}, {}
    if request.method == "POST":
        values = _form_values()
        checkpoint, errors = _save(CheckpointSchema(), lambda data: create_checkpoint(site, data, current_user), values)
        if checkpoint is not None:
            flash(_("Checkpoint %(code)s added. Print its label from this page.", code=checkpoint.code), "success")
            return redirect(url_for("sites.checkpoint_detail", checkpoint_id=checkpoint.id), code=303)
    return _checkpoint_form(None, values, errors, site.id)


@bp.get("/checkpoints/<int:checkpoint_id>")
@role_required(*READERS)
def checkpoint_detail(checkpoint_id: int):
    checkpoint = in_current_site(Checkpoint, checkpoint_id)
    return render_template("sites/checkpoint_detail.html", checkpoint=checkpoint, payload=qr_payload(checkpoint), outdoor=OUTDOOR)


@bp.route("/checkpoints/<int:checkpoint_id>/edit", methods=["GET", "POST"])
@role_required("admin")
def checkpoint_edit(checkpoint_id: int):
    checkpoint = in_current_site(Checkpoint, checkpoint_id)
    values = {name: getattr(checkpoint, name) for name in ("code", "name_zh", "name_en", "category", "building_id",
                                                            "floor", "latitude", "longitude")}
    errors = {}
    if request.method == "POST":
        values = _form_values()
        saved, errors = _save(CheckpointSchema(), lambda data: update_checkpoint(checkpoint, data, current_user), values)
        if saved is not None:
            flash(_("Checkpoint %(code)s saved. Its printed label still works.", code=saved.code), "success")
            return redirect(url_for("sites.checkpoint_detail", checkpoint_id=checkpoint.id), code=303)
    return _checkpoint_form(checkpoint, values, errors, checkpoint.site_id)


@bp.post("/checkpoints/<int:checkpoint_id>/active")
@role_required("admin")
def checkpoint_active(checkpoint_id: int):
    checkpoint = in_current_site(Checkpoint, checkpoint_id)
    active = request.form.get("active")
    if active not in ("0", "1"):
        abort(400)
    set_checkpoint_active(checkpoint, active == "1", current_user)
    flash(_("Checkpoint reactivated.") if active == "1" else _("Checkpoint retired. Its history is kept."), "success")
    return redirect(url_for("sites.checkpoint_detail", checkpoint_id=checkpoint.id), code=303)


@bp.route("/checkpoints/<int:checkpoint_id>/rotate", methods=["GET", "POST"])
@role_required("admin")
def checkpoint_rotate(checkpoint_id: int):
    checkpoint = in_current_site(Checkpoint, checkpoint_id)
    if request.method == "GET":
        return render_template("sites/checkpoint_rotate.html", checkpoint=checkpoint)
    rotate_token(checkpoint, actor=current_user)
    flash(_("New label issued. Labels printed before now no longer work: print the new one and replace the old."), "success")
    return redirect(url_for("sites.checkpoint_detail", checkpoint_id=checkpoint.id), code=303)
