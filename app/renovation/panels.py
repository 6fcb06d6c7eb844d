"""What other pages show of renovations: the supervisor's figures, a log's notices, today's re-inspections."""
from __future__ import annotations

from sqlalchemy import func, select

from app.extensions import db
from app.model_helpers import utcnow
from app.patrols.models import Visit
from app.patrols.schedules import local_today
from app.renovation import bp
from app.renovation.models import RectificationNotice, RenovationPermit
from app.renovation.services import late_approval
from app.web import current_site


@bp.app_template_global()
def renovation_figures() -> dict:
    """Late approvals and unresolved notices of the current site, in one statement (it shows on busy pages)."""
    site, now = current_site(), utcnow()
    if site is None:
        return {"late": 0, "open": 0, "due": 0, "escalated": 0}
    today = local_today(site.timezone, now)

    def count(model, *where):
        return select(func.count()).select_from(model).where(model.site_id == site.id, *where).scalar_subquery()

    row = db.session.execute(select(
        count(RenovationPermit, late_approval(now)),
        count(RectificationNotice, RectificationNotice.status == "open"),
        count(RectificationNotice, RectificationNotice.status == "open", RectificationNotice.deadline <= today),
        count(RectificationNotice, RectificationNotice.status == "escalated"))).one()
    return dict(zip(("late", "open", "due", "escalated"), row))


@bp.app_template_global()
def notices_of_log(log) -> list[RectificationNotice]:
    """The notices issued for the visits of a renovation log."""
    if log.round.purpose != "renovation":
        return []
    return list(db.session.scalars(select(RectificationNotice).join(Visit, Visit.id == RectificationNotice.visit_id)
                                   .where(Visit.log_id == log.id).order_by(RectificationNotice.id)))

