"""Signing in and out: credentials, throttling, CSRF, deactivation, language."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from app.audit.models import AuditEvent
from app.auth.models import LoginFailure, User
from app.extensions import db
from tests.conftest import csrf_from, login
from tests.factories import make_site, make_user


def _user(app, role="patroller", **kwargs):
    with app.app_context():
        user = make_user(role, [make_site()], **kwargs)
        db.session.commit()
        return user.username


def test_patroller_signs_in_and_lands_on_today(app, client):
    username = _user(app)
    response = login(client, username)
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/patrol/")
    assert client.get("/patrol/").status_code == 200
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "login")) == 1


def test_wrong_password_is_401_with_message_and_recorded(app, client):
    username = _user(app)
    response = login(client, username, "wrong-password", )
    assert response.status_code == 401
    assert "用户名或密码错误" in response.get_data(as_text=True) or "Wrong username or password" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(LoginFailure)) == 1


def test_unknown_user_gets_the_same_message_as_a_wrong_password(app, client):
    username = _user(app)
    wrong_password = login(client, username, "nope-nope").get_data(as_text=True)
    unknown_user = login(client, "nobody-here", "nope-nope").get_data(as_text=True)
    assert _flash(wrong_password) == _flash(unknown_user)


def _flash(body: str) -> str:
    start = body.index('role="alert"')
    return body[start:body.index("</p>", start)]


def test_missing_fields_are_400_and_name_the_field(app, client):
    token = csrf_from(client)
    response = client.post("/login", data={"username": "", "csrf_token": token}, headers={"Accept-Language": "en"})
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert "Enter your username." in body and "Enter your password." in body


def test_login_without_csrf_token_is_refused(app, client):
    username = _user(app)
    response = client.post("/login", data={"username": username, "password": "pass-word-1"}, headers={"Accept-Language": "en"})
    assert response.status_code == 400
    assert "expired" in response.get_data(as_text=True)
    assert client.get("/patrol/").status_code == 302  # still signed out


def test_account_is_throttled_after_five_failures(app, client):
    username = _user(app)
    for _ in range(5):
        assert login(client, username, "wrong-pass").status_code == 401
    response = login(client, username, "pass-word-1", )
    assert response.status_code == 429
    assert "15" in response.get_data(as_text=True)  # minutes to wait
    assert 14 * 60 < int(response.headers["Retry-After"]) <= 15 * 60


def test_address_is_throttled_across_accounts(app, client):
    app.config["LOGIN_MAX_FAILURES_PER_ADDRESS"] = 3
    try:
        for n in range(3):
            login(client, f"ghost{n}", "wrong-pass")
        username = _user(app)
        assert login(client, username).status_code == 429
    finally:
        app.config["LOGIN_MAX_FAILURES_PER_ADDRESS"] = 20


def test_throttle_lifts_after_the_window(app, client):
    username = _user(app)
    for _ in range(5):
        login(client, username, "wrong-pass")
    with app.app_context():
        for failure in db.session.scalars(select(LoginFailure)):
            failure.at -= timedelta(minutes=16)
        db.session.commit()
    assert login(client, username).status_code == 303


def test_deactivated_user_gets_the_refusal_of_a_wrong_password(app, client):
    """No account enumeration: a right password of a deactivated account is refused like a wrong one, and counted."""
    username = _user(app, active=False)
    deactivated = login(client, username)
    wrong = login(app.test_client(), username, "nope-nope")
    assert deactivated.status_code == wrong.status_code == 401
    assert _flash(deactivated.get_data(as_text=True)) == _flash(wrong.get_data(as_text=True))
    assert client.get("/patrol/").status_code == 302
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(LoginFailure)) == 2


def test_deactivation_ends_open_sessions(app, client):
    username = _user(app)
    login(client, username)
    assert client.get("/patrol/").status_code == 200
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == username))
        user.active = False
        user.end_sessions()
        db.session.commit()
    response = client.get("/patrol/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_expired_session_sends_back_to_login_then_to_the_page(app, client):
    username = _user(app)
    response = client.get("/patrol/my-logs")
    assert response.status_code == 302
    assert "next=/patrol/my-logs" in response.headers["Location"]
    response = login(client, username, next="/patrol/my-logs")
    assert response.headers["Location"].endswith("/patrol/my-logs")


def test_next_parameter_cannot_redirect_elsewhere(app, client):
    username = _user(app)
    response = login(client, username, next="https://evil.example/")
    assert response.headers["Location"].endswith("/patrol/")


def test_htmx_request_without_session_gets_401_and_redirect_header(client):
    response = client.get("/patrol/", headers={"HX-Request": "true"})
    assert response.status_code == 401
    assert "/login" in response.headers["HX-Redirect"]


def test_logout_ends_the_session(app, client):
    username = _user(app)
    login(client, username)
    token = csrf_from(client, "/patrol/")
    assert client.post("/logout", data={"csrf_token": token}).status_code == 303
    assert client.get("/patrol/").status_code == 302


def test_language_choice_is_remembered_per_user(app, client):
    username = _user(app)
    login(client, username)
    token = csrf_from(client, "/patrol/")
    client.post("/language", data={"locale": "en", "csrf_token": token})
    with app.app_context():
        assert db.session.scalar(select(User.locale).where(User.username == username)) == "en"
    other = app.test_client()
    login(other, username)
    assert 'lang="en"' in other.get("/patrol/").get_data(as_text=True)


def test_unknown_language_is_refused_without_change(app, client):
    username = _user(app)
    login(client, username)
    token = csrf_from(client, "/patrol/")
    client.post("/language", data={"locale": "fr", "csrf_token": token})
    with app.app_context():
        assert db.session.scalar(select(User.locale).where(User.username == username)) is None
