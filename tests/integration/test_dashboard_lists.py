"""Filtered lists of logs, findings and work orders: each filter narrows, pages follow each other, other sites stay out,
and a value that cannot be read is a 400 with the reason, never a 500."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from app.extensions import db
from app.findings.models import Finding
from app.patrols.models import PatrolLog, Round
from app.work_orders.models import Team, WorkOrder
from tests.conftest import login
from tests.integration.dashboard_world import NOW, build_dash_world, grow_history

ROW = {"logs": "log", "findings": "finding", "work-orders": "order"}


@pytest.fixture
def world(app, client, monkeypatch):
    monkeypatch.setattr("app.dashboard.routes.utcnow", lambda: NOW)  # the world's clock: overdue means overdue then
    world = build_dash_world(app)
    assert login(client, world.supervisor).status_code == 303
    return world


def _ids(client, kind: str, query: str = "") -> list[int]:
    response = client.get(f"/dashboard/{kind}?{query}")
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return [int(n) for n in re.findall(rf'<li id="{ROW[kind]}-(\d+)"', response.get_data(as_text=True))]


def _logs_of(app, *round_ids) -> set[int]:
    with app.app_context():
        return set(db.session.scalars(select(PatrolLog.id).where(PatrolLog.round_id.in_(round_ids))))


def test_log_filters_each_narrow(app, client, world):
    r1, r2, r3 = world.round_ids
    b1, b2 = world.building_ids
    everything = _ids(client, "logs")
    assert set(everything) == _logs_of(app, r1, r2, r3) and len(everything) == 8
    assert set(_ids(client, "logs", f"round={r2}")) == _logs_of(app, r2)
    assert set(_ids(client, "logs", f"building={b2}")) == _logs_of(app, r2)
    assert set(_ids(client, "logs", f"building={b1}")) == _logs_of(app, r1, r3)
    assert set(_ids(client, "logs", f"checkpoint={world.checkpoint_ids[3]}")) == _logs_of(app, r2)
    missed = _ids(client, "logs", "status=missed")
    assert len(missed) == 1 and set(missed) < _logs_of(app, r2)
    assert len(_ids(client, "logs", f"person={world.walker_id}")) == 7  # the missed one was never started
    assert len(_ids(client, "logs", "date_from=2026-03-10&date_to=2026-03-10")) == 3
    assert len(_ids(client, "logs", "date_from=2026-03-05&date_to=2026-03-09")) == 3  # days 5, 3 and 1 back
    security = _team_id(app, world, "security")
    with app.app_context():
        db.session.get(Round, r2).assigned_team_id = security
        db.session.commit()
    assert set(_ids(client, "logs", f"team={security}")) == _logs_of(app, r2)
    assert _ids(client, "logs", f"round={r1}&status=missed") == []


def test_finding_filters_each_narrow(app, client, world):
    f = world.finding_ids
    b1, b2 = world.building_ids
    stair, lift, b2_stair, road = world.checkpoint_ids
    assert set(_ids(client, "findings")) == set(f.values())
    assert _ids(client, "findings", f"building={b2}") == [f["b2_fresh"]]
    assert set(_ids(client, "findings", f"checkpoint={lift}")) == {f["minor_5d"], f["minor_6d"], f["lift_approved"]}
    assert _ids(client, "findings", f"round={world.round_ids[1]}") == [f["b2_fresh"]]
    assert _ids(client, "findings", f"person={world.second_id}") == [f["b2_fresh"]]
    engineering = _team_id(app, world, "engineering")
    assert _ids(client, "findings", f"team={engineering}") == [f["lift_approved"]]
    assert _ids(client, "findings", "status=approved") == [f["lift_approved"]]
    assert len(_ids(client, "findings", "status=rejected")) == 4
    assert set(_ids(client, "findings", "date_from=2026-03-10")) == {f["urgent_2h"], f["b2_fresh"]}
    # 2026-03-09 09:00 in Shanghai is 01:00 UTC that day: the local day, not the UTC one, decides.
    assert _ids(client, "findings", "date_from=2026-03-09&date_to=2026-03-09") == [f["major_30h"]]
    assert _ids(client, "findings", f"checkpoint={road}") == []


def test_work_order_filters_each_narrow(app, client, world):
    o = world.order_ids
    stair, lift, b2_stair, road = world.checkpoint_ids
    b1, b2 = world.building_ids
    assert set(_ids(client, "work-orders")) == set(o.values())
    assert set(_ids(client, "work-orders", f"building={b1}")) == {o["eng_overdue"], o["eng_in_time"]}
    assert set(_ids(client, "work-orders", f"checkpoint={road}")) == {o["clean_overdue"], o["clean_closed"]}
    assert set(_ids(client, "work-orders", f"team={_team_id(app, world, 'cleaning')}")) == {o["clean_overdue"], o["clean_closed"]}
    assert set(_ids(client, "work-orders", "status=overdue")) == {o["eng_overdue"], o["clean_overdue"]}
    assert len(_ids(client, "work-orders", "status=open")) == 4
    assert _ids(client, "work-orders", "status=closed") == [o["clean_closed"]]
    assert _ids(client, "work-orders", f"person={world.walker_id}") == [o["clean_overdue"]]
    assert _ids(client, "work-orders", f"round={world.round_ids[0]}") == [o["eng_done"]]  # via the approved lift finding
    assert set(_ids(client, "work-orders", "date_from=2026-03-10&date_to=2026-03-10")) == {o["eng_overdue"], o["eng_in_time"]}


def _team_id(app, world, code: str) -> int:
    with app.app_context():
        return db.session.scalar(select(Team.id).where(Team.site_id == world.site_id, Team.code == code))


def test_filters_of_another_site_find_nothing_and_its_records_never_show(app, client, world):
    other = build_dash_world(app, supervisor="elsewhere")
    mine = set(_ids(client, "logs"))
    assert mine and not mine & _logs_of(app, *other.round_ids)
    assert _ids(client, "logs", f"round={other.round_ids[0]}") == []
    assert _ids(client, "logs", f"building={other.building_ids[0]}") == []
    assert _ids(client, "findings", f"checkpoint={other.checkpoint_ids[1]}") == []
    assert _ids(client, "work-orders", f"building={other.building_ids[0]}") == []
    assert not set(_ids(client, "findings")) & set(other.finding_ids.values())
    assert not set(_ids(client, "work-orders")) & set(other.order_ids.values())


def _walk(client, kind: str, query: str) -> tuple[list[int], list[str]]:
    """Follow 'Older' from the first page to the last; the ids in order and each page's URL."""
    ids, urls, url = [], [], f"/dashboard/{kind}?{query}"
    while url:
        urls.append(url)
        html = client.get(url).get_data(as_text=True)
        ids += [int(n) for n in re.findall(rf'<li id="{ROW[kind]}-(\d+)"', html)]
        older = re.search(r'<a class="button secondary" rel="next" href="([^"]+)"', html)
        url = older.group(1).replace("&amp;", "&") if older else None
    return ids, urls


