"""Users, their sites, and failed-login records for throttling."""
from __future__ import annotations

import secrets
from datetime import datetime
from functools import lru_cache

from flask_login import UserMixin
from sqlalchemy import Column, CheckConstraint, ForeignKey, Index, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from app.extensions import db
from app.model_helpers import one_of, utcnow

ROLES = ("patroller", "supervisor", "maintenance", "admin")
FAILURE_KINDS = ("login", "signing", "reauth")  # signing in, signing a record, confirming one's password


@lru_cache(maxsize=1)
def dummy_hash() -> str:
    """Checked against when there is no real hash, so a refusal costs the same work either way (no timing oracle)."""
    return generate_password_hash("not-a-password", method="scrypt")

user_sites = Table(
    "user_sites",
    db.metadata,
    Column("user_id", ForeignKey("users.id"), primary_key=True),
    Column("site_id", ForeignKey("sites.id"), primary_key=True, index=True),
)


class User(UserMixin, db.Model):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    full_name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(255))
    signing_pin_hash: Mapped[str | None] = mapped_column(String(255))  # optional 6-digit PIN for signing logs
    role: Mapped[str] = mapped_column(String(16))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"), index=True)
    locale: Mapped[str | None] = mapped_column(String(8))
    phone: Mapped[str | None] = mapped_column(String(32))
    active: Mapped[bool] = mapped_column(default=True)
    # Part of the login id: changing it (password reset, deactivation) ends every open session.
    session_token: Mapped[str] = mapped_column(String(32), default=lambda: secrets.token_hex(16))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]

    sites = relationship("Site", secondary=user_sites, order_by="Site.id", lazy="selectin")
    team = relationship("Team")

    __table_args__ = (
        one_of("role", ROLES),
        one_of("locale", ("zh_CN", "en"), name="locale"),
        CheckConstraint("role <> 'maintenance' OR team_id IS NOT NULL", name="maintenance_has_team"),
    )

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.active

    def get_id(self) -> str:
        return f"{self.id}:{self.session_token}"

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password, method="scrypt")
        self.session_token = secrets.token_hex(16)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    def set_signing_pin(self, pin: str) -> None:
        self.signing_pin_hash = generate_password_hash(pin, method="scrypt")

    def check_signing_secret(self, secret: str) -> bool:
        """Signing re-checks the password, or the personal signing PIN when one is set."""
        if self.check_password(secret):
            return True
        pin_matches = check_password_hash(self.signing_pin_hash or dummy_hash(), secret)
        return bool(self.signing_pin_hash) and pin_matches

    def end_sessions(self) -> None:
        self.session_token = secrets.token_hex(16)

    @property
    def site_ids(self) -> set[int]:
        return {site.id for site in self.sites}

    def can_access_site(self, site_id: int) -> bool:
        return site_id in self.site_ids


class LoginFailure(db.Model):
    """A failed attempt at someone's password or PIN; `kind` says where (see FAILURE_KINDS)."""
    __tablename__ = "login_failures"
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(8), default="login", server_default="login")
    username: Mapped[str] = mapped_column(String(64))
    address: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        one_of("kind", FAILURE_KINDS),
        Index("ix_login_failures_username_at", "username", "at"),
        Index("ix_login_failures_address_at", "address", "at"),
    )
