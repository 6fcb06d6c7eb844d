"""Moving a work order through its lifecycle, race-safe: exactly one of two simultaneous actions wins."""
from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import update

from app.audit.services import record
from app.extensions import db
from app.patrols.errors import PatrolError
from app.work_orders.lifecycle import TransitionRefused, check_actor, next_state
from app.work_orders.models import WorkOrder

STAMPS = {  # which clock and person each action sets
    "claim": ("claimed_at", "claimed_by_id"),
    "start": ("started_at", None),
    "finish": ("done_at", "done_by_id"),
    "verify_pass": ("verified_at", "verified_by_id"),
    "verify_fail": ("verified_at", "verified_by_id"),
}


def refusal_message(reason: str) -> str:
    return {
        "not_allowed_from_state": _("This work order is no longer in a state that allows this. Reload the page."),
        "wrong_team": _("Only the team this work order belongs to can do this."),
        "not_claimer": _("Only the person who claimed this work order can do this."),
        "verifier_did_work": _("The verification must be done by someone who did not do the work."),
        "wrong_role": _("Only patrollers and supervisors verify work on site."),
    }[reason]


def check_transition(order: WorkOrder, action: str, user) -> str:
    """The state `action` leads to, or a PatrolError saying why this person cannot do it now."""
    try:
        target = next_state(order.status, action)
        check_actor(order, action, user)
    except TransitionRefused as exc:
        raise PatrolError(refusal_message(exc.reason), 409 if exc.reason == "not_allowed_from_state" else 403) from None
    return target


def transition(order: WorkOrder, action: str, user, now: datetime, note: str | None = None, photos=(),
               require_photo: bool = False) -> WorkOrder:
    """Apply one action; the conditional UPDATE makes a concurrent second action find the state changed."""
    target = check_transition(order, action, user)
    if require_photo and not photos:
        raise PatrolError(_("Add a photo of the result."), 400, "photos")
    if action == "verify_fail" and not note:
        raise PatrolError(_("Say what is still wrong."), 400, "note")
    values = {"status": target}
    clock, person = STAMPS[action]
    values[clock] = now
    if person:
        values[person] = user.id
    if action == "verify_pass":
        values["closed_at"] = now
    if action == "claim":  # a reopened order starts again from scratch
        values.update(started_at=None, done_at=None, done_by_id=None, verified_at=None, verified_by_id=None)
    before = order.status
    changed = db.session.execute(
        update(WorkOrder).where(WorkOrder.id == order.id, WorkOrder.status == before).values(**values)
    ).rowcount
    if changed != 1:
        db.session.rollback()
        raise PatrolError(refusal_message("not_allowed_from_state"), 409)
    for photo in photos:
        photo.work_order_id = order.id
        db.session.add(photo)
    db.session.flush()
    record(f"work_order_{action}", order, actor=user, before=before, after=target, note=note,
           photos=len(photos) or None, site_id=order.site_id)
    db.session.commit()
    db.session.refresh(order)
    return order


def reassign(order: WorkOrder, user, now: datetime, team_code: str | None, priority: str | None, reason: str) -> WorkOrder:
    """A supervisor moves an open order to another team or priority, with the reason on record."""
    from sqlalchemy import select

    from app.work_orders.models import PRIORITIES, Team
    from app.work_orders.services import OPEN_STATUSES, due_at

    if user.role != "supervisor" or order.site_id not in user.site_ids:
        raise PatrolError(_("Only a supervisor of this site can reassign work orders."), 403)
    if order.status not in OPEN_STATUSES or order.status == "done":
        raise PatrolError(refusal_message("not_allowed_from_state"), 409)
    reason = (reason or "").strip()[:500]
    if not reason:
        raise PatrolError(_("Say why the work order is changed."), 400, "reason")
    team = db.session.scalar(select(Team).where(Team.site_id == order.site_id, Team.code == team_code)) if team_code else order.team
    if team is None:
        raise PatrolError(_("Choose a team of this site."), 400, "team")
    priority = priority or order.priority
    if priority not in PRIORITIES:
        raise PatrolError(_("Choose a priority."), 400, "priority")
    before = {"team": order.team.code, "priority": order.priority}
    values = {"team_id": team.id, "priority": priority}
    if priority != order.priority:
        values["due_at"] = due_at(order.site, priority, order.created_at)
    if team.id != order.team_id:  # a new team starts from its own queue
        values.update(status="new", claimed_by_id=None, claimed_at=None, started_at=None)
    changed = db.session.execute(
        update(WorkOrder).where(WorkOrder.id == order.id, WorkOrder.status == order.status).values(**values)
    ).rowcount
    if changed != 1:
        db.session.rollback()
        raise PatrolError(refusal_message("not_allowed_from_state"), 409)
    record("work_order_reassigned", order, actor=user, before=before, after={"team": team.code, "priority": priority},
           note=reason, site_id=order.site_id)
    db.session.commit()
    db.session.refresh(order)
    return order
