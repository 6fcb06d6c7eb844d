"""The checklist editor: edit the latest items and publish them as a new version; create a template."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from marshmallow import ValidationError

from app.auth.guards import role_required
from app.checklists import bp
from app.checklists.models import ANSWER_TYPES, ITEM_CATEGORIES, METHODS, SEVERITIES, ChecklistTemplate
from app.checklists.routes import template_or_404
from app.checklists.schemas import NEW_ROW, TemplateSchema, VersionSchema, editor_values, load_editor
from app.checklists.services import TemplateError, create_template, publish_edit, rows_of
from app.extensions import db
from app.sites.models import CHECKPOINT_CATEGORIES

BLANK_ROWS, MAX_BLANK_ROWS = 3, 20


def _number_text(value: float | None) -> str:
    if value is None:
        return ""
    return str(int(value)) if float(value).is_integer() else repr(value)


def _row_values(row: dict, position: int) -> dict:
    values = {name: ("" if value is None else value) for name, value in row.items()}
    values.update(position=str(position), min_value=_number_text(row["min_value"]), max_value=_number_text(row["max_value"]),
                  photo_on_fail="1" if row["photo_on_fail"] else "", urgent_if_fail="1" if row["urgent_if_fail"] else "",
                  remove="")
    return values


def _blank_rows(least: int = BLANK_ROWS) -> list[dict]:
    count = min(max(request.args.get("blank", least, type=int), least), MAX_BLANK_ROWS)
    return [dict(NEW_ROW) for _ in range(count)]


def _page(name: str, template: ChecklistTemplate | None, values: dict, errors: dict, status: int = 200):
    return render_template(f"checklists/{name}.html", template=template, values=values, errors=errors,
                           categories=ITEM_CATEGORIES, methods=METHODS, answer_types=ANSWER_TYPES, severities=SEVERITIES,
                           checkpoint_categories=CHECKPOINT_CATEGORIES, more_rows=MAX_BLANK_ROWS), status


@bp.route("/<int:template_id>/edit", methods=["GET", "POST"])
@role_required("admin")
def edit(template_id: int):
    template = template_or_404(template_id)
    if request.method == "GET":
        latest = template.latest_version()
        rows = [_row_values(row, pos) for pos, row in enumerate(rows_of(latest), start=1)]
        values = {"note": "", "base_version": str(latest.number if latest else ""), "items": rows + _blank_rows()}
        return _page("edit", template, values, {})
    values = editor_values(request.form)
    try:
        data = load_editor(values, VersionSchema())
        version = publish_edit(template, data["items"], data["note"], current_user, request.form.get("base_version", type=int))
    except ValidationError as exc:
        return _page("edit", template, values, exc.messages, 400)
    except TemplateError as exc:
        db.session.rollback()
        latest = template.latest_version()
        values["base_version"] = str(latest.number if latest else "")
        return _page("edit", template, values, {exc.field: exc.message}, 409)
    if version is None:
        flash(_("Nothing changed, so no new version was published."), "info")
    else:
        flash(_("Version %(number)d published.", number=version.number), "success")
    return redirect(url_for("checklists.detail", template_id=template.id), code=303)


@bp.route("/new", methods=["GET", "POST"])
@role_required("admin")
def new():
    if request.method == "GET":
        values = {"note": _("First version"), "checkpoint_category": "stairwell", "items": _blank_rows(5)}
        return _page("new", None, values, {})
    values = editor_values(request.form)
    try:
        template = create_template(load_editor(values, TemplateSchema()), current_user)
    except ValidationError as exc:
        return _page("new", None, values, exc.messages, 400)
    except TemplateError as exc:
        db.session.rollback()
        return _page("new", None, values, {exc.field: exc.message}, 400)
    flash(_("Checklist %(name)s created with version 1.", name=template.code), "success")
    return redirect(url_for("checklists.detail", template_id=template.id), code=303)
