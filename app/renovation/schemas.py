"""Validation of the renovation forms: the application with its workers, extensions, decisions, re-inspections."""
from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from marshmallow import EXCLUDE, Schema, ValidationError, fields, pre_load, validate, validates_schema

from app.form_rows import indexed_rows, is_blank, row_errors
from app.renovation.clock import months_after
from app.validation import clean_text, field_errors, plausible_date, record_id

MAX_MONTHS = 3  # a permit runs at most 3 months; longer works are extended with a reason (002 装修 §4.4)
WORKER_FIELDS = ("name", "pass_number", "phone")
PHONE = re.compile(r"^\+?[0-9][0-9 -]{4,30}$")
MAX_WORKERS = 50


def _text(length: int, required: bool = True, message=None):
    message = message or _l("Enter the text (at most %(max)d characters).", max=length)
    if not required:
        return fields.String(load_default=None, validate=validate.Length(max=length, error=message))
    return fields.String(required=True, validate=validate.Length(min=1, max=length, error=message),
                         error_messages={"required": message})


def _phone(required: bool = True):
    message = _l("Enter a phone number (digits, spaces, dashes, an optional +).")
    extra = {"required": True, "error_messages": {"required": message}} if required else {"load_default": None}
    return fields.String(validate=validate.Regexp(PHONE, error=message), **extra)


def _date(message):
    return fields.Date(required=True, validate=plausible_date, error_messages={"required": message, "invalid": message})


def _strip(data) -> dict:
    """Form values trimmed of spaces and control characters; empty ones left out (so `required` speaks)."""
    cleaned = {}
    for key, value in data.items():
        if isinstance(value, str):
            value = clean_text(value, 5000)
        if value not in ("", None):
            cleaned[key] = value
    return cleaned


class WorkerSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    name = _text(64, message=_l("Enter the worker's name."))
    pass_number = fields.String(required=True, validate=validate.Length(min=1, max=32),
                                error_messages={"required": _l("A worker without a pass is not allowed on site: "
                                                               "enter the pass number (出入证号).")})
    phone = _phone(required=False)

    @pre_load
    def clean(self, data, **_kwargs):
        return _strip(data)


class ApplicationSchema(Schema):
    """An application as typed at the service desk; the unit is checked against the site by the service."""

    class Meta:
        unknown = EXCLUDE

    unit_id = record_id(_l("Choose the unit."), required=True, error_messages={"required": _l("Choose the unit.")})
    owner_name = _text(120, message=_l("Enter the owner's name."))
    owner_phone = _phone()
    contractor_name = _text(120, message=_l("Enter the contractor."))
    contractor_person = _text(120, message=_l("Enter the contractor's person in charge."))
    contractor_phone = _phone()
    scope = _text(2000, required=False)
    planned_start = _date(_l("Enter the planned start date."))
    planned_end = _date(_l("Enter the planned end date."))
    hot_work = fields.Boolean(load_default=False)
    hot_work_permit_no = _text(64, required=False)
    deposit_yuan = fields.Integer(load_default=None, allow_none=True,
                                  validate=validate.Range(0, 10_000_000, error=_l("Enter the deposit in whole yuan.")),
                                  error_messages={"invalid": _l("Enter the deposit in whole yuan.")})
    workers = fields.List(fields.Nested(WorkerSchema), required=True,
                          validate=validate.Length(max=MAX_WORKERS, error=_l("At most %(max)d workers.", max=MAX_WORKERS)),
                          error_messages={"required": _l("List at least one worker with their pass number.")})

    @pre_load
    def clean(self, data, **_kwargs):
        data = _strip({k: v for k, v in data.items() if k != "workers"}) | {"workers": data.get("workers", [])}
        data["hot_work"] = bool(data.get("hot_work"))
        if not data["workers"]:
            del data["workers"]
        return data

    @validates_schema
    def dates_and_permits(self, data, **_kwargs):
        start, end = data.get("planned_start"), data.get("planned_end")
        if start and end and end < start:
            raise ValidationError(_l("The end date is before the start date."), "planned_end")
        if start and end and end > months_after(start, MAX_MONTHS):
            raise ValidationError(_l("A permit runs at most 3 months (until %(last)s at the latest); longer works are "
                                     "extended once approved, with the reason.", last=months_after(start, MAX_MONTHS).isoformat()),
                                  "planned_end")
        if data.get("hot_work") and not data.get("hot_work_permit_no"):
            raise ValidationError(_l("Hot work (welding, cutting) needs its hot-work permit number."), "hot_work_permit_no")
        passes = [w["pass_number"].upper() for w in data.get("workers", [])]
        if len(passes) != len(set(passes)):
            raise ValidationError(_l("Each worker has a pass of their own: a pass number appears twice."), "workers")


def read_application(form) -> tuple[dict, list[int]]:
    """The application's fields and its worker rows (blank rows left out), with the form row of each loaded worker."""
    data = {key: form.get(key, "") for key in ApplicationSchema().fields if key != "workers"}
    rows = indexed_rows(form, "workers", WORKER_FIELDS)
    positions = [n for n, row in enumerate(rows) if not is_blank(row, WORKER_FIELDS)]
    data["workers"] = [rows[n] for n in positions]
    return data, positions


def application_errors(exc: ValidationError, positions: list[int]) -> dict[str, str]:
    """One message per field, worker rows as `workers-<n>-<field>`."""
    messages = exc.messages if isinstance(exc.messages, dict) else {"form": exc.messages}
    errors = field_errors(ValidationError({k: v for k, v in messages.items() if k != "workers"}))
    if "workers" in messages:
        errors.update(row_errors(messages["workers"], "workers", positions))
    return errors


class ExtensionSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    new_end = _date(_l("Enter the new end date."))
    reason = _text(500, message=_l("Say why the works need more time."))

    @pre_load
    def clean(self, data, **_kwargs):
        return _strip(data)


class RejectionSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    reason = _text(500, message=_l("Say why the application is rejected."))

    @pre_load
    def clean(self, data, **_kwargs):
        return _strip(data)


class ReinspectionSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    outcome = fields.String(required=True, validate=validate.OneOf(("rectified", "not_rectified"),
                                                     error=_l("Say whether the violation has been rectified.")),
                            error_messages={"required": _l("Say whether the violation has been rectified.")})
    note = _text(2000, required=False)

    @pre_load
    def clean(self, data, **_kwargs):
        return _strip(data)

    @validates_schema
    def note_when_not_rectified(self, data, **_kwargs):
        if data.get("outcome") == "not_rectified" and not data.get("note"):
            raise ValidationError(_l("Describe what is still not rectified."), "note")


class DeadlineSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    deadline = _date(_l("Enter the new deadline."))
    reason = _text(500, message=_l("Say why the deadline changes."))

    @pre_load
    def clean(self, data, **_kwargs):
        return _strip(data)
