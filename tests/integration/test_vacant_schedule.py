"""Vacant-unit plans against the database: which units are in the upkeep round on a day, over a whole year with
fixed dates, with seasonal items, the site's own season months, and only submitted pass/fail answers counting."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest
from sqlalchemy import select

from app.checklists.models import ChecklistTemplate
from app.extensions import db
from app.patrols.missed import mark_missed
from app.patrols.models import Answer, PatrolLog, Round, RoundCheckpoint, Visit
from app.patrols.schedules import window_bounds
from app.patrols.site_rounds import refresh
from app.sites.models import Site, SiteSeason, Unit
from app.vacancy.due import unit_upkeep, units_due
from app.vacancy.models import UpkeepPlan
from app.vacancy.schedule import PlanItem, Seasons, months_to_mask, planned_visits
from tests.integration.vacancy_world import ALL_ITEMS, build_vacant_world, user_id

YEAR = 2026


@pytest.fixture
def world(app):
    return build_vacant_world(app, year=YEAR, window_now=False)


def _site(world) -> Site:
    return db.session.get(Site, world.site_id)


def record_visit(world, unit_ids, day: date, results=None, submitted: bool = True, seasons: Seasons | None = None) -> None:
    """An upkeep visit on `day` at each unit: items in season answered pass (or as `results` says), others N/A."""
    site, round_ = _site(world), db.session.get(Round, world.round_id)
    version = db.session.scalar(select(ChecklistTemplate).where(ChecklistTemplate.code == "vacant_unit")).latest_version()
    log = db.session.scalar(select(PatrolLog).where(PatrolLog.round_id == round_.id, PatrolLog.local_date == day))
    if log is None:
        starts, ends = window_bounds(day, time(8), time(20), site.timezone)
        log = PatrolLog(site_id=site.id, round_id=round_.id, local_date=day, window_starts_at=starts, window_ends_at=ends,
                        number=f"T-{day.isoformat()}", status="submitted" if submitted else "in_progress",
                        started_at=starts, started_by_id=user_id(world.patroller),
                        submitted_at=starts + timedelta(hours=1) if submitted else None)
        db.session.add(log)
    seasonal = {code: season for code, _f, season in ALL_ITEMS}
    seasons = seasons or Seasons()
    for unit_id in unit_ids:
        unit = db.session.get(Unit, unit_id)
        visit = Visit(log=log, checkpoint_id=unit.checkpoint_id, template_version_id=version.id, user_id=log.started_by_id,
                      method="qr", scanned_at=log.window_starts_at)
        db.session.add(visit)
        for item in version.items:
            result = (results or {}).get(item.code) or ("pass" if seasons.in_season(seasonal.get(item.code, "all_year"), day) else "na")
            db.session.add(Answer(visit=visit, item_id=item.id, answered_by_id=log.started_by_id, result=result,
                                  note="x" if result == "fail" else None, na_reason="不在季节内" if result == "na" else None))
    db.session.commit()


def _due_ids(world, day: date) -> set[int]:
    return {u.id for u in units_due(_site(world), day)}


def test_a_year_of_visits_made_when_due_matches_the_plan(ctx, world):
    """Every day of the year, visit what is due: the visit days are exactly those the plan asks for."""
    unit_id = world.vacant_ids[0]
    db.session.get(UpkeepPlan, world.plan_id).units = [db.session.get(Unit, unit_id)]
    db.session.commit()
    visited, stops_in = [], {}
    day = date(YEAR, 1, 1)
    while day.year == YEAR:
        if unit_id in _due_ids(world, day):
            visited.append(day)
            record_visit(world, [unit_id], day)
        day += timedelta(days=1)
    items = [PlanItem(code, f, s) for code, f, s in ALL_ITEMS]
    assert visited == planned_visits(items, {}, date(YEAR, 1, 1), date(YEAR, 12, 31), Seasons())
    assert max((b - a).days for a, b in zip(visited, visited[1:])) == 7  # weekly items set the pace
    # Seasonal items: due only in their months; out of season they are neither due nor done.
    unit = db.session.get(Unit, unit_id)
    july = unit_upkeep(_site(world), unit, date(YEAR, 7, 1))
    assert july.states["VAC-05"] == "due" and july.states["VAC-07"] == "out_of_season" and july.states["VAC-06"] == "out_of_season"
    april = unit_upkeep(_site(world), unit, date(YEAR, 4, 6))
    assert april.states["VAC-06"] in ("due", "done") and april.states["VAC-05"] == "out_of_season"
    december = unit_upkeep(_site(world), unit, date(YEAR, 12, 1))
    assert december.states["VAC-07"] == "due" and december.states["VAC-05"] == "out_of_season"


def test_the_day_s_own_visit_leaves_the_stops_alone_until_tomorrow(ctx, world):
    monday = date(YEAR, 3, 2)
    assert _due_ids(world, monday) == set(world.vacant_ids)
    record_visit(world, world.vacant_ids, monday)
    assert _due_ids(world, monday) == set(world.vacant_ids)  # the round of the day keeps its stops
    assert _due_ids(world, monday + timedelta(days=1)) == set()
    assert _due_ids(world, monday + timedelta(days=7)) == set(world.vacant_ids)  # weekly items again
    upkeep = unit_upkeep(_site(world), db.session.get(Unit, world.vacant_ids[0]), monday)
    assert upkeep.next_due == monday + timedelta(days=7)


def test_na_answers_and_unsubmitted_logs_do_not_count_as_done(ctx, world):
    monday = date(YEAR, 3, 2)
    record_visit(world, [world.vacant_ids[0]], monday, results={"VAC-01": "na"})
    record_visit(world, [world.vacant_ids[1]], monday + timedelta(days=1), submitted=False)
    upkeep = unit_upkeep(_site(world), db.session.get(Unit, world.vacant_ids[0]), monday + timedelta(days=2))
    assert upkeep.states["VAC-01"] == "due" and upkeep.states["VAC-02"] == "done"
    assert _due_ids(world, monday + timedelta(days=2)) == set(world.vacant_ids)


def test_a_failed_item_counts_as_done_that_day(ctx, world):
    monday = date(YEAR, 3, 2)
    record_visit(world, world.vacant_ids, monday, results={"VAC-03": "fail"})
    upkeep = unit_upkeep(_site(world), db.session.get(Unit, world.vacant_ids[0]), monday + timedelta(days=1))
    assert upkeep.states["VAC-03"] == "done"


def test_units_leave_the_round_when_let_or_the_plan_stops(ctx, world):
    day = date(YEAR, 3, 2)
    db.session.get(Unit, world.vacant_ids[0]).status = "occupied"
    db.session.commit()
    assert _due_ids(world, day) == {world.vacant_ids[1]}
    db.session.get(UpkeepPlan, world.plan_id).active = False
    db.session.commit()
    assert _due_ids(world, day) == set()


def test_a_plan_counts_only_in_its_year(ctx, world):
    assert _due_ids(world, date(YEAR + 1, 1, 5)) == set()
    assert _due_ids(world, date(YEAR, 12, 28)) == set(world.vacant_ids)


def test_the_site_s_own_season_months(ctx, world):
    site = _site(world)
    db.session.add(SiteSeason(site_id=site.id, season="winter", months=months_to_mask([11, 12, 1, 2, 3])))
    db.session.commit()
    unit = db.session.get(Unit, world.vacant_ids[0])
    assert unit_upkeep(site, unit, date(YEAR, 11, 10)).states["VAC-07"] == "due"
    assert unit_upkeep(site, unit, date(YEAR, 3, 10)).states["VAC-07"] == "due"
    assert unit_upkeep(site, unit, date(YEAR, 4, 10)).states["VAC-07"] == "out_of_season"


def test_the_upkeep_round_follows_the_units_due(ctx, world):
    site = _site(world)
    monday = date(YEAR, 3, 2)
    now = datetime(YEAR, 3, 2, 2, 0)  # 10:00 in Shanghai
    round_ = refresh(site, "vacant", now, day=monday)
    db.session.commit()
    template = db.session.scalar(select(ChecklistTemplate.id).where(ChecklistTemplate.code == "vacant_unit"))
    stops = db.session.execute(select(RoundCheckpoint.checkpoint_id, RoundCheckpoint.template_id)
                               .where(RoundCheckpoint.round_id == round_.id).order_by(RoundCheckpoint.position)).all()
    units = [db.session.get(Unit, i) for i in world.vacant_ids]
    assert [tuple(s) for s in stops] == [(u.checkpoint_id, template) for u in units]
    assert round_.active
    record_visit(world, world.vacant_ids, monday)
    round_ = refresh(site, "vacant", now + timedelta(days=1), day=monday + timedelta(days=1))
    db.session.commit()
    assert round_.stops == [] and not round_.active  # nothing due: the round rests
    assert world.occupied_id not in _due_ids(world, monday)


def test_days_the_upkeep_round_rested_are_not_missed(ctx, world):
    """Between weekly visits nothing is due and the round has no stops: those days are not missed rounds; the day a
    visit is due again and nobody goes is."""
    site, round_ = _site(world), db.session.get(Round, world.round_id)
    round_.created_at = datetime(YEAR, 1, 1)
    db.session.commit()
    monday = date(YEAR, 3, 2)
    record_visit(world, world.vacant_ids, monday)
    for offset in range(1, 7):  # a refresh each day (the Today page), each evening after the 08:00–20:00 window
        refresh(site, "vacant", datetime(YEAR, 3, 2 + offset, 13, 0))
        db.session.commit()
        assert not round_.active
    next_monday = monday + timedelta(days=7)
    morning = datetime(YEAR, 3, 9, 1, 0)  # 09:00 in Shanghai: due again, the round has its stops
    refresh(site, "vacant", morning)
    db.session.commit()
    assert round_.active
    assert mark_missed(site, morning) == 0
    assert mark_missed(site, datetime(YEAR, 3, 9, 13, 0)) == 1  # 21:00: the window passed, nobody went
    missed = db.session.scalars(select(PatrolLog.local_date).where(PatrolLog.status == "missed")).all()
    assert missed == [next_monday]
