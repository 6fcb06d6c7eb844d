"""Two sites with one record of every kind, for the authorisation matrix.

Site A holds the records every URL of the matrix names; site B has the same people (one per role) and a little of
everything, so its users have a working home page. Names in site A carry the marker ALPHA-7Q (and 甲苑), which must
never appear in a page served to a user of site B.
"""
from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from datetime import timedelta
from functools import lru_cache

from flask import current_app
from PIL import Image
from sqlalchemy import select
from werkzeug.security import generate_password_hash

from app.auth.models import User
from app.checklists.catalogue import load_catalogue
from app.checklists.models import ChecklistTemplate, TemplateVersion
from app.extensions import db
from app.findings.models import Finding
from app.handover.services import create_handover
from app.model_helpers import utcnow
from app.patrols.models import Answer, PatrolLog, Visit
from app.patrols.schedules import local_today
from app.patrols.services import next_log_number
from app.photos.storage import store_image
from app.renovation.models import PermitDocument, RectificationNotice, RenovationPermit
from app.reviews.models import SpotCheck, SpotCheckItem
from app.signoff.content import content_hash
from app.signoff.models import LogAmendment, Signature
from app.signoff.services import issue_cosign_token
from app.vacancy.models import UpkeepPlan
from app.work_orders.models import WorkOrder
from tests.factories import PASSWORD, make_building, make_checkpoint, make_round, make_site, team_of
from tests.integration.patrol_world import window_around_now
from tests.integration.renovation_world import make_unit

MARKERS = ("ALPHA-7Q", "甲苑")  # in site A's names only
VISIT_UUID = "0b7c6f6e-3f7e-4a53-9a55-1d0c7e1a0001"
ANSWER_UUID = "0b7c6f6e-3f7e-4a53-9a55-1d0c7e1a0002"
ROLES = ("patroller", "supervisor", "maintenance", "admin")


@dataclass
class AuthzWorld:
    site_a: int
    site_b: int
    actors: dict[str, str]  # "patroller@A" → username
    ids: dict[str, object] = field(default_factory=dict)  # named records of site A (ids, tokens, strings)


def _log(site, round_, walker, day, status: str, hours_ago: int) -> PatrolLog:
    starts = utcnow() - timedelta(hours=hours_ago)
    log = PatrolLog(site=site, round=round_, number=next_log_number(site, day.year), status=status, local_date=day,
                    window_starts_at=starts, window_ends_at=starts + timedelta(hours=4), started_by=walker,
                    started_at=starts + timedelta(minutes=5))
    db.session.add(log)
    db.session.flush()
    return log


def _visit(log: PatrolLog, stop, walker, fail: bool = False) -> tuple[Visit, Answer]:
    version = db.session.scalar(select(TemplateVersion).where(TemplateVersion.template_id == stop.template_id)
                                .order_by(TemplateVersion.number.desc()).limit(1))
    visit = Visit(log=log, checkpoint=stop.checkpoint, template_version=version, user=walker, method="qr",
                  scanned_at=log.started_at + timedelta(minutes=5))
    db.session.add(visit)
    item = next(i for i in version.items if i.answer_type == "pass_fail" and not i.urgent_if_fail)
    answer = Answer(visit=visit, item=item, answered_by_id=walker.id, answered_at=visit.scanned_at,
                    result="fail" if fail else "pass", note="ALPHA-7Q 墙面起皮" if fail else None)
    db.session.add(answer)
    db.session.flush()
    return visit, answer


def _sign(log: PatrolLog, people) -> None:
    digest = content_hash(log)
    for signer, meaning in people:
        db.session.add(Signature(log_id=log.id, user_id=signer.id, full_name=signer.full_name, role=signer.role,
                                 meaning=meaning, content_sha256=digest, signed_at=log.submitted_at))


@lru_cache(maxsize=1)
def _password_hash() -> str:
    return generate_password_hash(PASSWORD, method="scrypt")


def _user(role: str, site, username: str, full_name: str) -> User:
    """As make_user, with the password hashed once for the whole world (scrypt is slow on purpose)."""
    user = User(username=username, full_name=full_name, role=role, sites=[site], locale="en",
                team=team_of(site, "engineering") if role == "maintenance" else None, password_hash=_password_hash())
    db.session.add(user)
    db.session.flush()
    return user


