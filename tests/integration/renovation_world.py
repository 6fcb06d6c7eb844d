"""A site with units behind door labels, the people of a renovation, and helpers to file, walk and age permits."""
from __future__ import annotations

import io
import re
from dataclasses import dataclass
from datetime import date, timedelta

from PIL import Image
from sqlalchemy import select

from app.auth.models import User
from app.checklists.catalogue import load_catalogue
from app.extensions import db
from app.model_helpers import utcnow
from app.patrols import site_rounds
from app.patrols.models import PatrolLog, Round, Visit
from app.patrols.schedules import local_today
from app.renovation.models import RectificationNotice, RenovationPermit
from app.sites.models import Checkpoint, Site, Unit
from tests.conftest import csrf_from, login
from tests.factories import PASSWORD, make_building, make_site, make_user, team_of
from tests.integration.patrol_world import window_around_now


@dataclass
class World:
    site_id: int
    unit_ids: list[int]
    tokens: list[str]
    other_unit_id: int
    desk: str  # supervisor at the service desk
    engineer: str
    cleaner: str
    walker: str
    colleague: str
    admin: str
    outsider: str  # supervisor of another site


def make_unit(site: Site, building, number: str, floor: int) -> Unit:
    """A unit with its door label (a checkpoint of category "unit")."""
    checkpoint = Checkpoint(site=site, building=building, floor=floor, code=f"{building.code}-{number}",
                            name_zh=f"{building.name_zh} {number}", name_en=f"{building.name_en} {number}", category="unit")
    unit = Unit(building=building, floor=floor, number=number, area_m2=96.5, status="occupied", checkpoint=checkpoint,
                owner_name="周先生", owner_phone="139 0000 1201")
    db.session.add_all([checkpoint, unit])
    db.session.flush()
    return unit


def _person(model: User, role: str, site: Site, username: str, full_name: str, team=None) -> User:
    """Someone with the same password as `model` (hashing it once keeps the world quick to build)."""
    user = User(username=username, full_name=full_name, role=role, team=team, sites=[site],
                password_hash=model.password_hash)
    db.session.add(user)
    db.session.flush()
    return user


def build_world(app) -> World:
    with app.app_context():
        load_catalogue()
        site = make_site(duty_phone="021-0000-0110")
        building = make_building(site, "B3")
        units = [make_unit(site, building, f"{floor}01", floor) for floor in (12, 15, 18)]
        other = make_site()
        other_unit = make_unit(other, make_building(other, "X1"), "101", 1)
        desk = make_user("supervisor", [site], username="desk", full_name="王芳")
        people = {
            "desk": desk,
            "engineer": _person(desk, "maintenance", site, "engineer", "刘强", team_of(site, "engineering")),
            "cleaner": _person(desk, "maintenance", site, "cleaner", "陈静", team_of(site, "cleaning")),
            "walker": _person(desk, "patroller", site, "walker", "张伟"),
            "colleague": _person(desk, "patroller", site, "colleague", "李娜"),
            "admin": _person(desk, "admin", site, "boss", "赵敏"),
            "outsider": _person(desk, "supervisor", other, "outsider", "外人"),
        }
        db.session.commit()
        return World(site.id, [u.id for u in units], [u.checkpoint.token for u in units], other_unit.id,
                     **{role: user.username for role, user in people.items()})


