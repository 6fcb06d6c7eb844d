"""Work order queries and the routing of item categories to teams."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import case, func, select
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.work_orders.models import WorkOrder

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


def counts_by_team(site_id: int, now: datetime) -> list[tuple]:
    """Per team: open, overdue, done awaiting verification."""
    overdue = case(((WorkOrder.due_at < now) & (WorkOrder.status != "done"), 1), else_=0)
    awaiting = case((WorkOrder.status == "done", 1), else_=0)
    return db.session.execute(
        select(WorkOrder.team_id, func.count(), func.sum(overdue), func.sum(awaiting))
        .where(WorkOrder.site_id == site_id, WorkOrder.status.in_(OPEN_STATUSES))
        .group_by(WorkOrder.team_id)
    ).all()
