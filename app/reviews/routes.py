"""The weekly review page: the week's signed logs, each approved on its own page or all listed at once."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _, ngettext
from flask_login import current_user

from app.auth.guards import role_required
from app.extensions import db
from app.model_helpers import utcnow
from app.patrols.errors import PatrolError
from app.reviews import bp
from app.reviews.periods import IsoWeek
from app.reviews.weekly import BATCH_LIMIT, default_week, review_week, week_logs
from app.signoff.services import verify_signer
from app.web import bounded_id, current_site


def _week_or_400(raw: str | None) -> IsoWeek:
    week = IsoWeek.parse(raw)
    if week is None:
        abort(400, _("Choose a week, written like 2026-W47."))
    return week


def _page(week: IsoWeek, status: int = 200):
    data = week_logs(current_site().id, week, current_user)
    return render_template("reviews/weekly.html", data=data, week=week, batch_limit=BATCH_LIMIT), status


@bp.get("/weekly")
@role_required("supervisor", "admin")
def weekly():
    raw = request.args.get("week")
    return _page(_week_or_400(raw) if raw else default_week(current_site(), utcnow()))


@bp.post("/weekly")
@role_required("supervisor")
def review_all():
    """Sign every listed log and the set, confirmed with one password."""
    week = _week_or_400(request.form.get("week"))
    ids = [bounded_id(raw) for raw in request.form.getlist("log_id")]
    if not all(ids):
        abort(400, _("The list of logs is not valid. Reload the page."))
    try:
        signer = verify_signer(current_user._get_current_object(), current_user.username, request.form.get("password", ""),
                               request.remote_addr or "-")
        batch = review_week(current_site(), signer, week, ids, utcnow())
    except PatrolError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return _page(week, exc.status)
    flash(ngettext("%(num)d log reviewed and signed.", "%(num)d logs reviewed and signed.", batch.log_count), "success")
    return redirect(url_for("reviews.weekly", week=str(week)), code=303)
