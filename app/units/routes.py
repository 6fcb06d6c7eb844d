"""The units register (admins and supervisors keep it) and each unit's page (patrollers too, without owner contact)."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from marshmallow import ValidationError
from sqlalchemy import select

from app.auth.guards import role_required
from app.auth.models import User, user_sites
from app.extensions import db
from app.i18n import lang
from app.model_helpers import utcnow
from app.sites.access import in_current_site
from app.sites.models import UNIT_STATUSES, Building
from app.sites.services import EstateError, buildings_of
from app.units import bp
from app.units.page import unit_page
from app.units.schemas import UnitSchema
from app.units.services import create_unit, unit_in_site, units_query, update_unit
from app.validation import field_errors
from app.vacancy.keys import DEFAULT_LOAN
from app.web import bounded_id, current_site, page_number

KEEPERS = ("admin", "supervisor")  # keep the register and see owners' contact details
READERS = ("admin", "supervisor", "patroller")
PER_PAGE = 50
EDITABLE = ("number", "floor", "area_m2", "status", "owner_name", "owner_phone", "sold_on", "note")


def _form_values() -> dict:
    values = request.form.to_dict()
    values.pop("csrf_token", None)
    return values


def _save(save, values: dict):
    try:
        return save(UnitSchema().load(values)), None
    except ValidationError as exc:
        return None, field_errors(exc)
    except EstateError as exc:
        return None, {exc.field: str(exc.message)}


@bp.get("/")
@role_required(*KEEPERS)
def index():
    site = current_site()
    raw_building = request.args.get("building_id", "")
    building = in_current_site(Building, bounded_id(raw_building)) if raw_building else None
    status = request.args.get("status") if request.args.get("status") in UNIT_STATUSES else None
    query = units_query(site.id, building.id if building else None, status)
    page = db.paginate(query, page=page_number(), per_page=PER_PAGE, error_out=False)
    return render_template("units/index.html", page=page, buildings=buildings_of(site.id), building=building,
                           status=status, statuses=UNIT_STATUSES)


def _form(unit, values: dict, errors: dict):
    return render_template("units/form.html", unit=unit, values=values, errors=errors,
                           buildings=buildings_of(current_site().id), statuses=UNIT_STATUSES), 400 if errors else 200


@bp.route("/new", methods=["GET", "POST"])
@role_required(*KEEPERS)
def new():
    values, errors = {"building_id": request.args.get("building_id", ""), "status": "vacant"}, {}
    if request.method == "POST":
        values = _form_values()
        unit, errors = _save(lambda data: create_unit(current_site(), data, current_user), values)
        if unit is not None:
            flash(_("Unit %(unit)s registered with its door label.", unit=unit.label(lang())), "success")
            return redirect(url_for("units.detail", unit_id=unit.id), code=303)
    return _form(None, values, errors)


@bp.route("/<int:unit_id>/edit", methods=["GET", "POST"])
@role_required(*KEEPERS)
def edit(unit_id: int):
    unit = unit_in_site(unit_id, current_site().id)
    values = {name: getattr(unit, name) for name in EDITABLE} | {"building_id": unit.building_id}
    errors = {}
    if request.method == "POST":
        values = _form_values() | {"building_id": str(unit.building_id)}
        saved, errors = _save(lambda data: update_unit(unit, data, current_user), values)
        if saved is not None:
            flash(_("Unit %(unit)s saved. Its door label still works.", unit=saved.label(lang())), "success")
            return redirect(url_for("units.detail", unit_id=unit.id), code=303)
    return _form(unit, values, errors)


def site_staff(site_id: int, limit: int = 200) -> list[User]:
    """Colleagues who may take a key, by name."""
    return list(db.session.scalars(select(User).join(user_sites, user_sites.c.user_id == User.id)
                                   .where(user_sites.c.site_id == site_id, User.active.is_(True))
                                   .order_by(User.full_name, User.id).limit(limit)))


def render_unit(unit, status: int = 200, errors: dict | None = None):
    """The unit's page; with `errors` (beside the key and visit forms) and the status that refused a form."""
    site, now = current_site(), utcnow()
    data = unit_page(unit, site, now, page_number())
    return render_template("units/detail.html", unit=unit, data=data, permits=data.permits, now=now,
                           owner_visible=current_user.role in KEEPERS, staff=site_staff(site.id),
                           default_return=now + DEFAULT_LOAN, errors=errors or {},
                           values=request.form if errors else {}), status


@bp.get("/<int:unit_id>")
@role_required(*READERS)
def detail(unit_id: int):
    return render_unit(unit_in_site(unit_id, current_site().id))