NEWEST_FIRST = {
    "logs": lambda site_id: select(PatrolLog.id).where(PatrolLog.site_id == site_id, PatrolLog.status != "scheduled")
    .order_by(PatrolLog.local_date.desc(), PatrolLog.id.desc()),
    "findings": lambda site_id: select(Finding.id).where(Finding.site_id == site_id)
    .order_by(Finding.created_at.desc(), Finding.id.desc()),
    "work-orders": lambda site_id: select(WorkOrder.id).where(WorkOrder.site_id == site_id)
    .order_by(WorkOrder.created_at.desc(), WorkOrder.id.desc()),
}


@pytest.mark.parametrize("kind", ["logs", "findings", "work-orders"])
def test_keyset_pages_cover_every_row_once_newest_first(app, client, world, kind):
    grow_history(app, world.site_id, days=30)
    everything, urls = _walk(client, kind, "")
    with app.app_context():
        assert everything == db.session.scalars(NEWEST_FIRST[kind](world.site_id)).all()
    assert len(urls) >= 3
    # 'Newer' from the second page gives back the first page exactly, and the first page offers no 'Newer'.
    second = client.get(urls[1]).get_data(as_text=True)
    newer = re.search(r'rel="prev" href="([^"]+)"', second).group(1).replace("&amp;", "&")
    first_again = client.get(newer).get_data(as_text=True)
    assert [int(n) for n in re.findall(rf'<li id="{ROW[kind]}-(\d+)"', first_again)] == everything[:25]
    assert 'rel="prev"' not in first_again


def test_pages_keep_the_filters(app, client, world):
    grow_history(app, world.site_id, days=30)
    ids, urls = _walk(client, "logs", "status=missed")
    assert len(urls) == 2 and all("status=missed" in url for url in urls)
    with app.app_context():
        assert set(ids) == set(db.session.scalars(select(PatrolLog.id).where(PatrolLog.status == "missed")))


def test_log_list_links_the_answers_export_with_the_same_filters(client, world):
    b1 = world.building_ids[0]
    html = client.get(f"/dashboard/logs?building={b1}&status=submitted&date_from=2026-03-01&page=3").get_data(as_text=True)
    assert f'href="/exports/answers.csv?building={b1}&amp;status=submitted&amp;date_from=2026-03-01"' in html
    assert 'href="/exports/answers.csv?"' in client.get("/dashboard/logs").get_data(as_text=True)


@pytest.mark.parametrize("kind", ["logs", "findings", "work-orders"])
@pytest.mark.parametrize("query", [
    "building=abc", "building=-1", "building=0", "checkpoint=99999999999", "round=1.5", "team=%00", "person=1e3",
    "status=bogus", "date_from=2026-13-01", "date_from=0001-01-01", "date_to=9999-12-31",
    "date_from=2026-03-10&date_to=2026-03-01", "after=garbage", "after=2026-03-01_abc", "before=2026-03-01_0",
    "after=2026-03-01T00:00:00%2B08:00_5", "after=" + "9" * 40 + "_1",
])
def test_unreadable_values_are_a_400_with_the_reason(client, world, kind, query):
    response = client.get(f"/dashboard/{kind}?{query}")
    assert response.status_code == 400, query
    html = response.get_data(as_text=True)
    assert 'class="field-error"' in html or 'class="flash flash-error"' in html


@pytest.mark.parametrize("kind", ["logs", "findings", "work-orders"])
def test_unknown_parameters_and_blanks_are_ignored(client, world, kind):
    assert client.get(f"/dashboard/{kind}?colour=red&building=&status=&date_from=").status_code == 200


def test_a_refused_value_stays_in_the_form_beside_its_message(client, world):
    html = client.get("/dashboard/findings?date_from=2026-02-30").get_data(as_text=True)
    assert 'value="2026-02-30"' in html and 'aria-invalid="true"' in html
