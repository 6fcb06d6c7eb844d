"""Answers as CSV for Excel, streamed: one query read in batches (a server-side cursor on PostgreSQL), never whole.

A year of a big site is millions of rows; memory stays at one batch whatever the size.
"""
from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from sqlalchemy import Select, and_, func, select
from sqlalchemy.orm import aliased

from app.auth.models import User
from app.checklists.models import ChecklistItem
from app.dashboard.filters import Filters
from app.extensions import db
from app.exports.formatting import local_text, number_text, record_labels
from app.exports.wording import ANSWER_COLUMNS
from app.patrols.models import RESULTS, Answer, PatrolLog, Round, Visit
from app.photos.models import Photo
from app.signoff.models import AmendmentChange, LogAmendment
from app.sites.models import Building, Checkpoint, Site

BATCH = 1000
BOM = "\ufeff"  # Excel reads a CSV as UTF-8 only when it starts with a byte-order mark
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def answers_query(site: Site, filters: Filters) -> Select:
    """The site's answers with the list filters applied, in log and item order, corrections joined in."""
    latest = (select(AmendmentChange.answer_id, func.max(LogAmendment.number).label("number"))
              .join(LogAmendment, AmendmentChange.amendment_id == LogAmendment.id)
              .where(LogAmendment.status == "signed").group_by(AmendmentChange.answer_id).subquery())
    amendment, fix = aliased(LogAmendment), aliased(AmendmentChange)
    photos = select(func.count(Photo.id)).where(Photo.answer_id == Answer.id).correlate(Answer).scalar_subquery()
    query = (
        select(PatrolLog.number, PatrolLog.local_date, Round.name_zh, PatrolLog.status, Building.name_zh,
               Checkpoint.code, Checkpoint.name_zh, ChecklistItem.code, ChecklistItem.text_zh, ChecklistItem.unit,
               Answer.result, Answer.number_value, Answer.text_value, Answer.note, Answer.na_reason, photos,
               User.full_name, Answer.answered_at, amendment.number, fix.result, fix.number_value, fix.text_value,
               fix.note, fix.na_reason)
        .select_from(Answer)
        .join(Visit, Answer.visit_id == Visit.id).join(PatrolLog, Visit.log_id == PatrolLog.id)
        .join(Round, PatrolLog.round_id == Round.id).join(Checkpoint, Visit.checkpoint_id == Checkpoint.id)
        .outerjoin(Building, Checkpoint.building_id == Building.id)
        .join(ChecklistItem, Answer.item_id == ChecklistItem.id).join(User, Answer.answered_by_id == User.id)
        .outerjoin(latest, latest.c.answer_id == Answer.id)
        .outerjoin(amendment, and_(amendment.log_id == PatrolLog.id, amendment.number == latest.c.number))
        .outerjoin(fix, and_(fix.amendment_id == amendment.id, fix.answer_id == Answer.id))
        .where(PatrolLog.site_id == site.id)
    )
    conditions = {  # a log's round, team (of its round), patroller and status as the logs list reads them
        "building": lambda v: Checkpoint.building_id == v, "checkpoint": lambda v: Visit.checkpoint_id == v,
        "round": lambda v: PatrolLog.round_id == v, "team": lambda v: Round.assigned_team_id == v,
        "person": lambda v: PatrolLog.started_by_id == v,
        "date_from": lambda v: PatrolLog.local_date >= v, "date_to": lambda v: PatrolLog.local_date <= v,
        "status": lambda v: (func.coalesce(fix.result, Answer.result) == v) if v in RESULTS else PatrolLog.status == v,
    }
    for name, condition in conditions.items():
        if getattr(filters, name) is not None:
            query = query.where(condition(getattr(filters, name)))
    return query.order_by(PatrolLog.local_date, PatrolLog.id, Visit.id, ChecklistItem.position)


def _text(value: str | None) -> str:
    """Free text as Excel shows it, never as a formula someone typed into a note."""
    if not value:
        return ""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def _line(row, tz: str, labels: dict[str, dict[str, str]]) -> list:
    (number, day, round_name, status, building, cp_code, cp_name, item_code, item_text, unit, result, value, text, note,
     na_reason, photos, person, answered_at, corrected_in, *fix) = row
    original = ""
    if corrected_in is not None:  # the signed correction counts; the original result stays beside it
        original = labels["result"].get(result, result)
        result, value, text, note, na_reason = fix
    return [number or "", day.isoformat(), _text(round_name), labels["log_status"].get(status, status), _text(building),
            cp_code, _text(cp_name), item_code, _text(item_text), labels["result"].get(result, result),
            number_text(value), (unit or "") if value is not None else "", _text(text), _text(note), _text(na_reason),
            photos, _text(person), local_text(answered_at, tz, "%Y-%m-%d %H:%M:%S"), corrected_in or "", original]


def csv_chunks(site: Site, filters: Filters) -> Iterator[str]:
    """The BOM and header, then the rows a batch at a time, each batch one chunk of text."""
    labels = {kind: record_labels(kind) for kind in ("result", "log_status")}
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write(BOM)
    writer.writerow(ANSWER_COLUMNS)
    result = db.session.execute(answers_query(site, filters).execution_options(yield_per=BATCH))
    for batch in result.partitions():
        for row in batch:
            writer.writerow(_line(row, site.timezone, labels))
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    if buffer.getvalue():  # no rows at all: still the BOM and the header
        yield buffer.getvalue()
    result.close()
