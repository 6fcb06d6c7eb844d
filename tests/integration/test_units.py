"""The units register: a unit comes with its door label, a scan opens its page, owner contact stays with supervisors
and admins, and bad input is told beside the field with nothing stored."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.audit.models import AuditEvent
from app.extensions import db
from app.sites.models import Checkpoint, Unit
from app.sites.services import rotate_token
from tests.conftest import csrf_from, login
from tests.integration.vacancy_world import build_vacant_world


@pytest.fixture
def world(app):
    return build_vacant_world(app)


def _post(client, path, data):
    return client.post(path, data={"csrf_token": csrf_from(client, "/units/"), **data})


def _form(world, **overrides):
    data = {"building_id": str(world.building_id), "number": "601", "floor": "6", "area_m2": "118.6",
            "status": "vacant", "owner_name": "", "owner_phone": "", "sold_on": "", "note": ""}
    return data | overrides


def _units(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Unit))


def test_a_new_unit_gets_its_door_label(app, client, world):
    login(client, world.admin)
    response = _post(client, "/units/new", _form(world, number="601", owner_name="黄志强", owner_phone="139 0000 1111"))
    assert response.status_code == 303
    with app.app_context():
        unit = db.session.scalar(select(Unit).where(Unit.number == "601"))
        assert response.headers["Location"].endswith(f"/units/{unit.id}")
        label = unit.checkpoint
        assert (label.category, label.code, label.name_zh, label.name_en, label.floor) == \
            ("unit", "B3-601", "B3栋 601", "Building B3 601", 6)
        assert label.site_id == world.site_id and label.building_id == world.building_id and len(label.token) >= 32
        actions = set(db.session.scalars(select(AuditEvent.action).where(AuditEvent.object_id.in_([unit.id, label.id]))))
        assert {"unit_created", "checkpoint_created"} <= actions
        checkpoint_id = label.id
    png = client.get(f"/admin/estate/checkpoints/{checkpoint_id}/label.png")
    assert png.status_code == 200 and png.mimetype == "image/png"
    page = client.get(f"/units/{unit.id}").get_data(as_text=True)
    assert "黄志强" in page and "139 0000 1111" in page and f"/admin/estate/checkpoints/{checkpoint_id}/label.png" in page


def test_a_scanned_door_label_opens_the_unit_page(app, client, world):
    login(client, world.patroller)
    unit_id = world.occupied_id
    response = client.get(f"/c/{world.tokens[unit_id]}")
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/units/{unit_id}")
    with app.app_context():
        checkpoint = db.session.get(Unit, unit_id).checkpoint
        old = checkpoint.token
        new = rotate_token(checkpoint)
    assert client.get(f"/c/{old}").status_code == 410  # a replaced label says so
    assert client.get(f"/c/{new}").headers["Location"].endswith(f"/units/{unit_id}")


def test_owner_contact_is_for_supervisors_and_admins_only(client, world):
    unit_id = world.occupied_id
    login(client, world.patroller)
    page = client.get(f"/units/{unit_id}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "B3栋 201" in text and "陈美玲" not in text and "138-0000-0002" not in text
    login(client, world.supervisor)
    text = client.get(f"/units/{unit_id}").get_data(as_text=True)
    assert "陈美玲" in text and "138-0000-0002" in text


def test_editing_the_number_moves_the_label_code_and_keeps_its_token(app, client, world):
    login(client, world.supervisor)
    unit_id = world.vacant_ids[0]
    token = world.tokens[unit_id]
    response = _post(client, f"/units/{unit_id}/edit", _form(world, number="502", floor="5", status="sold_vacant",
                                                             sold_on="2026-05-31", area_m2="99"))
    assert response.status_code == 303
    with app.app_context():
        unit = db.session.get(Unit, unit_id)
        assert (unit.number, unit.status, str(unit.sold_on), unit.area_m2) == ("502", "sold_vacant", "2026-05-31", 99.0)
        assert (unit.checkpoint.code, unit.checkpoint.name_zh, unit.checkpoint.token) == ("B3-502", "B3栋 502", token)


def test_the_register_lists_units_by_building_and_status(client, world):
    login(client, world.admin)
    listing = client.get(f"/units/?building_id={world.building_id}&status=vacant").get_data(as_text=True)
    assert "B3栋 501" in listing and "B3栋 201" not in listing
    assert client.get("/units/?building_id=999999").status_code == 404
    assert client.get("/units/?building_id=abc").status_code == 404


@pytest.mark.parametrize("overrides, field_text", [
    ({"number": "501", "floor": "5"}, "已有"),  # a unit number taken in this building
    ({"floor": "40"}, "1 至 6"),  # beyond the building's floors (six above ground, no basement)
    ({"floor": "0"}, "1 至 6"),
    ({"area_m2": "-3"}, "面积"),
    ({"area_m2": "abc"}, "面积"),
    ({"number": ""}, "房号"),
    ({"number": "12/01"}, "字母"),
    ({"floor": ""}, "楼层"),
    ({"status": "haunted"}, "状态"),
    ({"building_id": ""}, "楼栋"),
    ({"owner_phone": "call me"}, "电话"),
])
def test_bad_unit_input_is_refused_beside_the_field(app, client, world, overrides, field_text):
    login(client, world.admin)
    before = _units(app)
    response = _post(client, "/units/new", _form(world, **overrides))
    assert response.status_code == 400
    assert field_text in response.get_data(as_text=True)
    assert _units(app) == before
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Checkpoint).where(Checkpoint.code == "B3-601")) == 0


def test_another_site_s_building_and_unit_are_out_of_reach(app, client, world):
    login(client, world.admin)
    with app.app_context():
        other_building = db.session.get(Unit, world.other_unit_id).building_id
    response = _post(client, "/units/new", _form(world, building_id=str(other_building)))
    assert response.status_code == 400 and "本项目" in response.get_data(as_text=True)
    assert client.get(f"/units/{world.other_unit_id}").status_code == 404
    assert client.get(f"/units/{world.other_unit_id}/edit").status_code == 404
    assert _post(client, f"/units/{world.other_unit_id}/edit", _form(world)).status_code == 404


def test_who_may_see_and_keep_the_register(client, world, login_as):
    login(client, world.patroller)
    assert client.get("/units/").status_code == 403
    assert client.get("/units/new").status_code == 403
    assert client.get(f"/units/{world.vacant_ids[0]}").status_code == 200
    login(client, world.cleaner)
    assert client.get(f"/units/{world.vacant_ids[0]}").status_code == 403
    login(client, world.supervisor)
    assert client.get("/units/new").status_code == 200
