"""Validation of the building and checkpoint forms."""
from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from marshmallow import EXCLUDE, Schema, ValidationError, fields, pre_load, validate, validates_schema

from app.sites.models import CHECKPOINT_CATEGORIES
from app.validation import clean_text

# Short human codes, typed by hand when a label cannot be scanned: uppercase letters, digits, dashes.
CODE = re.compile(r"^[A-Z0-9][A-Z0-9-]{0,15}\Z")
MAX_FLOORS = 200
TEXT_LIMIT = 5000  # longer than any field, so the field's own length check still speaks


def _code_field():
    return fields.String(
        required=True,
        validate=validate.Regexp(CODE, error=_l("Up to 16 uppercase letters, digits or dashes, starting with a letter or digit.")),
        error_messages={"required": _l("Enter a code.")},
    )


def _name_field(required_message):
    return fields.String(
        required=True,
        validate=validate.Length(min=1, max=120, error=_l("Enter a name of at most 120 characters.")),
        error_messages={"required": required_message},
    )


def _integer(message, low=-(2**31), high=2**31 - 1):
    return fields.Integer(load_default=None, validate=validate.Range(min=low, max=high, error=message),
                          error_messages={"invalid": message})


class _FormSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    @pre_load
    def tidy(self, data, **_kwargs):
        """Trim text, drop blanks (an empty optional field means 'none'), uppercase codes. Names and notes lose control
        and bidi characters (invisible, they can disguise a name); codes keep them, for their pattern to refuse."""
        tidy = {}
        for key, value in data.items():
            if isinstance(value, str):
                value = value.strip().upper() if key == "code" else clean_text(value, TEXT_LIMIT)
            if value == "":
                continue
            tidy[key] = value
        return tidy


class BuildingSchema(_FormSchema):
    code = _code_field()
    name_zh = _name_field(_l("Enter the Chinese name."))
    name_en = _name_field(_l("Enter the English name."))
    floors_above = fields.Integer(
        required=True,
        validate=validate.Range(min=1, max=MAX_FLOORS, error=_l("Floors above ground: a whole number from 1 to 200.")),
        error_messages={"required": _l("Enter the number of floors above ground."),
                        "invalid": _l("Floors above ground: a whole number from 1 to 200.")},
    )
    floors_below = fields.Integer(
        load_default=0,
        validate=validate.Range(min=0, max=20, error=_l("Floors below ground: a whole number from 0 to 20.")),
        error_messages={"invalid": _l("Floors below ground: a whole number from 0 to 20.")},
    )


class CheckpointSchema(_FormSchema):
    code = _code_field()
    name_zh = _name_field(_l("Enter the Chinese name."))
    name_en = _name_field(_l("Enter the English name."))
    category = fields.String(
        required=True,
        validate=validate.OneOf(CHECKPOINT_CATEGORIES, error=_l("Choose a category.")),
        error_messages={"required": _l("Choose a category.")},
    )
    building_id = _integer(_l("Choose a building."), low=1)
    floor = _integer(_l("Enter the floor as a whole number (basements are negative)."), low=-MAX_FLOORS, high=MAX_FLOORS)
    latitude = fields.Float(
        load_default=None,
        validate=validate.Range(min=-90, max=90, error=_l("Latitude lies between -90 and 90.")),
        error_messages={"invalid": _l("Latitude lies between -90 and 90."), "special": _l("Latitude lies between -90 and 90.")},
    )
    longitude = fields.Float(
        load_default=None,
        validate=validate.Range(min=-180, max=180, error=_l("Longitude lies between -180 and 180.")),
        error_messages={"invalid": _l("Longitude lies between -180 and 180."), "special": _l("Longitude lies between -180 and 180.")},
    )

    @validates_schema
    def position_needs_both(self, data, **_kwargs):
        if (data.get("latitude") is None) != (data.get("longitude") is None):
            field = "longitude" if data.get("longitude") is None else "latitude"
            raise ValidationError(_l("Enter both latitude and longitude, or neither."), field)

    @validates_schema
    def floor_needs_building(self, data, **_kwargs):
        if data.get("floor") is not None and data.get("building_id") is None:
            raise ValidationError(_l("A floor needs a building; leave it empty for outdoor checkpoints."), "floor")
