"""One patrol log as an A4 PDF: its facts, every checkpoint and answer with photo thumbnails, signatures, corrections."""
from __future__ import annotations

from datetime import datetime

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import Spacer, Table, TableStyle

from app.exports.formatting import local_text, number_text, record_labels, score_text, window_text
from app.exports.log_record import LogRecord
from app.exports.pdf_common import (build_pdf, content_width, facts_table, fitted_widths, para, photo_thumbs,
                                    record_table, site_frame)
from app.exports import wording as w

PAGE = A4
WIDTH = content_width(PAGE)
ITEM_WEIGHTS = (22, 190, 38, 166, 110)
SIGNATURE_WEIGHTS = (56, 50, 70, 50, 80, 90)
THUMB_W = 36 * mm
RESULT_COLOURS = {"fail": "#b3261e", "na": "#666666", "pass": "#0f5c4d"}


def _labels() -> dict[str, dict[str, str]]:
    kinds = ("result", "log_status", "visit_method", "visit_flag", "meaning", "role", "amendment_status")
    return {kind: record_labels(kind) for kind in kinds}


def answer_details(item, value) -> list[str]:
    """What an answer or a correction says beyond its result: reading with unit, written text, note or N/A reason."""
    parts = []
    if value.number_value is not None:
        parts.append(f"{number_text(value.number_value)} {item.unit or ''}".strip())
    if value.text_value:
        parts.append(value.text_value)
    if value.note:
        parts.append(w.NOTE.format(text=value.note))
    if value.na_reason:
        parts.append(w.NA_REASON.format(text=value.na_reason))
    return parts


def answer_text(item, value, results: dict[str, str]) -> str:
    return "，".join([results.get(value.result, value.result), *answer_details(item, value)])


def _facts(record: LogRecord, labels, tz: str) -> Table:
    log = record.log
    pairs = [
        (w.LOG_FACTS["number"], log.number or "—"), (w.LOG_FACTS["status"], labels["log_status"].get(log.status, log.status)),
        (w.LOG_FACTS["round"], log.round.name_zh), (w.LOG_FACTS["date"], log.local_date.isoformat()),
        (w.LOG_FACTS["window"], window_text(log.window_starts_at, log.window_ends_at, tz)),
        (w.LOG_FACTS["patroller"], log.started_by.full_name if log.started_by else ""),
        (w.LOG_FACTS["started"], local_text(log.started_at, tz)), (w.LOG_FACTS["submitted"], local_text(log.submitted_at, tz)),
        (w.LOG_FACTS["score"], score_text(record.score)), (w.LOG_FACTS["failures"], str(record.failures)),
    ]
    return facts_table(pairs, 60, WIDTH)


def _answer_cell(record: LogRecord, answer, results) -> list:
    fix = record.corrected.get(answer.id)
    if not fix:
        return [para("\n".join(answer_details(answer.item, answer)), 7.5)]
    change, number = fix
    return [para(w.ORIGINAL.format(text=answer_text(answer.item, answer, results)), 7.5),
            para(w.CORRECTED.format(number=number) + "\n" + answer_text(answer.item, change, results), 7.5,
                 textColor=colors.HexColor("#8a5a00"))]


def _result(record: LogRecord, answer, results):
    shown = record.result_of(answer)
    colour = RESULT_COLOURS.get(shown, "#000000")
    return para(results.get(shown, shown), 8, textColor=colors.HexColor(colour))


def _visit(record: LogRecord, visit, labels, tz: str) -> list:
    results = labels["result"]
    line = w.VISITED.format(at=local_text(visit.scanned_at, tz), method=labels["visit_method"].get(visit.method, visit.method))
    extras = [w.MANUAL_REASON.format(reason=visit.manual_reason)] if visit.manual_reason else []
    if visit.accuracy_m is not None:
        extras.append(w.ACCURACY.format(metres=round(visit.accuracy_m)))
    extras += [labels["visit_flag"].get(flag, flag) for flag in (visit.flags or "").split(",") if flag]
    rows = [[str(n), para(f"{answer.item.code} {answer.item.text_zh}", 7.5), _result(record, answer, results),
             _answer_cell(record, answer, results), photo_thumbs(answer, THUMB_W, w.PHOTO_MISSING)]
            for n, answer in enumerate(visit.answers, start=1)]
    title = [para(f"{visit.checkpoint.code}  {visit.checkpoint.name_zh}", 10),
             para(w.LIST_SEP.join([line, *extras]), 7.5, textColor=colors.HexColor("#444444"))]
    return [visit_table(title, rows), Spacer(1, 8)]


