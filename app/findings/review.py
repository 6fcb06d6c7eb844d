"""A supervisor's decision on a finding: approve into a work order, reject with a reason, or merge."""
from __future__ import annotations

from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import func, select, update

from app.audit.services import record
from app.extensions import db
from app.findings.models import Finding
from app.numbering import next_number
from app.validation import clean_text
from app.patrols.errors import PatrolError
from app.work_orders.models import PRIORITIES, Team, WorkOrder
from app.work_orders.services import OPEN_STATUSES, due_at, team_for_category
from app.patrols.schedules import local_today

HISTORY_DAYS = 90


def _claim(finding: Finding, status: str, user, now: datetime, **values) -> None:
    """Decide an open finding; a second supervisor deciding at the same moment finds it decided."""
    changed = db.session.execute(
        update(Finding).where(Finding.id == finding.id, Finding.status == "open")
        .values(status=status, decided_by_id=user.id, decided_at=now, **values)
    ).rowcount
    if changed != 1:
        db.session.rollback()
        raise PatrolError(_("Someone has already decided this finding."), 409)


def _check(finding: Finding, user) -> None:
    if user.role != "supervisor" or finding.site_id not in user.site_ids:
        raise PatrolError(_("Only a supervisor of this site can decide findings."), 403)
    if finding.status != "open":
        raise PatrolError(_("Someone has already decided this finding."), 409)


def approve(finding: Finding, user, now: datetime, team_code: str | None = None, priority: str | None = None) -> WorkOrder:
    """Approve into a work order for the item's team (or the chosen one), due by the site's service level."""
    _check(finding, user)
    item = finding.answer.item
    priority = priority or finding.severity
    if priority not in PRIORITIES:
        raise PatrolError(_("Choose a priority."), 400, "priority")
    team = db.session.scalar(select(Team).where(Team.site_id == finding.site_id,
                                                Team.code == (team_code or team_for_category(item.category))))
    if team is None:
        raise PatrolError(_("Choose a team of this site."), 400, "team")
    if finding.work_order_id:  # urgent: dispatched at submit; approval confirms it
        order = db.session.get(WorkOrder, finding.work_order_id)
        _claim(finding, "approved", user, now)
        record("finding_approved", finding, actor=user, work_order=order.number)
        db.session.commit()
        return order
    order = WorkOrder(site_id=finding.site_id, number=next_number(finding.site_id, "work_order", local_today(finding.site.timezone, now).year, "GD"),
                      team_id=team.id, checkpoint_id=finding.checkpoint_id, item_code=finding.item_code, item_id=item.id,
                      title=item.text_zh[:200], description=finding.problem, priority=priority,
                      due_at=due_at(finding.site, priority, now), created_at=now, created_by_id=user.id)
    db.session.add(order)
    db.session.flush()
    _claim(finding, "approved", user, now, work_order_id=order.id)
    record("finding_approved", finding, actor=user, work_order=order.number, team=team.code, priority=priority)
    db.session.commit()
    return order


def reject(finding: Finding, user, now: datetime, reason: str) -> None:
    _check(finding, user)
    reason = clean_text(reason, 500)
    if not reason:
        raise PatrolError(_("Say why the finding is rejected."), 400, "reason")
    _claim(finding, "rejected", user, now, reject_reason=reason[:500])
    record("finding_rejected", finding, actor=user, reason=reason[:500])
    db.session.commit()


def merge_target(finding: Finding) -> WorkOrder | None:
    """An open work order for the same checkpoint and item, which this finding would repeat."""
    return db.session.scalar(select(WorkOrder).where(
        WorkOrder.site_id == finding.site_id, WorkOrder.checkpoint_id == finding.checkpoint_id,
        WorkOrder.item_code == finding.item_code, WorkOrder.status.in_(OPEN_STATUSES),
        WorkOrder.id != (finding.work_order_id or 0),
    ).order_by(WorkOrder.created_at.desc()).limit(1))


def merge(finding: Finding, user, now: datetime) -> WorkOrder:
    _check(finding, user)
    order = merge_target(finding)
    if order is None:
        raise PatrolError(_("There is no open work order for this checkpoint and item to merge into."), 409)
    _claim(finding, "merged", user, now, work_order_id=order.id)
    db.session.execute(update(WorkOrder).where(WorkOrder.id == order.id).values(repeat_count=WorkOrder.repeat_count + 1))
    record("finding_merged", finding, actor=user, work_order=order.number)
    db.session.commit()
    return order


def history_counts(findings: list[Finding], now: datetime) -> dict[int, int]:
    """For each finding: how often its item failed at its checkpoint in the last 90 days (one query)."""
    if not findings:
        return {}
    pairs = {(f.checkpoint_id, f.item_code) for f in findings}
    rows = db.session.execute(
        select(Finding.checkpoint_id, Finding.item_code, func.count())
        .where(Finding.checkpoint_id.in_({p[0] for p in pairs}), Finding.created_at >= now - timedelta(days=HISTORY_DAYS))
        .group_by(Finding.checkpoint_id, Finding.item_code)
    ).all()
    counts = {(cp, code): n for cp, code, n in rows}
    return {f.id: counts.get((f.checkpoint_id, f.item_code), 0) for f in findings}


def merge_targets(findings: list[Finding]) -> dict[int, WorkOrder]:
    """For each open finding, the open work order it would repeat, if any (one query for the page)."""
    if not findings:
        return {}
    orders = db.session.scalars(select(WorkOrder).where(
        WorkOrder.checkpoint_id.in_({f.checkpoint_id for f in findings}), WorkOrder.status.in_(OPEN_STATUSES)
    ).order_by(WorkOrder.created_at)).all()
    latest = {(o.checkpoint_id, o.item_code): o for o in orders}
    return {f.id: latest[(f.checkpoint_id, f.item_code)] for f in findings
            if (f.checkpoint_id, f.item_code) in latest and latest[(f.checkpoint_id, f.item_code)].id != f.work_order_id}
