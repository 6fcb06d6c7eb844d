"""Admin screens for rounds: schedule and windows, assignees, ordered stops, retire; audited, per site."""
from __future__ import annotations

from datetime import date, datetime, time

import pytest
from sqlalchemy import func, select

from app.audit.models import AuditEvent
from app.checklists.catalogue import load_catalogue
from app.checklists.models import ChecklistTemplate
from app.extensions import db
from app.patrols.models import PatrolLog, Round, RoundCheckpoint, RoundWindow
from app.sites.models import Site
from tests.conftest import csrf_from
from tests.factories import make_checkpoint, make_site, make_user, team_of

EN = {"Accept-Language": "en"}


def _count(model, *where):
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def _events(action):
    return db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)).all()


@pytest.fixture
def admin(app, login_as):
    """A signed-in admin of a site with two patrollers, a patroller elsewhere, checkpoints and the catalogue."""
    who = login_as("admin")
    with app.app_context():
        load_catalogue()
        site = db.session.get(Site, who["site_id"])
        other = make_site()
        who["patrollers"] = [make_user("patroller", [site]).id for _ in range(2)]
        who["stranger"] = make_user("patroller", [other]).id
        who["supervisor"] = make_user("supervisor", [site]).id
        who["checkpoints"] = [make_checkpoint(site, code=f"CP-{n}", category=cat).id
                              for n, cat in enumerate(("stairwell", "roof", "elevator", "stairwell"), start=1)]
        who["foreign_checkpoint"] = make_checkpoint(other, code="X-1").id
        who["team"] = team_of(site, "security").id
        who["foreign_team"] = team_of(other, "security").id
        who["other_site"] = other.id
        db.session.commit()
    return who


def _form(client, path="/admin/rounds/new", **fields):
    data = {"csrf_token": csrf_from(client, path), "name_zh": "夜间巡逻", "name_en": "Night patrol", "schedule_kind": "daily",
            "windows-0-starts": "08:00", "windows-0-ends": "17:00"}
    data.update(fields)
    return data


def _make_round(app, site_id, kind="daily", stops=(), assignees=(), name_en="Stair check", **kwargs):
    with app.app_context():
        round_ = Round(site_id=site_id, name_zh="巡查", name_en=name_en, schedule_kind=kind, **kwargs)
        round_.windows = [RoundWindow(position=0, starts=time(8), ends=time(17))]
        templates = {t.checkpoint_category: t for t in db.session.scalars(select(ChecklistTemplate))}
        from app.sites.models import Checkpoint

        for pos, cp_id in enumerate(stops, start=1):
            checkpoint = db.session.get(Checkpoint, cp_id)
            round_.stops.append(RoundCheckpoint(position=pos, checkpoint=checkpoint, template=templates[checkpoint.category]))
        from app.auth.models import User

        round_.assignees = [db.session.get(User, uid) for uid in assignees]
        db.session.add(round_)
        db.session.commit()
        return round_.id


def _positions(app, round_id):
    with app.app_context():
        return db.session.execute(select(RoundCheckpoint.position, RoundCheckpoint.checkpoint_id)
                                  .where(RoundCheckpoint.round_id == round_id).order_by(RoundCheckpoint.position)).all()


# --- guards and isolation -------------------------------------------------------------------------

@pytest.mark.parametrize("role", ["patroller", "supervisor", "maintenance"])
def test_only_admins_reach_the_round_screens(client, login_as, role):
    login_as(role)
    assert client.get("/admin/rounds/").status_code == 403
    assert client.get("/admin/rounds/new").status_code == 403


