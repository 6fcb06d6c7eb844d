"""Sign in, sign out, language switch."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from marshmallow import ValidationError

from app.audit.services import record
from app.auth import bp
from app.auth.guards import role_required
from app.auth.schemas import LanguageSchema, LoginSchema
from app.auth.services import LoginError, ThrottlePolicy, authenticate
from app.extensions import db
from app.validation import field_errors
from app.web import home_url_for


def safe_next(target: str | None) -> str | None:
    """Only same-site relative paths: never an open redirect."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


def _policy() -> ThrottlePolicy:
    cfg = current_app.config
    return ThrottlePolicy(cfg["LOGIN_MAX_FAILURES_PER_ACCOUNT"], cfg["LOGIN_MAX_FAILURES_PER_ADDRESS"], cfg["LOGIN_FAILURE_WINDOW"])


def _login_error_message(error: LoginError) -> tuple[str, int]:
    if error.reason == "throttled":
        minutes = max(1, -(-error.retry_after // 60))
        return _("Too many failed sign-ins. Try again in %(minutes)d minutes.", minutes=minutes), 429
    if error.reason == "inactive":
        return _("This account has been deactivated. Ask your administrator."), 403
    return _("Wrong username or password."), 401


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated and request.method == "GET":
        return redirect(home_url_for(current_user))
    errors, status, values = {}, 200, {"next": request.args.get("next")}
    if request.method == "POST":
        values = request.form.to_dict()
        try:
            data = LoginSchema().load(values)
            user = authenticate(data["username"], data["password"], request.remote_addr or "-", _policy())
        except ValidationError as exc:
            errors, status = field_errors(exc), 400
        except LoginError as exc:
            message, status = _login_error_message(exc)
            errors = {"form": message}
        else:
            session.clear()  # a fresh session at sign-in (no fixation)
            session.permanent = True
            login_user(user)
            return redirect(safe_next(data["next"]) or home_url_for(user), code=303)
    response = render_template("auth/login.html", errors=errors, values=values)
    return response, status


@bp.post("/logout")
def logout():
    if current_user.is_authenticated:
        record("logout", current_user)
        db.session.commit()
    logout_user()
    session.clear()
    flash(_("You have signed out."), "info")
    return redirect(url_for("auth.login"), code=303)


@bp.post("/language")
def language():
    try:
        data = LanguageSchema().load(request.form.to_dict())
    except ValidationError:
        flash(_("Unknown language."), "error")
        return redirect(url_for("main.index"), code=303)
    session["locale"] = data["locale"]
    if current_user.is_authenticated:
        current_user.locale = data["locale"]
        record("set_language", current_user, locale=data["locale"])
        db.session.commit()
    return redirect(safe_next(data["next"]) or url_for("main.index"), code=303)


WEAK_PINS = {"000000", "111111", "123456", "654321", "123123", "888888", "666666", "121212"}


@bp.route("/account/pin", methods=["GET", "POST"])
@role_required("patroller", "supervisor", "maintenance", "admin")
def signing_pin():
    """Set a personal 6-digit PIN, so signing a log on a colleague's phone needs no full password."""
    errors = {}
    if request.method == "POST":
        pin = (request.form.get("pin") or "").strip()
        if not current_user.check_password(request.form.get("password") or ""):
            errors["password"] = _("Wrong password.")
        elif not (len(pin) == 6 and pin.isdigit()) or pin in WEAK_PINS or len(set(pin)) < 3:
            errors["pin"] = _("Choose 6 digits that are not easy to guess (not 123456 or 000000).")
        elif pin != (request.form.get("pin_again") or "").strip():
            errors["pin_again"] = _("The two PINs differ.")
        else:
            current_user.set_signing_pin(pin)
            record("signing_pin_set", current_user)
            db.session.commit()
            flash(_("Your signing PIN is set."), "success")
            return redirect(home_url_for(current_user), code=303)
    return render_template("auth/pin.html", errors=errors), 400 if errors else 200
