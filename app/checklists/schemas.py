"""Validation of the checklist editor: every item row, the version as a whole, a new template's header."""
from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from marshmallow import EXCLUDE, Schema, ValidationError, fields, post_load, pre_load, validate, validates, validates_schema

from app.checklists.catalogue import ITEM_FIELDS
from app.checklists.models import ANSWER_TYPES, ITEM_CATEGORIES, METHODS, SEVERITIES
from app.form_rows import indexed_rows, is_blank, row_errors
from app.sites.models import CHECKPOINT_CATEGORIES

ROW_FIELDS = ("position", *ITEM_FIELDS, "remove")
CHECKBOXES = ("photo_on_fail", "urgent_if_fail", "remove")
TYPED = ("code", "text_zh", "text_en", "help_zh", "help_en", "unit", "min_value", "max_value")  # a row with none is blank
ITEM_CODE = re.compile(r"^[A-Z0-9][A-Z0-9-]{0,15}$")
TEMPLATE_CODE = re.compile(r"^[a-z][a-z0-9_]{1,31}$")
NEW_ROW = {"position": "", "code": "", "text_zh": "", "text_en": "", "help_zh": "", "help_en": "", "category": "general",
           "method": "look", "answer_type": "pass_fail", "unit": "", "min_value": "", "max_value": "", "photo_on_fail": "1",
           "severity": "minor", "urgent_if_fail": "", "remove": ""}


def _choice(values: tuple[str, ...], message):
    return fields.String(required=True, validate=validate.OneOf(values, error=message), error_messages={"required": message})


def _text(required: bool, length: int):
    message = _l("Enter the text (at most %(max)d characters).", max=length)
    extra = {"error_messages": {"required": message}} if required else {"load_default": None}
    return fields.String(required=required, validate=validate.Length(min=1, max=length, error=message), **extra)


def _number():
    return fields.Float(load_default=None, allow_none=True,  # NaN and infinity ("special") are no bound either
                        error_messages={"invalid": _l("Enter a number."), "special": _l("Enter a number.")})


class ItemRowSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    position = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(1, 999, error=_l("Enter 1 to 999.")),
                              error_messages={"invalid": _l("Enter a whole number.")})
    code = fields.String(required=True, error_messages={"required": _l("Enter a code, e.g. STW-12.")})
    text_zh = _text(True, 255)
    text_en = _text(True, 255)
    help_zh = _text(False, 500)
    help_en = _text(False, 500)
    category = _choice(ITEM_CATEGORIES, _l("Choose a category."))
    method = _choice(METHODS, _l("Choose how it is checked."))
    answer_type = _choice(ANSWER_TYPES, _l("Choose the kind of answer."))
    unit = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=16, error=_l("At most 16 characters.")))
    min_value = _number()
    max_value = _number()
    photo_on_fail = fields.Boolean(load_default=False)
    severity = _choice(SEVERITIES, _l("Choose a severity."))
    urgent_if_fail = fields.Boolean(load_default=False)

    @pre_load
    def clean(self, data, **_kwargs):
        data = {key: (value.strip() if isinstance(value, str) else value) for key, value in data.items()}
        for name in CHECKBOXES:
            data[name] = bool(data.get(name))
        if data.get("code"):
            data["code"] = data["code"].upper()
        return {key: value for key, value in data.items() if value != ""}

    @validates("code")
    def check_code(self, value: str, **_kwargs):
        if not ITEM_CODE.match(value):
            raise ValidationError(_l("Up to 16 capital letters, digits or dashes, e.g. STW-12."))

    @validates_schema
    def number_rules(self, data, **_kwargs):
        low, high = data.get("min_value"), data.get("max_value")
        if data["answer_type"] == "number":
            if not data.get("unit"):
                raise ValidationError(_l("A number needs its unit."), "unit")
            if low is None and high is None:
                raise ValidationError(_l("Give the lowest and/or highest acceptable value."), "min_value")
        if low is not None and high is not None and low > high:
            raise ValidationError(_l("The lowest value cannot be above the highest."), "max_value")

    @post_load
    def only_numbers_have_a_range(self, data, **_kwargs):
        if data["answer_type"] != "number":
            data["unit"] = data["min_value"] = data["max_value"] = None
        return data


class VersionSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    note = fields.String(required=True, validate=validate.Length(min=1, max=255, error=_l("Say what changed (at most 255 characters).")),
                         error_messages={"required": _l("Say what changed.")})
    items = fields.List(fields.Nested(ItemRowSchema), load_default=list)

    @validates_schema(skip_on_field_errors=False)
    def whole_version(self, data, **_kwargs):
        items = data.get("items")
        if items is None:
            return
        if not items:
            raise ValidationError(_l("A checklist needs at least one item."), "items")
        seen: set[str] = set()
        for index, item in enumerate(items):
            if item.get("code") is None:  # a row with its own errors
                continue
            if item["code"] in seen:
                raise ValidationError({"items": {index: {"code": [_l("Another item has this code.")]}}})
            seen.add(item["code"])


class TemplateSchema(VersionSchema):
    code = fields.String(required=True, error_messages={"required": _l("Enter a code.")})
    name_zh = fields.String(required=True, validate=validate.Length(min=1, max=120, error=_l("Enter a name (at most 120 characters).")),
                            error_messages={"required": _l("Enter a name.")})
    name_en = fields.String(required=True, validate=validate.Length(min=1, max=120, error=_l("Enter a name (at most 120 characters).")),
                            error_messages={"required": _l("Enter a name.")})
    description_zh = fields.String(load_default=None, allow_none=True)
    description_en = fields.String(load_default=None, allow_none=True)
    checkpoint_category = _choice(CHECKPOINT_CATEGORIES, _l("Choose the kind of checkpoint."))

    @validates("code")
    def check_code(self, value: str, **_kwargs):
        if not TEMPLATE_CODE.match(value):
            raise ValidationError(_l("2 to 32 lowercase letters, digits or underscores, starting with a letter."))


HEADER_FIELDS = ("note", "code", "name_zh", "name_en", "description_zh", "description_en", "checkpoint_category")


def editor_values(form) -> dict:
    """The submitted editor as it is shown again: header fields and every item row."""
    values = {key: (form.get(key) or "").strip() for key in (*HEADER_FIELDS, "base_version")}
    values["items"] = indexed_rows(form, "items", ROW_FIELDS)
    return values


def load_editor(values: dict, schema: VersionSchema) -> dict:
    """Validate the editor; items come back in position order, errors keyed by form names (items-<n>-text_zh)."""
    rows = values["items"]
    kept = [n for n, row in enumerate(rows) if not row.get("remove") and not is_blank(row, TYPED)]
    data = {key: values[key] for key in HEADER_FIELDS if values.get(key)}
    data["items"] = [rows[n] for n in kept]
    try:
        loaded = schema.load(data)
    except ValidationError as exc:
        errors = {}
        for field, messages in exc.messages.items():
            errors.update(row_errors(messages, field, kept if field == "items" else []))
        raise ValidationError(errors) from exc
    order = sorted(range(len(kept)), key=lambda i: (loaded["items"][i]["position"] or 1000, kept[i]))
    loaded["items"] = [{name: loaded["items"][i][name] for name in ITEM_FIELDS} for i in order]
    return loaded
