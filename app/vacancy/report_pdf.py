"""The vacant-unit status table as a PDF in Chinese (A4 landscape, built-in CID font), like the monthly archive."""
from __future__ import annotations

from datetime import datetime

from reportlab.lib.pagesizes import A4, landscape
from reportlab.platypus import Spacer

from app.exports.formatting import record_labels
from app.exports.pdf_common import build_pdf, content_width, fitted_widths, para, record_table, site_frame, wrapped_row
from app.vacancy.report import COLUMNS, DUE_LINE, RETENTION, VacancyTable
from app.vacancy.report_xlsx import key_text

PAGE = landscape(A4)
SIZE = 8
WEIGHTS = (50, 40, 26, 34, 40, 110, 40, 40, 40, 120, 46)
EMPTY = "没有空置房。"
CUT = "单位过多，仅列出前 {count} 套。"


def _area(value: float | None) -> str:
    return "" if value is None else f"{value:.2f}".rstrip("0").rstrip(".")


def vacancy_pdf(site, table: VacancyTable, now: datetime) -> bytes:
    widths = fitted_widths(WEIGHTS, content_width(PAGE))
    statuses = record_labels("unit_status")
    cells = [[row.building, row.number, str(row.floor), _area(row.area_m2), statuses.get(row.status, row.status), row.plans,
              str(row.planned), str(row.done), str(row.open_issues), key_text(row, site.timezone),
              row.last_visit.isoformat() if row.last_visit else ""] for row in table.rows]
    planned, done, issues, keys_out = table.totals
    cells.append(["合计", f"{len(table.rows)} 套", "", "", "", "", str(planned), str(done), str(issues), f"借出 {keys_out} 把", ""])
    story = [para(DUE_LINE.format(due=table.period.due_on.isoformat()), 9), Spacer(1, 4),
             record_table(COLUMNS, [wrapped_row(row, widths, SIZE) for row in cells], widths, size=SIZE)]
    if not table.rows:
        story += [Spacer(1, 6), para(EMPTY, 10)]
    if table.cut:
        story += [Spacer(1, 6), para(CUT.format(count=len(table.rows)), 9)]
    return build_pdf(story, PAGE, site_frame(site, table.period.title, now, RETENTION))
