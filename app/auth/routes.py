"""Sign in, sign out, language switch; one's own password and signing PIN."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from marshmallow import ValidationError

from app.audit.services import record
from app.auth import bp
from app.auth.guards import role_required
from app.auth.schemas import LanguageSchema, LoginSchema, PasswordChangeSchema, SigningPinSchema
from app.auth.services import LoginError, authenticate, change_password, set_signing_pin
from app.auth.throttle import Throttled, ThrottlePolicy
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
    return ThrottlePolicy.from_config(current_app.config)


def _address() -> str:
    return request.remote_addr or "-"


def _throttled(template: str, exc: Throttled, **context):
    """The form again with the wait in words, as a 429 with Retry-After."""
    page = render_template(template, errors={"form": exc.description}, **context)
    return page, 429, {"Retry-After": str(exc.retry_after)}


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated and request.method == "GET":
        return redirect(home_url_for(current_user))
    errors, status, values = {}, 200, {"next": request.args.get("next")}
    if request.method == "POST":
        values = request.form.to_dict()
        try:
            data = LoginSchema().load(values)
            user = authenticate(data["username"], data["password"], _address(), _policy())
        except ValidationError as exc:
            errors, status = field_errors(exc), 400
        except LoginError:
            errors, status = {"form": _("Wrong username or password.")}, 401
        except Throttled as exc:
            return _throttled("auth/login.html", exc, values=values)
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
        current_user.end_sessions()  # a copy of the session cookie stops working too (on every device of this account)
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


@bp.route("/account/password", methods=["GET", "POST"])
@role_required("patroller", "supervisor", "maintenance", "admin")
def change_own_password():
    """Replace one's own password; other sessions of the account end, this one goes on."""
    errors = {}
    if request.method == "POST":
        me = current_user._get_current_object()
        try:
            data = PasswordChangeSchema(me.username).load(request.form.to_dict())
            change_password(me, data["current_password"], data["password"], _address(), _policy())
        except ValidationError as exc:
            errors = field_errors(exc)
        except LoginError:
            errors = {"current_password": _("Wrong password.")}
        except Throttled as exc:
            return _throttled("auth/password.html", exc)
        else:
            login_user(me)  # the new password rotated the session token: carry on under the new one
            flash(_("Your password is changed. Other devices must sign in again."), "success")
            return redirect(home_url_for(me), code=303)
    return render_template("auth/password.html", errors=errors), 400 if errors else 200


@bp.route("/account/pin", methods=["GET", "POST"])
@role_required("patroller", "supervisor", "maintenance", "admin")
def signing_pin():
    """Set a personal 6-digit PIN, so signing a log on a colleague's phone needs no full password."""
    errors = {}
    if request.method == "POST":
        try:
            data = SigningPinSchema().load(request.form.to_dict())
            set_signing_pin(current_user._get_current_object(), data["password"], data["pin"].strip(), _address(), _policy())
        except ValidationError as exc:
            errors = field_errors(exc)
        except LoginError:
            errors = {"password": _("Wrong password.")}
        except Throttled as exc:
            return _throttled("auth/pin.html", exc)
        else:
            flash(_("Your signing PIN is set."), "success")
            return redirect(home_url_for(current_user), code=303)
    return render_template("auth/pin.html", errors=errors), 400 if errors else 200
