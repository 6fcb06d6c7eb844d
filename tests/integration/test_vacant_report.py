"""The vacant-unit status table (空置房动态表): per unit visits done against the plan, open issues and keys; due by
the 5th of the next month; as XLSX and PDF that read back; the half-year summary; for supervisors and admins."""
from __future__ import annotations

import io
from datetime import date, datetime, timedelta

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import func, select

from app.audit.models import AuditEvent
from app.auth.models import User
from app.extensions import db
from app.findings.models import Finding
from app.model_helpers import utcnow
from app.patrols.models import Answer, Visit
from app.patrols.schedules import local_today
from app.sites.models import Site, Unit
from app.vacancy.models import KeyLoan
from app.vacancy.report import COLUMNS, Period, deadline, note_issued, vacant_table
from app.vacancy.report_pdf import vacancy_pdf
from app.vacancy.report_xlsx import vacancy_xlsx
from app.vacancy.schedule import PlanItem, Seasons, planned_visits
from app.vacancy.upkeep import request_cleaning
from tests.conftest import login
from tests.integration.test_vacant_schedule import record_visit
from tests.integration.vacancy_world import ALL_ITEMS, build_vacant_world, user_id

YEAR = 2026
NOW = datetime(YEAR, 4, 2, 2, 0)  # 10:00 in Shanghai on 2 April: March's table is due on the 5th


@pytest.fixture
def world(app):
    return build_vacant_world(app, year=YEAR, window_now=False)


@pytest.fixture
def march(ctx, world):
    """Unit 501 visited twice in March with a mould finding still open; 602 not visited, a cleaning task open and
    its key out for five days."""
    a, b = world.vacant_ids
    record_visit(world, [a], date(YEAR, 3, 2), results={"VAC-03": "fail"})
    record_visit(world, [a], date(YEAR, 3, 9))
    failed = db.session.scalar(select(Answer).where(Answer.result == "fail"))
    visit = db.session.get(Visit, failed.visit_id)
    db.session.add(Finding(site_id=world.site_id, answer_id=failed.id, checkpoint_id=visit.checkpoint_id,
                           item_code="VAC-03", severity="minor"))
    site = db.session.get(Site, world.site_id)
    patroller = db.session.scalar(select(User).where(User.username == world.patroller))
    request_cleaning(db.session.get(Unit, b), site, patroller, None, NOW - timedelta(days=1))
    db.session.add(KeyLoan(site_id=world.site_id, unit_id=b, borrower_name="王师傅", borrower_phone="139-0000-5678",
                           purpose="开荒保洁", borrowed_at=NOW - timedelta(days=5), expected_return_at=NOW - timedelta(days=4),
                           lent_by_id=user_id(world.supervisor)))
    db.session.commit()
    return site


def _expected_planned(first: date, last: date) -> int:
    items = [PlanItem(code, f, s) for code, f, s in ALL_ITEMS]
    return len(planned_visits(items, {}, first, last, Seasons()))


def test_the_month_s_rows(march, world):
    table = vacant_table(march, Period.month(YEAR, 3), NOW)
    by_number = {row.number: row for row in table.rows}
    assert set(by_number) == {"501", "602"}  # the occupied unit is not in the table
    a, b = by_number["501"], by_number["602"]
    assert (a.status, a.done, a.open_findings, a.open_orders, a.key_borrower) == ("vacant", 2, 1, 0, None)
    assert a.last_visit == date(YEAR, 3, 9) and a.plans == "测试养护计划"
    assert (b.status, b.done, b.open_findings, b.open_orders, b.key_borrower, b.key_overdue) == \
        ("sold_vacant", 0, 0, 1, "王师傅", True)
    assert b.planned == _expected_planned(date(YEAR, 3, 1), date(YEAR, 3, 31)) == 5  # weekly items: every 7 days
    assert a.planned == 5
    assert table.totals == (10, 2, 2, 1)


def test_the_half_year_sums_six_months(march, world):
    table = vacant_table(march, Period.half(YEAR, 1), NOW)
    b = next(row for row in table.rows if row.number == "602")
    assert b.planned == _expected_planned(date(YEAR, 1, 1), date(YEAR, 6, 30))
    assert next(row for row in table.rows if row.number == "501").done == 2
    assert Period.half(YEAR, 1).due_on == date(YEAR, 7, 5) and Period.half(YEAR, 2).due_on == date(YEAR + 1, 1, 5)


