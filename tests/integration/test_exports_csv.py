"""Answers as CSV: streamed in batches, UTF-8 with BOM for Excel, the list filters applied, the site's answers only."""
from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from sqlalchemy import func, select

from app.auth.models import User
from app.demo.builder import build_demo
from app.exports import answers_csv
from app.exports.wording import ANSWER_COLUMNS
from app.extensions import db
from app.patrols.models import Answer, PatrolLog, Round, Visit
from app.sites.models import Building, Checkpoint
from app.work_orders.models import Team
from tests.conftest import login
from tests.integration.export_world import add_signed_correction, build_export_world
from tests.integration.test_exports_archive import DEMO_NOW

BOM = b"\xef\xbb\xbf"


def _csv(client, **query) -> list[list[str]]:
    response = client.get("/exports/answers.csv", query_string=query)
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert response.is_streamed
    assert response.mimetype == "text/csv" and response.mimetype_params.get("charset") == "utf-8"
    assert response.headers["Content-Disposition"].startswith('attachment; filename="answers-')
    body = response.data
    assert body.startswith(BOM)
    rows = list(csv.reader(io.StringIO(body[len(BOM):].decode("utf-8"))))
    assert tuple(rows[0]) == ANSWER_COLUMNS
    return rows[1:]


def _count(*where) -> int:
    return db.session.scalar(select(func.count(Answer.id)).join(Visit, Answer.visit_id == Visit.id)
                             .join(PatrolLog, Visit.log_id == PatrolLog.id).where(*where))


def test_demo_answers_export_applies_every_filter(app, client):
    with app.app_context():
        site = build_demo(now=DEMO_NOW, days=10)
        mine = PatrolLog.site_id == site.id
        patrol1 = db.session.scalar(select(User.id).where(User.username == "patrol1"))
        night = db.session.scalar(select(Round).where(Round.schedule_kind == "shift"))
        security = db.session.scalar(select(Team).where(Team.site_id == site.id, Team.code == "security"))
        night.assigned_team_id = security.id
        night_id, security_id = night.id, security.id
        db.session.commit()
        building = db.session.scalar(select(Building).where(Building.site_id == site.id, Building.code == "B2"))
        checkpoint = db.session.scalar(select(Checkpoint).where(Checkpoint.code == "B1-LBY"))
        expected = {
            "all": _count(mine),
            "dates": _count(mine, PatrolLog.local_date.between(date(2026, 9, 28), date(2026, 9, 30))),
            "round": _count(mine, PatrolLog.round_id == night_id),
            # the night round and the rounds the site keeps (renovation, vacant units), which default to security
            "team": _count(mine, PatrolLog.round_id.in_(select(Round.id).where(Round.assigned_team_id == security.id))),
            "building": _count(mine, Visit.checkpoint_id.in_(select(Checkpoint.id).where(Checkpoint.building_id == building.id))),
            "checkpoint": _count(mine, Visit.checkpoint_id == checkpoint.id),
            "person": _count(mine, PatrolLog.started_by_id == patrol1),
            "fail": _count(mine, Answer.result == "fail"),
            "signed": _count(mine, PatrolLog.status == "signed"),
        }
        building_id, checkpoint_id = building.id, checkpoint.id
    login(client, "super1", "demo-pass")
    everything = _csv(client)
    assert len(everything) == expected["all"] > 1000
    dated = _csv(client, date_from="2026-09-28", date_to="2026-09-30")
    assert len(dated) == expected["dates"] and {row[1] for row in dated} == {"2026-09-28", "2026-09-29", "2026-09-30"}
    assert len(_csv(client, round=night_id)) == expected["round"]
    assert len(_csv(client, team=security_id)) == expected["team"] > expected["round"]  # the team's rounds
    assert len(_csv(client, building=building_id)) == expected["building"]
    assert {row[5] for row in _csv(client, checkpoint=checkpoint_id)} == {"B1-LBY"}
    assert len(_csv(client, person=patrol1)) == expected["person"]
    failures = _csv(client, status="fail")
    assert len(failures) == expected["fail"] > 0 and {row[9] for row in failures} == {"不合格"}
    assert all(row[13] for row in failures)  # every failure has its note
    assert len(_csv(client, status="signed")) == expected["signed"]
    assert _csv(client, status="missed") == []  # a missed round has no answers
    combined = _csv(client, round=night_id, status="fail", date_from="2026-09-25", date_to="2026-10-05", building="")
    assert all(row[2] == "夜间安防巡逻" and row[9] == "不合格" for row in combined)


def test_answers_arrive_in_batches_not_all_at_once(app, client, monkeypatch):
    build_export_world(app)
    monkeypatch.setattr(answers_csv, "BATCH", 10)
    login(client, "boss")
    response = client.get("/exports/answers.csv")
    assert response.is_streamed
    chunks = list(response.response)
    response.close()
    rows = b"".join(chunks).decode("utf-8").count("\r\n") - 1
    assert rows > 20 and len(chunks) == -(-rows // 10)  # one chunk per batch of ten rows


def test_corrected_answers_show_the_correction_and_the_original(app, client):
    world = build_export_world(app)
    add_signed_correction(app, world.log_ids[1], world.passed_answer_id)  # an answer of the other log: not corrected
    add_signed_correction(app, world.log_ids[0], world.passed_answer_id)
    login(client, "boss")
    failures = _csv(client, status="fail")
    corrected = [row for row in failures if row[18] == "1"]
    assert len(corrected) == 1 and corrected[0][19] == "合格" and corrected[0][13] == "应急灯不亮"
    original = [row for row in failures if row[18] == ""]
    assert len(original) == 1 and original[0][15] == "1"  # the failure with its photo


def test_text_that_looks_like_a_formula_stays_text(app, client):
    world = build_export_world(app)
    with app.app_context():
        answer = db.session.get(Answer, world.failed_answer_id)
        answer.note = "=HYPERLINK(\"http://example.com\")"
        db.session.commit()
    login(client, "boss")
    (row,) = _csv(client, status="fail")
    assert row[13] == "'=HYPERLINK(\"http://example.com\")"


@pytest.mark.parametrize("query, field", [
    ({"building": "abc"}, "Building"), ({"round": "-1"}, "Round"), ({"person": "99999999999"}, "Person"),
    ({"date_from": "2026-13-01"}, "From"), ({"date_to": "yesterday"}, "To"),
    ({"date_from": "2026-10-02", "date_to": "2026-10-01"}, "To: The end date is before the start date."),
    ({"status": "bogus"}, "Status"), ({"team": "security"}, "Team"), ({"date_to": "1999-12-31"}, "To"),
])
def test_bad_filters_are_refused_with_400_naming_the_field(client, login_as, query, field):
    login_as("supervisor")
    response = client.get("/exports/answers.csv", query_string=query, headers={"Accept-Language": "en"})
    assert response.status_code == 400
    assert (field if ":" in field else f"{field}: ") in response.get_data(as_text=True)


def test_only_supervisors_and_admins_export_and_only_their_site(app, client, login_as):
    world = build_export_world(app)
    with app.app_context():
        building = db.session.scalar(select(Checkpoint.building_id).where(Checkpoint.site_id == world.site_id).limit(1))
    login_as("admin")  # an admin of a new site of their own
    assert _csv(client) == [] and _csv(client, building=building) == []
    for username, status in (("walker", 403), ("fixer", 403)):
        other = app.test_client()
        login(other, username)
        assert other.get("/exports/answers.csv").status_code == status
    boss = app.test_client()
    login(boss, "boss")
    assert len(_csv(boss)) > 0 and len(_csv(boss, building=building)) > 0
