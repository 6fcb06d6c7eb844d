"""Rounds the site keeps by itself: the daily renovation round and the vacant-unit upkeep round.

Their stops are not edited by hand: they follow the live renovation permits and the upkeep visits due,
so the patrol machinery (scan, checklist, photos, sign-off, findings → work orders) serves them unchanged.
Packages that own such a round subscribe to `wanted_stops` and answer with the stops the round should have.
"""
from __future__ import annotations

from datetime import date, datetime, time

from blinker import Namespace
from sqlalchemy import select

from app.audit.services import record
from app.extensions import db
from app.patrols.models import Round, RoundCheckpoint, RoundWindow
from app.patrols.schedules import local_today
from app.work_orders.models import Team

_signals = Namespace()
# Sent with (site, purpose=..., day=...); each receiver returns a list of (checkpoint_id, template_id) in visiting order.
wanted_stops = _signals.signal("site-round-wanted-stops")

NAMES = {
    "renovation": ("装修日巡", "Daily renovation check"),
    "vacant": ("空置房养护", "Vacant-unit upkeep"),
}
WINDOW = (time(8, 0), time(20, 0))  # daytime: renovation works 08:00–18:00, upkeep needs daylight
DEFAULT_TEAM = "security"  # patrol staff; the admin can assign other people on the round page


def site_round(site, purpose: str, create: bool = True) -> Round | None:
    """The site's round for `purpose`, made on first use (daily, one daytime window)."""
    round_ = db.session.scalar(select(Round).where(Round.site_id == site.id, Round.purpose == purpose)
                               .order_by(Round.id).limit(1))
    if round_ is not None or not create:
        return round_
    zh, en = NAMES[purpose]
    team = db.session.scalar(select(Team).where(Team.site_id == site.id, Team.code == DEFAULT_TEAM))
    round_ = Round(site_id=site.id, name_zh=zh, name_en=en, schedule_kind="daily", purpose=purpose,
                   assigned_team_id=team.id if team else None, active=False)
    round_.windows = [RoundWindow(position=0, starts=WINDOW[0], ends=WINDOW[1])]
    db.session.add(round_)
    db.session.flush()
    record("round_created", round_, purpose=purpose, kept_by_site=True)
    return round_


def wanted_on(site, purpose: str, day: date) -> list[tuple[int, int]]:
    """The stops the round's owners want on `day` (reads only)."""
    wanted: list[tuple[int, int]] = []
    for _receiver, answer in wanted_stops.send(site, purpose=purpose, day=day):
        wanted.extend(answer or [])
    return wanted


def refresh(site, purpose: str, now: datetime, day: date | None = None) -> Round | None:
    """Bring the round's stops in line with what its owner wants today; writes only when something changed."""
    day = day or local_today(site.timezone, now)
    wanted = wanted_on(site, purpose, day)
    round_ = site_round(site, purpose, create=bool(wanted))
    if round_ is None:
        return None
    if set_stops(round_, wanted):
        record("round_stops_refreshed", round_, purpose=purpose, day=day.isoformat(),
               checkpoints=[cp for cp, _t in wanted])
    return round_


def refresh_all(site, now: datetime) -> None:
    for purpose in NAMES:
        refresh(site, purpose, now)


def set_stops(round_: Round, wanted: list[tuple[int, int]]) -> bool:
    """Make the stops exactly `wanted`, in order; a round without stops is inactive (nothing due). True if changed."""
    seen, ordered = set(), []
    for checkpoint_id, template_id in wanted:
        if checkpoint_id not in seen:
            seen.add(checkpoint_id)
            ordered.append((checkpoint_id, template_id))
    current = [(s.checkpoint_id, s.template_id) for s in round_.stops]
    active = bool(ordered)
    if current == ordered and round_.active == active:
        return False
    by_checkpoint = {s.checkpoint_id: s for s in round_.stops}
    keep = []
    for stop in list(round_.stops):
        if stop.checkpoint_id not in seen:
            round_.stops.remove(stop)
    db.session.flush()
    # Park the kept stops on negative positions first so (round, position) stays unique while reordering.
    for pos, stop in enumerate(round_.stops, start=1):
        stop.position = -pos
    db.session.flush()
    for pos, (checkpoint_id, template_id) in enumerate(ordered, start=1):
        stop = by_checkpoint.get(checkpoint_id)
        if stop is None:
            stop = RoundCheckpoint(checkpoint_id=checkpoint_id, template_id=template_id, position=pos)
            round_.stops.append(stop)
        else:
            stop.position, stop.template_id = pos, template_id
        keep.append(stop)
    round_.active = active
    db.session.flush()
    return True