def jpeg(size=(1200, 900), colour=(150, 140, 130)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


def tiny_pdf() -> bytes:
    """A real one-page PDF, as pypdf writes it."""
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def application(unit_id: int, start: date, /, days: int = 60, **overrides) -> dict:
    """A complete application form, workers and a PDF document included."""
    form = {
        "unit_id": str(unit_id), "owner_name": "周先生", "owner_phone": "139 0000 1201",
        "contractor_name": "安居装饰工程有限公司", "contractor_person": "陈工", "contractor_phone": "137-0000-2202",
        "planned_start": start.isoformat(), "planned_end": (start + timedelta(days=days)).isoformat(),
        "scope": "厨卫翻新、铺地板、刷墙", "deposit_yuan": "2000", "document_kind": "application",
        "workers-0-name": "赵师傅", "workers-0-pass_number": "ZX-0101", "workers-0-phone": "",
        "workers-1-name": "钱师傅", "workers-1-pass_number": "ZX-0102", "workers-1-phone": "136 0000 0000",
        "documents": [(io.BytesIO(tiny_pdf()), "申请表.pdf")],
    }
    form.update(overrides)
    return form


def post(client, path: str, data: dict | None = None, **kwargs):
    data = dict(data or {})
    data["csrf_token"] = csrf_from(client, "/renovation/" if "notices" not in path else "/renovation/notices")
    return client.post(path, data=data, content_type="multipart/form-data", **kwargs)


def sign_in(client, username: str) -> None:
    assert login(client, username).status_code == 303


def permit_of(app, unit_id: int) -> RenovationPermit | None:
    with app.app_context():
        return db.session.scalar(select(RenovationPermit).where(RenovationPermit.unit_id == unit_id)
                                 .order_by(RenovationPermit.id.desc()).limit(1))


def approved_permit(app, client, world: World, unit_index: int = 0, **overrides) -> int:
    """File, submit and approve an application for a unit; returns the permit id."""
    sign_in(client, world.desk)
    form = application(world.unit_ids[unit_index], overrides.pop("start", None) or today_at(app, world), **overrides)
    response = post(client, "/renovation/new", form)
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    permit_id = int(re.search(r"/renovation/(\d+)$", response.headers["Location"]).group(1))
    assert post(client, f"/renovation/{permit_id}/submit").status_code == 303
    sign_in(client, world.engineer)
    assert post(client, f"/renovation/{permit_id}/approve").status_code == 303
    return permit_id


def open_round_for(app, world: World) -> int:
    """The site's renovation round, open now and assigned to the walker (the admin does this on the round page)."""
    with app.app_context():
        site = db.session.get(Site, world.site_id)
        round_ = site_rounds.refresh(site, "renovation", utcnow()) or site_rounds.site_round(site, "renovation")
        start, end = window_around_now()[0]
        round_.windows[0].starts, round_.windows[0].ends = start, end
        walker = db.session.scalar(select(User).where(User.username == world.walker))
        if walker not in round_.assignees:
            round_.assignees.append(walker)
        db.session.commit()
        return round_.id


def walk(app, client, world: World, round_id: int, fail: dict[str, str] | None = None, photo: bool = True,
         before_submit=None) -> int:
    """The walker starts today's renovation round, scans every unit on it, answers every item, submits and both sign.

    `fail` maps item codes to the note of a failure (with a photo when the item wants one). Returns the log id."""
    fail = fail or {}
    sign_in(client, world.walker)
    token = csrf_from(client, "/patrol/")
    started = client.post(f"/patrol/rounds/{round_id}/start", data={"csrf_token": token})
    assert started.status_code == 303, started.get_data(as_text=True)[:500]
    with app.app_context():
        log = db.session.scalar(select(PatrolLog).where(PatrolLog.round_id == round_id, PatrolLog.status == "in_progress"))
        round_ = db.session.get(Round, round_id)
        stops = [(stop.checkpoint.token, stop.checkpoint_id) for stop in round_.stops]
        log_id = log.id
    for label, checkpoint_id in stops:
        assert client.get(f"/c/{label}").status_code == 303
        with app.app_context():
            visit = db.session.scalar(select(Visit).where(Visit.log_id == log_id, Visit.checkpoint_id == checkpoint_id))
            items = [(i.id, i.code, i.answer_type, i.photo_on_fail) for i in visit.template_version.items]
            visit_id = visit.id
        for item_id, code, kind, wants_photo in items:
            data = {"csrf_token": token, "result": "pass"}
            if kind == "number":
                data = {"csrf_token": token, "number": "0"}
            elif kind == "text":
                data = {"csrf_token": token, "text": "水电改造完成，开始贴砖"}
            if code in fail:
                data = {"csrf_token": token, "result": "fail", "note": fail[code]}
                if wants_photo and photo:
                    shade = sum(map(ord, code)) % 120  # a picture of its own for each item
                    data["photos"] = [(io.BytesIO(jpeg(colour=(100 + shade, 60, 60))), "violation.jpg")]
            answer = client.post(f"/patrol/visits/{visit_id}/items/{item_id}", data=data, content_type="multipart/form-data",
                                 headers={"HX-Request": "true"})
            assert answer.status_code == 200, (code, answer.get_data(as_text=True)[:500])
    if before_submit is not None:  # something happens at the desk while the walker is still out
        before_submit()
    submitted = client.post(f"/patrol/logs/{log_id}/submit", data={"csrf_token": token})
    assert submitted.status_code == 303 and "/sign/" in submitted.headers["Location"], submitted.headers.get("Location")
    assert client.post(f"/sign/logs/{log_id}/performed", data={"csrf_token": token, "password": PASSWORD}).status_code == 303
    witness = {"csrf_token": token, "username": world.colleague, "password": PASSWORD}
    assert client.post(f"/sign/logs/{log_id}/witnessed", data=witness).status_code == 303
    return log_id


def days_pass(app, days: int) -> None:
    """Move the renovation's whole past `days` back in time, so today is `days` later for it (one log per day)."""
    shift = timedelta(days=days)
    with app.app_context():
        for log in db.session.scalars(select(PatrolLog)):
            log.local_date -= shift
            for name in ("window_starts_at", "window_ends_at", "started_at", "submitted_at"):
                if getattr(log, name) is not None:
                    setattr(log, name, getattr(log, name) - shift)
        for visit in db.session.scalars(select(Visit)):
            visit.scanned_at -= shift
        for permit in db.session.scalars(select(RenovationPermit)):
            for name in ("planned_start", "planned_end", "original_end", "recheck_due_on", "created_at", "submitted_at",
                         "approval_due_at", "decided_at", "completion_requested_at", "accepted_at"):
                if getattr(permit, name) is not None:
                    setattr(permit, name, getattr(permit, name) - shift)
        for notice in db.session.scalars(select(RectificationNotice)):
            notice.deadline -= shift
            notice.issued_at -= shift
        db.session.commit()


def today_at(app, world: World) -> date:
    with app.app_context():
        return local_today(db.session.get(Site, world.site_id).timezone, utcnow())

