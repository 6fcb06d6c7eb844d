"""Session cookies: flags, a new session at sign-in, sign-out that a copied cookie does not survive, idle timeout."""
from __future__ import annotations

from datetime import timedelta

import pytest
from itsdangerous.timed import TimestampSigner

from app.extensions import db
from tests.conftest import csrf_from, login
from tests.factories import make_site, make_user

COOKIE = "session"


@pytest.fixture
def username(app):
    with app.app_context():
        user = make_user("patroller", [make_site()])
        db.session.commit()
        return user.username


def _set_cookie(response) -> str:
    headers = [h for h in response.headers.getlist("Set-Cookie") if h.startswith(f"{COOKIE}=")]
    assert headers, "no session cookie set"
    return headers[-1]


def _cookie_value(client) -> str:
    cookie = client.get_cookie(COOKIE)
    assert cookie is not None
    return cookie.value


def _with_cookie(app, value: str):
    """A new browser that presents a copied session cookie."""
    other = app.test_client()
    other.set_cookie(COOKIE, value)
    return other


def test_session_cookie_is_httponly_and_samesite_lax(client, username):
    response = login(client, username)
    header = _set_cookie(response)
    assert "HttpOnly" in header
    assert "SameSite=Lax" in header
    assert "Secure" not in header  # plain HTTP in development; SESSION_COOKIE_SECURE turns it on


def test_session_cookie_is_secure_when_configured(app, username):
    client = app.test_client()
    app.config["SESSION_COOKIE_SECURE"] = True
    try:
        header = _set_cookie(login(client, username))
    finally:
        app.config["SESSION_COOKIE_SECURE"] = False
    assert "; Secure" in header and "HttpOnly" in header


def test_secure_cookie_setting_is_read_from_the_environment(monkeypatch):
    import importlib

    import app.config as config

    monkeypatch.setenv("SESSION_COOKIE_SECURE", "1")
    monkeypatch.setenv("SESSION_IDLE_MINUTES", "30")
    try:
        reloaded = importlib.reload(config)
        assert reloaded.Config.SESSION_COOKIE_SECURE is True and reloaded.Config.REMEMBER_COOKIE_SECURE is True
        assert reloaded.Config.SESSION_IDLE_MINUTES == 30
    finally:
        monkeypatch.undo()
        importlib.reload(config)


def test_cookie_from_before_sign_in_is_not_the_signed_in_session(app, client, username):
    token_before = csrf_from(client)
    captured = _cookie_value(client)
    assert login(client, username).status_code == 303
    assert _cookie_value(client) != captured
    assert client.get("/patrol/").status_code == 200
    # someone who kept the cookie from before the sign-in is not signed in with it
    response = _with_cookie(app, captured).get("/patrol/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    # and the CSRF token of the old session is not valid in the new one
    assert csrf_from(client, "/patrol/") != token_before
    refused = client.post("/language", data={"locale": "en", "csrf_token": token_before})
    assert refused.status_code == 400


def test_sign_out_ends_the_session_even_for_a_copied_cookie(app, client, username):
    login(client, username)
    assert client.get("/patrol/").status_code == 200
    copied = _cookie_value(client)
    assert _with_cookie(app, copied).get("/patrol/").status_code == 200  # a copy works while signed in
    token = csrf_from(client, "/patrol/")
    assert client.post("/logout", data={"csrf_token": token}).status_code == 303
    assert client.get("/patrol/").status_code == 302
    response = _with_cookie(app, copied).get("/patrol/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert _with_cookie(app, copied).get("/api/v1/sites").status_code == 401


def test_signing_in_again_after_sign_out_works(app, client, username):
    login(client, username)
    token = csrf_from(client, "/patrol/")
    client.post("/logout", data={"csrf_token": token})
    assert login(client, username).status_code == 303
    assert client.get("/patrol/").status_code == 200


class Clock:
    """Controls the timestamp signed into session cookies (itsdangerous reads it when signing and when checking)."""

    def __init__(self, monkeypatch, start: int = 1_900_000_000):
        self.now = start
        monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda _signer: self.now)

    def advance(self, minutes: float) -> None:
        self.now += int(minutes * 60)


@pytest.fixture
def idle_minutes(app):
    saved = app.permanent_session_lifetime
    app.permanent_session_lifetime = timedelta(minutes=30)
    yield 30
    app.permanent_session_lifetime = saved


def test_idle_timeout_ends_a_session_left_alone(app, client, username, idle_minutes, monkeypatch):
    clock = Clock(monkeypatch)
    login(client, username)
    clock.advance(idle_minutes + 1)
    response = client.get("/patrol/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_idle_timeout_is_refreshed_by_activity(app, client, username, idle_minutes, monkeypatch):
    clock = Clock(monkeypatch)
    login(client, username)
    first = _cookie_value(client)
    for _ in range(4):  # two hours in all, never more than 25 minutes between requests
        clock.advance(idle_minutes - 5)
        assert client.get("/patrol/").status_code == 200
    # the cookie copied at sign-in was not refreshed: it has been idle for two hours
    response = _with_cookie(app, first).get("/patrol/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    clock.advance(idle_minutes + 1)
    assert client.get("/patrol/").status_code == 302


def test_idle_timeout_follows_the_setting(app, client, username, monkeypatch):
    idle = app.config["SESSION_IDLE_MINUTES"]
    assert app.permanent_session_lifetime == timedelta(minutes=idle)
    clock = Clock(monkeypatch)
    login(client, username)
    clock.advance(idle - 1)
    assert client.get("/patrol/").status_code == 200
    clock.advance(idle + 1)
    assert client.get("/patrol/").status_code == 302


def test_idle_minutes_set_the_session_lifetime():
    from flask import Flask

    from app.config import load_config

    bare = Flask(__name__)
    load_config(bare, {"TESTING": True, "SESSION_IDLE_MINUTES": 15})
    assert bare.permanent_session_lifetime == timedelta(minutes=15)
    assert bare.config["SESSION_REFRESH_EACH_REQUEST"] is True
