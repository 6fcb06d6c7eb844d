"""What a checkpoint label opens: /c/<token>, from a camera app, an NFC tag or the in-app scanner alike."""
from __future__ import annotations

from flask import redirect, render_template, request, url_for
from flask_login import current_user

from app.auth.guards import role_required
from app.model_helpers import utcnow
from app.patrols import scan_bp
from app.patrols.errors import PatrolError
from app.patrols.walking import open_logs_with_checkpoint, open_visit, rounds_with_checkpoint
from app.sites.services import lookup_token
from app.work_orders.services import awaiting_verification


@scan_bp.get("/c/<token>")
@role_required("patroller", "supervisor")
def scan(token: str):
    found = lookup_token(token)
    checkpoint = found.checkpoint
    if checkpoint is None or checkpoint.site_id not in current_user.site_ids:
        return render_template("patrols/scan_unknown.html"), 404
    if found.replaced:
        return render_template("patrols/scan_replaced.html", checkpoint=checkpoint), 410
    logs = open_logs_with_checkpoint(current_user, checkpoint.id)
    if logs:
        method = "qr" if request.args.get("via") == "scanner" else "link"
        try:
            visit = open_visit(logs[0], checkpoint, current_user, method, utcnow())
        except PatrolError as exc:
            return render_template("patrols/scan_elsewhere.html", checkpoint=checkpoint, rounds=[], error=exc.message,
                                   to_verify=awaiting_verification(checkpoint.id, current_user)), exc.status
        return redirect(url_for("patrols.visit", visit_id=visit.id), code=303)
    if checkpoint.category == "unit":  # a door label with no visit under way: the unit's page, where one starts
        from app.units.services import unit_of_checkpoint

        unit = unit_of_checkpoint(checkpoint.id)
        if unit is not None:
            return redirect(url_for("units.detail", unit_id=unit.id), code=303)
    rounds = rounds_with_checkpoint(current_user, checkpoint.site, checkpoint.id, utcnow())
    return render_template("patrols/scan_elsewhere.html", checkpoint=checkpoint, rounds=rounds, error=None,
                           to_verify=awaiting_verification(checkpoint.id, current_user))
