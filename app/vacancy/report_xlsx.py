"""The vacant-unit status table as a workbook (openpyxl): a caption with the due date, the columns, a total row."""
from __future__ import annotations

import io
from datetime import datetime

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill

from app.exports.formatting import local_text, record_labels
from app.vacancy.report import COLUMNS, DUE_LINE, KEY_IN, KEY_OUT, KEY_OVERDUE, VacancyTable

WIDTHS = (12, 10, 6, 10, 10, 28, 13, 13, 11, 30, 12)
HEAD_FONT = Font(bold=True, color="FFFFFF")
HEAD_FILL = PatternFill("solid", fgColor="0F5C4D")


def key_text(row, tz: str) -> str:
    if not row.key_borrower:
        return KEY_IN
    since = local_text(row.key_since, tz, "%m-%d")
    return (KEY_OVERDUE if row.key_overdue else KEY_OUT).format(name=row.key_borrower, since=since)


def vacancy_xlsx(site, table: VacancyTable, now: datetime) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet(table.period.slug)
    for index, width in enumerate(WIDTHS):
        sheet.column_dimensions[chr(ord("A") + index)].width = width
    sheet.freeze_panes = "A3"
    sheet.append([f"{site.name_zh}  {table.period.title}  {DUE_LINE.format(due=table.period.due_on.isoformat())}  "
                  f"({local_text(now, site.timezone)})"])
    head = []
    for text in COLUMNS:
        cell = WriteOnlyCell(sheet, value=text)
        cell.font, cell.fill, cell.alignment = HEAD_FONT, HEAD_FILL, Alignment(wrap_text=True)
        head.append(cell)
    sheet.append(head)
    statuses = record_labels("unit_status")
    for row in table.rows:
        last = WriteOnlyCell(sheet, value=row.last_visit)
        if row.last_visit is not None:
            last.number_format = "yyyy-mm-dd"
        sheet.append([row.building, row.number, row.floor, row.area_m2, statuses.get(row.status, row.status), row.plans or None,
                      row.planned, row.done, row.open_issues, key_text(row, site.timezone), last])
    planned, done, issues, keys_out = table.totals
    sheet.append(["合计", f"{len(table.rows)} 套", None, None, None, None, planned, done, issues, f"借出 {keys_out} 把", None])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


