"""Admin screens for rounds: ordered checkpoints, template per checkpoint, schedule, assignees."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from marshmallow import ValidationError
from sqlalchemy.orm import selectinload

from app.auth.guards import get_in_my_sites, role_required
from app.extensions import db
from app.i18n import lang
from app.patrols import rounds_bp as bp
from app.patrols.models import SCHEDULE_KINDS, Round, RoundCheckpoint
from app.patrols.round_schemas import StopSchema, load_round, round_form_values
from app.patrols.round_services import (
    RoundError, active_templates, add_stop, checkpoints_to_add, move_stop, remove_stop, round_description, save_round,
    set_round_active, site_patrollers, site_rounds, site_teams, stop_counts, weekday_list, weekday_names,
)
from app.validation import field_errors
from app.web import current_site, page_number

BLANK_WINDOWS = 2


def _round_or_404(round_id: int) -> Round:
    return get_in_my_sites(Round, round_id)


def _values_of(round_: Round | None) -> dict:
    """Form values for a new round (one blank window) or an existing one (its windows and two blank rows)."""
    blank = {"starts": "", "ends": "", "label_zh": "", "label_en": ""}
    if round_ is None:
        return {"schedule_kind": "daily", "weekdays": [], "assignee_ids": [], "windows": [dict(blank) for _ in range(3)]}
    windows = [{"starts": f"{w.starts:%H:%M}", "ends": f"{w.ends:%H:%M}", "label_zh": w.label_zh or "",
                "label_en": w.label_en or ""} for w in round_.windows]
    return {
        "name_zh": round_.name_zh, "name_en": round_.name_en, "schedule_kind": round_.schedule_kind,
        "weekdays": [str(day) for day in weekday_list(round_.weekdays)], "month_day": str(round_.month_day or ""),
        "assignee_ids": [str(user.id) for user in round_.assignees], "team_id": str(round_.assigned_team_id or ""),
        "windows": windows + [dict(blank) for _ in range(BLANK_WINDOWS)],
    }


def _form(round_: Round | None, site_id: int, values: dict, errors: dict, status: int = 200):
    return render_template("rounds/form.html", round=round_, values=values, errors=errors, kinds=SCHEDULE_KINDS,
                           days=weekday_names(lang()), patrollers=site_patrollers(site_id), teams=site_teams(site_id)), status


def _submit(round_: Round | None, site_id: int):
    values = round_form_values(request.form)
    try:
        saved = save_round(site_id, load_round(values), current_user, round_)
    except ValidationError as exc:
        return _form(round_, site_id, values, field_errors(exc), 400)
    except RoundError as exc:
        db.session.rollback()
        return _form(round_, site_id, values, {exc.field: exc.message}, 400)
    flash(_("Round saved: %(name)s", name=saved.name(lang())), "success")
    return redirect(url_for("rounds.stops" if round_ is None else "rounds.index", round_id=saved.id), code=303)


@bp.get("/")
@role_required("admin")
def index():
    site = current_site()
    query = site_rounds(site.id).options(selectinload(Round.windows), selectinload(Round.assignees))
    page = db.paginate(query, page=page_number(), per_page=50, error_out=False)
    counts = stop_counts([r.id for r in page.items])
    teams = {team.id: team for team in site_teams(site.id)}
    described = {r.id: round_description(r, lang()) for r in page.items}
    return render_template("rounds/index.html", page=page, counts=counts, teams=teams, described=described)


@bp.route("/new", methods=["GET", "POST"])
@role_required("admin")
def new():
    site_id = current_site().id
    if request.method == "POST":
        return _submit(None, site_id)
    return _form(None, site_id, _values_of(None), {})


@bp.route("/<int:round_id>/edit", methods=["GET", "POST"])
@role_required("admin")
def edit(round_id: int):
    round_ = _round_or_404(round_id)
    if request.method == "POST":
        return _submit(round_, round_.site_id)
    return _form(round_, round_.site_id, _values_of(round_), {})


@bp.post("/<int:round_id>/active")
@role_required("admin")
def active(round_id: int):
    round_ = _round_or_404(round_id)
    set_round_active(round_, request.form.get("active") == "1", current_user)
    flash(_("Round reactivated.") if round_.active else _("Round retired. Its logs are kept."), "success")
    return redirect(url_for("rounds.index"), code=303)


def _stops_page(round_: Round, errors: dict, status: int = 200, values: dict | None = None):
    stops = db.session.scalars(
        db.select(RoundCheckpoint).where(RoundCheckpoint.round_id == round_.id).order_by(RoundCheckpoint.position)
        .options(selectinload(RoundCheckpoint.checkpoint), selectinload(RoundCheckpoint.template))
    ).all()
    return render_template("rounds/stops.html", round=round_, stops=stops, checkpoints=checkpoints_to_add(round_),
                           templates=active_templates(), errors=errors, values=values or {}), status


@bp.get("/<int:round_id>/stops")
@role_required("admin")
def stops(round_id: int):
    return _stops_page(_round_or_404(round_id), {})


@bp.post("/<int:round_id>/stops")
@role_required("admin")
def stop_add(round_id: int):
    round_ = _round_or_404(round_id)
    values = {key: request.form.get(key, "") for key in ("checkpoint_id", "template_id")}
    try:
        data = StopSchema().load(values)
        add_stop(round_, data["checkpoint_id"], data["template_id"], current_user)
    except ValidationError as exc:
        return _stops_page(round_, field_errors(exc), 400, values)
    except RoundError as exc:
        db.session.rollback()
        return _stops_page(round_, {exc.field: exc.message}, 400, values)
    flash(_("Stop added."), "success")
    return redirect(url_for("rounds.stops", round_id=round_.id), code=303)


def _stop_or_404(round_: Round, stop_id: int) -> RoundCheckpoint:
    stop = db.session.get(RoundCheckpoint, stop_id)
    if stop is None or stop.round_id != round_.id:
        abort(404)
    return stop


@bp.post("/<int:round_id>/stops/<int:stop_id>/remove")
@role_required("admin")
def stop_remove(round_id: int, stop_id: int):
    round_ = _round_or_404(round_id)
    remove_stop(round_, _stop_or_404(round_, stop_id), current_user)
    flash(_("Stop removed. Logs already made keep what they recorded."), "success")
    return redirect(url_for("rounds.stops", round_id=round_.id), code=303)


@bp.post("/<int:round_id>/stops/<int:stop_id>/move")
@role_required("admin")
def stop_move(round_id: int, stop_id: int):
    round_ = _round_or_404(round_id)
    direction = request.form.get("direction")
    if direction not in ("up", "down"):
        abort(400)
    move_stop(round_, _stop_or_404(round_, stop_id), direction, current_user)
    return redirect(url_for("rounds.stops", round_id=round_.id, _anchor=f"stop-{stop_id}"), code=303)
