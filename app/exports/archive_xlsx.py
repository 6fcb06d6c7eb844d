"""The month's two record sheets as one workbook, written row by row (openpyxl write-only) for big months."""
from __future__ import annotations

import io
from datetime import datetime

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill

from app.exports.archive import FindingRow, LogRow
from app.exports.formatting import local_naive, local_text, record_labels
from app.exports.months import Month
from app.exports.wording import MONTH, PATROL_COLUMNS, PATROL_SHEET, PROBLEM_COLUMNS, PROBLEM_SHEET
from app.sites.models import Site

PATROL_WIDTHS = (17, 11, 24, 16, 10, 10, 10, 17, 17, 12, 8, 8, 8, 6)
PROBLEM_WIDTHS = (17, 17, 26, 30, 36, 8, 24, 10, 17, 17, 10, 14, 10, 17, 10, 17)
TIME_FORMAT = "yyyy-mm-dd hh:mm"
HEAD_FONT = Font(bold=True, color="FFFFFF")
HEAD_FILL = PatternFill("solid", fgColor="0F5C4D")


def _sheet(book: Workbook, title: str, columns: tuple[str, ...], widths: tuple[int, ...], caption: str):
    sheet = book.create_sheet(title)
    for index, width in enumerate(widths):
        sheet.column_dimensions[chr(ord("A") + index)].width = width
    sheet.freeze_panes = "A3"
    sheet.append([caption])
    head = []
    for text in columns:
        cell = WriteOnlyCell(sheet, value=text)
        cell.font, cell.fill, cell.alignment = HEAD_FONT, HEAD_FILL, Alignment(wrap_text=True)
        head.append(cell)
    sheet.append(head)
    return sheet


def _formatted(sheet, value, number_format: str):
    cell = WriteOnlyCell(sheet, value=value)
    if value is not None:
        cell.number_format = number_format
    return cell


def _patrol_rows(sheet, rows: list[LogRow], tz: str) -> None:
    statuses = record_labels("log_status")
    for row in rows:
        started = row.number is not None
        sheet.append([
            row.number, _formatted(sheet, row.local_date, "yyyy-mm-dd"), row.round_name, row.window_text(tz),
            row.patroller or None, row.witness or None, row.reviewer or None,
            _formatted(sheet, local_naive(row.started_at, tz), TIME_FORMAT),
            _formatted(sheet, local_naive(row.submitted_at, tz), TIME_FORMAT),
            statuses.get(row.status, row.status), _formatted(sheet, row.shown_score, "0%"),
            row.answers if started else None, row.failures if started else None, row.corrections or None,
        ])


def _problem_rows(sheet, rows: list[FindingRow], tz: str) -> None:
    labels = {kind: record_labels(kind) for kind in ("severity", "finding_status", "work_order_status")}
    for row in rows:
        sheet.append([
            row.log_number, _formatted(sheet, local_naive(row.created_at, tz), TIME_FORMAT), row.checkpoint, row.item,
            row.problem, labels["severity"].get(row.severity, row.severity),
            labels["finding_status"].get(row.status, row.status) + (f"：{row.reject_reason}" if row.reject_reason else ""),
            row.decided_by, _formatted(sheet, local_naive(row.decided_at, tz), TIME_FORMAT), row.work_order, row.team,
            labels["work_order_status"].get(row.work_order_status, row.work_order_status) if row.work_order_status else None,
            row.done_by, _formatted(sheet, local_naive(row.done_at, tz), TIME_FORMAT), row.verified_by,
            _formatted(sheet, local_naive(row.verified_at, tz), TIME_FORMAT),
        ])


def archive_xlsx(site: Site, month: Month, logs: list[LogRow], findings: list[FindingRow], now: datetime) -> bytes:
    """Sheet 1 the patrol record sheet, sheet 2 the problem-handling sheet; times in the site's local time."""
    book = Workbook(write_only=True)
    caption = f"{site.name_zh}  {MONTH.format(year=month.year, month=month.month)}  ({local_text(now, site.timezone)})"
    _patrol_rows(_sheet(book, PATROL_SHEET, PATROL_COLUMNS, PATROL_WIDTHS, caption), logs, site.timezone)
    _problem_rows(_sheet(book, PROBLEM_SHEET, PROBLEM_COLUMNS, PROBLEM_WIDTHS, caption), findings, site.timezone)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
