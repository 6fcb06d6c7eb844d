"""marshmallow schemas of the API's read models."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from app.sites.models import CHECKPOINT_CATEGORIES


class SiteSchema(Schema):
    id = fields.Integer()
    code = fields.String()
    name_zh = fields.String()
    name_en = fields.String()
    address = fields.String(allow_none=True)
    timezone = fields.String()


class BuildingSchema(Schema):
    id = fields.Integer()
    site_id = fields.Integer()
    code = fields.String()
    name_zh = fields.String()
    name_en = fields.String()
    floors_above = fields.Integer()
    floors_below = fields.Integer()


class CheckpointSchema(Schema):
    id = fields.Integer()
    site_id = fields.Integer()
    building_id = fields.Integer(allow_none=True)
    floor = fields.Integer(allow_none=True)
    code = fields.String()
    name_zh = fields.String()
    name_en = fields.String()
    category = fields.String()
    latitude = fields.Float(allow_none=True)
    longitude = fields.Float(allow_none=True)
    active = fields.Boolean()


class ChecklistItemSchema(Schema):
    id = fields.Integer()
    position = fields.Integer()
    code = fields.String()
    text_zh = fields.String()
    text_en = fields.String()
    help_zh = fields.String(allow_none=True)
    help_en = fields.String(allow_none=True)
    category = fields.String()
    method = fields.String()
    answer_type = fields.String()
    unit = fields.String(allow_none=True)
    min_value = fields.Float(allow_none=True)
    max_value = fields.Float(allow_none=True)
    photo_on_fail = fields.Boolean()
    severity = fields.String()
    urgent_if_fail = fields.Boolean()


class TemplateSchema(Schema):
    id = fields.Integer()
    code = fields.String()
    name_zh = fields.String()
    name_en = fields.String()
    checkpoint_category = fields.String()
    latest_version = fields.Integer(allow_none=True)


class TemplateDetailSchema(TemplateSchema):
    items = fields.List(fields.Nested(ChecklistItemSchema))


class CheckpointQuerySchema(Schema):
    building_id = fields.Integer(load_default=None, validate=validate.Range(min=1, max=2**31 - 1))
    category = fields.String(load_default=None, validate=validate.OneOf(CHECKPOINT_CATEGORIES))
