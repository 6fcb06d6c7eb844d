"""Validation of the handover form: the shift in site-local time and the outgoing staff's note."""
from __future__ import annotations

import re
from datetime import timedelta

from flask_babel import lazy_gettext as _l
from marshmallow import EXCLUDE, Schema, ValidationError, fields, pre_load, validate, validates_schema

from app.validation import clean_text, plausible_date

NOTE_MAX = 4000
MAX_SHIFT = timedelta(hours=24)  # holidays are one 24-hour duty (002 值班 §4.1.2)
LOCAL_FORMAT = "%Y-%m-%dT%H:%M"  # what <input type="datetime-local"> sends
WITH_SECONDS = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d")
TIME_ERRORS = {"required": _l("Enter a date and time."), "invalid": _l("Enter a date and time.")}


class HandoverSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    shift_starts = fields.NaiveDateTime(format=LOCAL_FORMAT, required=True, validate=plausible_date,
                                        error_messages=TIME_ERRORS)
    shift_ends = fields.NaiveDateTime(format=LOCAL_FORMAT, required=True, validate=plausible_date,
                                      error_messages=TIME_ERRORS)
    note = fields.String(required=True, validate=validate.Length(
        min=1, max=NOTE_MAX, error=_l("Write what the next shift must know (at most %(max)d characters).", max=NOTE_MAX)),
        error_messages={"required": _l("Write what the next shift must know.")})

    @pre_load
    def trim(self, data, **_kwargs):
        values = {key: (data.get(key) or "").strip() for key in ("shift_starts", "shift_ends")}
        values["note"] = clean_text(data.get("note"), NOTE_MAX + 1)  # no control or bidi characters; too long still says so
        for key in ("shift_starts", "shift_ends"):
            if WITH_SECONDS.fullmatch(values[key]):  # some browsers add seconds
                values[key] = values[key][:16]
        return {key: value for key, value in values.items() if value}

    @validates_schema
    def shift(self, data, **_kwargs):
        if data["shift_ends"] <= data["shift_starts"]:
            raise ValidationError(_l("The shift must end after it starts."), "shift_ends")
        if data["shift_ends"] - data["shift_starts"] > MAX_SHIFT:
            raise ValidationError(_l("A shift lasts at most 24 hours."), "shift_ends")


def load_handover(form) -> dict:
    return HandoverSchema().load({key: form.get(key) for key in ("shift_starts", "shift_ends", "note")})
