"""Read endpoints: sites, buildings, checkpoints, checklist templates. Session sign-in required."""
from __future__ import annotations

from functools import wraps

from flask import abort
from flask_login import current_user
from flask_smorest import Blueprint
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from app.api import sync_errors
from app.api.refusals import refusals
from app.api.schemas import BuildingSchema, CheckpointQuerySchema, CheckpointSchema, SiteSchema, TemplateDetailSchema, TemplateSchema
from app.checklists.models import ChecklistTemplate, TemplateVersion
from app.extensions import db
from app.sites.models import Building, Checkpoint, Site

blp = Blueprint("api", __name__, url_prefix="/api/v1", description="Patrol data for phones and integrations")
sync_errors.register(blp)  # the same JSON refusals as the sync API


def signed_in(view):
    @wraps(view)
    def wrapped(*args, **kwargs):
        if not current_user.is_authenticated:
            abort(401)
        return view(*args, **kwargs)

    wrapped.allowed_roles = ("patroller", "supervisor", "maintenance", "admin")
    return wrapped


def _my_site(site_id: int) -> Site:
    if not current_user.can_access_site(site_id):
        abort(404)
    return db.session.get(Site, site_id) or abort(404)


@blp.get("/sites")
@blp.response(200, SiteSchema(many=True))
@refusals(blp, 401)
@signed_in
def sites():
    """The sites the signed-in user works for."""
    return current_user.sites


@blp.get("/sites/<int:site_id>/buildings")
@blp.response(200, BuildingSchema(many=True))
@refusals(blp, 401, 404)
@signed_in
def buildings(site_id: int):
    """Buildings of one of my sites."""
    site = _my_site(site_id)
    return db.session.scalars(select(Building).where(Building.site_id == site.id).order_by(Building.code)).all()


@blp.get("/sites/<int:site_id>/checkpoints")
@blp.arguments(CheckpointQuerySchema, location="query")
@blp.response(200, CheckpointSchema(many=True))
@blp.paginate()
@refusals(blp, 401, 404)
@signed_in
def checkpoints(filters: dict, site_id: int, pagination_parameters):
    """Active checkpoints of one of my sites, paginated, optionally by building or category."""
    site = _my_site(site_id)
    query = select(Checkpoint).where(Checkpoint.site_id == site.id, Checkpoint.active.is_(True))
    if filters["building_id"] is not None:
        query = query.where(Checkpoint.building_id == filters["building_id"])
    if filters["category"]:
        query = query.where(Checkpoint.category == filters["category"])
    pagination_parameters.item_count = db.session.scalar(select(func.count()).select_from(query.subquery()))
    page, size = min(pagination_parameters.page, 100_000), pagination_parameters.page_size
    return db.session.scalars(query.order_by(Checkpoint.code).offset((page - 1) * size).limit(size)).all()


def _template_row(template: ChecklistTemplate, version: TemplateVersion | None) -> dict:
    return {"id": template.id, "code": template.code, "name_zh": template.name_zh, "name_en": template.name_en,
            "checkpoint_category": template.checkpoint_category, "latest_version": version.number if version else None}


@blp.get("/templates")
@blp.response(200, TemplateSchema(many=True))
@refusals(blp, 401)
@signed_in
def templates():
    """Active checklist templates with their latest version number."""
    latest = dict(db.session.execute(
        select(TemplateVersion.template_id, func.max(TemplateVersion.number)).group_by(TemplateVersion.template_id)
    ).all())
    rows = db.session.scalars(select(ChecklistTemplate).where(ChecklistTemplate.active.is_(True)).order_by(ChecklistTemplate.id))
    return [{**_template_row(t, None), "latest_version": latest.get(t.id)} for t in rows]


@blp.get("/templates/<int:template_id>")
@blp.response(200, TemplateDetailSchema)
@refusals(blp, 401, 404)
@signed_in
def template(template_id: int):
    """One template with the items of its latest version."""
    found = db.session.get(ChecklistTemplate, template_id) or abort(404)
    version = db.session.scalar(
        select(TemplateVersion).where(TemplateVersion.template_id == found.id).order_by(TemplateVersion.number.desc())
        .limit(1).options(selectinload(TemplateVersion.items))
    )
    return {**_template_row(found, version), "items": version.items if version else []}
