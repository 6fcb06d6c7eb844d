"""Every view is guarded by role and by site; bad ids are 404, never 500."""
from __future__ import annotations

import pytest

from app.extensions import db
from app.findings.models import Finding
from tests.factories import make_site, make_user

ROLE_HOMES = {
    "patroller": "/patrol/",
    "supervisor": "/dashboard/",
    "maintenance": "/work-orders/",
    "admin": "/admin/",
}

# (path, roles allowed)
PAGES = [
    ("/patrol/", {"patroller", "supervisor"}),
    ("/patrol/my-logs", {"patroller", "supervisor"}),
    ("/patrol/logs", {"supervisor", "admin"}),
    ("/dashboard/", {"supervisor", "admin"}),
    ("/dashboard/logs", {"supervisor", "admin"}),
    ("/dashboard/findings", {"supervisor", "admin"}),
    ("/dashboard/work-orders", {"supervisor", "admin"}),
    ("/review/findings", {"supervisor"}),
    ("/supervision/weekly", {"supervisor", "admin"}),
    ("/supervision/spot-checks", {"supervisor", "admin"}),
    ("/handover/", {"patroller", "supervisor", "admin"}),
    ("/handover/new", {"patroller", "supervisor"}),
    ("/work-orders/", {"maintenance"}),
    ("/work-orders/board", {"supervisor", "admin"}),
    ("/admin/", {"admin"}),
    ("/admin/users", {"admin"}),
    ("/admin/users/new", {"admin"}),
    ("/admin/checklists/", {"admin", "supervisor"}),
    ("/account/pin", {"patroller", "supervisor", "maintenance", "admin"}),
    ("/exports/archive", {"supervisor", "admin"}),
]


@pytest.mark.parametrize("role", sorted(ROLE_HOMES))
def test_each_role_lands_on_its_home(login_as, client, role):
    login_as(role)
    response = client.get("/")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(ROLE_HOMES[role])
    assert client.get(ROLE_HOMES[role]).status_code == 200


@pytest.mark.parametrize("role", sorted(ROLE_HOMES))
def test_role_guard_on_every_page(login_as, client, role):
    login_as(role)
    for path, allowed in PAGES:
        status = client.get(path).status_code
        assert status == (200 if role in allowed else 403), (role, path, status)


def test_forbidden_page_explains_in_chinese(login_as, client):
    login_as("patroller")
    response = client.get("/admin/users")
    assert response.status_code == 403
    assert "无权" in response.get_data(as_text=True) or "不允许" in response.get_data(as_text=True)


def test_logged_out_visitor_is_sent_to_login_everywhere(client):
    for path, _allowed in PAGES:
        response = client.get(path)
        assert response.status_code == 302 and "/login" in response.headers["Location"], path


def _demo_record_ids(app):
    """A log, a work order, a photo and a user of a site the test user does not belong to."""
    from app.demo.builder import build_demo
    from app.patrols.models import PatrolLog
    from app.photos.models import Photo
    from app.work_orders.models import WorkOrder
    from sqlalchemy import select

    with app.app_context():
        site = build_demo(days=3)
        ids = {
            "log": db.session.scalar(select(PatrolLog.id).where(PatrolLog.site_id == site.id, PatrolLog.number.is_not(None)).limit(1)),
            "order": db.session.scalar(select(WorkOrder.id).where(WorkOrder.site_id == site.id).limit(1)),
            "photo": db.session.scalar(select(Photo.id).where(Photo.site_id == site.id).limit(1)),
            "finding": db.session.scalar(select(Finding.id).limit(1)),
        }
        return site.id, ids


def test_records_of_another_site_are_not_found(app, client, login_as):
    _site_id, ids = _demo_record_ids(app)
    who = login_as("supervisor")  # in a new site of its own
    for path in (f"/patrol/logs/{ids['log']}", f"/work-orders/{ids['order']}"):
        response = client.get(path)
        assert response.status_code == 404, path
    assert ids["photo"], "the demo makes photos of its failures"
    assert client.get(f"/photos/{ids['photo']}").status_code == 404
    assert client.get(f"/photos/{ids['photo']}/thumb").status_code == 404
    assert who["site_id"] != _site_id


def test_records_of_own_site_open(app, client):
    site_id, ids = _demo_record_ids(app)
    from tests.conftest import login

    assert login(client, "super1", "demo-pass").status_code == 303
    assert client.get(f"/patrol/logs/{ids['log']}").status_code == 200
    assert client.get(f"/work-orders/{ids['order']}").status_code == 200
    if ids["photo"]:
        response = client.get(f"/photos/{ids['photo']}")
        response.close()
        assert response.status_code == 200 and response.mimetype == "image/jpeg"
        assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_maintenance_sees_only_their_teams_orders(app, client):
    from sqlalchemy import select

    from app.work_orders.models import Team, WorkOrder
    from tests.conftest import login

    _demo_record_ids(app)
    with app.app_context():
        foreign = db.session.scalar(select(WorkOrder.id).join(Team).where(Team.code != "cleaning").limit(1))
    login(client, "clean1", "demo-pass")
    assert client.get(f"/work-orders/{foreign}").status_code == 404


@pytest.mark.parametrize("path", ["/patrol/logs/abc", "/patrol/logs/-1", "/patrol/logs/99999999999999999999",
                                  "/work-orders/0", "/photos/1e9", "/admin/users/%00"])
def test_malformed_ids_are_404(login_as, client, path):
    login_as("admin")
    assert client.get(path).status_code == 404


def test_admin_cannot_open_user_of_another_site(app, client, login_as):
    with app.app_context():
        stranger = make_user("patroller", [make_site()])
        db.session.commit()
        stranger_id = stranger.id
    login_as("admin")
    assert client.get(f"/admin/users/{stranger_id}").status_code == 404


def test_api_requires_sign_in_and_hides_other_sites(app, client, login_as):
    response = client.get("/api/v1/sites")
    assert response.status_code == 401 and response.is_json
    with app.app_context():
        other = make_site()
        db.session.commit()
        other_id = other.id
    who = login_as("patroller")
    sites = client.get("/api/v1/sites").get_json()
    assert [s["id"] for s in sites] == [who["site_id"]]
    assert client.get(f"/api/v1/sites/{other_id}/checkpoints").status_code == 404


# Which roles may call each route, for every route of the URL map, and what a visitor or a user of another site gets:
# tests/authz_table.py, walked by tests/integration/test_authz_matrix.py.
