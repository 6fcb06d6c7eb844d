"""Upkeep plans and season months through their forms: saved and edited in place, audited; bad input told beside
the field with nothing stored (no units, an occupied or another site's unit, unknown items, frequencies, seasons)."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.audit.models import AuditEvent
from app.extensions import db
from app.sites.models import SiteSeason
from app.vacancy.models import UpkeepItem, UpkeepPlan
from app.vacancy.schedule import mask_to_months
from tests.conftest import csrf_from, login
from tests.factories import make_site
from tests.integration.vacancy_world import build_vacant_world, user_id


@pytest.fixture
def world(app):
    return build_vacant_world(app)


def _plan_form(unit_ids, items, **fields):
    data = {"name": "3栋空置房 2026", "year": "2026", "budget_yuan": "8000", "note": "每月清洁", "active": "1",
            "unit_ids": [str(u) for u in unit_ids]}
    for n, (code, frequency, season) in enumerate(items):
        data |= {f"items-{n}-code": code, f"items-{n}-on": "1", f"items-{n}-frequency": frequency,
                 f"items-{n}-season": season, f"items-{n}-measure": "开窗通风" if n == 0 else ""}
    return data | fields


def _post(client, path, data):
    return client.post(path, data={"csrf_token": csrf_from(client, "/vacancy/plans"), **data})


def _counts(app):
    with app.app_context():
        return (db.session.scalar(select(func.count()).select_from(UpkeepPlan)),
                db.session.scalar(select(func.count()).select_from(UpkeepItem)))


def test_a_plan_is_saved_and_edited_in_place(app, client, world):
    login(client, world.supervisor)
    response = _post(client, "/vacancy/plans/new", _plan_form(world.vacant_ids[:1], [
        ("VAC-01", "weekly", "all_year"), ("VAC-05", "monthly", "summer"), ("VAC-07", "monthly", "winter")]))
    assert response.status_code == 303
    with app.app_context():
        plan = db.session.scalar(select(UpkeepPlan).where(UpkeepPlan.name == "3栋空置房 2026"))
        assert [(i.item_code, i.frequency, i.season, i.measure) for i in plan.items] == [
            ("VAC-01", "weekly", "all_year", "开窗通风"), ("VAC-05", "monthly", "summer", None), ("VAC-07", "monthly", "winter", None)]
        assert [u.id for u in plan.units] == world.vacant_ids[:1] and plan.budget_yuan == 8000 and plan.active
        plan_id, first_item = plan.id, plan.items[0].id
    edited = _post(client, f"/vacancy/plans/{plan_id}/edit", _plan_form(world.vacant_ids, [
        ("VAC-01", "fortnightly", "all_year"), ("VAC-06", "weekly", "rainy")], active=""))
    assert edited.status_code == 303
    with app.app_context():
        plan = db.session.get(UpkeepPlan, plan_id)
        assert [(i.item_code, i.frequency) for i in plan.items] == [("VAC-01", "fortnightly"), ("VAC-06", "weekly")]
        assert plan.items[0].id == first_item and not plan.active and {u.id for u in plan.units} == set(world.vacant_ids)
        actions = list(db.session.scalars(select(AuditEvent.action).where(AuditEvent.object_type == "UpkeepPlan",
                                                                          AuditEvent.object_id == plan_id)))
        assert actions == ["upkeep_plan_created", "upkeep_plan_updated"]
    page = client.get(f"/vacancy/plans/{plan_id}").get_data(as_text=True)
    assert "每两周" in page and "雨季" in page and "B3栋 602" in page


@pytest.mark.parametrize("case, text", [
    ("no_units", "请至少选择一套空置房"),
    ("occupied", "非空置房"),
    ("other_site", "请选择本项目的房屋"),
    ("not_a_number", "请选择本项目的房屋"),
    ("unknown_code", "不是空置房检查模板中的项目"),
    ("twice", "重复"),
    ("no_items", "请至少选择一个维护项目"),
    ("frequency", "请选择频次"),
    ("season", "请选择季节"),
    ("no_name", "请输入计划名称"),
    ("no_year", "请输入年份"),
    ("year", "2000 至 2100"),
    ("budget", "预算"),
])
def test_bad_plans_are_refused_and_nothing_is_stored(app, client, world, case, text):
    units, items = list(world.vacant_ids), [("VAC-01", "weekly", "all_year"), ("VAC-10", "monthly", "all_year")]
    fields = {}
    if case == "no_units":
        units = []
    elif case == "occupied":
        units.append(world.occupied_id)
    elif case == "other_site":
        units.append(world.other_unit_id)
    elif case == "not_a_number":
        units.append("x1")
    elif case == "unknown_code":
        items.append(("VAC-99", "weekly", "all_year"))
    elif case == "twice":
        items.append(("VAC-01", "monthly", "all_year"))
    elif case == "no_items":
        items = []
    elif case == "frequency":
        items.append(("VAC-02", "daily", "all_year"))
    elif case == "season":
        items.append(("VAC-02", "weekly", "monsoon"))
    elif case == "no_name":
        fields = {"name": ""}
    elif case == "no_year":
        fields = {"year": ""}
    elif case == "year":
        fields = {"year": "1999"}
    elif case == "budget":
        fields = {"budget_yuan": "-5"}
    login(client, world.admin)
    before = _counts(app)
    response = _post(client, "/vacancy/plans/new", _plan_form(units, items, **fields))
    assert response.status_code == 400, case
    assert text in response.get_data(as_text=True), case
    assert _counts(app) == before


def test_a_bad_edit_leaves_the_plan_as_it_was(app, client, world):
    login(client, world.admin)
    response = _post(client, f"/vacancy/plans/{world.plan_id}/edit",
                     _plan_form(world.vacant_ids + [world.occupied_id], [("VAC-01", "monthly", "all_year")]))
    assert response.status_code == 400
    with app.app_context():
        plan = db.session.get(UpkeepPlan, world.plan_id)
        assert len(plan.items) == 8 and {u.id for u in plan.units} == set(world.vacant_ids)
        assert plan.items[0].frequency == "weekly"


def test_plans_of_another_site_and_who_may_plan(client, world, app):
    login(client, world.admin)
    with app.app_context():
        other = make_site()
        foreign = UpkeepPlan(site_id=other.id, name="别处", year=2026, created_by_id=user_id(world.admin))
        db.session.add(foreign)
        db.session.commit()
        foreign_id = foreign.id
    assert client.get(f"/vacancy/plans/{foreign_id}").status_code == 404
    assert client.get(f"/vacancy/plans/{foreign_id}/edit").status_code == 404
    login(client, world.patroller)
    assert client.get("/vacancy/plans").status_code == 403
    assert client.get("/vacancy/plans/new").status_code == 403


def test_season_months_are_set_by_admins(app, client, world):
    login(client, world.admin)
    page = client.get("/vacancy/seasons").get_data(as_text=True)
    assert page.count('name="summer"') == 12 and 'name="summer" value="7" checked' in page
    response = client.post("/vacancy/seasons", data={"csrf_token": csrf_from(client, "/vacancy/seasons"),
                                                     "summer": ["6", "7", "8", "9"], "rainy": [], "winter": ["11", "12", "1"]})
    assert response.status_code == 303
    with app.app_context():
        stored = {s.season: mask_to_months(s.months) for s in db.session.scalars(select(SiteSeason))}
    assert stored == {"summer": (6, 7, 8, 9), "rainy": (), "winter": (1, 11, 12)}
    bad = client.post("/vacancy/seasons", data={"csrf_token": csrf_from(client, "/vacancy/seasons"), "summer": ["13"]})
    assert bad.status_code == 400 and "1 至 12 月" in bad.get_data(as_text=True)
    login(client, world.supervisor)
    assert client.get("/vacancy/seasons").status_code == 403
