"""Request-scoped helpers for templates: the current site, role navigation, local times."""
from __future__ import annotations

from flask import Flask, Request, Response, abort, flash, g, redirect, request, session, url_for
from flask_babel import format_datetime, gettext as _, lazy_gettext as _l
from flask_login import current_user
from werkzeug.exceptions import BadRequest

from app.extensions import db, login_manager
from app.i18n import lang
from app.labels import label
from app.validation import MAX_ID

HOME_ENDPOINTS = {
    "patroller": "patrols.today",
    "supervisor": "dashboard.home",
    "maintenance": "work_orders.my_team",
    "admin": "admin.home",
}

NAV = {
    "patroller": [("patrols.today", _l("Today")), ("patrols.history", _l("My logs")), ("vacancy.units", _l("Vacant units")),
                  ("handover.index", _l("Handover"))],
    "supervisor": [("dashboard.home", _l("Overview")), ("findings.queue", _l("Findings")),
                   ("dashboard.logs", _l("Logs")), ("work_orders.board", _l("Work orders")), ("reviews.weekly", _l("Reviews"))],
    "maintenance": [("work_orders.my_team", _l("My tasks"))],
    "admin": [("admin.home", _l("Overview")), ("sites.checkpoints", _l("Checkpoints")), ("rounds.index", _l("Rounds")),
              ("checklists.index", _l("Checklists")), ("admin.users", _l("Users"))],
}



# Scripts and styles only from our own files: no inline code, no eval (htmx runs with allowEval off).
CONTENT_SECURITY_POLICY = "; ".join((
    "default-src 'self'", "script-src 'self'", "style-src 'self'", "img-src 'self' data: blob:",
    "object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'", "form-action 'self'",
))
# The scanner needs the camera and visits record the position; nothing else.
PERMISSIONS_POLICY = "camera=(self), geolocation=(self), microphone=(), payment=(), usb=()"


class PatrolRequest(Request):
    """A multipart part without a name is a malformed form (400). Werkzeug files such parts under the key None, which
    the CSRF check, the first to read any form, cannot handle (it crashed with a 500)."""

    def _load_form_data(self) -> None:
        super()._load_form_data()
        if None in self.form or None in self.files:
            for _name, upload in self.files.items(multi=True):
                upload.close()
            self.__dict__["form"], self.__dict__["files"] = self.parameter_storage_class(), self.parameter_storage_class()
            raise BadRequest(_("The form is malformed: a field has no name. Reload the page and send it again."))


def refuse_nul_characters() -> None:
    """No form field may hold a NUL character: PostgreSQL refuses it in text (a 500 there). Query strings are the
    views' to read (the lists' filters refuse such values beside the filter)."""
    if request.mimetype not in ("multipart/form-data", "application/x-www-form-urlencoded"):
        return
    if any("\x00" in key or "\x00" in value for key, value in request.form.items(multi=True)):
        abort(400, _("The form contains a character that is not allowed (NUL). Remove it and send it again."))


def page_number() -> int:
    """The ?page= argument, 1 when absent or nonsense, bounded so no query overflows."""
    page = request.args.get("page", 1, type=int)
    return page if 1 <= page <= 100_000 else 1


def bounded_id(raw: str | None) -> int:
    """An id from a query string, or 0 (matches nothing) when absent, not a number or beyond the database's range."""
    if not raw or not raw.isascii() or not raw.isdigit() or len(raw) > 10:
        return 0
    return int(raw) if int(raw) <= MAX_ID else 0


def home_url_for(user) -> str:
    return url_for(HOME_ENDPOINTS[user.role])


def current_site():
    """The site the user is working in: the one chosen in the session, else their first."""
    if "current_site" in g:
        return g.current_site
    site = None
    if current_user and current_user.is_authenticated and current_user.sites:
        chosen = session.get("site_id")
        site = next((s for s in current_user.sites if s.id == chosen), current_user.sites[0])
    g.current_site = site
    return site


def _urgent_unclaimed(site) -> int:
    """Urgent work orders nobody has claimed: shown on every page of supervisors and of the team until claimed."""
    if site is None or not current_user.is_authenticated or current_user.role not in ("supervisor", "maintenance"):
        return 0
    from sqlalchemy import func, select

    from app.work_orders.models import WorkOrder

    query = select(func.count()).select_from(WorkOrder).where(
        WorkOrder.site_id == site.id, WorkOrder.priority == "urgent", WorkOrder.status.in_(("new", "reopened")))
    if current_user.role == "maintenance":
        query = query.where(WorkOrder.team_id == current_user.team_id)
    return db.session.scalar(query) or 0


def _load_user(login_id: str):
    from app.auth.models import User

    user_id, _, token = login_id.partition(":")
    if not user_id.isdigit():
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not user.active or user.session_token != token:
        return None
    return user


def register(app: Flask) -> None:
    app.request_class = PatrolRequest
    app.before_request(refuse_nul_characters)
    login_manager.user_loader(_load_user)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please sign in to continue.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"

    @login_manager.unauthorized_handler
    def unauthorized():
        """API: 401 JSON. htmx: 401 telling htmx to load the login page. Pages: login, then back here."""
        if request.path.startswith("/api/"):
            abort(401)
        login_url = url_for("auth.login", next=request.full_path.rstrip("?") if request.method == "GET" else None)
        if request.headers.get("HX-Request"):
            return Response(status=401, headers={"HX-Redirect": login_url})
        flash(str(login_manager.login_message), "info")
        return redirect(login_url)

    @app.context_processor
    def inject():
        site = current_site()
        nav = NAV.get(current_user.role, []) if current_user.is_authenticated else []
        return {"current_site": site, "nav": nav, "lang": lang(), "urgent_unclaimed": _urgent_unclaimed(site)}

    @app.template_filter("local")
    def local_filter(value, fmt="short"):
        """Stored UTC shown in the site's time zone (Flask-Babel's selector supplies it)."""
        return format_datetime(value, fmt) if value else ""

    app.add_template_global(label)

    @app.template_global()
    def name_of(record) -> str:
        return record.name(lang()) if record is not None else ""

    @app.after_request
    def seal_audit_events(response):
        """Seal this request's audit events into the hash chain (its own connection and transaction)."""
        if g.pop("audit_written", False):
            from app.audit.chain import seal_pending

            try:
                seal_pending(wait=False)
            except Exception:  # noqa: BLE001 — sealing must never fail a response; the next request or cron seals
                app.logger.exception("audit sealing deferred")
        return response

    @app.after_request
    def security_headers(response):
        headers = response.headers
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "same-origin")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        hsts = app.config["HSTS_SECONDS"]
        if hsts and (request.is_secure or app.config["SESSION_COOKIE_SECURE"]):
            headers.setdefault("Strict-Transport-Security", f"max-age={hsts}")
        return response
