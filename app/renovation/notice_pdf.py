"""整改通知 as an A4 PDF in Chinese: the notice handed to the owner and contractor, with the items, the inspector's
notes, photo thumbnails, the deadline and places to sign. Like the other paper records its wording is fixed here."""
from __future__ import annotations

from datetime import datetime

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import Spacer, Table, TableStyle

from app.exports.formatting import local_text
from app.exports.pdf_common import (build_pdf, content_width, facts_table, fitted_widths, para, photo_thumbs,
                                    record_table, site_frame)

PAGE = A4
WIDTH = content_width(PAGE)
THUMB_W = 34 * mm
TITLE = "整改通知书"
SEVERITY = {"major": "重大违章（保存 5 年）", "minor": "一般违章（保存 1 年）"}
STATUS = {"open": "待整改", "closed": "已整改，复查合格", "escalated": "逾期未整改，已上报主管"}
INTRO = ("经管理处装修巡查，{unit} 的装修存在下列违反《装修管理规定》的情况。请业主及装修单位于 {deadline} 前整改完毕，"
         "届时管理处将复查；逾期未整改的，将上报处理，并按规定暂扣装修押金。")
STOP_WORK = "发现危及结构或燃气安全的违章：请立即停止相关施工，待整改复查合格后方可继续。"
ITEM_COLUMNS = ("序号", "违章项目", "巡查记录", "照片")
ITEM_WEIGHTS = (22, 170, 150, 110)
PHOTO_MISSING = "照片文件缺失"
REINSPECTION = "复查：{outcome}（{name}，{at}）"
SIGN_LINES = (("签发人（巡查员）", "{issuer}", "{issued}"), ("业主 / 装修负责人签收", "", ""), ("复查人", "{checker}", "{checked}"))


def _facts(notice, tz: str) -> Table:
    permit = notice.permit
    unit = permit.unit
    pairs = [
        ("通知编号", notice.number), ("签发时间", local_text(notice.issued_at, tz)),
        ("房号", unit.label("zh")), ("装修许可证", permit.number),
        ("业主", permit.owner_name), ("装修单位", permit.contractor_name),
        ("现场负责人", f"{permit.contractor_person} {permit.contractor_phone}"), ("违章程度", SEVERITY[notice.severity]),
        ("整改期限", notice.deadline.isoformat()), ("状态", STATUS[notice.status]),
    ]
    return facts_table(pairs, 55, WIDTH)


def _items(notice) -> Table:
    rows = []
    for number, finding in enumerate(notice.findings, start=1):
        answer = finding.answer
        rows.append([str(number), para(f"{answer.item.code} {answer.item.text_zh}", 8.5),
                     para(finding.problem or "", 8.5), photo_thumbs(answer, THUMB_W, PHOTO_MISSING)])
    return record_table(ITEM_COLUMNS, rows, fitted_widths(ITEM_WEIGHTS, WIDTH), size=8.5)


def _signatures(notice, tz: str) -> Table:
    values = {"issuer": notice.issued_by.full_name, "issued": local_text(notice.issued_at, tz),
              "checker": notice.reinspected_by.full_name if notice.reinspected_by else "",
              "checked": local_text(notice.reinspected_at, tz) if notice.reinspected_at else ""}
    rows = [[para(role, 9), para(name.format(**values) or "", 9), para("日期：" + when.format(**values), 9)]
            for role, name, when in SIGN_LINES]
    table = Table(rows, colWidths=fitted_widths((120, 150, 140), WIDTH), rowHeights=[12 * mm] * len(rows))
    table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.25, colors.HexColor("#9aa5a1")),
                               ("VALIGN", (0, 0), (-1, -1), "MIDDLE")]))
    return table


def notice_pdf(notice, now: datetime) -> bytes:
    site = notice.permit.site
    tz = site.timezone
    story: list = [_facts(notice, tz), Spacer(1, 8),
                   para(INTRO.format(unit=notice.permit.unit.label("zh"), deadline=notice.deadline.isoformat()), 10),
                   Spacer(1, 6)]
    if notice.stop_work:
        story += [para(STOP_WORK, 10, textColor=colors.HexColor("#b3261e")), Spacer(1, 6)]
    story += [_items(notice), Spacer(1, 8)]
    if notice.reinspected_at:
        story += [para(REINSPECTION.format(outcome=STATUS[notice.status], name=notice.reinspected_by.full_name,
                                           at=local_text(notice.reinspected_at, tz)), 9)]
        if notice.reinspection_note:
            story.append(para(notice.reinspection_note, 9))
        story.append(Spacer(1, 8))
    story.append(_signatures(notice, tz))
    return build_pdf(story, PAGE, site_frame(site, f"{TITLE}  {notice.number}", now, notice.number))
