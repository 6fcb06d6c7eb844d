"""Validation of the round forms: name, schedule, time windows, assignees; adding a stop."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from marshmallow import EXCLUDE, Schema, ValidationError, fields, pre_load, validate, validates_schema

from app.form_rows import indexed_rows, is_blank, row_errors
from app.patrols.models import SCHEDULE_KINDS
from app.patrols.round_services import windows_overlap
from app.validation import record_id

WINDOW_FIELDS = ("starts", "ends", "label_zh", "label_en")
TIME_ERRORS = {"required": _l("Enter a time."), "invalid": _l("Enter a time as HH:MM.")}


def _blanks_to_none(data: dict) -> dict:
    return {key: (None if value == "" else value) for key, value in data.items()}


class WindowSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    starts = fields.Time(required=True, error_messages=TIME_ERRORS)
    ends = fields.Time(required=True, error_messages=TIME_ERRORS)
    label_zh = fields.String(load_default=None, validate=validate.Length(max=32, error=_l("At most 32 characters.")))
    label_en = fields.String(load_default=None, validate=validate.Length(max=32, error=_l("At most 32 characters.")))

    @pre_load
    def blanks(self, data, **_kwargs):
        return _blanks_to_none(data)

    @validates_schema
    def not_empty(self, data, **_kwargs):
        if data["starts"] == data["ends"]:
            raise ValidationError(_l("A window must end at another time than it starts."), "ends")


def _name_field():
    return fields.String(required=True, validate=validate.Length(min=1, max=120, error=_l("Enter a name (at most 120 characters).")),
                         error_messages={"required": _l("Enter a name.")})


class RoundSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    name_zh = _name_field()
    name_en = _name_field()
    schedule_kind = fields.String(required=True, validate=validate.OneOf(SCHEDULE_KINDS, error=_l("Choose when the round is due.")),
                                  error_messages={"required": _l("Choose when the round is due.")})
    weekdays = fields.List(fields.Integer(validate=validate.Range(0, 6, error=_l("Choose weekdays from the list."))), load_default=list,
                           error_messages={"invalid": _l("Choose weekdays from the list.")})
    month_day = fields.Integer(load_default=None, allow_none=True,
                               validate=validate.Range(1, 31, error=_l("Enter a day from 1 to 31.")),
                               error_messages={"invalid": _l("Enter a day from 1 to 31.")})
    windows = fields.List(fields.Nested(WindowSchema), load_default=list)
    assignee_ids = fields.List(record_id(_l("Choose patrollers from the list.")), load_default=list,
                               error_messages={"invalid": _l("Choose patrollers from the list.")})
    team_id = record_id(_l("Choose a team from the list."), load_default=None, allow_none=True)

    @pre_load
    def blanks(self, data, **_kwargs):
        data = dict(data)
        for key in ("name_zh", "name_en", "month_day", "team_id", "schedule_kind"):
            if isinstance(data.get(key), str):
                data[key] = data[key].strip() or None
        return {key: value for key, value in data.items() if value is not None}

    @validates_schema(skip_on_field_errors=False)
    def schedule_rules(self, data, **_kwargs):
        errors: dict = {}
        kind = data.get("schedule_kind")
        if kind == "weekly" and "weekdays" in data and not data["weekdays"]:
            errors["weekdays"] = [_l("Choose at least one weekday.")]
        if kind == "monthly" and "month_day" in data and data["month_day"] is None:
            errors["month_day"] = [_l("Enter the day of the month.")]
        windows = data.get("windows")
        if windows is not None and all("starts" in w and "ends" in w for w in windows):  # rows without field errors
            if not windows:
                errors["windows"] = [_l("Add at least one time window.")]
            elif kind == "shift" and len(windows) < 2:
                errors["windows"] = [_l("A round per shift needs a window for each shift (at least two).")]
            elif (pair := windows_overlap([(w["starts"], w["ends"]) for w in windows])) is not None:
                errors["windows"] = {pair[1]: {"starts": [_l("This window overlaps another window of the round.")]}}
        if "assignee_ids" in data and not data["assignee_ids"] and data.get("team_id") is None:
            errors["assignee_ids"] = [_l("Choose the patrollers or a team who run this round.")]
        if errors:
            raise ValidationError(errors)


class StopSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    checkpoint_id = record_id(_l("Choose a checkpoint."), required=True, error_messages={"required": _l("Choose a checkpoint.")})
    template_id = record_id(_l("Choose a checklist."), load_default=None, allow_none=True)

    @pre_load
    def blanks(self, data, **_kwargs):
        return {key: value for key, value in _blanks_to_none(dict(data)).items() if value is not None}


def round_form_values(form) -> dict:
    """The submitted form as it is shown again: plain strings, lists for checkboxes, every window row."""
    values = {key: (form.get(key) or "").strip() for key in ("name_zh", "name_en", "schedule_kind", "month_day", "team_id")}
    values["weekdays"] = form.getlist("weekdays")
    values["assignee_ids"] = form.getlist("assignee_ids")
    values["windows"] = indexed_rows(form, "windows", WINDOW_FIELDS)
    return values


def load_round(values: dict) -> dict:
    """Validate the form values; errors come keyed by the form's field names (windows-<n>-starts)."""
    rows = values["windows"]
    positions = [n for n, row in enumerate(rows) if not is_blank(row, WINDOW_FIELDS)]
    data = {key: value for key, value in values.items() if key != "windows"}
    data["windows"] = [rows[n] for n in positions]
    try:
        return RoundSchema().load(data)
    except ValidationError as exc:
        errors = {}
        for field, messages in exc.messages.items():
            if field == "windows":
                errors.update(row_errors(messages, "windows", positions))
            else:
                errors[field] = row_errors(messages, field, [])[field]
        raise ValidationError(errors) from exc