def visit_table(title: list, rows: list[list]) -> Table:
    """One checkpoint: its name and visit line across the top, then the items; both repeat when the table breaks."""
    table = record_table(w.ITEM_COLUMNS, rows, fitted_widths(ITEM_WEIGHTS, WIDTH), repeat=2,
                         title=[title, "", "", "", ""])
    table.setStyle(TableStyle([("SPAN", (0, 0), (-1, 0)), ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e3ebe8"))]))
    return table


def _signatures(record: LogRecord, labels, tz: str) -> list:
    story = [para(w.SIGNATURES, 11), Spacer(1, 3)]
    if not record.signatures:
        return [*story, para(w.NO_SIGNATURES, 9)]
    rows = [[w.STAGE_AMENDMENT.format(number=s.amendment_no) if s.amendment_no else w.STAGE_ORIGINAL,
             labels["meaning"].get(s.meaning, s.meaning), para(s.full_name), labels["role"].get(s.role, s.role),
             local_text(s.signed_at, tz),
             para(w.SIGNATURE_VALID if valid else w.SIGNATURE_INVALID, 7.5,
                  textColor=colors.HexColor("#0f5c4d" if valid else "#b3261e"))]
            for s, valid in record.signatures]
    return [*story, record_table(w.SIGNATURE_COLUMNS, rows, fitted_widths(SIGNATURE_WEIGHTS, WIDTH), size=8)]


def _amendments(record: LogRecord, labels, tz: str) -> list:
    if not record.amendments:
        return []
    results = labels["result"]
    story = [Spacer(1, 8), para(w.AMENDMENTS, 11), Spacer(1, 3)]
    for amendment in record.amendments:
        status = labels["amendment_status"].get(amendment.status, amendment.status)
        story.append(para(w.AMENDMENT_HEAD.format(number=amendment.number, status=status), 9.5))
        if amendment.returned_note:
            story.append(para(w.AMENDMENT_RETURNED.format(name=amendment.returned_by.full_name if amendment.returned_by else "",
                                                          at=local_text(amendment.created_at, tz), text=amendment.returned_note), 8))
        if amendment.reason:
            story.append(para(w.AMENDMENT_REASON.format(text=amendment.reason), 8))
        for change in amendment.changes:
            answer = change.answer
            story.append(para(w.AMENDMENT_CHANGE.format(
                checkpoint=answer.visit.checkpoint.name_zh, item=answer.item.text_zh,
                was=answer_text(answer.item, answer, results), now=answer_text(answer.item, change, results)), 8))
        story.append(Spacer(1, 4))
    return story


def log_pdf(record: LogRecord, now: datetime) -> bytes:
    log, site = record.log, record.log.site
    tz = site.timezone
    labels = _labels()
    story: list = [_facts(record, labels, tz), Spacer(1, 8)]
    for visit in record.visits:
        story += _visit(record, visit, labels, tz)
    if not record.visits:
        story += [para(w.NO_VISITS, 9), Spacer(1, 6)]
    for skip in record.skips:
        story.append(para(f"{skip.checkpoint.code}  {skip.checkpoint.name_zh}  " + w.SKIPPED.format(
            reason=skip.reason, at=local_text(skip.at, tz), name=skip.user.full_name), 8.5))
    story += [Spacer(1, 8), *_signatures(record, labels, tz), *_amendments(record, labels, tz)]
    return build_pdf(story, PAGE, site_frame(site, f"{w.LOG_TITLE}  {log.number or ''}".strip(), now, log.number or ""))
