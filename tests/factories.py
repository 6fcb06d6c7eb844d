"""Small builders for records tests need; each returns an added (not committed) object."""
from __future__ import annotations

import itertools

from app.auth.models import User
from app.extensions import db
from app.sites.models import Building, Checkpoint, Site
from app.work_orders.models import TEAM_CODES, Team

_seq = itertools.count(1)
PASSWORD = "pass-word-1"


def make_site(code: str | None = None, **kwargs) -> Site:
    n = next(_seq)
    site = Site(code=code or f"S{n}", name_zh=kwargs.pop("name_zh", f"测试花园{n}"), name_en=f"Test Gardens {n}", **kwargs)
    db.session.add(site)
    for team_code in TEAM_CODES:
        db.session.add(Team(site=site, code=team_code, name_zh=team_code, name_en=team_code))
    db.session.flush()
    return site


def team_of(site: Site, code: str) -> Team:
    return db.session.query(Team).filter_by(site_id=site.id, code=code).one()


def make_user(role: str, sites: list[Site], username: str | None = None, team_code: str | None = None,
              password: str = PASSWORD, **kwargs) -> User:
    team = team_of(sites[0], team_code or "engineering") if role == "maintenance" else None
    user = User(username=username or f"{role}{next(_seq)}", full_name=kwargs.pop("full_name", "测试用户"), role=role,
                team=team, sites=list(sites), **kwargs)
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    return user


def make_building(site: Site, code: str = "B1") -> Building:
    building = Building(site=site, code=code, name_zh=f"{code}栋", name_en=f"Building {code}", floors_above=6)
    db.session.add(building)
    db.session.flush()
    return building


def make_checkpoint(site: Site, code: str | None = None, category: str = "stairwell", building: Building | None = None) -> Checkpoint:
    checkpoint = Checkpoint(site=site, building=building, code=code or f"CP{next(_seq)}", name_zh="楼梯间", name_en="Stairwell",
                            category=category)
    db.session.add(checkpoint)
    db.session.flush()
    return checkpoint


def make_round(site: Site, checkpoints: list, assignees: list, *, kind: str = "daily", windows=None,
               weekdays: int = 0, month_day: int | None = None, name: str = "测试巡查"):
    """A round over these checkpoints (template chosen by category; the catalogue must be loaded)."""
    from datetime import time

    from app.checklists.models import ChecklistTemplate
    from app.patrols.models import Round, RoundCheckpoint, RoundWindow

    by_category = {t.checkpoint_category: t for t in db.session.query(ChecklistTemplate)}
    round_ = Round(site=site, name_zh=name, name_en="Test round", schedule_kind=kind, weekdays=weekdays,
                   month_day=month_day, assignees=list(assignees))
    round_.windows = [RoundWindow(position=i, starts=s, ends=e)
                      for i, (s, e) in enumerate(windows or [(time(0, 0), time(23, 59))])]
    round_.stops = [RoundCheckpoint(position=i, checkpoint=cp, template=by_category[cp.category])
                    for i, cp in enumerate(checkpoints, start=1)]
    db.session.add(round_)
    db.session.flush()
    return round_
