"""Downloads of the records: the monthly archive (PDF, XLSX), one log as PDF, answers as streamed CSV."""
from __future__ import annotations

import re

from flask import Response, abort, render_template, request, stream_with_context
from flask_babel import gettext as _, lazy_gettext as _l
from flask_login import current_user

from app.auth.guards import get_in_my_sites, role_required
from app.dashboard.filters import read_filters
from app.exports import bp
from app.exports.answers_csv import csv_chunks
from app.exports.archive import archive_months, patrol_rows, problem_rows
from app.exports.archive_pdf import patrol_sheet_pdf, problem_sheet_pdf
from app.exports.archive_xlsx import archive_xlsx
from app.exports.log_pdf import log_pdf as render_log_pdf
from app.exports.log_record import PRINTERS, log_record, may_print_log
from app.exports.months import Month
from app.exports.schemas import AnswerFilterSchema
from app.model_helpers import utcnow
from app.patrols.models import PatrolLog
from app.patrols.schedules import local_today
from app.web import current_site

ARCHIVISTS = ("supervisor", "admin")
FILTER_LABELS = {"building": _l("Building"), "checkpoint": _l("Checkpoint"), "round": _l("Round"), "team": _l("Team"),
                 "person": _l("Person"), "status": _l("Status"), "date_from": _l("From"), "date_to": _l("To")}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _download(body, mimetype: str, filename: str) -> Response:
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "private, no-store"  # records of people's work stay off shared caches
    return response


def _safe(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]+", "_", text)[:40] or "site"


def _current_month() -> Month:
    return Month.of(local_today(current_site().timezone, utcnow()))


def _archive_month(month: str) -> Month:
    """The month in the URL, 404 unless it is a real month up to the site's current one."""
    parsed = Month.parse(month)
    if parsed is None or parsed > _current_month():
        abort(404, description=_("There is no archive for this month: use a month like 2026-05, up to this month."))
    return parsed


@bp.app_template_global()
def can_print_log(log: PatrolLog) -> bool:
    return current_user.is_authenticated and current_user.role in PRINTERS and may_print_log(current_user, log)


@bp.get("/archive")
@role_required(*ARCHIVISTS)
def archive():
    current = _current_month()
    return render_template("exports/archive.html", months=archive_months(current_site(), current), current=current)


@bp.get("/archive/<month>/patrol-logs.pdf")
@role_required(*ARCHIVISTS)
def patrol_sheet(month: str):
    site, parsed = current_site(), _archive_month(month)
    body = patrol_sheet_pdf(site, parsed, patrol_rows(site, parsed), utcnow())
    return _download(body, "application/pdf", f"patrol-logs-{_safe(site.code)}-{parsed}.pdf")


@bp.get("/archive/<month>/problems.pdf")
@role_required(*ARCHIVISTS)
def problem_sheet(month: str):
    site, parsed = current_site(), _archive_month(month)
    body = problem_sheet_pdf(site, parsed, problem_rows(site, parsed), utcnow())
    return _download(body, "application/pdf", f"problems-{_safe(site.code)}-{parsed}.pdf")


@bp.get("/archive/<month>/archive.xlsx")
@role_required(*ARCHIVISTS)
def archive_workbook(month: str):
    site, parsed = current_site(), _archive_month(month)
    body = archive_xlsx(site, parsed, patrol_rows(site, parsed), problem_rows(site, parsed), utcnow())
    return _download(body, XLSX, f"archive-{_safe(site.code)}-{parsed}.xlsx")


@bp.get("/logs/<int:log_id>.pdf")
@role_required(*PRINTERS)
def log_pdf(log_id: int):
    log = get_in_my_sites(PatrolLog, log_id)
    if not may_print_log(current_user, log):
        abort(403, description=_("Patrollers can print only the logs they walked or signed."))
    body = render_log_pdf(log_record(log), utcnow())
    return _download(body, "application/pdf", f"log-{_safe(log.number or str(log.id))}.pdf")


@bp.get("/answers.csv")
@role_required(*ARCHIVISTS)
def answers_csv():
    filters, errors = read_filters(AnswerFilterSchema, request.args)
    if errors:
        abort(400, description="; ".join(f"{FILTER_LABELS.get(name, name)}: {message}" for name, message in errors.items()))
    site = current_site()
    span = f"{filters.date_from or 'start'}-{filters.date_to or 'now'}"
    response = _download(stream_with_context(csv_chunks(site, filters)), "text/csv", f"answers-{_safe(site.code)}-{span}.csv")
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    return response
