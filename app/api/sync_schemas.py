"""marshmallow schemas of offline sync: what phones send, what they get back, the pack they walk with."""
from __future__ import annotations

from datetime import timezone

from flask_smorest.fields import Upload
from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate, validates_schema
from werkzeug.datastructures import FileStorage

from app.patrols.answering import NOTE_MAX, REASON_MAX, TEXT_MAX
from app.patrols.models import RESULTS, VISIT_METHODS

ID = {"strict": True, "validate": validate.Range(min=1, max=2**31 - 1)}


class UtcDateTime(fields.AwareDateTime):
    """In: ISO 8601 with an offset (e.g. ...Z or +08:00), kept as naive UTC. Out: naive UTC as ISO 8601 with Z."""

    def __init__(self, **kwargs):
        super().__init__(format="iso", **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        aware = super()._deserialize(value, attr, data, **kwargs)
        try:
            return aware.astimezone(timezone.utc).replace(tzinfo=None)
        except OverflowError:  # year 1 or 9999 shifted by its offset
            raise self.make_error("invalid", input=value, obj_type=self.OBJ_TYPE) from None

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else value.replace(tzinfo=None, microsecond=0).isoformat() + "Z"


class ClientUuid(fields.UUID):
    """A UUID made by the phone, kept in its canonical text form."""

    def _deserialize(self, value, attr, data, **kwargs):
        return str(super()._deserialize(value, attr, data, **kwargs))


class DecimalText(fields.Field):
    """A reading as a JSON number or as text ("1,5" is accepted like in the form); handed on as text."""

    default_error_messages = {"invalid": "Not a valid number."}

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool) or not isinstance(value, (int, float, str)) or len(str(value)) > 32:
            raise self.make_error("invalid")
        return str(value)


class PhotoFile(Upload):
    """A file part of the multipart body (a plain text field of that name is refused)."""

    default_error_messages = {"invalid": "Not a file."}

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, FileStorage):
            raise self.make_error("invalid")
        return value


def _text(limit: int, **kwargs):
    return fields.String(validate=validate.Length(max=limit), **kwargs)


class VisitInSchema(Schema):
    uuid = ClientUuid(required=True)
    log_id = fields.Integer(required=True, **ID)
    checkpoint_id = fields.Integer(required=True, **ID)
    method = fields.String(required=True, validate=validate.OneOf(VISIT_METHODS))
    manual_reason = _text(REASON_MAX, allow_none=True, metadata={"description": "Required when method is manual."})
    scanned_at = UtcDateTime(required=True, metadata={"description": "When the phone was there, with a UTC offset."})
    template_version_id = fields.Integer(allow_none=True, **ID, metadata={
        "description": "The checklist version the phone showed (from the pack); default: the latest."})
    latitude = fields.Float(allow_none=True, validate=validate.Range(min=-90, max=90))
    longitude = fields.Float(allow_none=True, validate=validate.Range(min=-180, max=180))
    accuracy_m = fields.Float(allow_none=True, validate=validate.Range(min=0, max=100_000))

    @validates_schema
    def _position_whole(self, data, **_kwargs):
        given = [data.get(k) is not None for k in ("latitude", "longitude", "accuracy_m")]
        if any(given) and not all(given):
            raise ValidationError("latitude, longitude and accuracy_m come together.", "accuracy_m")


class AnswerInSchema(Schema):
    uuid = ClientUuid(required=True)
    visit_uuid = ClientUuid(required=True)
    item_id = fields.Integer(required=True, **ID)
    result = fields.String(allow_none=True, validate=validate.OneOf(RESULTS))
    number = DecimalText(allow_none=True, metadata={"type": "number"})
    text = _text(TEXT_MAX, allow_none=True)
    note = _text(NOTE_MAX, allow_none=True)
    na_reason = _text(REASON_MAX, allow_none=True)
    answered_at = UtcDateTime(required=True)


class PhotoInSchema(Schema):
    class Meta:
        unknown = EXCLUDE  # a csrf_token form field may come along

    uuid = ClientUuid(required=True)
    answer_uuid = ClientUuid(required=True)
    photo = PhotoFile(required=True)


