"""Supervisor decisions on findings: approve, reject, merge, bulk approve."""
from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.auth.guards import get_in_my_sites, role_required
from app.extensions import db
from app.findings import bp
from app.findings.models import Finding
from app.findings.review import approve, merge, reject
from app.i18n import lang
from app.model_helpers import utcnow
from app.patrols.errors import PatrolError
from app.web import bounded_id


def _back():
    return redirect(request.form.get("next") if (request.form.get("next") or "").startswith("/review/")
                    else url_for("findings.queue"), code=303)


def _decide(finding_id: int, decision):
    """Apply one decision to a finding of my sites; `decision(finding)` returns the message to flash."""
    finding = get_in_my_sites(Finding, finding_id)
    try:
        flash(decision(finding), "success")
    except PatrolError as exc:
        db.session.rollback()
        flash(exc.message, "error")
    return _back()


@bp.post("/findings/<int:finding_id>/approve")
@role_required("supervisor")
def approve_one(finding_id: int):
    def approved(finding):
        order = approve(finding, current_user, utcnow(), request.form.get("team") or None, request.form.get("priority") or None)
        return _("Approved: work order %(number)s for %(team)s.", number=order.number, team=order.team.name(lang()))

    return _decide(finding_id, approved)


@bp.post("/findings/<int:finding_id>/reject")
@role_required("supervisor")
def reject_one(finding_id: int):
    def rejected(finding):
        reject(finding, current_user, utcnow(), request.form.get("reason", ""))
        return _("Finding rejected.")

    return _decide(finding_id, rejected)


@bp.post("/findings/<int:finding_id>/merge")
@role_required("supervisor")
def merge_one(finding_id: int):
    def merged(finding):
        return _("Merged into work order %(number)s.", number=merge(finding, current_user, utcnow()).number)

    return _decide(finding_id, merged)


@bp.post("/findings/bulk-approve")
@role_required("supervisor")
def bulk_approve():
    ids = [i for i in (bounded_id(v) for v in request.form.getlist("finding_ids")) if i][:100]
    done, failed = 0, 0
    for finding_id in ids:
        finding = db.session.get(Finding, finding_id)
        if finding is None or finding.site_id not in current_user.site_ids:
            failed += 1
            continue
        try:
            approve(finding, current_user, utcnow())
            done += 1
        except PatrolError:
            db.session.rollback()
            failed += 1
    flash(_("%(done)d approved, %(failed)d skipped.", done=done, failed=failed), "success" if done else "error")
    return _back()
