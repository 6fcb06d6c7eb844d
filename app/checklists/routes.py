"""Checklist templates: the catalogue list, one template with its version history, any version, retiring."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.auth.guards import role_required
from app.checklists import bp
from app.checklists.models import ChecklistTemplate, TemplateVersion
from app.checklists.services import set_template_active, version_history
from app.extensions import db


def template_or_404(template_id: int) -> ChecklistTemplate:
    return db.session.get(ChecklistTemplate, template_id) or abort(404)


def _version(template: ChecklistTemplate, number: int | None = None) -> TemplateVersion | None:
    query = select(TemplateVersion).where(TemplateVersion.template_id == template.id).options(selectinload(TemplateVersion.items))
    if number is None:
        return db.session.scalar(query.order_by(TemplateVersion.number.desc()).limit(1))
    return db.session.scalar(query.where(TemplateVersion.number == number))


@bp.get("/")
@role_required("admin", "supervisor")
def index():
    items = db.session.scalars(select(ChecklistTemplate).order_by(ChecklistTemplate.active.desc(), ChecklistTemplate.id)).all()
    return render_template("checklists/index.html", templates=items)


@bp.get("/<int:template_id>")
@role_required("admin", "supervisor")
def detail(template_id: int):
    template = template_or_404(template_id)
    return render_template("checklists/detail.html", template=template, version=_version(template),
                           history=version_history(template))


@bp.get("/<int:template_id>/versions/<int:number>")
@role_required("admin", "supervisor")
def version(template_id: int, number: int):
    template = template_or_404(template_id)
    shown = _version(template, number) or abort(404)
    latest = template.latest_version()
    return render_template("checklists/version.html", template=template, version=shown, latest=latest)


@bp.post("/<int:template_id>/active")
@role_required("admin")
def active(template_id: int):
    template = template_or_404(template_id)
    set_template_active(template, request.form.get("active") == "1", current_user)
    flash(_("Checklist reactivated.") if template.active else _("Checklist retired. Rounds that use it keep it."), "success")
    return redirect(url_for("checklists.detail", template_id=template.id), code=303)
