"""A small estate for vacant-unit tests: one building with two vacant units under a plan, an occupied one,
the vacant-unit round open now and run by two patrollers; a supervisor, an admin, and a unit of another site."""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from sqlalchemy import select
from werkzeug.security import generate_password_hash

from app.auth.models import User
from app.checklists.catalogue import load_catalogue
from app.extensions import db
from app.patrols.site_rounds import site_round
from app.sites.models import Unit
from app.units.services import create_unit
from app.vacancy.plans import save_plan
from tests.factories import PASSWORD, make_building, make_site, team_of
from tests.integration.patrol_world import window_around_now

ALL_ITEMS = [("VAC-01", "weekly", "all_year"), ("VAC-02", "weekly", "all_year"), ("VAC-03", "fortnightly", "all_year"),
             ("VAC-05", "monthly", "summer"), ("VAC-06", "weekly", "rainy"), ("VAC-07", "monthly", "winter"),
             ("VAC-10", "monthly", "all_year"), ("VAC-11", "quarterly", "all_year")]


@dataclass
class VacantWorld:
    site_id: int
    building_id: int
    vacant_ids: list[int]
    occupied_id: int
    other_unit_id: int
    plan_id: int
    round_id: int
    tokens: dict[int, str]
    patroller: str
    colleague: str
    supervisor: str
    admin: str
    cleaner: str


def unit_data(building_id: int, number: str, floor: int, status: str = "vacant", **extra) -> dict:
    return {"building_id": building_id, "number": number, "floor": floor, "area_m2": 98.5, "status": status,
            "owner_name": extra.pop("owner_name", None), "owner_phone": extra.pop("owner_phone", None), **extra}


def plan_data(unit_ids: list[int], items=ALL_ITEMS, year: int = 2026, **extra) -> dict:
    return {"name": "测试养护计划", "year": year, "budget_yuan": 1200, "note": None, "active": True, "unit_ids": unit_ids,
            "items": [{"code": code, "frequency": f, "season": s, "measure": None} for code, f, s in items], **extra}


@lru_cache(maxsize=1)
def _password_hash() -> str:
    return generate_password_hash(PASSWORD, method="scrypt")


def quick_user(role: str, site, username: str, full_name: str, team_code: str | None = None) -> User:
    """A user with the tests' password, hashed once per run (scrypt is slow on purpose)."""
    user = User(username=username, full_name=full_name, role=role, sites=[site],
                team=team_of(site, team_code) if team_code else None, password_hash=_password_hash())
    db.session.add(user)
    db.session.flush()
    return user


def build_vacant_world(app, year: int | None = None, window_now: bool = True) -> VacantWorld:
    from app.model_helpers import utcnow
    from app.patrols.schedules import local_today

    with app.app_context():
        load_catalogue()
        site = make_site(duty_phone="021-0000-0110")
        building = make_building(site, "B3")
        patroller = quick_user("patroller", site, "walker", "张伟")
        colleague = quick_user("patroller", site, "colleague", "李娜")
        supervisor = quick_user("supervisor", site, "boss", "王芳")
        admin = quick_user("admin", site, "keeper", "赵敏")
        cleaner = quick_user("maintenance", site, "cleaner", "陈静", team_code="cleaning")
        other_site = make_site()
        other_building = make_building(other_site, "X1")
        db.session.commit()
        a = create_unit(site, unit_data(building.id, "501", 5), admin)
        b = create_unit(site, unit_data(building.id, "602", 6, "sold_vacant", owner_name="刘建国", owner_phone="138-0000-0001"), admin)
        c = create_unit(site, unit_data(building.id, "201", 2, "occupied", owner_name="陈美玲", owner_phone="138-0000-0002"), admin)
        other = create_unit(other_site, unit_data(other_building.id, "101", 1), admin)
        year = year or local_today(site.timezone, utcnow()).year
        plan = save_plan(site, plan_data([a.id, b.id], year=year), admin)
        round_ = site_round(site, "vacant")
        round_.assignees = [patroller, colleague]
        if window_now:
            (starts, ends), = window_around_now()
            round_.windows[0].starts, round_.windows[0].ends = starts, ends
        db.session.commit()
        tokens = {u.id: u.checkpoint.token for u in (a, b, c)}
        return VacantWorld(site.id, building.id, [a.id, b.id], c.id, other.id, plan.id, round_.id, tokens,
                           patroller.username, colleague.username, supervisor.username, admin.username, cleaner.username)


def user_id(username: str) -> int:
    return db.session.scalar(select(User.id).where(User.username == username))


def unit(unit_id: int) -> Unit:
    return db.session.get(Unit, unit_id)
