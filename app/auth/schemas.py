"""Validation of the sign-in, language, password and signing-PIN forms."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate, validates_schema

from app.auth.passwords import password_problem, pin_problem


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


def refuse_weak_password(password: str, username: str, field: str = "password") -> None:
    """The password policy as a schema error beside `field`."""
    problem = password_problem(password, username)
    if problem:
        raise ValidationError(problem, field)


class PasswordChangeSchema(Schema):
    """A signed-in person replaces their own password; `username` is theirs, for the policy."""

    class Meta:
        unknown = EXCLUDE

    current_password = fields.String(required=True, validate=validate.Length(min=1, max=256, error=_l("Enter your password.")),
                                     error_messages={"required": _l("Enter your password.")})
    password = fields.String(required=True, error_messages={"required": _l("Enter a password.")})
    password_again = fields.String(load_default="")

    def __init__(self, username: str, **kwargs):
        super().__init__(**kwargs)
        self.username = username

    @validates_schema
    def new_password_rules(self, data, **_kwargs):
        refuse_weak_password(data["password"], self.username)
        if data["password"] != data["password_again"]:
            raise ValidationError(_l("The two passwords differ."), "password_again")


class SigningPinSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    password = fields.String(required=True, validate=validate.Length(min=1, max=256, error=_l("Enter your password.")),
                             error_messages={"required": _l("Enter your password.")})
    pin = fields.String(required=True, error_messages={"required": _l("Choose 6 digits that are not easy to guess (not 123456 or 000000).")})
    pin_again = fields.String(load_default="")

    @validates_schema
    def pin_rules(self, data, **_kwargs):
        problem = pin_problem(data["pin"].strip())
        if problem:
            raise ValidationError(problem, "pin")
        if data["pin"].strip() != data["pin_again"].strip():
            raise ValidationError(_l("The two PINs differ."), "pin_again")
