"""Admin screens for buildings and checkpoints: who may change them, site isolation, validation, retire, rotate."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.audit.models import AuditEvent
from app.extensions import db
from app.sites.models import Building, Checkpoint, Site
from app.sites.services import EstateError, floor_in, lookup_token, update_building
from tests.conftest import csrf_from, login
from tests.factories import make_building, make_checkpoint, make_site, make_user

EN = {"Accept-Language": "en"}


def _estate(app, site_id: int) -> dict:
    """A building B1 (6 floors, no basement) with one checkpoint, and an outdoor checkpoint."""
    with app.app_context():
        site = db.session.get(Site, site_id)
        building = make_building(site, "B1")
        inside = make_checkpoint(site, code="B1-STW01", building=building)
        inside.floor = 2
        outdoor = make_checkpoint(site, code="OUT-ROAD", category="road")
        db.session.commit()
        return {"building": building.id, "checkpoint": inside.id, "outdoor": outdoor.id, "token": inside.token}


def _other_site_estate(app) -> dict:
    with app.app_context():
        other = make_site()
        building = make_building(other, "X1")
        checkpoint = make_checkpoint(other, code="X1-LBY", building=building)
        db.session.commit()
        return {"building": building.id, "checkpoint": checkpoint.id}


def _count(app, model, *where) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).where(*where))


def _events(app, action: str) -> list[AuditEvent]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def _checkpoint_form(client, **fields) -> dict:
    data = {"code": "b1-roof", "name_zh": "1栋逃生天台", "name_en": "Building 1 escape roof", "category": "roof",
            "building_id": "", "floor": "", "latitude": "", "longitude": "", "csrf_token": csrf_from(client, "/")}
    data.update(fields)
    return data


def _building_form(client, **fields) -> dict:
    data = {"code": "B2", "name_zh": "2栋", "name_en": "Building 2", "floors_above": "18", "floors_below": "1",
            "csrf_token": csrf_from(client, "/")}
    data.update(fields)
    return data


# Buildings

def test_admin_adds_and_edits_a_building_with_audit(app, client, login_as):
    who = login_as("admin")
    assert client.post("/admin/estate/buildings/new", data=_building_form(client)).status_code == 303
    with app.app_context():
        building = db.session.scalar(select(Building).where(Building.code == "B2"))
        assert building.site_id == who["site_id"] and (building.floors_above, building.floors_below) == (18, 1)
        building_id = building.id
    response = client.post(f"/admin/estate/buildings/{building_id}/edit", data=_building_form(client, name_en="Tower 2", floors_below=""))
    assert response.status_code == 303
    with app.app_context():
        building = db.session.get(Building, building_id)
        assert building.name_en == "Tower 2" and building.floors_below == 0
    assert len(_events(app, "building_created")) == 1
    [updated] = _events(app, "building_updated")
    assert updated.details["changes"]["name_en"] == ["Building 2", "Tower 2"] and updated.actor_id == who["user_id"]
    page = client.get("/admin/estate/buildings").get_data(as_text=True)
    assert "2栋" in page and f"/admin/estate/buildings/{building_id}/labels.pdf" in page


@pytest.mark.parametrize(("fields", "field_message"), [
    ({"code": "B1"}, "Another building of this site already has this code."),
    ({"code": "b1"}, "Another building of this site already has this code."),
    ({"code": "B 2!"}, "Up to 16 uppercase letters"),
    ({"floors_above": "0"}, "Floors above ground: a whole number from 1 to 200."),
    ({"floors_above": "many"}, "Floors above ground: a whole number from 1 to 200."),
    ({"floors_below": "-1"}, "Floors below ground: a whole number from 0 to 20."),
    ({"name_zh": ""}, "Enter the Chinese name."),
    ({"name_en": "   "}, "Enter the English name."),
])
def test_bad_building_input_is_400_beside_the_field_and_stores_nothing(app, client, login_as, fields, field_message):
    who = login_as("admin")
    _estate(app, who["site_id"])
    response = client.post("/admin/estate/buildings/new", data=_building_form(client, **fields), headers=EN)
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert 'class="field-error"' in body and field_message in body
    assert _count(app, Building) == 1 and not _events(app, "building_created")


def test_a_building_cannot_shrink_below_an_active_checkpoint(app, client, login_as):
    who = login_as("admin")
    ids = _estate(app, who["site_id"])  # its checkpoint sits on floor 2
    response = client.post(f"/admin/estate/buildings/{ids['building']}/edit",
                           data=_building_form(client, code="B1", floors_above="1", floors_below="0"), headers=EN)
    assert response.status_code == 400 and "B1-STW01" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Building, ids["building"]).floors_above == 6


def test_floors_count_from_one_up_and_minus_one_down(ctx):
    building = Building(code="B", name_zh="B", name_en="B", floors_above=3, floors_below=2)
    assert [f for f in range(-4, 5) if floor_in(building, f)] == [-2, -1, 1, 2, 3]


def test_update_building_refuses_a_taken_code(ctx):
    site = make_site()
    make_building(site, "B1")
    second = make_building(site, "B2")
    db.session.commit()
    with pytest.raises(EstateError) as raised:
        update_building(second, {"code": "B1", "name_zh": "x", "name_en": "x", "floors_above": 6, "floors_below": 0})
    assert raised.value.field == "code"
    db.session.rollback()
    assert db.session.get(Building, second.id).code == "B2"


# Checkpoints

def test_admin_adds_a_checkpoint_in_a_building(app, client, login_as):
    who = login_as("admin")
    ids = _estate(app, who["site_id"])
    data = _checkpoint_form(client, building_id=str(ids["building"]), floor="6", latitude="31.2304", longitude="121.4737")
    response = client.post("/admin/estate/checkpoints/new", data=data)
    assert response.status_code == 303
    with app.app_context():
        checkpoint = db.session.scalar(select(Checkpoint).where(Checkpoint.code == "B1-ROOF"))  # typed in lowercase
        assert checkpoint.site_id == who["site_id"] and checkpoint.building_id == ids["building"] and checkpoint.floor == 6
        assert (checkpoint.latitude, checkpoint.longitude) == (31.2304, 121.4737) and checkpoint.active
        assert len(checkpoint.token) >= 32
        assert response.headers["Location"].endswith(f"/admin/estate/checkpoints/{checkpoint.id}")
    [event] = _events(app, "checkpoint_created")
    assert event.details == {"code": "B1-ROOF"} and event.site_id == who["site_id"]


@pytest.mark.parametrize(("fields", "field_message"), [
    ({"code": "B1-STW01"}, "This code is already used at this site."),
    ({"code": "ROOF-OF-BUILDING-ONE"}, "Up to 16 uppercase letters"),
    ({"code": "R 1"}, "Up to 16 uppercase letters"),
    ({"code": ""}, "Enter a code."),
    ({"category": "swimming_pool"}, "Choose a category."),
    ({"category": ""}, "Choose a category."),
    ({"building": True, "floor": "7"}, "This building has floors 1 to 6"),
    ({"building": True, "floor": "0"}, "This building has floors 1 to 6"),
    ({"building": True, "floor": "-1"}, "This building has floors 1 to 6"),
    ({"building": True, "floor": "2.5"}, "Enter the floor as a whole number"),
    ({"floor": "3"}, "A floor needs a building"),
    ({"building_id": "99999999999"}, "Choose a building."),
    ({"latitude": "200", "longitude": "121"}, "Latitude lies between -90 and 90."),
    ({"latitude": "31", "longitude": "-181"}, "Longitude lies between -180 and 180."),
    ({"latitude": "nan", "longitude": "121"}, "Latitude lies between -90 and 90."),
    ({"latitude": "31.2"}, "Enter both latitude and longitude, or neither."),
    ({"name_zh": ""}, "Enter the Chinese name."),
    ({"name_en": "x" * 121}, "Enter a name of at most 120 characters."),
])
def test_bad_checkpoint_input_is_400_beside_the_field_and_stores_nothing(app, client, login_as, fields, field_message):
    who = login_as("admin")
    ids = _estate(app, who["site_id"])
    if fields.pop("building", False):
        fields["building_id"] = str(ids["building"])
    response = client.post("/admin/estate/checkpoints/new", data=_checkpoint_form(client, **fields), headers=EN)
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert 'class="field-error"' in body and field_message in body
    assert _count(app, Checkpoint) == 2 and not _events(app, "checkpoint_created")


def test_a_building_of_another_site_cannot_be_chosen(app, client, login_as):
    who = login_as("admin")
    _estate(app, who["site_id"])
    other = _other_site_estate(app)
    response = client.post("/admin/estate/checkpoints/new", headers=EN,
                           data=_checkpoint_form(client, building_id=str(other["building"])))
    assert response.status_code == 400 and "Choose a building of this site." in response.get_data(as_text=True)
    assert _count(app, Checkpoint, Checkpoint.site_id == who["site_id"]) == 2


def test_editing_a_checkpoint_keeps_its_label_token(app, client, login_as):
    who = login_as("admin")
    ids = _estate(app, who["site_id"])
    data = _checkpoint_form(client, code="B1-STW01", name_zh="1栋楼梯间（东）", category="stairwell",
                            building_id=str(ids["building"]), floor="3")
    assert client.post(f"/admin/estate/checkpoints/{ids['checkpoint']}/edit", data=data).status_code == 303
    with app.app_context():
        checkpoint = db.session.get(Checkpoint, ids["checkpoint"])
        assert checkpoint.name_zh == "1栋楼梯间（东）" and checkpoint.floor == 3 and checkpoint.token == ids["token"]
    [event] = _events(app, "checkpoint_updated")
    assert event.details["changes"]["floor"] == [2, 3] and "token" not in event.details["changes"]


def test_editing_to_another_checkpoints_code_is_refused(app, client, login_as):
    who = login_as("admin")
    ids = _estate(app, who["site_id"])
    response = client.post(f"/admin/estate/checkpoints/{ids['checkpoint']}/edit", headers=EN,
                           data=_checkpoint_form(client, code="OUT-ROAD", category="stairwell"))
    assert response.status_code == 400 and "This code is already used at this site." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Checkpoint, ids["checkpoint"]).code == "B1-STW01"
    assert not _events(app, "checkpoint_updated")


def test_retiring_keeps_the_checkpoint_and_it_can_come_back(app, client, login_as):
    who = login_as("admin")
    ids = _estate(app, who["site_id"])
    path = f"/admin/estate/checkpoints/{ids['checkpoint']}/active"
    assert client.post(path, data={"active": "0", "csrf_token": csrf_from(client, "/")}).status_code == 303
    with app.app_context():
        assert db.session.get(Checkpoint, ids["checkpoint"]).active is False
    assert "B1-STW01" in client.get("/admin/estate/checkpoints").get_data(as_text=True)  # still listed, as retired
    assert client.post(path, data={"active": "maybe", "csrf_token": csrf_from(client, "/")}).status_code == 400
    assert client.post(path, data={"active": "1", "csrf_token": csrf_from(client, "/")}).status_code == 303
    with app.app_context():
        assert db.session.get(Checkpoint, ids["checkpoint"]).active is True
    assert len(_events(app, "checkpoint_retired")) == 1 and len(_events(app, "checkpoint_reactivated")) == 1


def test_rotating_asks_first_then_replaces_the_token(app, client, login_as):
    who = login_as("admin")
    ids = _estate(app, who["site_id"])
    path = f"/admin/estate/checkpoints/{ids['checkpoint']}/rotate"
    confirm = client.get(path)
    assert confirm.status_code == 200 and f'action="{path}"' in confirm.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Checkpoint, ids["checkpoint"]).token == ids["token"]  # looking changes nothing
    response = client.post(path, data={"csrf_token": csrf_from(client, "/")}, headers=EN, follow_redirects=True)
    assert response.status_code == 200 and "no longer work" in response.get_data(as_text=True)
    with app.app_context():
        checkpoint = db.session.get(Checkpoint, ids["checkpoint"])
        assert checkpoint.token != ids["token"] and checkpoint.token_rotated_at is not None
        old = lookup_token(ids["token"])
        assert old.replaced and old.checkpoint.id == ids["checkpoint"]
    [event] = _events(app, "checkpoint_token_rotated")
    assert event.actor_id == who["user_id"] and event.object_id == ids["checkpoint"]


def test_checkpoint_list_is_paginated_and_filtered(app, client, login_as):
    who = login_as("admin")
    ids = _estate(app, who["site_id"])
    with app.app_context():
        site, building = db.session.get(Site, who["site_id"]), db.session.get(Building, ids["building"])
        for n in range(59):
            make_checkpoint(site, code=f"B1-X{n:02d}", building=building)
        db.session.commit()
    first = client.get(f"/admin/estate/checkpoints?building_id={ids['building']}").get_data(as_text=True)
    second = client.get(f"/admin/estate/checkpoints?building_id={ids['building']}&page=2").get_data(as_text=True)
    assert first.count('<span class="badge">B1-') == 50 and second.count('<span class="badge">B1-') == 10
    assert "OUT-ROAD" not in first + second
    outdoor = client.get("/admin/estate/checkpoints?building_id=none").get_data(as_text=True)
    assert "OUT-ROAD" in outdoor and "B1-X00" not in outdoor
    found = client.get("/admin/estate/checkpoints?q=x42").get_data(as_text=True)
    assert "B1-X42" in found and "B1-X41" not in found
    assert client.get("/admin/estate/checkpoints?building_id=abc").status_code == 404


@pytest.mark.parametrize("role", ["patroller", "supervisor", "maintenance"])
def test_only_admins_change_buildings_and_checkpoints(app, client, login_as, role):
    who = login_as(role)
    ids = _estate(app, who["site_id"])
    token = csrf_from(client, "/")
    changes = [
        ("/admin/estate/buildings/new", _building_form(client, code="B9")),
        (f"/admin/estate/buildings/{ids['building']}/edit", _building_form(client, code="B9")),
        ("/admin/estate/checkpoints/new", _checkpoint_form(client, code="NEW-1")),
        (f"/admin/estate/checkpoints/{ids['checkpoint']}/edit", _checkpoint_form(client, code="NEW-1")),
        (f"/admin/estate/checkpoints/{ids['checkpoint']}/active", {"active": "0", "csrf_token": token}),
        (f"/admin/estate/checkpoints/{ids['checkpoint']}/rotate", {"csrf_token": token}),
    ]
    for path, data in changes:
        assert client.get(path).status_code in (403, 405), path
        assert client.post(path, data=data).status_code == 403, path
    with app.app_context():
        checkpoint = db.session.get(Checkpoint, ids["checkpoint"])
        assert checkpoint.active and checkpoint.token == ids["token"] and checkpoint.code == "B1-STW01"
        assert db.session.get(Building, ids["building"]).code == "B1"
    assert _count(app, Building) == 1 and _count(app, Checkpoint) == 2 and _count(app, AuditEvent, AuditEvent.object_type.in_(["Building", "Checkpoint"])) == 0
    reads = ["/admin/estate/buildings", "/admin/estate/checkpoints", f"/admin/estate/checkpoints/{ids['checkpoint']}",
             f"/admin/estate/checkpoints/{ids['checkpoint']}/label.png"]
    for path in reads:
        assert client.get(path).status_code == (200 if role == "supervisor" else 403), path
    if role == "supervisor":
        page = client.get(f"/admin/estate/checkpoints/{ids['checkpoint']}").get_data(as_text=True)
        assert "/rotate" not in page and "/edit" not in page and "/active" not in page


def test_records_of_another_site_are_404_everywhere(app, client, login_as):
    who = login_as("admin")
    _estate(app, who["site_id"])
    other = _other_site_estate(app)
    token = csrf_from(client, "/")
    cp, b = other["checkpoint"], other["building"]
    gets = [f"/admin/estate/buildings/{b}/edit", f"/admin/estate/checkpoints/{cp}", f"/admin/estate/checkpoints/{cp}/edit",
            f"/admin/estate/checkpoints/{cp}/rotate", f"/admin/estate/checkpoints/{cp}/label.png",
            f"/admin/estate/checkpoints/{cp}/label.svg", f"/admin/estate/buildings/{b}/labels.pdf",
            f"/admin/estate/checkpoints?building_id={b}", "/admin/estate/checkpoints/99999999999"]
    for path in gets:
        assert client.get(path).status_code == 404, path
    posts = [(f"/admin/estate/buildings/{b}/edit", _building_form(client, code="X1")),
             (f"/admin/estate/checkpoints/{cp}/edit", _checkpoint_form(client, code="X1-LBY")),
             (f"/admin/estate/checkpoints/{cp}/active", {"active": "0", "csrf_token": token}),
             (f"/admin/estate/checkpoints/{cp}/rotate", {"csrf_token": token})]
    for path, data in posts:
        assert client.post(path, data=data).status_code == 404, path
    with app.app_context():
        checkpoint = db.session.get(Checkpoint, cp)
        assert checkpoint.active and checkpoint.name_zh == "楼梯间"
    assert _count(app, AuditEvent, AuditEvent.object_type.in_(["Building", "Checkpoint"])) == 0
    listing = client.get("/admin/estate/checkpoints").get_data(as_text=True)
    assert "X1-LBY" not in listing


def test_records_of_my_other_site_wait_until_i_switch_to_it(app, client):
    with app.app_context():
        first, second = make_site(), make_site()
        make_user("admin", [first, second], username="twosites")
        db.session.commit()
        first_id, second_id = first.id, second.id
    assert login(client, "twosites").status_code == 303
    ids = _estate(app, second_id)
    path = f"/admin/estate/checkpoints/{ids['checkpoint']}"
    for site_id, status in ((first_id, 404), (second_id, 200)):
        assert client.post("/site", data={"site_id": str(site_id), "csrf_token": csrf_from(client, "/")}).status_code == 303
        assert client.get(path).status_code == status


def test_changes_need_the_csrf_token(app, client, login_as):
    who = login_as("admin")
    ids = _estate(app, who["site_id"])
    assert client.post(f"/admin/estate/checkpoints/{ids['checkpoint']}/rotate").status_code == 400
    with app.app_context():
        assert db.session.get(Checkpoint, ids["checkpoint"]).token == ids["token"]


def test_admin_home_links_the_estate_screens(client, login_as):
    login_as("admin")
    page = client.get("/admin/").get_data(as_text=True)
    assert 'href="/admin/estate/buildings"' in page and 'href="/admin/estate/checkpoints"' in page
