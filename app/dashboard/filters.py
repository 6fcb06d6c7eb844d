"""The filters the lists (and the answers export) read from the query string, under the same names everywhere:
building, checkpoint, round, team, person, status, date_from, date_to (ISO dates, site-local days)."""
from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date
from urllib.parse import urlencode

from flask_babel import lazy_gettext as _l
from marshmallow import EXCLUDE, Schema, ValidationError, fields, pre_load, validate, validates_schema

from app.findings.models import FINDING_STATUSES
from app.patrols.models import LOG_STATUSES
from app.validation import field_errors
from app.web import MAX_ID
from app.work_orders.models import WORK_ORDER_STATUSES

FILTER_NAMES = ("building", "checkpoint", "round", "team", "person", "status", "date_from", "date_to")
# Dates far outside any record are refused rather than converted (year 1 in a UTC+8 zone does not exist in UTC).
EARLIEST, LATEST = date(2000, 1, 1), date(2099, 12, 31)
ORDER_STATUSES = ("open", "overdue", *WORK_ORDER_STATUSES)  # open: not yet verified; overdue: past its due time


def _id_field():
    message = _l("Choose from the list.")
    return fields.Integer(load_default=None, validate=validate.Range(min=1, max=MAX_ID, error=message),
                          error_messages={"invalid": message})


def _date_field():
    message = _l("Enter a date as YYYY-MM-DD between 2000 and 2099.")
    return fields.Date(load_default=None, validate=validate.Range(min=EARLIEST, max=LATEST, error=message),
                       error_messages={"invalid": message})


def _status_field(choices: tuple[str, ...]):
    return fields.String(load_default=None, validate=validate.OneOf(choices, error=_l("Choose a status from the list.")))


class _FilterSchema(Schema):
    class Meta:
        unknown = EXCLUDE  # page cursors and the like are read elsewhere

    building = _id_field()
    checkpoint = _id_field()
    round = _id_field()
    team = _id_field()
    person = _id_field()
    date_from = _date_field()
    date_to = _date_field()

    @pre_load
    def drop_blanks(self, data, **_kwargs):
        """An empty select or date box means 'any'."""
        return {key: value.strip() for key, value in data.items() if isinstance(value, str) and value.strip()}

    @validates_schema
    def dates_in_order(self, data, **_kwargs):
        if data.get("date_from") and data.get("date_to") and data["date_to"] < data["date_from"]:
            raise ValidationError(_l("The end date is before the start date."), "date_to")


class LogFilterSchema(_FilterSchema):
    status = _status_field(LOG_STATUSES)


class FindingFilterSchema(_FilterSchema):
    status = _status_field(FINDING_STATUSES)


class OrderFilterSchema(_FilterSchema):
    status = _status_field(ORDER_STATUSES)


@dataclass(frozen=True)
class Filters:
    building: int | None = None
    checkpoint: int | None = None
    round: int | None = None
    team: int | None = None
    person: int | None = None
    status: str | None = None
    date_from: date | None = None
    date_to: date | None = None

    def params(self) -> dict[str, str]:
        """The filters in force, as query-string values in the canonical order."""
        values = asdict(self)
        return {name: values[name].isoformat() if isinstance(values[name], date) else str(values[name])
                for name in FILTER_NAMES if values[name] is not None}

    def query_string(self) -> str:
        return urlencode(self.params())

    @property
    def active(self) -> bool:
        return bool(self.params())


def read_filters(schema: type[Schema], args) -> tuple[Filters, dict[str, str]]:
    """The filters of a request, or no filter and the message for each field that was not understood."""
    try:
        return Filters(**schema().load(args.to_dict(flat=True))), {}
    except ValidationError as exc:
        return Filters(), field_errors(exc)
