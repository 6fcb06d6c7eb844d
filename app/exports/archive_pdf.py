"""The month's two record sheets as PDF: the patrol record sheet and the problem-handling sheet (A4 landscape)."""
from __future__ import annotations

from datetime import datetime

from reportlab.lib.pagesizes import A4, landscape
from reportlab.platypus import Spacer

from app.exports.archive import FindingRow, LogRow
from app.exports.formatting import local_text, record_labels, score_text
from app.exports.months import Month
from app.exports.pdf_common import build_pdf, content_width, fitted_widths, para, record_table, site_frame, wrapped_row
from app.exports.wording import (EMPTY_MONTH, MONTH, PATROL_COLUMNS, PATROL_SHEET, PROBLEM_COLUMNS, PROBLEM_SHEET,
                                 RETENTION)
from app.i18n import to_local
from app.sites.models import Site

PAGE = landscape(A4)
WIDTH = content_width(PAGE)
SIZE = 7.5
PATROL_WEIGHTS = (66, 34, 120, 70, 40, 40, 40, 48, 48, 52, 32, 32, 32, 26)
PROBLEM_WEIGHTS = (64, 40, 78, 84, 88, 36, 60, 34, 40, 64, 36, 44, 34, 40, 34, 40)


def _when(value: datetime | None, tz: str) -> str:
    return local_text(value, tz, "%m-%d\n%H:%M")


def _clock(value: datetime | None, row: LogRow, tz: str) -> str:
    """The time alone when it falls on the log's own day, else with its date."""
    if value is None:
        return ""
    return local_text(value, tz, "%H:%M" if to_local(value, tz).date() == row.local_date else "%m-%d %H:%M")


def _count(value: int, shown: bool) -> str:
    return str(value) if shown else ""


def _patrol_cells(row: LogRow, tz: str, statuses: dict[str, str]) -> list[str]:
    started = row.number is not None
    return [row.number or "—", row.local_date.strftime("%m-%d"), row.round_name, row.window_text(tz), row.patroller,
            row.witness, row.reviewer, _clock(row.started_at, row, tz), _clock(row.submitted_at, row, tz),
            statuses.get(row.status, row.status), score_text(row.shown_score), _count(row.answers, started),
            _count(row.failures, started), _count(row.corrections, row.corrections > 0)]


def _sheet(site: Site, month: Month, title: str, columns, weights, cells: list[list[str]], now: datetime) -> bytes:
    widths = fitted_widths(weights, WIDTH)
    story = [record_table(columns, [wrapped_row(row, widths, SIZE) for row in cells], widths, size=SIZE)]
    if not cells:
        story += [Spacer(1, 6), para(EMPTY_MONTH, 10)]
    frame = site_frame(site, f"{title}  {MONTH.format(year=month.year, month=month.month)}", now, RETENTION)
    return build_pdf(story, PAGE, frame)


def patrol_sheet_pdf(site: Site, month: Month, rows: list[LogRow], now: datetime) -> bytes:
    """Every log of the month: number, round, window, people, times, status, score, answers, failures, corrections."""
    statuses = record_labels("log_status")
    cells = [_patrol_cells(row, site.timezone, statuses) for row in rows]
    return _sheet(site, month, PATROL_SHEET, PATROL_COLUMNS, PATROL_WEIGHTS, cells, now)


def _decision(row: FindingRow, statuses: dict[str, str]) -> str:
    text = statuses.get(row.status, row.status)
    return f"{text}：{row.reject_reason}" if row.reject_reason else text


def _problem_cells(row: FindingRow, tz: str, labels: dict[str, dict[str, str]]) -> list[str]:
    order_status = labels["work_order_status"].get(row.work_order_status or "", row.work_order_status or "")
    return [row.log_number or "", _when(row.created_at, tz), row.checkpoint, row.item, row.problem or "",
            labels["severity"].get(row.severity, row.severity), _decision(row, labels["finding_status"]),
            row.decided_by or "", _when(row.decided_at, tz), row.work_order or "", row.team or "", order_status,
            row.done_by or "", _when(row.done_at, tz), row.verified_by or "", _when(row.verified_at, tz)]


def problem_sheet_pdf(site: Site, month: Month, rows: list[FindingRow], now: datetime) -> bytes:
    """Every finding of the month's logs: the decision, the work order, who fixed it and who verified it, and when."""
    labels = {kind: record_labels(kind) for kind in ("severity", "finding_status", "work_order_status")}
    cells = [_problem_cells(row, site.timezone, labels) for row in rows]
    return _sheet(site, month, PROBLEM_SHEET, PROBLEM_COLUMNS, PROBLEM_WEIGHTS, cells, now)
