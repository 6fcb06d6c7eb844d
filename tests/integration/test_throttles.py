"""Guessing passwords and PINs is throttled wherever they are typed (sign-in, signing, confirming a password), per
account and per address, counted in the database so every worker sees the same failures; a throttled request is
a 429 with Retry-After and the wait in words, and nobody learns whether an account exists."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from app.auth.models import LoginFailure, User
from app.auth.throttle import Throttled
from app.extensions import db
from app.patrols.errors import PatrolError
from app.signoff.services import verify_signer
from app.sites.models import Site
from tests.conftest import csrf_from, login
from tests.factories import make_site, make_user
from tests.integration.sync_phone import new_uuid, phone, world  # noqa: F401
from tests.integration.test_signoff import _post, _signatures, submitted  # noqa: F401

ADDRESS = "198.51.100.7"


def _people(app, count=1, **kwargs) -> list[str]:
    with app.app_context():
        site = make_site()
        names = [make_user("patroller", [site], **kwargs).username for _ in range(count)]
        db.session.commit()
        return names


def _sign_as(app, username: str, secret: str, address: str = ADDRESS) -> User:
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == username))
        try:
            return verify_signer(user, username, secret, address)
        finally:
            db.session.remove()


def _refusal(app, username: str, secret: str, address: str = ADDRESS) -> Exception:
    with pytest.raises((PatrolError, Throttled)) as caught:
        _sign_as(app, username, secret, address)
    return caught.value


def _kinds(app) -> list[str]:
    with app.app_context():
        return sorted(db.session.scalars(select(LoginFailure.kind)))


def test_failed_signatures_throttle_signing_and_signing_in_to_that_account(app, client):
    (name,) = _people(app)
    for _ in range(5):
        assert _refusal(app, name, "wrong-guess").status == 401
    throttled = _refusal(app, name, "pass-word-1")  # even the right password waits now
    assert isinstance(throttled, Throttled) and 14 * 60 < throttled.retry_after <= 15 * 60
    assert login(client, name).status_code == 429  # one budget: signing guesses count against sign-in too
    assert _kinds(app) == ["signing"] * 5


def test_failed_signatures_from_one_address_throttle_every_account_there(app):
    (name,) = _people(app)
    app.config["LOGIN_MAX_FAILURES_PER_ADDRESS"] = 3
    try:
        for ghost in ("ghost1", "ghost2", "ghost3"):
            _refusal(app, ghost, "pass-word-1")
        assert isinstance(_refusal(app, name, "pass-word-1"), Throttled)
        assert _sign_as(app, name, "pass-word-1", address="203.0.113.9").username == name  # another phone
    finally:
        app.config["LOGIN_MAX_FAILURES_PER_ADDRESS"] = 20


def test_a_successful_sign_in_does_not_forget_failed_signatures(app, client):
    """Otherwise someone guessing a colleague's PIN would get five more tries each time the colleague signs in."""
    (name,) = _people(app)
    for _ in range(4):
        _refusal(app, name, "guess-pin")
    assert login(client, name).status_code == 303
    _refusal(app, name, "guess-pin")
    assert isinstance(_refusal(app, name, "pass-word-1"), Throttled)


def test_a_successful_sign_in_forgets_earlier_sign_in_typos(app, client):
    (name,) = _people(app)
    for _ in range(4):
        assert login(app.test_client(), name, "typo-typo").status_code == 401
    assert login(app.test_client(), name).status_code == 303
    for _ in range(4):
        login(app.test_client(), name, "typo-typo")
    assert login(client, name).status_code == 303


def test_unknown_deactivated_and_wrong_signers_get_one_refusal(app):
    active, inactive = _people(app), _people(app, active=False)
    refusals = [_refusal(app, "nobody-here", "pass-word-1"), _refusal(app, inactive[0], "pass-word-1"),
                _refusal(app, active[0], "wrong-guess")]
    assert {(r.status, r.message, r.field) for r in refusals} == {(401, refusals[0].message, "password")}
    assert _kinds(app) == ["signing"] * 3


def test_a_throttled_witness_gets_429_with_retry_after_and_the_wait(app, client, submitted):
    world, log_id = submitted
    for _ in range(5):
        _post(client, f"/sign/logs/{log_id}/witnessed", username=world.colleague, password="wrong-wrong")
    response = client.post(f"/sign/logs/{log_id}/witnessed", data={
        "csrf_token": csrf_from(client, "/patrol/"), "username": world.colleague, "password": "pass-word-1"})
    assert response.status_code == 429 and 14 * 60 < int(response.headers["Retry-After"]) <= 15 * 60
    assert "15 分钟后再试" in response.get_data(as_text=True)
    fragment = client.post(f"/sign/logs/{log_id}/witnessed", headers={"HX-Request": "true"}, data={
        "csrf_token": csrf_from(client, "/patrol/"), "username": world.colleague, "password": "pass-word-1"})
    assert fragment.status_code == 429 and fragment.headers["Retry-After"] and fragment.headers["HX-Retarget"] == "#main"
    assert _signatures(app, log_id) == {}


