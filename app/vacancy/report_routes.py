"""The vacant-unit status table for supervisors and admins: on screen, as XLSX and as PDF, by month or half year."""
from __future__ import annotations

import re

from flask import Response, abort, render_template, request
from flask_babel import gettext as _
from flask_login import current_user

from app.auth.guards import role_required
from app.exports.months import Month
from app.model_helpers import utcnow
from app.patrols.schedules import local_today
from app.vacancy import bp
from app.vacancy.report import Period, deadline, note_issued, vacant_table
from app.vacancy.report_pdf import vacancy_pdf
from app.vacancy.report_xlsx import vacancy_xlsx
from app.web import current_site

REPORTERS = ("supervisor", "admin")
HALF = re.compile(r"([0-9]{4})-H([12])")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _today():
    return local_today(current_site().timezone, utcnow())


def _period(text: str | None) -> Period:
    """'2026-11' or '2026-H2', up to the current one; the last full month when absent; 404 otherwise."""
    today = _today()
    if not text:
        last = Month.of(today).previous()
        return Period.month(last.year, last.month)
    half = HALF.fullmatch(text)
    if half and 2000 <= int(half.group(1)):
        period = Period.half(int(half.group(1)), int(half.group(2)))
    else:
        month = Month.parse(text)
        if month is None:
            abort(404, description=_("Use a month like 2026-05 or a half year like 2026-H1."))
        period = Period.month(month.year, month.month)
    if period.first > today:
        abort(404, description=_("This period has not begun yet."))
    return period


def _choices(today) -> list[Period]:
    month, periods = Month.of(today), []
    for _step in range(12):
        periods.append(Period.month(month.year, month.month))
        month = month.previous()
    halves = [Period.half(today.year, 2), Period.half(today.year, 1), Period.half(today.year - 1, 2)]
    return periods + [half for half in halves if half.first <= today]


@bp.get("/report")
@role_required(*REPORTERS)
def report():
    site, now = current_site(), utcnow()
    period = _period(request.args.get("period"))
    return render_template("vacancy/report.html", table=vacant_table(site, period, now), period=period,
                           deadline=deadline(site, period, now), choices=_choices(_today()), now=now)


def _download(body: bytes, mimetype: str, filename: str) -> Response:
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/report/<period>.xlsx")
@role_required(*REPORTERS)
def report_xlsx(period: str):
    site, now, chosen = current_site(), utcnow(), _period(period)
    body = vacancy_xlsx(site, vacant_table(site, chosen, now), now)
    note_issued(site, chosen, current_user, now, "xlsx")
    return _download(body, XLSX, f"vacant-units-{chosen.slug}.xlsx")


@bp.get("/report/<period>.pdf")
@role_required(*REPORTERS)
def report_pdf(period: str):
    site, now, chosen = current_site(), utcnow(), _period(period)
    body = vacancy_pdf(site, vacant_table(site, chosen, now), now)
    note_issued(site, chosen, current_user, now, "pdf")
    return _download(body, "application/pdf", f"vacant-units-{chosen.slug}.pdf")
