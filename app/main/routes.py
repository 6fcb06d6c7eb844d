"""Entry points: the role home redirect, site switch, health check."""
from __future__ import annotations

from flask import abort, current_app, jsonify, redirect, request, session, url_for
from flask_login import current_user, login_required
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from app.extensions import csrf, db
from app.main import bp
from app.web import home_url_for


@bp.get("/")
def index():
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    return redirect(home_url_for(current_user))


@bp.post("/site")
@login_required
def switch_site():
    site_id = request.form.get("site_id", type=int)
    if site_id is None or not current_user.can_access_site(site_id):
        abort(404)
    session["site_id"] = site_id
    return redirect(home_url_for(current_user), code=303)


@bp.get("/healthz")
@csrf.exempt
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        db.session.rollback()
        current_app.logger.exception("health check: database unreachable")
        return jsonify({"status": "error", "database": "unreachable"}), 503
    return jsonify({"status": "ok", "database": "ok", "version": current_app.config["API_VERSION"]})