def test_a_throttled_signature_from_the_phone_is_429_json_with_retry_after(app, phone, world):
    for index in range(4):
        phone.walk(index)
    phone.post("submit", uuid=new_uuid(), log_id=phone.log_id)
    for _ in range(5):
        refused = phone.post("cosign", uuid=new_uuid(), log_id=phone.log_id, username=world.colleague, password="nope-nope")
        assert refused.status_code == 422
    response = phone.post("cosign", uuid=new_uuid(), log_id=phone.log_id, username=world.colleague, password="pass-word-1")
    body = response.get_json()
    assert response.status_code == 429 and body["code"] == "too_many_attempts" and int(response.headers["Retry-After"]) > 0
    assert "15" in body["message"] and ("等待" in body["message"] or "waiting" in body["message"])


def test_sign_in_throttle_says_the_wait_in_english_too(app, client):
    (name,) = _people(app)
    for _ in range(5):
        login(client, name, "wrong-guess")
    response = client.post("/login", headers={"Accept-Language": "en"}, data={
        "username": name, "password": "pass-word-1", "csrf_token": csrf_from(client)})
    assert response.status_code == 429 and int(response.headers["Retry-After"]) > 0
    assert "Try again in 15 minutes." in response.get_data(as_text=True)


def test_the_pin_page_counts_wrong_passwords_and_throttles_them(app, client, login_as):
    login_as("patroller")
    token = csrf_from(client, "/account/pin")
    form = {"csrf_token": token, "password": "wrong-guess", "pin": "274913", "pin_again": "274913"}
    for _ in range(5):
        assert client.post("/account/pin", data=form).status_code == 400
    response = client.post("/account/pin", data={**form, "password": "pass-word-1"})
    assert response.status_code == 429 and response.headers["Retry-After"]
    assert _kinds(app) == ["reauth"] * 5
    with app.app_context():
        assert db.session.scalar(select(User.signing_pin_hash)) is None


@pytest.mark.parametrize("pin", ["123456", "654321", "000000", "890123", "121212", "12345", "12345a", "１２３４５６"])
def test_guessable_pins_are_refused_and_nothing_is_stored(app, client, login_as, pin):
    login_as("patroller")
    response = client.post("/account/pin", headers={"Accept-Language": "en"}, data={
        "csrf_token": csrf_from(client, "/account/pin"), "password": "pass-word-1", "pin": pin, "pin_again": pin})
    assert response.status_code == 400 and "not easy to guess" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(User.signing_pin_hash)) is None
    assert _kinds(app) == []  # refused before the password was even checked


def _change(client, **fields):
    data = {"csrf_token": csrf_from(client, "/account/password"), "current_password": "pass-word-1",
            "password": "rooftop-lantern-47", "password_again": "rooftop-lantern-47", **fields}
    return client.post("/account/password", data=data, headers={"Accept-Language": "en"})


def test_changing_ones_password_keeps_this_session_and_ends_the_others(app, client, login_as):
    me = login_as("patroller")
    elsewhere = app.test_client()
    assert login(elsewhere, me["username"]).status_code == 303
    assert _change(client).status_code == 303
    assert client.get("/patrol/").status_code == 200
    assert elsewhere.get("/patrol/").status_code == 302  # signed out on the other phone
    assert login(app.test_client(), me["username"]).status_code == 401
    assert login(app.test_client(), me["username"], "rooftop-lantern-47").status_code == 303


@pytest.mark.parametrize("fields, field, words", [
    ({"password": "short-1", "password_again": "short-1"}, "password", "12 to 128 characters"),
    ({"password": "password2024!", "password_again": "password2024!"}, "password", "too common"),
    ({"password": "qwertyuiopasdf", "password_again": "qwertyuiopasdf"}, "password", "too common"),
    ({"password_again": "something-else-47"}, "password_again", "differ"),
    ({"current_password": "wrong-guess"}, "current_password", "Wrong password"),
])
def test_a_refused_password_change_changes_nothing(app, client, login_as, fields, field, words):
    login_as("patroller")
    response = _change(client, **fields)
    body = response.get_data(as_text=True)
    assert response.status_code == 400 and words in body and f'id="{field.replace("_", "-")}-error"' in body
    with app.app_context():
        assert db.session.scalar(select(User)).check_password("pass-word-1")


def test_a_new_password_holding_the_username_is_refused(app, client, login_as):
    me = login_as("patroller")
    response = _change(client, password=f"{me['username']}-rooftop", password_again=f"{me['username']}-rooftop")
    assert response.status_code == 400 and "must not contain the username" in response.get_data(as_text=True)


def test_admin_forms_apply_the_password_policy(app, client, login_as):
    who = login_as("admin")
    with app.app_context():
        member = make_user("patroller", [db.session.get(Site, who["site_id"])], username="zhouwei")
        db.session.commit()
        member_id = member.id
    token = csrf_from(client, "/admin/users/new")
    created = client.post("/admin/users/new", headers={"Accept-Language": "en"}, data={
        "csrf_token": token, "username": "liqiang", "full_name": "李强", "role": "patroller",
        "password": "liqiang-2024-x", "site_ids": [str(who["site_id"])]})
    assert created.status_code == 400 and "must not contain the username" in created.get_data(as_text=True)
    reset = client.post(f"/admin/users/{member_id}/password", headers={"Accept-Language": "en"},
                        data={"csrf_token": token, "password": "Password1234"})
    assert reset.status_code == 400 and "too common" in reset.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(User).where(User.username == "liqiang")) is None
        assert db.session.get(User, member_id).check_password("pass-word-1")
