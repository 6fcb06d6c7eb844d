"""What the outgoing shift hands over: open findings, work orders not done, rounds in progress or missed in the shift."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.findings.models import Finding
from app.findings.services import SEVERITY_RANK
from app.patrols.models import PatrolLog
from app.work_orders.models import WorkOrder
from app.work_orders.services import PRIORITY_RANK

LIMIT = 100  # per list; the totals say when there were more
NOT_DONE = ("new", "claimed", "in_progress", "reopened")
ROUND_STATES = ("in_progress", "missed")


def _iso(value: datetime | None) -> str | None:
    return value.isoformat(timespec="seconds") if value else None


def _names(record) -> dict[str, str] | None:
    return {"zh": record.name_zh, "en": record.name_en} if record is not None else None


def _findings(site_id: int) -> tuple[list[dict], int]:
    where = (Finding.site_id == site_id, Finding.status == "open")
    rows = db.session.scalars(select(Finding).where(*where).options(selectinload(Finding.checkpoint), selectinload(Finding.answer))
                              .order_by(SEVERITY_RANK, Finding.created_at.desc()).limit(LIMIT)).all()
    total = db.session.scalar(select(func.count()).select_from(Finding).where(*where))
    return [{"id": f.id, "severity": f.severity, "item_code": f.item_code, "checkpoint": _names(f.checkpoint),
             "problem": (f.problem or "")[:200], "created_at": _iso(f.created_at)} for f in rows], total


def _work_orders(site_id: int, now: datetime) -> tuple[list[dict], int]:
    where = (WorkOrder.site_id == site_id, WorkOrder.status.in_(NOT_DONE))
    rows = db.session.scalars(select(WorkOrder).where(*where).options(
        selectinload(WorkOrder.checkpoint), selectinload(WorkOrder.item), selectinload(WorkOrder.team))
        .order_by(PRIORITY_RANK, WorkOrder.due_at).limit(LIMIT)).all()
    total = db.session.scalar(select(func.count()).select_from(WorkOrder).where(*where))
    return [{"id": o.id, "number": o.number, "status": o.status, "priority": o.priority, "team": o.team.code,
             "title": {"zh": o.display_title("zh")[:200], "en": o.display_title("en")[:200]},
             "due_at": _iso(o.due_at), "overdue": o.is_overdue(now)} for o in rows], total


def _rounds(site_id: int, starts: datetime, ends: datetime) -> tuple[list[dict], int]:
    """Logs in progress or missed whose window overlaps the shift."""
    where = (PatrolLog.site_id == site_id, PatrolLog.status.in_(ROUND_STATES),
             PatrolLog.window_starts_at < ends, PatrolLog.window_ends_at > starts)
    rows = db.session.scalars(select(PatrolLog).where(*where).options(selectinload(PatrolLog.round))
                              .order_by(PatrolLog.window_starts_at, PatrolLog.id).limit(LIMIT)).all()
    total = db.session.scalar(select(func.count()).select_from(PatrolLog).where(*where))
    return [{"id": log.id, "number": log.number, "status": log.status, "round": _names(log.round),
             "window_starts_at": _iso(log.window_starts_at), "window_ends_at": _iso(log.window_ends_at)} for log in rows], total


def take_snapshot(site_id: int, starts: datetime, ends: datetime, now: datetime) -> dict:
    """The open records at this moment, each list bounded, with the full counts."""
    findings, findings_total = _findings(site_id)
    orders, orders_total = _work_orders(site_id, now)
    rounds, rounds_total = _rounds(site_id, starts, ends)
    return {"taken_at": _iso(now), "findings": findings, "findings_total": findings_total,
            "work_orders": orders, "work_orders_total": orders_total, "rounds": rounds, "rounds_total": rounds_total}
