"""Admin screens: site overview, users, checklist catalogue."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from marshmallow import ValidationError
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from app.admin import bp
from app.admin.schemas import PasswordResetSchema, UserCreateSchema, form_to_dict
from app.admin.services import AdminError, create_user, reset_password, set_active, users_of_sites
from app.auth.guards import role_required
from app.auth.models import ROLES, User
from app.checklists.models import ChecklistTemplate
from app.extensions import db
from app.validation import field_errors
from app.patrols.models import Round
from app.sites.models import Building, Checkpoint
from app.web import current_site, page_number
from app.work_orders.models import TEAM_CODES


def _user_or_404(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None or not (user.site_ids & current_user.site_ids):
        abort(404)
    return user


def _manageable_or_403(user_id: int) -> User:
    """Passwords and activation only of people whose every site this admin runs: no reaching into other sites."""
    user = _user_or_404(user_id)
    if not user.site_ids <= current_user.site_ids:
        abort(403, description=_("This person also works at sites you do not administer; ask their administrator."))
    return user


@bp.get("/")
@role_required("admin")
def home():
    site = current_site()
    count = lambda model, *where: db.session.scalar(select(func.count()).select_from(model).where(*where))  # noqa: E731
    stats = {
        "buildings": count(Building, Building.site_id == site.id),
        "checkpoints": count(Checkpoint, Checkpoint.site_id == site.id, Checkpoint.active.is_(True)),
        "rounds": count(Round, Round.site_id == site.id, Round.active.is_(True)),
        "templates": count(ChecklistTemplate, ChecklistTemplate.active.is_(True)),
    }
    return render_template("admin/home.html", stats=stats)


@bp.get("/users")
@role_required("admin")
def users():
    page = db.paginate(users_of_sites(current_user.site_ids), page=page_number(), per_page=50, error_out=False)
    return render_template("admin/users.html", page=page)


@bp.route("/users/new", methods=["GET", "POST"])
@role_required("admin")
def user_new():
    errors, values, status = {}, {"site_ids": [str(current_site().id)]}, 200
    if request.method == "POST":
        values = form_to_dict(request.form)
        try:
            user = create_user(current_user, UserCreateSchema().load(values), {
                "taken": _("This username is already taken."),
                "site": _("You can only add users to your own sites."),
                "team": _("That team does not exist at the chosen sites."),
            })
        except ValidationError as exc:
            errors, status = field_errors(exc), 400
        except AdminError as exc:
            errors, status = {exc.field: exc.message}, 400
        else:
            flash(_("User %(name)s created.", name=user.username), "success")
            return redirect(url_for("admin.user_detail", user_id=user.id), code=303)
    return render_template("admin/user_new.html", errors=errors, values=values, roles=ROLES, teams=TEAM_CODES), status


@bp.get("/users/<int:user_id>")
@role_required("admin")
def user_detail(user_id: int):
    return render_template("admin/user_detail.html", user=_user_or_404(user_id), errors={})


@bp.post("/users/<int:user_id>/password")
@role_required("admin")
def user_password(user_id: int):
    user = _manageable_or_403(user_id)
    try:
        data = PasswordResetSchema(user.username).load(request.form.to_dict())
    except ValidationError as exc:
        return render_template("admin/user_detail.html", user=user, errors=field_errors(exc)), 400
    reset_password(current_user, user, data["password"])
    flash(_("Password reset. %(name)s must sign in again.", name=user.username), "success")
    return redirect(url_for("admin.user_detail", user_id=user.id), code=303)


@bp.post("/users/<int:user_id>/active")
@role_required("admin")
def user_active(user_id: int):
    user = _manageable_or_403(user_id)
    active = request.form.get("active") == "1"
    try:
        set_active(current_user, user, active)
    except AdminError:
        flash(_("You cannot deactivate your own account."), "error")
        return redirect(url_for("admin.user_detail", user_id=user.id), code=303)
    flash(_("User reactivated.") if active else _("User deactivated. Their records are kept."), "success")
    return redirect(url_for("admin.user_detail", user_id=user.id), code=303)


@bp.get("/audit")
@role_required("admin")
def audit():
    """The audit trail of the current site, newest first, and whether the hash chain holds."""
    from app.audit.chain import verify_chain
    from app.audit.models import AuditEvent

    query = (select(AuditEvent).where(AuditEvent.site_id == current_site().id)
             .order_by(AuditEvent.id.desc()).options(selectinload(AuditEvent.actor)))
    page = db.paginate(query, page=page_number(), per_page=50, error_out=False)
    return render_template("admin/audit.html", page=page, report=verify_chain())
