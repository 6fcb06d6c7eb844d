"""The renovation round's stops follow the permits, day by day (the domain functions, called directly)."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.auth.models import User
from app.checklists.models import ChecklistTemplate
from app.extensions import db
from app.model_helpers import utcnow
from app.patrols import site_rounds
from app.patrols.schedules import local_today
from app.renovation import services
from app.renovation.documents import Prepared
from app.renovation.errors import RenovationError
from app.renovation.rounds import wanted_stops
from app.renovation.schemas import ApplicationSchema
from app.sites.models import Site, Unit
from tests.integration.renovation_world import build_world, tiny_pdf


@pytest.fixture
def world(app):
    return build_world(app)


def _people():
    return {u.username: u for u in db.session.scalars(select(User))}


def _permit(world, unit_index: int, start, days: int = 30):
    site = db.session.get(Site, world.site_id)
    people = _people()
    data = ApplicationSchema().load({
        "unit_id": world.unit_ids[unit_index], "owner_name": "业主", "owner_phone": "13900001111",
        "contractor_name": "装饰公司", "contractor_person": "陈工", "contractor_phone": "13700002222",
        "planned_start": start.isoformat(), "planned_end": (start + timedelta(days=days)).isoformat(),
        "workers": [{"name": "赵师傅", "pass_number": "P1"}]})
    permit = services.apply(site, people[world.desk], data, [Prepared("a.pdf", "application/pdf", tiny_pdf())],
                            "application", utcnow())
    return permit, people


def test_stops_follow_approval_dates_completion_and_recheck(ctx, world):
    site = db.session.get(Site, world.site_id)
    today = local_today(site.timezone, utcnow())
    running, people = _permit(world, 0, today - timedelta(days=2))
    later, _ = _permit(world, 1, today + timedelta(days=5))
    waiting, _ = _permit(world, 2, today)
    for permit in (running, later):
        services.submit_application(permit, people[world.desk], utcnow())
        services.approve(permit, people[world.engineer], utcnow())
    services.submit_application(waiting, people[world.desk], utcnow())  # submitted, not decided: not visited
    label = {u.checkpoint_id: u.id for u in db.session.scalars(select(Unit))}

    def visited(day):
        return [(label[cp], template) for cp, template in wanted_stops(site, "renovation", day)]

    templates = dict(db.session.execute(select(ChecklistTemplate.code, ChecklistTemplate.id)).all())
    site_check, acceptance = templates["renovation_site"], templates["renovation_acceptance"]
    assert visited(today) == [(world.unit_ids[0], site_check)]
    assert visited(today + timedelta(days=5)) == [(world.unit_ids[0], site_check), (world.unit_ids[1], site_check)]
    assert visited(today + timedelta(days=40)) == []  # both past their end
    assert wanted_stops(site, "vacant", today) == []  # the vacant-unit round is someone else's

    services.request_completion(running, people[world.desk], utcnow())
    assert visited(today) == [(world.unit_ids[0], acceptance)]
    round_ = site_rounds.refresh(site, "renovation", utcnow())
    assert [s.checkpoint_id for s in round_.stops] == [db.session.get(Unit, world.unit_ids[0]).checkpoint_id]
    assert round_.active and round_.purpose == "renovation"

    running.status, running.recheck_due_on = "accepted", today + timedelta(days=30)
    db.session.commit()
    assert visited(today) == []
    assert visited(today + timedelta(days=30)) == [(world.unit_ids[0], acceptance), (world.unit_ids[1], site_check)]


def test_decisions_are_engineerings_and_supervisors(ctx, world):
    site = db.session.get(Site, world.site_id)
    permit, people = _permit(world, 0, local_today(site.timezone, utcnow()))
    services.submit_application(permit, people[world.desk], utcnow())
    with pytest.raises(RenovationError) as refused:
        services.approve(permit, people[world.cleaner], utcnow())
    assert refused.value.status == 403
    with pytest.raises(RenovationError) as refused:
        services.approve(permit, people[world.walker], utcnow())
    assert refused.value.status == 403
    assert services.may_decide(people[world.engineer]) and services.may_decide(people[world.desk])
    services.approve(permit, people[world.desk], utcnow())
    assert permit.status == "approved" and db.session.get(Unit, world.unit_ids[0]).status == "renovating"


def test_submitting_needs_a_document_first(ctx, world):
    site = db.session.get(Site, world.site_id)
    people = _people()
    today = local_today(site.timezone, utcnow())
    data = ApplicationSchema().load({
        "unit_id": world.unit_ids[0], "owner_name": "业主", "owner_phone": "13900001111", "contractor_name": "公司",
        "contractor_person": "陈工", "contractor_phone": "13700002222", "planned_start": today.isoformat(),
        "planned_end": today.isoformat(), "workers": [{"name": "赵", "pass_number": "P1"}]})
    permit = services.apply(site, people[world.desk], data, [], "application", utcnow())
    with pytest.raises(RenovationError) as refused:
        services.submit_application(permit, people[world.desk], utcnow())
    assert refused.value.status == 409 and permit.submitted_at is None
