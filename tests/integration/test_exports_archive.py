"""The monthly archive (002 §4.11): patrol record sheet and problem-handling sheet as Chinese PDFs and one workbook."""
from __future__ import annotations

import io
import re
from datetime import date, datetime

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import func, select

from app.demo.builder import build_demo
from app.extensions import db
from app.findings.models import Finding
from app.patrols.models import Answer, PatrolLog, Visit
from app.work_orders.models import WorkOrder
from tests.conftest import login
from tests.integration.export_world import MONTH, add_signed_correction, build_export_world

DEMO_NOW = datetime(2026, 10, 5, 4, 0)  # noon in Shanghai; ten days back reaches into September
SEPTEMBER, SEPT_END = date(2026, 9, 1), date(2026, 9, 30)  # the demo's renovations reach back to August
PAGE = re.compile(r"第 (\d+) 页 / 共 (\d+) 页")


def pdf_pages(data: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(data)).pages]


def assert_numbered(pages: list[str]) -> None:
    """Every page says 第 N 页 / 共 M 页 with its own number and the true total."""
    for number, text in enumerate(pages, start=1):
        assert PAGE.search(text).groups() == (str(number), str(len(pages))), text[-200:]


def workbook(data: bytes):
    return load_workbook(io.BytesIO(data), read_only=True)


def sheet_rows(book, index: int) -> list[tuple]:
    return list(book.worksheets[index].iter_rows(min_row=3, values_only=True))


def _download(client, path: str, mimetype: str) -> bytes:
    response = client.get(path)
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert response.mimetype == mimetype
    assert response.headers["Content-Disposition"].startswith("attachment; filename=")
    return response.data


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def test_demo_month_archive_lists_every_log_and_finding(app, client):
    with app.app_context():
        site = build_demo(now=DEMO_NOW, days=10)
        logs = db.session.execute(select(PatrolLog.number, PatrolLog.status).where(
            PatrolLog.site_id == site.id, PatrolLog.local_date.between(date(2026, 9, 1), date(2026, 9, 30)))).all()
        failures = dict(db.session.execute(
            select(PatrolLog.number, func.count(Answer.id)).join(Visit, Visit.log_id == PatrolLog.id)
            .join(Answer, Answer.visit_id == Visit.id)
            .where(Answer.result == "fail", PatrolLog.local_date.between(SEPTEMBER, SEPT_END))
            .group_by(PatrolLog.number)).all())
        orders = db.session.execute(
            select(WorkOrder.number, WorkOrder.status).join(Finding, Finding.work_order_id == WorkOrder.id)
            .join(Answer, Finding.answer_id == Answer.id).join(Visit).join(PatrolLog)
            .where(PatrolLog.local_date.between(SEPTEMBER, SEPT_END))).all()
        findings = db.session.scalar(select(func.count(Finding.id)).join(Answer).join(Visit).join(PatrolLog)
                                     .where(PatrolLog.local_date.between(SEPTEMBER, SEPT_END)))
    assert login(client, "super1", "demo-pass").status_code == 303
    page = client.get("/exports/archive").get_data(as_text=True)
    assert "/exports/archive/2026-09/patrol-logs.pdf" in page and "/exports/archive/2026-10/archive.xlsx" in page

    pages = pdf_pages(_download(client, "/exports/archive/2026-09/patrol-logs.pdf", "application/pdf"))
    text = "\n".join(pages)
    assert "示例花园" in pages[0] and "巡查记录表" in pages[0] and "2026 年 09 月" in pages[0]
    assert_numbered(pages)
    numbers = [number for number, _status in logs if number]
    assert numbers and all(number in text for number in numbers)
    assert text.count("漏检") == sum(1 for _n, status in logs if status == "missed")
    assert "张伟" in text and "李娜" in text and "王芳" in text  # patroller, witness, reviewer

    problems = pdf_pages(_download(client, "/exports/archive/2026-09/problems.pdf", "application/pdf"))
    assert "问题处理记录表" in problems[0]
    assert_numbered(problems)
    assert findings and all(number in "\n".join(problems) for number, _status in orders)

    book = workbook(_download(client, "/exports/archive/2026-09/archive.xlsx", XLSX))
    assert book.sheetnames == ["巡查记录表", "问题处理记录表"]
    rows = sheet_rows(book, 0)
    assert len(rows) == len(logs)
    assert {row[0]: row[12] for row in rows if row[0]} == {number: failures.get(number, 0) for number in numbers}
    assert len(sheet_rows(book, 1)) == findings


