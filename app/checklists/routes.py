"""Checklist templates: the catalogue list, one template's current version."""
from __future__ import annotations

from flask import abort, render_template
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.auth.guards import role_required
from app.checklists import bp
from app.checklists.models import ChecklistTemplate, TemplateVersion
from app.extensions import db


@bp.get("/")
@role_required("admin", "supervisor")
def index():
    items = db.session.scalars(select(ChecklistTemplate).order_by(ChecklistTemplate.id)).all()
    return render_template("checklists/index.html", templates=items)


@bp.get("/<int:template_id>")
@role_required("admin", "supervisor")
def detail(template_id: int):
    template = db.session.get(ChecklistTemplate, template_id) or abort(404)
    version = db.session.scalar(
        select(TemplateVersion).where(TemplateVersion.template_id == template.id)
        .order_by(TemplateVersion.number.desc()).limit(1).options(selectinload(TemplateVersion.items))
    )
    return render_template("checklists/detail.html", template=template, version=version)
