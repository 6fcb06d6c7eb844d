"""Validation of the sign-in and language forms."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from marshmallow import EXCLUDE, Schema, fields, validate


class LoginSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    username = fields.String(
        required=True,
        validate=validate.Length(min=1, max=64, error=_l("Enter your username.")),
        error_messages={"required": _l("Enter your username.")},
    )
    password = fields.String(
        required=True,
        validate=validate.Length(min=1, max=256, error=_l("Enter your password.")),
        error_messages={"required": _l("Enter your password.")},
    )
    next = fields.String(load_default=None)


class LanguageSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    locale = fields.String(required=True, validate=validate.OneOf(("zh_CN", "en")))
    next = fields.String(load_default=None)
