"""Rectification notice pages: the site's list, one notice with its items and photos, its PDF, re-inspection."""
from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from marshmallow import ValidationError

from app.auth.guards import role_required
from app.auth.models import User
from app.extensions import db
from app.model_helpers import utcnow
from app.patrols.schedules import local_today
from app.renovation import bp, notices
from app.renovation.errors import RenovationError
from app.renovation.models import RectificationNotice
from app.renovation.notice_pdf import notice_pdf
from app.renovation.routes import READERS, readable
from app.renovation.schemas import DeadlineSchema, ReinspectionSchema
from app.sites.access import in_current_site
from app.validation import field_errors
from app.web import current_site, page_number


def _notice(notice_id: int) -> RectificationNotice:
    readable()
    in_current_site(RectificationNotice, notice_id)
    return notices.load_notice(notice_id)


@bp.get("/notices")
@role_required(*READERS)
def notice_list():
    readable()
    site, now = current_site(), utcnow()
    view = request.args.get("view") or ("escalated" if current_user.role == "supervisor" else "open")
    view = view if view in notices.VIEWS else "open"
    today = local_today(site.timezone, now)
    page = db.paginate(notices.notice_query(site.id, view, today), page=page_number(), per_page=20, error_out=False)
    return render_template("renovation/notices.html", page=page, view=view, today=today,
                           counts=notices.notice_counts(site.id, today))


def _page(notice: RectificationNotice, errors: dict | None = None, status: int = 200):
    escalated_to = db.session.get(User, notice.escalated_to_id) if notice.escalated_to_id else None
    return render_template("renovation/notice.html", notice=notice, errors=errors or {}, values=request.form,
                           today=local_today(notice.permit.site.timezone, utcnow()), escalated_to=escalated_to), status


@bp.get("/notices/<int:notice_id>")
@role_required(*READERS)
def notice(notice_id: int):
    return _page(_notice(notice_id))


@bp.get("/notices/<int:notice_id>/pdf")
@role_required(*READERS)
def notice_download(notice_id: int):
    found = _notice(notice_id)
    response = Response(notice_pdf(found, utcnow()), mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="{found.number}.pdf"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _refused(found: RectificationNotice, exc):
    db.session.rollback()
    found = notices.load_notice(found.id)
    if isinstance(exc, ValidationError):
        return _page(found, field_errors(exc), 400)
    return _page(found, {exc.field or "form": exc.message}, exc.status)


@bp.post("/notices/<int:notice_id>/reinspect")
@role_required(*notices.REINSPECTORS)
def reinspect(notice_id: int):
    found = _notice(notice_id)
    try:
        data = ReinspectionSchema().load(request.form)
        notices.reinspect(found, current_user, data["outcome"], data.get("note"), utcnow())
    except (RenovationError, ValidationError) as exc:
        return _refused(found, exc)
    flash(_("Rectified: the notice is closed.") if found.status == "closed"
          else _("Not rectified: the notice is escalated to the supervisors."), "success")
    return redirect(url_for("renovation.notice", notice_id=found.id), code=303)


@bp.post("/notices/<int:notice_id>/deadline")
@role_required("supervisor")
def deadline(notice_id: int):
    found = _notice(notice_id)
    try:
        data = DeadlineSchema().load(request.form)
        notices.change_deadline(found, current_user, data["deadline"], data["reason"], utcnow())
    except (RenovationError, ValidationError) as exc:
        return _refused(found, exc)
    flash(_("Deadline changed to %(day)s.", day=found.deadline.isoformat()), "success")
    return redirect(url_for("renovation.notice", notice_id=found.id), code=303)


@bp.errorhandler(RenovationError)
def _unexpected(exc: RenovationError):  # a refusal no view caught: still a clear 4xx, never a 500
    abort(exc.status, description=exc.message)
