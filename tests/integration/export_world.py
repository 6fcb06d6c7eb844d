"""A small archived month for export tests: one site, two signed logs in September 2026, a failure with a photo,
its finding approved into a work order that was fixed and verified; the people who did each part."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from PIL import Image
from sqlalchemy import select

from app.auth.models import User
from app.checklists.catalogue import load_catalogue
from app.checklists.models import TemplateVersion
from app.extensions import db
from app.findings.models import Finding
from app.patrols.models import Answer, PatrolLog, Visit
from app.photos.storage import store_image
from app.signoff.content import content_hash
from app.signoff.models import AmendmentChange, LogAmendment, Signature
from app.work_orders.models import WorkOrder
from tests.factories import make_building, make_checkpoint, make_round, make_site, make_user, team_of

MONTH = "2026-09"
DAY = date(2026, 9, 14)
START = datetime(2026, 9, 14, 1, 0)  # 09:00 in Shanghai


@dataclass
class ExportWorld:
    site_id: int
    log_ids: list[int]
    numbers: list[str]
    failed_answer_id: int
    passed_answer_id: int
    order_number: str
    checkpoint_names: list[str]


def _log(site, round_, walker, witness, day: date, number: str, fail: bool) -> tuple[PatrolLog, list[Answer]]:
    start = START + (day - DAY)
    log = PatrolLog(site=site, round=round_, number=number, status="signed", local_date=day, window_starts_at=start,
                    window_ends_at=start + timedelta(hours=8), started_by=walker, started_at=start + timedelta(minutes=5),
                    submitted_at=start + timedelta(minutes=40))
    db.session.add(log)
    answers = []
    for n, stop in enumerate(round_.stops):
        version = db.session.scalar(select(TemplateVersion).where(TemplateVersion.template_id == stop.template_id)
                                    .order_by(TemplateVersion.number.desc()).limit(1))
        visit = Visit(log=log, checkpoint=stop.checkpoint, template_version=version, user=walker, method="qr",
                      scanned_at=start + timedelta(minutes=10 + 10 * n), accuracy_m=12.0)
        db.session.add(visit)
        for item in version.items:
            answer = Answer(visit=visit, item=item, answered_by_id=walker.id, answered_at=visit.scanned_at, result="pass")
            if item.answer_type == "number":
                answer.number_value = item.min_value if item.min_value is not None else item.max_value
            elif item.answer_type == "text":
                answer.text_value = "现场正常"
            db.session.add(answer)
            answers.append(answer)
    if fail:
        failed = next(a for a in answers if a.item.answer_type == "pass_fail" and a.item.photo_on_fail and not a.item.urgent_if_fail)
        failed.result, failed.note = "fail", "墙面批荡起皮脱落约 0.5 平方米"
        image = Image.new("RGB", (400, 300), (190, 60, 60))
        db.session.add(store_image(image, site_id=site.id, uploaded_by_id=walker.id, answer=failed))
    db.session.flush()
    digest = content_hash(log)
    for signer, meaning, minutes in ((walker, "performed", 45), (witness, "witnessed", 50)):
        db.session.add(Signature(log_id=log.id, user_id=signer.id, full_name=signer.full_name, role=signer.role,
                                 meaning=meaning, content_sha256=digest, signed_at=start + timedelta(minutes=minutes)))
    return log, answers


def build_export_world(app) -> ExportWorld:
    with app.app_context():
        load_catalogue()
        site = make_site(address="上海市测试路 1 号")
        building = make_building(site)
        checkpoints = [make_checkpoint(site, code="B1-S01", category="stairwell", building=building),
                       make_checkpoint(site, code="B1-LIFT", category="elevator", building=building)]
        checkpoints[0].name_zh, checkpoints[1].name_zh = "1栋楼梯间 1-6 层", "1栋1号电梯"
        walker = make_user("patroller", [site], username="walker", full_name="张伟")
        witness = make_user("patroller", [site], username="witness", full_name="李娜")
        make_user("patroller", [site], username="bystander", full_name="赵六")
        boss = make_user("supervisor", [site], username="boss", full_name="王芳")
        fixer = make_user("maintenance", [site], username="fixer", full_name="刘强")
        round_ = make_round(site, checkpoints, [walker], name="1栋每日楼宇巡查")
        first, answers = _log(site, round_, walker, witness, DAY, "XC-2026-000001", fail=True)
        second, _ = _log(site, round_, walker, witness, DAY + timedelta(days=1), "XC-2026-000002", fail=False)
        failed = next(a for a in answers if a.result == "fail")
        found = START + timedelta(minutes=20)
        order = WorkOrder(site=site, number="GD-2026-000001", team=team_of(site, "engineering"),
                          checkpoint=failed.visit.checkpoint, item_code=failed.item.code, item=failed.item, title="墙面修补",
                          priority="minor", status="closed", due_at=found + timedelta(days=3), created_at=found,
                          created_by=boss, claimed_by=fixer, claimed_at=found + timedelta(hours=1), done_by=fixer,
                          done_at=found + timedelta(hours=5), verified_by=boss, verified_at=found + timedelta(hours=6),
                          closed_at=found + timedelta(hours=6))
        db.session.add(Finding(site=site, answer=failed, checkpoint=failed.visit.checkpoint, item_code=failed.item.code,
                               severity="minor", status="approved", work_order=order, decided_by=boss,
                               decided_at=found + timedelta(minutes=30), created_at=found))
        db.session.commit()
        passed = next(a for a in answers if a.result == "pass" and a.item.answer_type == "pass_fail")
        return ExportWorld(site.id, [first.id, second.id], [first.number, second.number], failed.id, passed.id,
                           order.number, [c.name_zh for c in checkpoints])


def add_logs(app, site_id: int, count: int) -> None:
    """More signed logs later in the month, each with a failure and its photo (but no finding)."""
    with app.app_context():
        from app.patrols.models import Round
        from app.sites.models import Site

        site = db.session.get(Site, site_id)
        round_ = db.session.scalar(select(Round).where(Round.site_id == site_id))
        walker, witness = round_.assignees[0], db.session.scalar(select(User).where(User.username == "witness"))
        for n in range(count):
            _log(site, round_, walker, witness, DAY + timedelta(days=2 + n), f"XC-2026-{100 + n:06d}", fail=True)
        db.session.commit()


def add_signed_correction(app, log_id: int, answer_id: int, reason: str = "看错了：应急灯不亮") -> None:
    """Correction 1 of the log turns a passed answer into a failure; both colleagues sign it."""
    with app.app_context():
        log = db.session.get(PatrolLog, log_id)
        amendment = LogAmendment(log_id=log.id, number=1, status="submitted", reason=reason,
                                 created_by_id=log.started_by_id, submitted_at=log.submitted_at + timedelta(days=1))
        db.session.add(amendment)
        db.session.flush()
        db.session.add(AmendmentChange(amendment_id=amendment.id, answer_id=answer_id, result="fail", note="应急灯不亮"))
        db.session.flush()
        digest = content_hash(log, 1)
        for signature in db.session.scalars(select(Signature).where(Signature.log_id == log.id, Signature.amendment_no == 0)).all():
            db.session.add(Signature(log_id=log.id, user_id=signature.user_id, full_name=signature.full_name,
                                     role=signature.role, meaning=signature.meaning, amendment_no=1, content_sha256=digest,
                                     signed_at=amendment.submitted_at + timedelta(minutes=5)))
        amendment.status, amendment.signed_at = "signed", amendment.submitted_at + timedelta(minutes=6)
        db.session.commit()
