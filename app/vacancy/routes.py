"""Vacant units on the phone: the list with what is due, taking and returning keys, starting an upkeep visit,
booking cleaning; the key list with keys out too long."""
from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from marshmallow import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.auth.guards import role_required
from app.extensions import db
from app.i18n import lang
from app.model_helpers import utcnow
from app.patrols.schedules import local_today
from app.sites.models import Building, Unit
import app.units.routes as unit_routes  # the unit page; a module alias, as units and vacancy import each other
from app.units.services import unit_in_site
from app.vacancy import bp
from app.vacancy.due import KEPT_STATUSES, units_due
from app.vacancy.errors import VacancyError
from app.vacancy.keys import LoanRequest, borrow_key, is_late, is_overdue, open_loans_query, overdue_keys, returned_recently, return_key
from app.vacancy.models import KeyLoan
from app.vacancy.schemas import LoanSchema, ReturnSchema
from app.vacancy.upkeep import request_cleaning, start_upkeep, upkeep_for_visit
from app.validation import clean_text, field_errors
from app.web import current_site, page_number

STAFF = ("patroller", "supervisor", "admin")
PER_PAGE = 50
UPKEEP_PURPOSE = "空置房养护"  # the key log's wording for a key taken for an upkeep visit


def _to_utc(local: datetime | None, tz: str) -> datetime | None:
    if local is None:
        return None
    return local.replace(tzinfo=ZoneInfo(tz)).astimezone(timezone.utc).replace(tzinfo=None)


def _loan_request(form, tz: str, purpose: str | None = None) -> LoanRequest:
    values = {key: form.get(key, "") for key in ("borrower_id", "borrower_name", "borrower_phone", "purpose", "expected_return")}
    if purpose and not values["purpose"].strip():
        values["purpose"] = purpose
    data = LoanSchema().load(values)
    return LoanRequest(purpose=clean_text(data["purpose"], 255) or purpose or "", borrower_id=data.get("borrower_id"),
                       borrower_name=clean_text(data.get("borrower_name"), 120) or None,
                       borrower_phone=data.get("borrower_phone"), expected_return_at=_to_utc(data.get("expected_return"), tz))


def _refused(unit: Unit, exc: VacancyError | ValidationError, form: str):
    """The unit page again, the message beside the form that was refused, with the refusal's status."""
    if isinstance(exc, ValidationError):
        errors, status = field_errors(exc), 400
    else:
        errors, status = {exc.field or "form": exc.message}, exc.status
    flash(next(iter(errors.values())), "error")
    return unit_routes.render_unit(unit, status, {f"{form}:{name}": message for name, message in errors.items()} | {"form": form})


@bp.get("/")
@role_required(*STAFF)
def units():
    site, now = current_site(), utcnow()
    query = (select(Unit).join(Building, Unit.building_id == Building.id)
             .where(Building.site_id == site.id, Unit.status.in_(KEPT_STATUSES))
             .options(joinedload(Unit.building)).order_by(Building.code, Unit.floor, Unit.number))
    page = db.paginate(query, page=page_number(), per_page=PER_PAGE, error_out=False)
    ids = [unit.id for unit in page.items]
    loans = {loan.unit_id: loan for loan in db.session.scalars(
        select(KeyLoan).where(KeyLoan.unit_id.in_(ids), KeyLoan.returned_at.is_(None)))} if ids else {}
    due = {unit.id for unit in units_due(site, local_today(site.timezone, now))}
    return render_template("vacancy/units.html", page=page, loans=loans, due=due, now=now, is_overdue=is_overdue)


@bp.post("/units/<int:unit_id>/keys/borrow")
@role_required(*STAFF)
def borrow(unit_id: int):
    site = current_site()
    unit = unit_in_site(unit_id, site.id)
    try:
        loan = borrow_key(unit, site, _loan_request(request.form, site.timezone), current_user, utcnow())
    except (VacancyError, ValidationError) as exc:
        return _refused(unit, exc, "borrow")
    flash(_("Key of %(unit)s lent to %(name)s.", unit=unit.label(lang()), name=loan.borrower_name), "success")
    return redirect(url_for("units.detail", unit_id=unit.id), code=303)


@bp.post("/units/<int:unit_id>/keys/return")
@role_required(*STAFF)
def give_back(unit_id: int):
    site = current_site()
    unit = unit_in_site(unit_id, site.id)
    try:
        data = ReturnSchema().load({"note": request.form.get("note", "")})
        return_key(unit, current_user, clean_text(data.get("note"), 255) or None, utcnow())
    except (VacancyError, ValidationError) as exc:
        return _refused(unit, exc, "return")
    flash(_("Key of %(unit)s is back in the cabinet.", unit=unit.label(lang())), "success")
    return redirect(url_for("units.detail", unit_id=unit.id), code=303)


@bp.post("/units/<int:unit_id>/upkeep")
@role_required("patroller", "supervisor")
def upkeep(unit_id: int):
    """Start the unit's upkeep visit in today's round, taking the key first when the box is ticked."""
    site = current_site()
    unit = unit_in_site(unit_id, site.id)
    try:
        borrow = _loan_request(request.form, site.timezone, UPKEEP_PURPOSE) if request.form.get("borrow") == "1" else None
        visit = start_upkeep(unit, site, current_user, utcnow(), borrow)
    except (VacancyError, ValidationError) as exc:
        return _refused(unit, exc, "upkeep")
    if borrow is not None:
        flash(_("Key taken: return it when you are done."), "info")
    return redirect(url_for("patrols.visit", visit_id=visit.id), code=303)


@bp.post("/units/<int:unit_id>/cleaning")
@role_required("patroller", "supervisor")
def cleaning(unit_id: int):
    site = current_site()
    unit = unit_in_site(unit_id, site.id)
    try:
        order = request_cleaning(unit, site, current_user, clean_text(request.form.get("note"), 500) or None, utcnow())
    except VacancyError as exc:
        return _refused(unit, exc, "cleaning")
    flash(_("Cleaning task %(number)s sent to the cleaning team.", number=order.number), "success")
    return redirect(url_for("units.detail", unit_id=unit.id), code=303)


@bp.get("/keys")
@role_required(*STAFF)
def keys():
    site, now = current_site(), utcnow()
    page = db.paginate(open_loans_query(site.id), page=page_number(), per_page=PER_PAGE, error_out=False)
    return render_template("vacancy/keys.html", page=page, returned=returned_recently(site.id), now=now,
                           overdue=overdue_keys(site.id, now), is_overdue=is_overdue, is_late=is_late)


@bp.app_template_global("upkeep_for_visit")
def upkeep_for_visit_global(visit):
    """For the visit page: what the unit's upkeep plan asks at this visit (None away from unit door labels)."""
    return upkeep_for_visit(visit)


@bp.app_template_global("overdue_keys_now")
def overdue_keys_now():
    """For the supervisor's overview: keys of the current site out more than three days."""
    site = current_site()
    return overdue_keys(site.id, utcnow()) if site else None