def test_signed_out_visitor_is_sent_to_sign_in(client):
    response = client.get("/admin/rounds/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_rounds_of_another_site_are_not_found(app, client, admin):
    foreign = _make_round(app, admin["other_site"], stops=[admin["foreign_checkpoint"]], name_en="Foreign round")
    token = csrf_from(client, "/admin/rounds/")
    assert client.get(f"/admin/rounds/{foreign}/edit").status_code == 404
    assert client.get(f"/admin/rounds/{foreign}/stops").status_code == 404
    assert client.post(f"/admin/rounds/{foreign}/active", data={"csrf_token": token, "active": "0"}).status_code == 404
    assert client.post(f"/admin/rounds/{foreign}/stops", data={"csrf_token": token,
                                                                "checkpoint_id": admin["checkpoints"][0]}).status_code == 404
    with app.app_context():
        stop_id = db.session.scalar(select(RoundCheckpoint.id).where(RoundCheckpoint.round_id == foreign))
        assert db.session.get(Round, foreign).active is True
    assert client.post(f"/admin/rounds/{foreign}/stops/{stop_id}/remove", data={"csrf_token": token}).status_code == 404
    assert client.get("/admin/rounds/999999/edit").status_code == 404
    assert "Foreign round" not in client.get("/admin/rounds/", headers=EN).get_data(as_text=True)


def test_a_stop_of_another_round_is_not_found(app, client, admin):
    mine = _make_round(app, admin["site_id"], stops=admin["checkpoints"][:1])
    other = _make_round(app, admin["site_id"], stops=admin["checkpoints"][1:2])
    with app.app_context():
        stop_id = db.session.scalar(select(RoundCheckpoint.id).where(RoundCheckpoint.round_id == other))
    token = csrf_from(client, "/admin/rounds/")
    assert client.post(f"/admin/rounds/{mine}/stops/{stop_id}/remove", data={"csrf_token": token}).status_code == 404
    with app.app_context():
        assert _count(RoundCheckpoint) == 2


# --- list -------------------------------------------------------------------------------------------

def test_list_describes_schedules_and_counts_stops(app, client, admin):
    _make_round(app, admin["site_id"], kind="weekly", weekdays=0b1001, stops=admin["checkpoints"][:3],
                assignees=admin["patrollers"][:1])
    retired = _make_round(app, admin["site_id"], kind="monthly", month_day=1)
    with app.app_context():
        db.session.get(Round, retired).active = False
        db.session.commit()
    page = client.get("/admin/rounds/", headers=EN).get_data(as_text=True)
    assert "Weekly on Mon, Thu 08:00–17:00" in page
    assert "Monthly on day 1 08:00–17:00" in page
    assert "<dd>3</dd>" in page and "Retired" in page
    zh = client.get("/admin/rounds/", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert "一、四" in zh


# --- create and edit --------------------------------------------------------------------------------

def test_admin_creates_a_shift_round_with_assignees(app, client, admin):
    data = _form(client, schedule_kind="shift", assignee_ids=[str(i) for i in admin["patrollers"]],
                 **{"windows-0-starts": "21:00", "windows-0-ends": "07:00", "windows-0-label_zh": "夜班", "windows-0-label_en": "Night",
                    "windows-1-starts": "08:00", "windows-1-ends": "16:00", "windows-1-label_zh": "早班",
                    "windows-2-starts": "", "windows-2-ends": ""})
    response = client.post("/admin/rounds/new", data=data)
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    with app.app_context():
        round_ = db.session.scalar(select(Round))
        assert round_.site_id == admin["site_id"] and round_.schedule_kind == "shift"
        assert [(w.position, w.starts, w.ends, w.label_zh) for w in round_.windows] == [
            (0, time(8), time(16), "早班"), (1, time(21), time(7), "夜班")]
        assert sorted(u.id for u in round_.assignees) == sorted(admin["patrollers"])
        assert response.headers["Location"].endswith(f"/admin/rounds/{round_.id}/stops")
        [event] = _events("round_created")
        assert event.object_id == round_.id and event.site_id == admin["site_id"] and event.actor_id == admin["user_id"]


def test_a_team_alone_may_run_a_weekly_round(app, client, admin):
    data = _form(client, schedule_kind="weekly", weekdays=["0", "3"], team_id=str(admin["team"]))
    assert client.post("/admin/rounds/new", data=data).status_code == 303
    with app.app_context():
        round_ = db.session.scalar(select(Round))
        assert round_.weekdays == 0b1001 and round_.assigned_team_id == admin["team"] and round_.assignees == []


BAD_INPUT = [
    ({"name_zh": ""}, "name_zh"),
    ({"schedule_kind": "hourly"}, "schedule_kind"),
    ({"schedule_kind": "weekly"}, "weekdays"),
    ({"schedule_kind": "weekly", "weekdays": ["9"]}, "weekdays"),
    ({"schedule_kind": "monthly"}, "month_day"),
    ({"schedule_kind": "monthly", "month_day": "32"}, "month_day"),
    ({"schedule_kind": "monthly", "month_day": "first"}, "month_day"),
    ({"windows-0-starts": "", "windows-0-ends": ""}, "windows"),
    ({"windows-0-starts": "25:00"}, "windows-0-starts"),
    ({"windows-0-ends": "08:00"}, "windows-0-ends"),
    ({"windows-0-label_zh": "班" * 33}, "windows-0-label_zh"),
    ({"schedule_kind": "shift"}, "windows"),
    ({"windows-1-starts": "12:00", "windows-1-ends": "13:00"}, "windows-1-starts"),
    ({"windows-0-starts": "22:00", "windows-0-ends": "02:00", "windows-1-starts": "01:00", "windows-1-ends": "03:00"},
     "windows-1-starts"),
    ({"assignee_ids": []}, "assignee_ids"),
]


@pytest.mark.parametrize(("fields", "field"), BAD_INPUT)
def test_bad_round_input_is_refused_beside_the_field_and_nothing_stored(app, client, admin, fields, field):
    data = _form(client, assignee_ids=[str(admin["patrollers"][0])])
    data.update(fields)
    response = client.post("/admin/rounds/new", data=data, headers=EN)
    assert response.status_code == 400
    assert f'id="{field}-error"' in response.get_data(as_text=True)
    with app.app_context():
        assert _count(Round) == 0 and _count(RoundWindow) == 0 and _events("round_created") == []


@pytest.mark.parametrize("fields", [
    {"assignee_ids": ["stranger"]},  # a patroller of another site
    {"assignee_ids": ["supervisor"]},  # not a patroller
    {"team_id": "foreign_team"},
])
def test_assignees_must_be_patrollers_or_a_team_of_this_site(app, client, admin, fields):
    data = _form(client, **{key: ([str(admin[v]) for v in value] if isinstance(value, list) else str(admin[value]))
                            for key, value in fields.items()})
    if "team_id" in fields:
        data["assignee_ids"] = []
    response = client.post("/admin/rounds/new", data=data)
    assert response.status_code == 400
    with app.app_context():
        assert _count(Round) == 0


def test_editing_replaces_windows_and_assignees_and_keeps_the_stops(app, client, admin):
    round_id = _make_round(app, admin["site_id"], stops=admin["checkpoints"][:2], assignees=admin["patrollers"][:1])
    path = f"/admin/rounds/{round_id}/edit"
    form = client.get(path).get_data(as_text=True)
    assert 'value="08:00"' in form and 'name="windows-2-starts"' in form  # its window and two blank rows
    data = _form(client, path, schedule_kind="shift", assignee_ids=[str(admin["patrollers"][1])],
                 **{"windows-0-starts": "08:00", "windows-0-ends": "10:00", "windows-1-starts": "22:00", "windows-1-ends": "08:00"})
    assert client.post(path, data=data).status_code == 303
    with app.app_context():
        round_ = db.session.get(Round, round_id)
        assert [(w.starts, w.ends) for w in round_.windows] == [(time(8), time(10)), (time(22), time(8))]
        assert [u.id for u in round_.assignees] == [admin["patrollers"][1]]
        assert _count(RoundWindow) == 2 and _count(RoundCheckpoint) == 2
        assert len(_events("round_updated")) == 1


def test_a_failed_edit_changes_nothing(app, client, admin):
    round_id = _make_round(app, admin["site_id"], assignees=admin["patrollers"][:1])
    path = f"/admin/rounds/{round_id}/edit"
    data = _form(client, path, name_en="Renamed", assignee_ids=[str(admin["stranger"])])
    assert client.post(path, data=data).status_code == 400
    with app.app_context():
        round_ = db.session.get(Round, round_id)
        assert round_.name_en == "Stair check" and [u.id for u in round_.assignees] == admin["patrollers"][:1]
        assert _events("round_updated") == []


def test_retire_and_reactivate_a_round(app, client, admin):
    round_id = _make_round(app, admin["site_id"])
    token = csrf_from(client, "/admin/rounds/")
    assert client.post(f"/admin/rounds/{round_id}/active", data={"csrf_token": token, "active": "0"}).status_code == 303
    with app.app_context():
        assert db.session.get(Round, round_id).active is False and len(_events("round_retired")) == 1
    assert client.post(f"/admin/rounds/{round_id}/active", data={"csrf_token": token, "active": "1"}).status_code == 303
    with app.app_context():
        assert db.session.get(Round, round_id).active is True and len(_events("round_reactivated")) == 1


def test_posts_without_csrf_token_are_refused(app, client, admin):
    round_id = _make_round(app, admin["site_id"])
    assert client.post(f"/admin/rounds/{round_id}/active", data={"active": "0"}).status_code == 400
    with app.app_context():
        assert db.session.get(Round, round_id).active is True


# --- stops ------------------------------------------------------------------------------------------

def test_adding_a_stop_defaults_to_the_template_of_its_category(app, client, admin):
    round_id = _make_round(app, admin["site_id"])
    path = f"/admin/rounds/{round_id}/stops"
    page = client.get(path).get_data(as_text=True)
    assert all(f'value="{cp}"' in page for cp in admin["checkpoints"])
    assert "CP-1" in page and "X-1" not in page
    for cp in admin["checkpoints"][:2]:
        assert client.post(path, data={"csrf_token": csrf_from(client, path), "checkpoint_id": str(cp)}).status_code == 303
    with app.app_context():
        stops = db.session.scalars(select(RoundCheckpoint).order_by(RoundCheckpoint.position)).all()
        assert [(s.position, s.checkpoint_id) for s in stops] == [(1, admin["checkpoints"][0]), (2, admin["checkpoints"][1])]
        assert [s.template.checkpoint_category for s in stops] == ["stairwell", "roof"]
        assert len(_events("round_stop_added")) == 2
    page = client.get(path).get_data(as_text=True)
    assert "CP-1 ·" not in page and "CP-3 ·" in page  # already a stop: not offered again


def test_adding_a_stop_with_a_chosen_template(app, client, admin):
    round_id = _make_round(app, admin["site_id"])
    with app.app_context():
        fire = db.session.scalar(select(ChecklistTemplate.id).where(ChecklistTemplate.code == "fire_equipment"))
    path = f"/admin/rounds/{round_id}/stops"
    data = {"csrf_token": csrf_from(client, path), "checkpoint_id": str(admin["checkpoints"][0]), "template_id": str(fire)}
    assert client.post(path, data=data).status_code == 303
    with app.app_context():
        assert db.session.scalar(select(RoundCheckpoint.template_id)) == fire


@pytest.mark.parametrize("case", ["missing", "foreign", "duplicate", "retired_checkpoint", "bad_template", "retired_template"])
def test_bad_stops_are_refused_and_nothing_stored(app, client, admin, case):
    round_id = _make_round(app, admin["site_id"], stops=admin["checkpoints"][:1])
    data = {"checkpoint_id": str(admin["checkpoints"][1])}
    with app.app_context():
        if case == "retired_checkpoint":
            from app.sites.models import Checkpoint

            db.session.get(Checkpoint, admin["checkpoints"][1]).active = False
        if case == "retired_template":
            template = db.session.scalar(select(ChecklistTemplate).where(ChecklistTemplate.code == "escape_roof"))
            template.active = False
        db.session.commit()
    data.update({"missing": {"checkpoint_id": ""}, "foreign": {"checkpoint_id": str(admin["foreign_checkpoint"])},
                 "duplicate": {"checkpoint_id": str(admin["checkpoints"][0])}, "bad_template": {"template_id": "999999"},
                 "retired_checkpoint": {}, "retired_template": {}}[case])
    path = f"/admin/rounds/{round_id}/stops"
    response = client.post(path, data={"csrf_token": csrf_from(client, path), **data})
    assert response.status_code == 400
    assert 'class="field-error"' in response.get_data(as_text=True)
    with app.app_context():
        assert _count(RoundCheckpoint) == 1 and _events("round_stop_added") == []


def test_moving_stops_keeps_positions_contiguous(app, client, admin):
    cps = admin["checkpoints"]
    round_id = _make_round(app, admin["site_id"], stops=cps)
    with app.app_context():
        ids = {cp: sid for sid, cp in db.session.execute(select(RoundCheckpoint.id, RoundCheckpoint.checkpoint_id))}
    path = f"/admin/rounds/{round_id}/stops"

    def move(cp, direction):
        return client.post(f"{path}/{ids[cp]}/move", data={"csrf_token": csrf_from(client, path), "direction": direction})

    assert move(cps[0], "down").status_code == 303
    assert _positions(app, round_id) == [(1, cps[1]), (2, cps[0]), (3, cps[2]), (4, cps[3])]
    assert move(cps[3], "up").status_code == 303
    assert _positions(app, round_id) == [(1, cps[1]), (2, cps[0]), (3, cps[3]), (4, cps[2])]
    assert move(cps[1], "up").status_code == 303  # already first: nothing changes
    assert _positions(app, round_id) == [(1, cps[1]), (2, cps[0]), (3, cps[3]), (4, cps[2])]
    assert move(cps[0], "sideways").status_code == 400
    with app.app_context():
        assert len(_events("round_stop_moved")) == 2


def test_removing_a_stop_renumbers_and_keeps_logs(app, client, admin):
    cps = admin["checkpoints"]
    round_id = _make_round(app, admin["site_id"], stops=cps)
    with app.app_context():
        log = PatrolLog(site_id=admin["site_id"], round_id=round_id, local_date=date(2026, 1, 5),
                        window_starts_at=datetime(2026, 1, 5, 0), window_ends_at=datetime(2026, 1, 5, 9))
        db.session.add(log)
        db.session.commit()
        second = db.session.scalar(select(RoundCheckpoint.id).where(RoundCheckpoint.checkpoint_id == cps[1]))
    path = f"/admin/rounds/{round_id}/stops"
    assert client.post(f"{path}/{second}/remove", data={"csrf_token": csrf_from(client, path)}).status_code == 303
    assert _positions(app, round_id) == [(1, cps[0]), (2, cps[2]), (3, cps[3])]
    with app.app_context():
        assert _count(PatrolLog) == 1
        [event] = _events("round_stop_removed")
        assert event.details["checkpoint_id"] == cps[1] and event.details["position"] == 2
