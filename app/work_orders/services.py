"""Work order queries and the routing of item categories to teams."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import case, select
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.work_orders.models import Team, WorkOrder
from app.patrols.schedules import local_today

# Which team takes a failed item of each category (DESIGN §5); a supervisor may change it.
CATEGORY_TEAM = {
    "fire_safety": "security",
    "security": "security",
    "electrical": "engineering",
    "plumbing": "engineering",
    "gas": "engineering",
    "building_fabric": "engineering",
    "elevator": "engineering",
    "signage": "engineering",
    "renovation": "engineering",
    "general": "engineering",
    "cleanliness": "cleaning",
    "greenery": "greening",
}
OPEN_STATUSES = ("new", "claimed", "in_progress", "reopened", "done")
PRIORITY_RANK = case({"urgent": 0, "major": 1, "minor": 2}, value=WorkOrder.priority)


def team_for_category(category: str) -> str:
    return CATEGORY_TEAM.get(category, "engineering")


def open_query(site_id: int, team_id: int | None = None):
    """Open work orders, urgent and soonest due first."""
    query = select(WorkOrder).where(WorkOrder.site_id == site_id, WorkOrder.status.in_(OPEN_STATUSES))
    if team_id is not None:
        query = query.where(WorkOrder.team_id == team_id)
    return query.options(selectinload(WorkOrder.team), selectinload(WorkOrder.checkpoint), selectinload(WorkOrder.item)).order_by(
        PRIORITY_RANK, WorkOrder.due_at
    )


def due_at(site, priority: str, start: datetime) -> datetime:
    """Due time from the site's service levels (DESIGN §4)."""
    hours = {"urgent": site.due_hours_urgent, "major": site.due_hours_major, "minor": site.due_hours_minor}[priority]
    return start + timedelta(hours=hours)


def dispatch_urgent(finding, answer, now: datetime, description: str | None = None) -> WorkOrder | None:
    """An urgent finding's work order, created at submit time for the item's team; the finding stays open for review."""
    from app.audit.services import record
    from app.numbering import next_number
    from app.sites.models import Site

    site = db.session.get(Site, finding.site_id)
    item = answer.item
    team = db.session.scalar(select(Team).where(Team.site_id == site.id, Team.code == team_for_category(item.category))) \
        or db.session.scalar(select(Team).where(Team.site_id == site.id).order_by(Team.id).limit(1))
    if team is None:  # a site without teams cannot dispatch; the finding stays open at the top of the queue
        return None
    order = WorkOrder(site_id=site.id, number=next_number(site.id, "work_order", local_today(site.timezone, now).year, "GD"), team_id=team.id,
                      checkpoint_id=finding.checkpoint_id, item_code=item.code, item_id=item.id, title=item.text_zh[:200],
                      description=description or answer.note, priority="urgent", due_at=due_at(site, "urgent", now), created_at=now)
    db.session.add(order)
    db.session.flush()
    finding.work_order_id = order.id
    record("work_order_dispatched_urgent", order, number=order.number, finding_id=finding.id)
    return order


def story(order: WorkOrder) -> dict:
    """What the work order page tells: the failed item with its photos, the decision, each transition, after photos."""
    from app.audit.models import AuditEvent
    from app.findings.models import Finding
    from app.patrols.models import Answer
    from app.photos.models import Photo

    findings = db.session.scalars(select(Finding).where(Finding.work_order_id == order.id).order_by(Finding.created_at)
                                  .options(selectinload(Finding.answer).selectinload(Answer.photos),
                                           selectinload(Finding.decided_by))).all()
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.object_type == "WorkOrder", AuditEvent.object_id == order.id)
                                .order_by(AuditEvent.at, AuditEvent.id).options(selectinload(AuditEvent.actor))).all()
    after = db.session.scalars(select(Photo).where(Photo.work_order_id == order.id).order_by(Photo.id)).all()
    return {"findings": findings, "events": events, "after_photos": after}


def awaiting_verification(checkpoint_id: int, user) -> list[WorkOrder]:
    """Done work orders at this checkpoint that this person may verify on site (not their own work)."""
    if user.role not in ("patroller", "supervisor"):
        return []
    orders = db.session.scalars(select(WorkOrder).where(WorkOrder.checkpoint_id == checkpoint_id, WorkOrder.status == "done")
                                .options(selectinload(WorkOrder.item), selectinload(WorkOrder.checkpoint))).all()
    return [o for o in orders if user.id not in (o.done_by_id, o.claimed_by_id)]