def _people(site, tag: str) -> dict:
    people = {role: _user(role, site, f"{role}-{tag}", f"{tag}{role}") for role in ROLES}
    people["colleague"] = _user("patroller", site, f"colleague-{tag}", f"{tag}同事")
    return people


def _site(tag: str, name: str):
    site = make_site(code=f"AZ-{tag}", name_zh=f"{name}花园")
    building = make_building(site, code=f"{tag}1")
    checkpoints = [make_checkpoint(site, code=f"{tag}-S1", category="stairwell", building=building),
                   make_checkpoint(site, code=f"{tag}-LIFT", category="elevator", building=building)]
    make_checkpoint(site, code=f"{tag}-ROAD", category="road")  # outdoors: a label sheet of its own
    return site, building, checkpoints


def _estate_records(site, building, people, visit) -> dict:
    """A vacant unit with its door label, a renovation permit with a PDF and a rectification notice, an upkeep plan."""
    today = local_today(site.timezone, utcnow())
    unit = make_unit(site, building, "ALPHA-7Q-1201", 12)
    unit.status = "vacant"
    permit = RenovationPermit(site=site, unit=unit, number="ZX-ALPHA-7Q-1", owner_name="ALPHA-7Q 业主", owner_phone="139",
                              contractor_name="装修队", contractor_person="王", contractor_phone="138",
                              planned_start=today, planned_end=today + timedelta(days=60),
                              original_end=today + timedelta(days=60), created_by=people["supervisor"])
    db.session.add(permit)
    db.session.flush()
    body = b"%PDF-1.4\n% ALPHA-7Q\n%%EOF\n"
    relative = f"permits/{site.id}/authz.pdf"
    os.makedirs(os.path.dirname(os.path.join(current_app.config["UPLOAD_DIR"], relative)), exist_ok=True)
    with open(os.path.join(current_app.config["UPLOAD_DIR"], relative), "wb") as handle:
        handle.write(body)
    document = PermitDocument(permit=permit, kind="application", original_name="申请表.pdf",
                              content_type="application/pdf", size_bytes=len(body),
                              sha256=hashlib.sha256(body).hexdigest(), path=relative,
                              uploaded_by_id=people["supervisor"].id)
    notice = RectificationNotice(site_id=site.id, permit=permit, visit_id=visit.id, number="ZG-ALPHA-7Q-1",
                                 severity="minor", deadline=today + timedelta(days=3),
                                 issued_by_id=people["patroller"].id, retain_until=today + timedelta(days=366))
    plan = UpkeepPlan(site_id=site.id, name="ALPHA-7Q 空置房养护", year=today.year, created_by_id=people["supervisor"].id,
                      units=[unit])
    db.session.add_all([document, notice, plan])
    db.session.flush()
    return {"unit": unit.id, "permit": permit.id, "document": document.id, "notice": notice.id, "plan": plan.id}


