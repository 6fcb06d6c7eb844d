"""Validation of the upkeep plan, season, key loan and key return forms."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from marshmallow import EXCLUDE, Schema, ValidationError, fields, pre_load, validate, validates_schema

from app.form_rows import indexed_rows, is_blank
from app.sites.schemas import _FormSchema
from app.units.schemas import PHONE
from app.vacancy.models import FREQUENCIES, ITEM_SEASONS
from app.validation import plausible_date, record_id

MAX_PLAN_UNITS = 500
ITEM_FIELDS = ("code", "on", "frequency", "season", "measure")


class ItemRowSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    code = fields.String(required=True, validate=validate.Length(min=1, max=16, error=_l("Choose a checklist item.")),
                         error_messages={"required": _l("Choose a checklist item.")})
    frequency = fields.String(required=True, validate=validate.OneOf(FREQUENCIES, error=_l("Choose how often.")),
                              error_messages={"required": _l("Choose how often.")})
    season = fields.String(load_default="all_year", validate=validate.OneOf(ITEM_SEASONS, error=_l("Choose a season.")))
    measure = fields.String(load_default=None, validate=validate.Length(max=255, error=_l("At most 255 characters.")))

    @pre_load
    def blanks_are_defaults(self, data, **_kwargs):
        return {key: value.strip() for key, value in data.items() if isinstance(value, str) and value.strip()}


class PlanSchema(_FormSchema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=120, error=_l("Enter a name of at most 120 characters.")),
                         error_messages={"required": _l("Enter a name for the plan.")})
    year = fields.Integer(required=True, validate=validate.Range(min=2000, max=2100, error=_l("A year from 2000 to 2100.")),
                          error_messages={"required": _l("Enter the year."), "invalid": _l("A year from 2000 to 2100.")})
    budget_yuan = fields.Integer(load_default=None, validate=validate.Range(min=0, max=10**9, error=_l("The budget is a whole number of yuan, 0 or more.")),
                                 error_messages={"invalid": _l("The budget is a whole number of yuan, 0 or more.")})
    note = fields.String(load_default=None, validate=validate.Length(max=2000, error=_l("At most 2000 characters.")))
    active = fields.Boolean(load_default=False)
    unit_ids = fields.List(fields.Integer(strict=False, validate=validate.Range(min=1, max=2**31 - 1), error_messages={"invalid": _l("Choose units of this site.")}),
                           load_default=list, validate=validate.Length(max=MAX_PLAN_UNITS, error=_l("At most 500 units in one plan.")))
    items = fields.List(fields.Nested(ItemRowSchema), load_default=list)

    @validates_schema
    def units_and_items_given(self, data, **_kwargs):
        if not data.get("unit_ids"):
            raise ValidationError(_l("Choose at least one vacant unit."), "unit_ids")
        if not data.get("items"):
            raise ValidationError(_l("Choose at least one upkeep item."), "items")


def plan_form(form) -> tuple[dict, list[int]]:
    """The plan form as PlanSchema input, and the form row each chosen item came from (for errors beside it)."""
    rows = indexed_rows(form, "items", ITEM_FIELDS)
    chosen = [(index, row) for index, row in enumerate(rows) if row.get("on") and not is_blank(row, ("code",))]
    values = {key: form.get(key, "") for key in ("name", "year", "budget_yuan", "note", "active")}
    values["unit_ids"] = form.getlist("unit_ids")
    values["items"] = [{name: row[name] for name in ITEM_FIELDS if name != "on"} for _index, row in chosen]
    return values, [index for index, _row in chosen]


class LoanSchema(_FormSchema):
    borrower_id = record_id(_l("Choose a colleague of this site, or name an outside borrower."), load_default=None)
    borrower_name = fields.String(load_default=None, validate=validate.Length(max=120, error=_l("At most 120 characters.")))
    borrower_phone = fields.String(load_default=None, validate=validate.Regexp(PHONE, error=_l("Enter a phone number (digits, spaces, dashes).")))
    purpose = fields.String(required=True, validate=validate.Length(min=1, max=255, error=_l("Say why the key is taken (at most 255 characters).")),
                            error_messages={"required": _l("Say why the key is taken.")})
    expected_return = fields.NaiveDateTime(format="%Y-%m-%dT%H:%M", load_default=None, validate=plausible_date,
                                           error_messages={"invalid": _l("Enter the date and time the key comes back.")})

    @validates_schema
    def outsider_named(self, data, **_kwargs):
        if data.get("borrower_id") is None:
            if not data.get("borrower_name"):
                raise ValidationError(_l("Name the person taking the key, or choose a colleague."), "borrower_name")
            if not data.get("borrower_phone"):
                raise ValidationError(_l("An outside borrower leaves a phone number."), "borrower_phone")


class ReturnSchema(_FormSchema):
    note = fields.String(load_default=None, validate=validate.Length(max=255, error=_l("At most 255 characters.")))
