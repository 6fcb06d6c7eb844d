"""The answers export reads the same filters as the lists that link to it (app.dashboard.filters), with the same
meaning for a log's status, round, team and patroller; status may also be an answer's result (pass/fail/na, as
corrected), and building and checkpoint are the place the answer was given."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from marshmallow import fields, validate

from app.dashboard.filters import LogFilterSchema
from app.patrols.models import LOG_STATUSES, RESULTS


class AnswerFilterSchema(LogFilterSchema):
    status = fields.String(load_default=None, validate=validate.OneOf(
        LOG_STATUSES + RESULTS, error=_l("Choose a status from the list.")))
