"""The supervisor's dashboard: figures of a hand-built estate whose answers are known (see dashboard_world)."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest

from app.auth.models import User
from app.dashboard import figures
from app.dashboard.today import today_coverage
from app.dashboard.trends import trend
from app.extensions import db
from app.findings.models import Finding
from app.sites.models import Site
from tests.conftest import login
from tests.integration.dashboard_world import NOW, TODAY, build_dash_world


@pytest.fixture
def world(app):
    return build_dash_world(app)


def _site_and_boss(world):
    return db.session.get(Site, world.site_id), db.session.query(User).filter_by(username=world.supervisor).one()


def _counts(row):
    return (row.done, row.in_progress, row.not_started, row.missed, row.visited, row.expected, row.flagged)


def test_today_per_round(app, world):
    with app.app_context():
        site, boss = _site_and_boss(world)
        today = today_coverage(boss, site, NOW)
        assert today.local_date == TODAY
        rows = {row.record.id: _counts(row) for row in today.rounds}
        r1, r2, r3 = world.round_ids
        #                done, under way, not started, missed, visited, expected, flagged
        assert rows == {r1: (1, 0, 0, 0, 2, 2, 1), r2: (0, 1, 0, 1, 1, 4, 1), r3: (0, 0, 1, 0, 0, 1, 0)}
        assert _counts(today.total) == (1, 1, 1, 1, 3, 7, 2)
        assert today.total.windows == 4 and today.total.share == pytest.approx(3 / 7)


def test_today_per_building_counts_each_rounds_stops_there(app, world):
    with app.app_context():
        site, boss = _site_and_boss(world)
        rows = {(row.record.id if row.record else None): _counts(row) for row in today_coverage(boss, site, NOW).buildings}
        b1, b2 = world.building_ids
        assert rows == {b1: (1, 0, 1, 0, 2, 3, 1), b2: (0, 1, 0, 1, 1, 2, 1), None: (0, 1, 0, 1, 0, 2, 0)}


def test_flagged_visits_are_the_manual_and_the_implausible_ones_newest_first(app, world):
    with app.app_context():
        site, boss = _site_and_boss(world)
        visits = today_coverage(boss, site, NOW).flagged_visits
        assert [(v.method, v.flags, r.id) for v, r in visits] == [("qr", "too_fast", world.round_ids[1]),
                                                                ("manual", None, world.round_ids[0])]


def test_findings_waiting_by_severity_and_age(app, world):
    with app.app_context():
        waiting = figures.waiting_findings(world.site_id, NOW)
        assert waiting.by_severity == {"urgent": (1, 0, 0), "major": (0, 1, 0), "minor": (1, 0, 2)}
        assert waiting.total == 5 and waiting.count("minor") == 3
        ids = world.finding_ids
        assert [f.id for f in waiting.oldest] == [ids["minor_6d"], ids["minor_5d"], ids["major_30h"], ids["urgent_2h"],
                                                  ids["b2_fresh"]]


def test_work_orders_by_team_against_their_due_times(app, world):
    with app.app_context():
        loads = {load.team.code: (load.open, load.overdue, load.awaiting, load.overdue_since)
                 for load in figures.team_loads(world.site_id, NOW)}
        assert loads == {
            "engineering": (3, 1, 1, NOW - timedelta(hours=1)),  # the done one waits for verification, not overdue
            "cleaning": (1, 1, 0, NOW - timedelta(hours=30)),  # the closed one is not open
            "greening": (0, 0, 0, None),
            "security": (0, 0, 0, None),
        }
        orders = world.order_ids
        assert [o.id for o in figures.oldest_overdue(world.site_id, NOW)] == [orders["clean_overdue"], orders["eng_overdue"]]
        assert [o.id for o in figures.oldest_awaiting_verification(world.site_id)] == [orders["eng_done"]]


def test_recurring_problem_is_the_same_item_twice_in_thirty_days(app, world):
    with app.app_context():
        problems = figures.recurring(world.site_id, NOW)
        stair_item_2 = db.session.get(Finding, world.finding_ids["stair_2_3d"])
        assert [(p.sample.checkpoint_id, p.sample.item_code, p.count) for p in problems] == [
            (stair_item_2.checkpoint_id, stair_item_2.item_code, 2)]
        assert (problems[0].first_at, problems[0].last_at) == (NOW - timedelta(days=10), NOW - timedelta(days=3))
        assert figures.recurring(world.site_id, NOW, days=45)[0].count == 2  # stair item 3 (40 and 5 days) is the other
        assert len(figures.recurring(world.site_id, NOW, days=45)) == 2


def test_thirty_day_trend(app, world):
    with app.app_context():
        series = trend(db.session.get(Site, world.site_id), NOW)
        assert series.days[0] == TODAY - timedelta(days=29) and series.days[-1] == TODAY
        assert series.completion[-1] == 50.0  # today: one done, one missed, the one under way not counted
        assert series.completion[-2] == 100.0 and series.completion[-3] is None
        assert {i: n for i, n in enumerate(series.findings) if n} == {29: 2, 28: 1, 27: 1, 26: 1, 24: 2, 23: 1, 19: 1}
        assert {i: n for i, n in enumerate(series.opened) if n} == {29: 2, 27: 2, 26: 1}
        assert {i: n for i, n in enumerate(series.closed) if n} == {28: 1}
        assert series.median_hours[28] == 48.0 and series.median_hours[27] is None


def test_dashboard_page_shows_the_figures(app, client, world, monkeypatch):
    monkeypatch.setattr("app.dashboard.routes.utcnow", lambda: NOW)
    assert login(client, world.supervisor).status_code == 303
    response = client.get("/dashboard/")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert re.search(r"<strong>1/4</strong>", html)  # rounds done today
    assert html.count("<svg") == 4 and "<script>" not in html and "style=" not in html
    assert f"/dashboard/logs?round={world.round_ids[0]}&amp;date_from=2026-03-10&amp;date_to=2026-03-10" in html
    assert f"/work-orders/{world.order_ids['clean_overdue']}" in html
    assert "B1 daily" in html


def test_supervisor_lands_on_the_dashboard_and_the_old_overview_redirects(client, world):
    login(client, world.supervisor)
    assert client.get("/").headers["Location"].endswith("/dashboard/")
    assert client.get("/review/").headers["Location"].endswith("/dashboard/")


@pytest.mark.parametrize("role, status", [("patroller", 403), ("maintenance", 403), ("admin", 200)])
def test_dashboard_roles(login_as, client, role, status):
    login_as(role)
    for path in ("/dashboard/", "/dashboard/logs", "/dashboard/findings", "/dashboard/work-orders"):
        assert client.get(path).status_code == status, path


def test_another_sites_records_never_reach_the_dashboard(app, client, world, monkeypatch):
    other = build_dash_world(app, supervisor="elsewhere")
    monkeypatch.setattr("app.dashboard.routes.utcnow", lambda: NOW)
    login(client, world.supervisor)
    html = client.get("/dashboard/").get_data(as_text=True)
    for order_id in other.order_ids.values():
        assert f"/work-orders/{order_id}\"" not in html
    with app.app_context():
        assert figures.waiting_findings(world.site_id, NOW).total == 5
        loads = {load.team.code: load.open for load in figures.team_loads(world.site_id, NOW)}
        assert loads["engineering"] == 3