def test_the_workbook_reads_back(march, world):
    table = vacant_table(march, Period.month(YEAR, 3), NOW)
    book = load_workbook(io.BytesIO(vacancy_xlsx(march, table, NOW)))
    sheet = book.active
    rows = list(sheet.iter_rows(values_only=True))
    assert "空置房动态表  2026 年 03 月" in rows[0][0] and "报送期限：2026-04-05" in rows[0][0]
    assert rows[1] == COLUMNS
    assert rows[2][:9] == ("B3栋", "501", 5, 98.5, "空置", "测试养护计划", 5, 2, 1)
    assert rows[2][9] == "在柜" and rows[2][10].date() == date(YEAR, 3, 9)
    assert rows[3][:9] == ("B3栋", "602", 6, 98.5, "已售空置", "测试养护计划", 5, 0, 1)
    assert rows[3][9].startswith("超期未还：王师傅")
    assert rows[4][0] == "合计" and rows[4][6:9] == (10, 2, 2)


def test_the_pdf_reads_back_in_chinese(march, world):
    table = vacant_table(march, Period.month(YEAR, 3), NOW)
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(vacancy_pdf(march, table, NOW))).pages)
    compact = text.replace(" ", "").replace("\n", "")
    for expected in ("空置房动态表", "2026年03月", "报送期限：2026-04-05", "B3栋", "501", "602", "超期未还", "王师傅",
                     "合计", "第1页/共1页"):
        assert expected in compact, expected


def test_due_by_the_fifth_and_late_after_it(march, world):
    march_period = Period.month(YEAR, 3)
    assert march_period.due_on == date(YEAR, 4, 5)
    assert deadline(march, march_period, NOW).late is False
    assert deadline(march, march_period, datetime(YEAR, 4, 6, 2, 0)).late is True  # 6 April, not handed in
    user = db.session.scalar(select(User).where(User.username == world.supervisor))
    note_issued(march, march_period, user, datetime(YEAR, 3, 20, 2, 0), "xlsx")  # mid-month: a preview, not issued
    assert deadline(march, march_period, NOW).issued is None
    note_issued(march, march_period, user, NOW, "pdf")
    note_issued(march, march_period, user, NOW + timedelta(days=1), "pdf")  # later downloads change nothing
    state = deadline(march, march_period, datetime(YEAR, 4, 20, 2, 0))
    assert state.issued is not None and state.late is False
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "vacancy_table_issued")) == 1
    february = Period.month(YEAR, 2)
    note_issued(march, february, user, NOW, "xlsx")  # February's table handed in on 2 April: late
    assert deadline(march, february, NOW).late is True


def test_downloads_and_page_for_supervisors_and_admins(app, client, world):
    today = local_today("Asia/Shanghai", utcnow())
    last_month = (today.replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
    login(client, world.supervisor)
    page = client.get("/vacancy/report")
    assert page.status_code == 200 and "空置房动态表" in page.get_data(as_text=True)
    assert "B3栋 501" in page.get_data(as_text=True) and "B3栋 201" not in page.get_data(as_text=True)
    xlsx = client.get(f"/vacancy/report/{last_month}.xlsx")
    assert xlsx.status_code == 200 and xlsx.headers["Content-Disposition"].endswith(f'vacant-units-{last_month}.xlsx"')
    assert load_workbook(io.BytesIO(xlsx.data)).active["A2"].value == "楼栋"
    pdf = client.get(f"/vacancy/report/{today.year}-H{1 if today.month <= 6 else 2}.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    after = client.get(f"/vacancy/report?period={last_month}").get_data(as_text=True)
    assert "已于" in after  # the first download after the month counts as handing it in
    for bad in ("2026-13", "abc", "1999-H1", f"{today.year + 1}-01", "2026-H3"):
        assert client.get(f"/vacancy/report/{bad}.pdf").status_code == 404, bad
    login(client, world.admin)
    assert client.get("/vacancy/report").status_code == 200
    login(client, world.patroller)
    assert client.get("/vacancy/report").status_code == 403
    assert client.get(f"/vacancy/report/{last_month}.xlsx").status_code == 403