def build_authz_world(app) -> AuthzWorld:
    with app.app_context():
        load_catalogue()
        site_a, building, checkpoints = _site("ALPHA-7Q", "甲苑")
        site_b, _b_building, b_checkpoints = _site("BETA", "乙苑")
        people, others = _people(site_a, "ALPHA-7Q"), _people(site_b, "BETA")
        target = _user("patroller", site_a, "target-ALPHA-7Q", "ALPHA-7Q 对象")
        # the supervisor walks this round too (a shift lead), so the sync API serves them
        round_ = make_round(site_a, checkpoints, [people["patroller"], people["colleague"], people["supervisor"]],
                            windows=window_around_now(), name="ALPHA-7Q 每日巡查")
        make_round(site_b, b_checkpoints, [others["patroller"]], windows=window_around_now(), name="乙苑巡查")
        today = local_today(site_a.timezone, utcnow())
        walker = people["patroller"]

        open_log = _log(site_a, round_, walker, today, "in_progress", hours_ago=1)
        open_visit, open_answer = _visit(open_log, round_.stops[0], walker)
        open_visit.client_uuid, open_answer.client_uuid = VISIT_UUID, ANSWER_UUID

        signed = _log(site_a, round_, walker, today - timedelta(days=1), "signed", hours_ago=30)
        visit_signed, failed = _visit(signed, round_.stops[0], walker, fail=True)
        photo = store_image(Image.new("RGB", (64, 48), (190, 60, 60)), site_id=site_a.id, uploaded_by_id=walker.id,
                            answer=failed)
        db.session.add(photo)
        signed.submitted_at = signed.started_at + timedelta(minutes=30)
        _sign(signed, [(walker, "performed"), (people["colleague"], "witnessed")])
        finding = Finding(site=site_a, answer=failed, checkpoint=failed.visit.checkpoint, item_code=failed.item.code,
                          severity="minor", created_at=signed.submitted_at)
        db.session.add(finding)
        _v2, failed_lift = _visit(signed, round_.stops[1], walker, fail=True)
        order = WorkOrder(site=site_a, number="GD-ALPHA-7Q-1", team=team_of(site_a, "engineering"),
                          checkpoint=failed_lift.visit.checkpoint, item_code=failed_lift.item.code,
                          item=failed_lift.item, title="ALPHA-7Q 电梯维修", priority="minor",
                          due_at=utcnow() + timedelta(days=3), created_by=people["supervisor"])
        db.session.add(Finding(site=site_a, answer=failed_lift, checkpoint=failed_lift.visit.checkpoint,
                               item_code=failed_lift.item.code, severity="minor", status="approved", work_order=order,
                               decided_by=people["supervisor"], decided_at=signed.submitted_at))

        submitted = _log(site_a, round_, walker, today - timedelta(days=2), "submitted", hours_ago=54)
        _visit(submitted, round_.stops[0], walker)
        submitted.submitted_at = submitted.started_at + timedelta(minutes=30)
        _sign(submitted, [(walker, "performed")])

        amending = _log(site_a, round_, walker, today - timedelta(days=3), "amending", hours_ago=78)
        _av, amend_answer = _visit(amending, round_.stops[0], walker)
        amending.submitted_at = amending.started_at + timedelta(minutes=30)
        _sign(amending, [(walker, "performed"), (people["colleague"], "witnessed")])
        db.session.add(LogAmendment(log_id=amending.id, number=1, status="open", created_by_id=walker.id))

        estate = _estate_records(site_a, building, people, visit_signed)
        spot = SpotCheck(site_id=site_a.id, year=today.year, month=today.month, seed=7, population=[signed.id],
                         population_count=1, sample_size=1, drawn_by_id=people["supervisor"].id)
        spot.items = [SpotCheckItem(position=1, log_id=signed.id)]
        db.session.add(spot)
        db.session.commit()

        cosign = issue_cosign_token(submitted, walker, utcnow())
        now = utcnow()
        handover = create_handover(site_a, people["supervisor"], now - timedelta(hours=8), now, "ALPHA-7Q 交班", now)
        template = db.session.scalar(select(ChecklistTemplate)
                                     .where(ChecklistTemplate.checkpoint_category == "stairwell"))
        ids = {
            "site": site_a.id, "building": building.id, "checkpoint": checkpoints[0].id,
            "checkpoint_2": checkpoints[1].id, "token": checkpoints[0].token,
            "round": round_.id, "stop": round_.stops[0].id, "user": target.id,
            "template": template.id, "version": template.latest_version().number,
            "open_log": open_log.id, "visit": open_visit.id, "visit_uuid": VISIT_UUID, "answer_uuid": ANSWER_UUID,
            "item": open_answer.item_id, "log": signed.id, "answer": failed.id, "photo": photo.id,
            "finding": finding.id, "order": order.id, "submitted_log": submitted.id, "cosign": cosign,
            "amending_log": amending.id, "amend_answer": amend_answer.id,
            "spot": spot.id, "spot_item": spot.items[0].id, "handover": handover.id,
            "month": f"{today.year:04d}-{today.month:02d}", **estate,
        }
        actors = {f"{role}@A": people[role].username for role in ROLES}
        actors.update({f"{role}@B": others[role].username for role in ROLES})
        return AuthzWorld(site_a.id, site_b.id, actors, ids)
