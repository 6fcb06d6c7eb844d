"""Upkeep plans (admins and supervisors) and the site's season months (admins)."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from marshmallow import ValidationError

from app.auth.guards import role_required
from app.extensions import db
from app.form_rows import row_errors
from app.i18n import lang
from app.model_helpers import utcnow
from app.patrols.schedules import local_today
from app.sites.models import SEASONS
from app.vacancy import bp
from app.vacancy.due import checklist_items
from app.vacancy.errors import VacancyError
from app.vacancy.models import FREQUENCIES, ITEM_SEASONS
from app.vacancy.plans import (plan_in_site, plannable_units, plans_query, save_plan, save_seasons, season_months,
                               unit_counts)
from app.vacancy.schedule import DEFAULT_SEASON_MONTHS
from app.vacancy.schemas import PlanSchema, plan_form
from app.validation import field_errors
from app.web import current_site, page_number

PLANNERS = ("admin", "supervisor")


@bp.get("/plans")
@role_required(*PLANNERS)
def plans():
    page = db.paginate(plans_query(current_site().id), page=page_number(), per_page=20, error_out=False)
    return render_template("vacancy/plans.html", page=page, counts=unit_counts([p.id for p in page.items]))


def _plan_or_404(plan_id: int):
    return plan_in_site(plan_id, current_site().id) or abort(404)


@bp.get("/plans/<int:plan_id>")
@role_required(*PLANNERS)
def plan(plan_id: int):
    return render_template("vacancy/plan.html", plan=_plan_or_404(plan_id))


def _item_rows(values: dict) -> list[dict]:
    """One row per checklist item, filled from the posted or stored items."""
    chosen = {item["code"]: item for item in values.get("items", [])}
    rows = []
    for entry in checklist_items():
        code, item = entry.code, chosen.get(entry.code)
        rows.append({"code": code, "text": entry.text(lang()), "on": item is not None, "frequency": (item or {}).get("frequency", "monthly"),
                     "season": (item or {}).get("season", "all_year"), "measure": (item or {}).get("measure") or ""})
    return rows


def _plan_form(plan, values: dict, errors: dict, status: int = 200):
    chosen = {int(i) for i in values.get("unit_ids", []) if str(i).isdigit() and len(str(i)) < 10}
    items = {row["code"]: row for row in _item_rows(values)}
    return render_template("vacancy/plan_form.html", plan=plan, values=values, errors=errors, chosen=chosen,
                           units=plannable_units(current_site().id, chosen), rows=list(items.values()),
                           frequencies=FREQUENCIES, seasons=ITEM_SEASONS), status


def _submit(plan):
    values, positions = plan_form(request.form)
    try:
        saved = save_plan(current_site(), PlanSchema().load(values), current_user, plan)
    except ValidationError as exc:
        messages = exc.messages if isinstance(exc.messages, dict) else {"form": exc.messages}
        errors = field_errors(ValidationError({k: v for k, v in messages.items() if k != "items"}))
        if "items" in messages:
            errors |= row_errors(messages["items"], "items", positions)
        return _plan_form(plan, values, errors, 400)
    except VacancyError as exc:
        db.session.rollback()
        return _plan_form(plan, values, {exc.field or "form": exc.message}, exc.status)
    flash(_("Upkeep plan saved: %(name)s", name=saved.name), "success")
    return redirect(url_for("vacancy.plan", plan_id=saved.id), code=303)


@bp.route("/plans/new", methods=["GET", "POST"])
@role_required(*PLANNERS)
def plan_new():
    if request.method == "POST":
        return _submit(None)
    year = local_today(current_site().timezone, utcnow()).year
    chosen = [value for value in request.args.getlist("unit_id") if value.isdigit() and len(value) < 10]
    return _plan_form(None, {"year": year, "active": "1", "unit_ids": chosen, "items": []}, {})


@bp.route("/plans/<int:plan_id>/edit", methods=["GET", "POST"])
@role_required(*PLANNERS)
def plan_edit(plan_id: int):
    plan = _plan_or_404(plan_id)
    if request.method == "POST":
        return _submit(plan)
    values = {"name": plan.name, "year": plan.year, "budget_yuan": plan.budget_yuan, "note": plan.note,
              "active": "1" if plan.active else "", "unit_ids": [u.id for u in plan.units],
              "items": [{"code": i.item_code, "frequency": i.frequency, "season": i.season, "measure": i.measure}
                        for i in plan.items]}
    return _plan_form(plan, values, {})


def _season_form(months: dict, errors: dict, status: int = 200):
    return render_template("vacancy/seasons.html", months=months, defaults=DEFAULT_SEASON_MONTHS, seasons=SEASONS,
                           errors=errors), status


@bp.route("/seasons", methods=["GET", "POST"])
@role_required("admin")
def seasons():
    site = current_site()
    stored = season_months(site.id)
    if request.method == "GET":
        return _season_form({s: stored[s] if stored[s] is not None else DEFAULT_SEASON_MONTHS[s] for s in SEASONS}, {})
    months, errors = {}, {}
    for season in SEASONS:
        raw = request.form.getlist(season)
        if not all(value.isdigit() and len(value) <= 2 and 1 <= int(value) <= 12 for value in raw):
            errors[season] = _("Choose months from January to December.")
            raw = []
        months[season] = sorted({int(value) for value in raw})
    if errors:
        return _season_form(months, errors, 400)
    save_seasons(site, months, current_user)
    flash(_("Season months saved. Seasonal upkeep items follow them from today."), "success")
    return redirect(url_for("vacancy.seasons"), code=303)