def test_workbook_columns_hold_people_times_and_the_fix(app, client):
    world = build_export_world(app)
    login(client, "boss")
    book = workbook(_download(client, f"/exports/archive/{MONTH}/archive.xlsx", XLSX))
    logs = sheet_rows(book, 0)
    assert [row[0] for row in logs] == world.numbers
    first = logs[0]
    assert first[2] == "1栋每日楼宇巡查" and (first[4], first[5]) == ("张伟", "李娜")
    assert first[7] == datetime(2026, 9, 14, 9, 5)  # started, in Shanghai time
    assert first[9] == "已签名" and first[12] == 1 and logs[1][12] == 0
    assert first[10] == pytest.approx((first[11] - 1) / first[11], abs=1e-4)  # score: passed of pass + fail
    (problem,) = sheet_rows(book, 1)
    assert problem[0] == world.numbers[0] and problem[2].startswith("B1-S01")
    assert problem[4] == "墙面批荡起皮脱落约 0.5 平方米"
    assert (problem[6], problem[7]) == ("已批准", "王芳")
    assert (problem[9], problem[10], problem[11]) == (world.order_number, "engineering", "已关闭")
    assert (problem[12], problem[14]) == ("刘强", "王芳")  # fixed by, verified by: two people
    assert problem[13] < problem[15]


def test_a_signed_correction_changes_the_failure_count(app, client):
    world = build_export_world(app)
    add_signed_correction(app, world.log_ids[1], _answer_of(app, world.log_ids[1]))
    login(client, "boss")
    logs = sheet_rows(workbook(_download(client, f"/exports/archive/{MONTH}/archive.xlsx", XLSX)), 0)
    assert (logs[1][12], logs[1][13]) == (1, 1)  # one failure now, one correction


def _answer_of(app, log_id: int) -> int:
    with app.app_context():
        return db.session.scalar(select(Answer.id).join(Visit).where(Visit.log_id == log_id, Answer.result == "pass")
                                 .order_by(Answer.id).limit(1))


def test_a_month_without_logs_gives_valid_empty_documents(app, client, login_as):
    login_as("supervisor")
    for name in ("patrol-logs.pdf", "problems.pdf"):
        pages = pdf_pages(_download(client, f"/exports/archive/2025-01/{name}", "application/pdf"))
        assert len(pages) == 1 and "本月没有记录" in pages[0] and "第 1 页 / 共 1 页" in pages[0]
    book = workbook(_download(client, "/exports/archive/2025-01/archive.xlsx", XLSX))
    assert sheet_rows(book, 0) == [] and sheet_rows(book, 1) == []
    assert next(book.worksheets[0].iter_rows(min_row=2, max_row=2, values_only=True))[0] == "日志编号"


def test_another_sites_supervisor_gets_only_their_own_month(app, client, login_as):
    world = build_export_world(app)
    login_as("supervisor")
    book = workbook(_download(client, f"/exports/archive/{MONTH}/archive.xlsx", XLSX))
    assert sheet_rows(book, 0) == [] and world.numbers


@pytest.mark.parametrize("month", ["2026-13", "2026-00", "2026-9", "abcd", "1999-12", "2999-01", "2026-09-01", "%00"])
def test_a_bad_month_is_not_found(client, login_as, month):
    login_as("admin")
    for name in ("patrol-logs.pdf", "problems.pdf", "archive.xlsx"):
        assert client.get(f"/exports/archive/{month}/{name}").status_code == 404, (month, name)


@pytest.mark.parametrize("role, status", [("patroller", 403), ("maintenance", 403), ("supervisor", 200), ("admin", 200)])
def test_only_supervisors_and_admins_open_the_archive(client, login_as, role, status):
    login_as(role)
    assert client.get("/exports/archive").status_code == status
    assert client.get(f"/exports/archive/{MONTH}/patrol-logs.pdf").status_code == status


def test_the_logs_page_links_to_the_archive(client, login_as):
    login_as("supervisor")
    assert "/exports/archive" in client.get("/patrol/logs").get_data(as_text=True)


def test_archive_queries_do_not_grow_with_the_month(app):
    """A big month costs the same few queries as a small one: counts come from SQL, not from loading answers."""
    from sqlalchemy import event

    from app.exports.archive import patrol_rows, problem_rows
    from app.exports.months import Month
    from app.sites.models import Site
    from tests.integration.export_world import add_logs

    world = build_export_world(app)

    def queries() -> int:
        statements = []
        with app.app_context():
            site = db.session.get(Site, world.site_id)
            listener = lambda *args: statements.append(args[2])  # noqa: E731
            event.listen(db.engine, "before_cursor_execute", listener)
            try:
                patrol_rows(site, Month(2026, 9))
                problem_rows(site, Month(2026, 9))
            finally:
                event.remove(db.engine, "before_cursor_execute", listener)
        return len(statements)

    small = queries()
    add_logs(app, world.site_id, 6)
    add_signed_correction(app, world.log_ids[0], world.passed_answer_id)
    assert queries() == small <= 7
