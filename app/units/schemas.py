"""Validation of the unit form."""
from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from marshmallow import fields, post_load, validate

from app.sites.models import UNIT_STATUSES
from app.sites.schemas import MAX_FLOORS, _FormSchema
from app.validation import plausible_date

# Door numbers as written on the door: 1201, 2-1201, A03 (uppercased); with the building code they make the label code.
NUMBER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{0,11}\Z")
PHONE = re.compile(r"^[0-9+][0-9 -]{4,30}\Z")
MAX_AREA = 100_000


class UnitSchema(_FormSchema):
    building_id = fields.Integer(
        required=True, validate=validate.Range(min=1, max=2**31 - 1, error=_l("Choose a building.")),
        error_messages={"required": _l("Choose a building."), "invalid": _l("Choose a building.")})
    number = fields.String(
        required=True,
        validate=validate.Regexp(NUMBER, error=_l("Up to 12 letters, digits or dashes, as on the door (e.g. 1201).")),
        error_messages={"required": _l("Enter the unit number.")})
    floor = fields.Integer(
        required=True,
        validate=validate.Range(min=-MAX_FLOORS, max=MAX_FLOORS, error=_l("Enter the floor as a whole number (basements are negative).")),
        error_messages={"required": _l("Enter the floor."), "invalid": _l("Enter the floor as a whole number (basements are negative).")})
    area_m2 = fields.Float(
        load_default=None, allow_nan=False,
        validate=validate.Range(min=0, min_inclusive=False, max=MAX_AREA, error=_l("The area is a number of square metres above 0.")),
        error_messages={"invalid": _l("The area is a number of square metres above 0."),
                        "special": _l("The area is a number of square metres above 0.")})
    status = fields.String(
        required=True, validate=validate.OneOf(UNIT_STATUSES, error=_l("Choose a status.")),
        error_messages={"required": _l("Choose a status.")})
    owner_name = fields.String(load_default=None, validate=validate.Length(max=120, error=_l("At most 120 characters.")))
    owner_phone = fields.String(load_default=None, validate=validate.Regexp(PHONE, error=_l("Enter a phone number (digits, spaces, dashes).")))
    sold_on = fields.Date(load_default=None, validate=plausible_date,
                          error_messages={"invalid": _l("Enter a date like 2026-05-31.")})
    note = fields.String(load_default=None, validate=validate.Length(max=255, error=_l("At most 255 characters.")))

    @post_load
    def door_number_upper(self, data, **_kwargs):
        data["number"] = data["number"].upper()
        return data
