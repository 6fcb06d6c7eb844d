"""Admin screens: create users, reset passwords, deactivate (never delete)."""
from __future__ import annotations

from sqlalchemy import func, select

from app.audit.models import AuditEvent
from app.auth.models import User
from app.extensions import db
from tests.conftest import csrf_from, login
from tests.factories import make_site, make_user


def _form(client, **fields):
    data = {"username": "patrol9", "full_name": "周杰", "role": "patroller", "password": "long-enough-1",
            "csrf_token": csrf_from(client, "/admin/users/new")}
    data.update(fields)
    return data


def test_admin_creates_a_maintenance_user_in_own_site(app, client, login_as):
    who = login_as("admin")
    response = client.post("/admin/users/new", data=_form(client, username="plumber1", role="maintenance",
                                                          team_code="engineering", site_ids=[str(who["site_id"])]))
    assert response.status_code == 303
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == "plumber1"))
        assert user.team.code == "engineering" and user.site_ids == {who["site_id"]}
        assert user.check_password("long-enough-1")
        assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "user_created")) == 1
    new = app.test_client()
    assert login(new, "plumber1", "long-enough-1").headers["Location"].endswith("/work-orders/")


def test_create_user_rejects_bad_input_without_storing(app, client, login_as):
    who = login_as("admin")
    site = str(who["site_id"])
    cases = [
        ({"username": "Bad Name!", "site_ids": [site]}, "username"),
        ({"password": "short", "site_ids": [site]}, "password"),
        ({"role": "maintenance", "site_ids": [site]}, "team_code"),
        ({"role": "overlord", "site_ids": [site]}, "role"),
        ({"site_ids": []}, "site_ids"),
        ({"site_ids": ["abc"]}, "site_ids"),
        ({"full_name": "", "site_ids": [site]}, "full_name"),
    ]
    for fields, field in cases:
        response = client.post("/admin/users/new", data=_form(client, **fields), headers={"Accept-Language": "en"})
        assert response.status_code == 400, fields
        assert 'class="field-error"' in response.get_data(as_text=True), fields
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(User)) == 1  # only the admin


def test_admin_cannot_add_users_to_another_site(app, client, login_as):
    with app.app_context():
        other = make_site()
        db.session.commit()
        other_id = other.id
    login_as("admin")
    response = client.post("/admin/users/new", data=_form(client, site_ids=[str(other_id)]))
    assert response.status_code == 400
    with app.app_context():
        assert db.session.scalar(select(User).where(User.username == "patrol9")) is None


def test_duplicate_username_is_refused(app, client, login_as):
    who = login_as("admin")
    data = _form(client, username=who["username"].upper(), site_ids=[str(who["site_id"])])
    assert client.post("/admin/users/new", data=data).status_code == 400


def _member(app, site_id):
    with app.app_context():
        from app.sites.models import Site

        user = make_user("patroller", [db.session.get(Site, site_id)])
        db.session.commit()
        return user.id, user.username


def test_reset_password_ends_the_users_sessions(app, client, login_as):
    who = login_as("admin")
    user_id, username = _member(app, who["site_id"])
    theirs = app.test_client()
    login(theirs, username)
    assert theirs.get("/patrol/").status_code == 200
    token = csrf_from(client, f"/admin/users/{user_id}")
    assert client.post(f"/admin/users/{user_id}/password", data={"password": "brand-new-pass", "csrf_token": token}).status_code == 303
    assert theirs.get("/patrol/").status_code == 302
    assert login(app.test_client(), username, "brand-new-pass").status_code == 303


def test_short_reset_password_is_400_and_keeps_the_old(app, client, login_as):
    who = login_as("admin")
    user_id, username = _member(app, who["site_id"])
    token = csrf_from(client, f"/admin/users/{user_id}")
    assert client.post(f"/admin/users/{user_id}/password", data={"password": "x", "csrf_token": token}).status_code == 400
    assert login(app.test_client(), username).status_code == 303


def test_deactivate_keeps_the_user_and_blocks_sign_in(app, client, login_as):
    who = login_as("admin")
    user_id, username = _member(app, who["site_id"])
    token = csrf_from(client, f"/admin/users/{user_id}")
    assert client.post(f"/admin/users/{user_id}/active", data={"active": "0", "csrf_token": token}).status_code == 303
    with app.app_context():
        user = db.session.get(User, user_id)
        assert user is not None and user.active is False
    assert login(app.test_client(), username).status_code == 401  # refused like a wrong password: no enumeration
    client.post(f"/admin/users/{user_id}/active", data={"active": "1", "csrf_token": token})
    assert login(app.test_client(), username).status_code == 303


def test_admin_cannot_deactivate_themselves(app, client, login_as):
    who = login_as("admin")
    token = csrf_from(client, "/admin/users")
    client.post(f"/admin/users/{who['user_id']}/active", data={"active": "0", "csrf_token": token})
    with app.app_context():
        assert db.session.get(User, who["user_id"]).active is True


def test_state_changes_need_csrf(app, client, login_as):
    who = login_as("admin")
    user_id, _ = _member(app, who["site_id"])
    response = client.post(f"/admin/users/{user_id}/active", data={"active": "0"})
    assert response.status_code == 400
    with app.app_context():
        assert db.session.get(User, user_id).active is True


def test_htmx_csrf_header_is_accepted(app, client, login_as):
    who = login_as("admin")
    user_id, _ = _member(app, who["site_id"])
    token = csrf_from(client, "/admin/users")
    response = client.post(f"/admin/users/{user_id}/active", data={"active": "0"},
                           headers={"X-CSRFToken": token, "HX-Request": "true"})
    assert response.status_code == 303


def test_admin_cannot_take_over_a_user_who_also_works_elsewhere(app, client, login_as):
    who = login_as("admin")
    with app.app_context():
        from app.sites.models import Site

        shared = make_user("supervisor", [db.session.get(Site, who["site_id"]), make_site()])
        db.session.commit()
        shared_id, shared_name = shared.id, shared.username
    assert client.get(f"/admin/users/{shared_id}").status_code == 200  # may see a colleague of the site
    token = csrf_from(client, "/admin/users")
    assert client.post(f"/admin/users/{shared_id}/password", data={"password": "taken-over-1", "csrf_token": token}).status_code == 403
    assert client.post(f"/admin/users/{shared_id}/active", data={"active": "0", "csrf_token": token}).status_code == 403
    assert login(app.test_client(), shared_name).status_code == 303  # the old password still works
