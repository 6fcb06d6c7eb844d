"""A small estate for patrol tests: one site, a round open now over three checkpoints, two patrollers."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from app.checklists.catalogue import load_catalogue
from app.extensions import db
from tests.factories import make_building, make_checkpoint, make_round, make_site, make_user


@dataclass
class World:
    site_id: int
    round_id: int
    other_round_id: int
    checkpoint_ids: list[int]
    tokens: list[str]
    codes: list[str]
    patroller: str
    colleague: str
    outsider: str


def window_around_now(hours_before: int = 1, hours_after: int = 3):
    """A window open now that stays within today (local): one crossing midnight would date the log yesterday."""
    local = datetime.now(timezone.utc).astimezone(ZoneInfo("Asia/Shanghai")).replace(tzinfo=None)
    midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
    starts = max(local - timedelta(hours=hours_before), midnight)
    ends = min(local + timedelta(hours=hours_after), midnight + timedelta(hours=23, minutes=59))
    return [(starts.time().replace(second=0, microsecond=0), ends.time().replace(second=0, microsecond=0))]


def build_world(app) -> World:
    with app.app_context():
        load_catalogue()
        site = make_site(duty_phone="021-0000-0110")
        building = make_building(site)
        cps = [make_checkpoint(site, code=f"B1-S{n}", category="stairwell", building=building) for n in range(1, 3)]
        cps.append(make_checkpoint(site, code="B1-LIFT", category="elevator", building=building))
        cps.append(make_checkpoint(site, code="B1-FIRE", category="fire_equipment", building=building))
        cps[0].latitude, cps[0].longitude = 31.2304, 121.4737
        patroller = make_user("patroller", [site], username="walker")
        colleague = make_user("patroller", [site], username="colleague")
        outsider = make_user("patroller", [make_site()], username="outsider")
        round_ = make_round(site, cps, [patroller], windows=window_around_now())
        other = make_round(site, cps[:1], [colleague], windows=window_around_now(), name="同事的巡查")
        db.session.commit()
        return World(site.id, round_.id, other.id, [c.id for c in cps], [c.token for c in cps], [c.code for c in cps],
                     patroller.username, colleague.username, outsider.username)
