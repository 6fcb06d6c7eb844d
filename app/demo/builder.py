"""Builds the demo estate: layout from estate.py plus 30 days of believable patrol history."""
from __future__ import annotations

import random
from datetime import datetime, timedelta

from PIL import Image, ImageDraw
from sqlalchemy import select

from app.audit.services import record
from app.auth.models import User
from app.checklists.catalogue import load_catalogue
from app.checklists.models import ChecklistTemplate, TemplateVersion
from app.demo import estate
from app.demo.history import HistoryWriter
from app.demo.renovations import build_renovations
from app.demo.units import build_units
from app.extensions import db
from app.model_helpers import utcnow
from app.patrols.models import Round, RoundCheckpoint, RoundWindow
from app.patrols.schedules import local_today, occurrences_on, weekday_mask
from app.sites.models import Building, Checkpoint, Site
from app.work_orders.models import Team


def demo_exists() -> bool:
    return db.session.scalar(select(Site.id).where(Site.code == estate.SITE["code"])) is not None


def build_demo(now: datetime | None = None, days: int = 30, seed: int = 7) -> Site | None:
    """Create the demo estate once; returns None when it already exists."""
    if demo_exists():
        return None
    if db.session.scalar(select(ChecklistTemplate.id).limit(1)) is None:
        load_catalogue()
    now = now or utcnow()
    rng = random.Random(seed)
    site = Site(**estate.SITE)
    db.session.add(site)
    teams = {code: Team(site=site, code=code, name_zh=zh, name_en=en) for code, zh, en in estate.TEAMS}
    users = _users(site, teams)
    checkpoints = _buildings_and_checkpoints(site)
    rounds = _rounds(site, checkpoints, users)
    for round_ in rounds:
        round_.created_at = now - timedelta(days=days + 1)  # the rounds predate their history
    db.session.flush()
    record("demo_built", site, actor=users["admin"])

    writer = HistoryWriter(site, users, teams, _latest_versions(), rng, photo_maker=_photo)
    today = local_today(site.timezone, now)
    for back in range(days, -1, -1):
        day = today - timedelta(days=back)
        for round_ in rounds:
            for occ in occurrences_on(round_, day, site.timezone):
                if occ.starts_at <= now:
                    writer.occurrence(round_, occ, now)
    units = build_units(site, list(site.buildings), users, now)
    build_renovations(site, units, users, now)
    db.session.commit()
    return site


def _users(site: Site, teams: dict[str, Team]) -> dict[str, User]:
    users = {}
    for username, full_name, role, team_code, _what in estate.USERS:
        user = User(username=username, full_name=full_name, role=role, team=teams.get(team_code), sites=[site])
        user.set_password(estate.DEMO_PASSWORD)
        db.session.add(user)
        users[username] = user
    return users


def _buildings_and_checkpoints(site: Site) -> list[Checkpoint]:
    checkpoints = []
    for code, zh, en, above, below in estate.BUILDINGS:
        building = Building(site=site, code=code, name_zh=zh, name_en=en, floors_above=above, floors_below=below)
        db.session.add(building)
        for cp_code, cp_zh, cp_en, category, floor in estate.building_checkpoints(code, zh, en, above):
            checkpoints.append(Checkpoint(site=site, building=building, floor=floor, code=cp_code, name_zh=cp_zh,
                                          name_en=cp_en, category=category, latitude=31.2304, longitude=121.4737))
    for cp_code, cp_zh, cp_en, category in estate.OUTDOOR:
        checkpoints.append(Checkpoint(site=site, code=cp_code, name_zh=cp_zh, name_en=cp_en, category=category))
    db.session.add_all(checkpoints)
    return checkpoints


def _rounds(site: Site, checkpoints: list[Checkpoint], users: dict[str, User]) -> list[Round]:
    templates = {t.code: t for t in db.session.scalars(select(ChecklistTemplate))}
    rounds = []
    for zh, en, kind, days, month_day, windows, assignees, chooses in estate.ROUNDS:
        round_ = Round(site=site, name_zh=zh, name_en=en, schedule_kind=kind, weekdays=weekday_mask(days),
                       month_day=month_day, assignees=[users[name] for name in assignees])
        round_.windows = [RoundWindow(position=pos, starts=s, ends=e, label_zh=lz, label_en=le)
                          for pos, (s, e, lz, le) in enumerate(windows)]
        chosen = [cp for cp in checkpoints if chooses((cp.code, cp.name_zh, cp.name_en, cp.category))]
        round_.stops = [RoundCheckpoint(position=pos, checkpoint=cp, template=templates[estate.CATEGORY_TEMPLATE[cp.category]])
                        for pos, cp in enumerate(chosen, start=1)]
        db.session.add(round_)
        rounds.append(round_)
    return rounds


def _latest_versions() -> dict[int, TemplateVersion]:
    """Latest version of each template, keyed by template id, items loaded."""
    versions = {}
    for version in db.session.scalars(select(TemplateVersion).order_by(TemplateVersion.number)):
        versions[version.template_id] = version
    return versions


def _photo(rng: random.Random, label: str) -> Image.Image:
    """A camera-sized stand-in picture: a wall, a fault mark and the item code."""
    image = Image.new("RGB", (800, 600), (rng.randint(150, 210), rng.randint(150, 200), rng.randint(140, 190)))
    draw = ImageDraw.Draw(image)
    for _ in range(6):
        x, y = rng.randint(0, 700), rng.randint(0, 500)
        draw.rectangle((x, y, x + rng.randint(40, 160), y + rng.randint(20, 120)), outline=(90, 90, 90), width=3)
    cx, cy = rng.randint(200, 600), rng.randint(150, 450)
    draw.ellipse((cx - 60, cy - 60, cx + 60, cy + 60), outline=(220, 30, 30), width=8)
    draw.text((20, 20), label, fill=(20, 20, 20))
    return image