class SkipInSchema(Schema):
    uuid = ClientUuid(required=True)
    log_id = fields.Integer(required=True, **ID)
    checkpoint_id = fields.Integer(required=True, **ID)
    reason = _text(REASON_MAX, required=True)


class SubmitInSchema(Schema):
    uuid = ClientUuid(required=True)
    log_id = fields.Integer(required=True, **ID)


class CosignInSchema(Schema):
    uuid = ClientUuid(required=True)
    log_id = fields.Integer(required=True, **ID)
    username = fields.String(required=True, validate=validate.Length(min=1, max=64))
    password = fields.String(required=True, load_only=True, validate=validate.Length(min=1, max=256))


class VisitOutSchema(Schema):
    uuid = fields.String()
    id = fields.Integer()
    log_id = fields.Integer()
    checkpoint_id = fields.Integer()
    adopted = fields.Boolean(metadata={"description": "The checkpoint was already visited (online or by another phone): "
                                                      "this is that visit; answers sent with this uuid attach to it."})


class AnswerOutSchema(Schema):
    uuid = fields.String()
    id = fields.Integer()
    visit_id = fields.Integer()
    superseded = fields.Boolean(metadata={"description": "A newer answer to this item is stored and stands; "
                                                         "this one is kept in the audit trail."})


class PhotoOutSchema(Schema):
    uuid = fields.String()
    id = fields.Integer()
    answer_id = fields.Integer()


class SkipOutSchema(Schema):
    uuid = fields.String()
    id = fields.Integer()


class LogStateOutSchema(Schema):
    uuid = fields.String()
    log_id = fields.Integer()
    status = fields.String()
    number = fields.String(allow_none=True)


class PackItemSchema(Schema):
    id = fields.Integer()
    code = fields.String()
    text = fields.String()
    help = fields.String(allow_none=True)
    answer_type = fields.String(metadata={"description": "pass_fail, number or text"})
    unit = fields.String(allow_none=True)
    min_value = fields.Float(allow_none=True)
    max_value = fields.Float(allow_none=True)
    photo_on_fail = fields.Boolean()
    urgent_if_fail = fields.Boolean()


class PackAnswerSchema(Schema):
    item_id = fields.Integer()
    uuid = fields.String(allow_none=True)
    result = fields.String()
    number = fields.Float(allow_none=True)
    text = fields.String(allow_none=True)
    note = fields.String(allow_none=True)
    na_reason = fields.String(allow_none=True)
    photos = fields.Integer(metadata={"description": "How many photos the server holds for this answer."})


class PackVisitSchema(Schema):
    uuid = fields.String(allow_none=True)
    id = fields.Integer()
    answers = fields.List(fields.Nested(PackAnswerSchema))


class PackSkipSchema(Schema):
    reason = fields.String()


class PackStopSchema(Schema):
    position = fields.Integer()
    checkpoint_id = fields.Integer()
    code = fields.String()
    name = fields.String()
    active = fields.Boolean(metadata={"description": "False: the checkpoint is retired; it can only be skipped."})
    tokens = fields.List(fields.String(), metadata={"description": "Label tokens a scan of this checkpoint carries."})
    template_version_id = fields.Integer(allow_none=True)
    items = fields.List(fields.Nested(PackItemSchema))
    visit = fields.Nested(PackVisitSchema, allow_none=True)
    skip = fields.Nested(PackSkipSchema, allow_none=True)


class PackLogSchema(Schema):
    id = fields.Integer()
    number = fields.String(allow_none=True)
    status = fields.String()
    round_id = fields.Integer()
    round_name = fields.String()
    window_starts_at = UtcDateTime()
    window_ends_at = UtcDateTime()
    started_by_id = fields.Integer(allow_none=True)


class PackUserSchema(Schema):
    id = fields.Integer()
    username = fields.String()
    full_name = fields.String()


class PackSchema(Schema):
    log = fields.Nested(PackLogSchema)
    user = fields.Nested(PackUserSchema)
    lang = fields.String(metadata={"description": "zh or en: the language of names and texts"})
    csrf_token = fields.String(metadata={"description": "Send it back in the X-CSRFToken header of every POST."})
    stops = fields.List(fields.Nested(PackStopSchema))
