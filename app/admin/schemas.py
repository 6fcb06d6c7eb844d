"""Validation of the user administration forms."""
from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from marshmallow import EXCLUDE, Schema, ValidationError, fields, pre_load, validate, validates, validates_schema

from app.auth.models import ROLES
from app.auth.schemas import refuse_weak_password
from app.validation import record_id

USERNAME = re.compile(r"^[a-z0-9][a-z0-9_.-]{1,31}$")


def _password_field():
    return fields.String(required=True, error_messages={"required": _l("Enter a password.")})


class UserCreateSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    username = fields.String(required=True, error_messages={"required": _l("Enter a username.")})
    full_name = fields.String(
        required=True,
        validate=validate.Length(min=1, max=120, error=_l("Enter the person's name (at most 120 characters).")),
        error_messages={"required": _l("Enter the person's name.")},
    )
    role = fields.String(required=True, validate=validate.OneOf(ROLES, error=_l("Choose a role.")),
                         error_messages={"required": _l("Choose a role.")})
    team_code = fields.String(load_default=None)
    site_ids = fields.List(record_id(_l("Choose at least one site.")), required=True, validate=validate.Length(min=1, error=_l("Choose at least one site.")),
                           error_messages={"required": _l("Choose at least one site.")})
    phone = fields.String(load_default=None, validate=validate.Length(max=32))
    password = _password_field()

    @pre_load
    def blanks_to_none(self, data, **_kwargs):
        return {k: (None if v == "" else v) for k, v in data.items()}

    @validates("username")
    def check_username(self, value: str, **_kwargs):
        if not USERNAME.match(value):
            raise ValidationError(_l("2 to 32 lowercase letters, digits, dots, dashes or underscores."))

    @validates_schema
    def maintenance_needs_team(self, data, **_kwargs):
        if data.get("role") == "maintenance" and not data.get("team_code"):
            raise ValidationError(_l("Maintenance staff need a team."), "team_code")

    @validates_schema
    def password_policy(self, data, **_kwargs):
        refuse_weak_password(data["password"], data["username"])


class PasswordResetSchema(Schema):
    """An admin sets someone's password; `username` is theirs, for the policy."""

    class Meta:
        unknown = EXCLUDE

    password = _password_field()

    def __init__(self, username: str, **kwargs):
        super().__init__(**kwargs)
        self.username = username

    @validates_schema
    def password_policy(self, data, **_kwargs):
        refuse_weak_password(data["password"], self.username)


def form_to_dict(form) -> dict:
    """Flatten a form, keeping the multi-valued site checkboxes as a list."""
    data = form.to_dict()
    data.pop("csrf_token", None)
    data["site_ids"] = form.getlist("site_ids")
    return data
