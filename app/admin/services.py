"""User administration: create, reset a password, deactivate or reactivate. Users are never deleted."""
from __future__ import annotations

from sqlalchemy import func, select

from app.audit.services import record
from app.auth.models import User
from app.extensions import db
from app.sites.models import Site
from app.work_orders.models import Team


class AdminError(Exception):
    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


def create_user(admin: User, data: dict, messages: dict[str, str]) -> User:
    """Create a user in some of the admin's own sites. `messages` holds translated errors."""
    if db.session.scalar(select(User.id).where(func.lower(User.username) == data["username"].lower())):
        raise AdminError("username", messages["taken"])
    site_ids = set(data["site_ids"])
    if not site_ids <= admin.site_ids:
        raise AdminError("site_ids", messages["site"])
    team = None
    if data["role"] == "maintenance":
        team = db.session.scalar(
            select(Team).where(Team.code == data["team_code"], Team.site_id.in_(site_ids)).order_by(Team.site_id).limit(1)
        )
        if team is None:
            raise AdminError("team_code", messages["team"])
    user = User(username=data["username"].lower(), full_name=data["full_name"].strip(), role=data["role"],
                team=team, phone=data.get("phone"))
    user.set_password(data["password"])
    user.sites = list(db.session.scalars(select(Site).where(Site.id.in_(site_ids))))
    db.session.add(user)
    record("user_created", user, actor=admin, site_id=min(site_ids), username=user.username, role=user.role)
    db.session.commit()
    return user


def reset_password(admin: User, user: User, password: str) -> None:
    """Set a new password; the user's open sessions end."""
    user.set_password(password)
    record("password_reset", user, actor=admin, site_id=_shared_site(admin, user))
    db.session.commit()


def set_active(admin: User, user: User, active: bool) -> None:
    if user.id == admin.id and not active:
        raise AdminError("form", "self")
    user.active = active
    if not active:
        user.end_sessions()
    record("user_reactivated" if active else "user_deactivated", user, actor=admin, site_id=_shared_site(admin, user))
    db.session.commit()


def _shared_site(admin: User, user: User) -> int | None:
    shared = admin.site_ids & user.site_ids
    return min(shared) if shared else None


def users_of_sites(site_ids: set[int]):
    from app.auth.models import user_sites

    members = select(user_sites.c.user_id).where(user_sites.c.site_id.in_(site_ids))
    return select(User).where(User.id.in_(members)).order_by(User.active.desc(), User.role, User.username)
