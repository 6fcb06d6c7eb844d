"""Demo renovations: one application waiting past its approval time, two works under way (one with an open
rectification notice), one accepted and waiting for its re-check, one finished with the deposit refundable.

The past is written as the renovation round would have recorded it: one signed log a day over the units visited,
and each log then goes through the same rules a submitted log does (notices, acceptance, re-check)."""
from __future__ import annotations

import hashlib
import io
import random
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from PIL import Image, ImageDraw
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen.canvas import Canvas
from sqlalchemy import select

from app.auth.models import User
from app.checklists.models import ChecklistTemplate, TemplateVersion
from app.exports.pdf_common import cjk_font
from app.extensions import db
from app.findings.services import create_findings
from app.numbering import next_number
from app.patrols import site_rounds
from app.patrols.models import Answer, PatrolLog, Visit
from app.patrols.schedules import local_today, window_bounds
from app.patrols.services import next_log_number
from app.photos.storage import store_image, write_atomic
from app.renovation.clock import approval_due_at
from app.renovation.models import PermitDocument, RectificationNotice, RenovationPermit, RenovationWorker
from app.renovation.rounds import ACCEPTANCE, SITE_CHECK, apply_log
from app.signoff.content import content_hash
from app.signoff.models import Signature
from app.sites.models import Site, Unit

# (building, unit) of each story; all occupied units in the demo (app/demo/units.py).
PICKS = {"late": ("B1", "201"), "clean": ("B1", "402"), "notice": ("B2", "302"), "accepted": ("B3", "202"),
         "refundable": ("B2", "601")}
CONTRACTORS = [("安居装饰工程有限公司", "陈建华", "137-0000-2202"), ("匠心家装", "林海", "136-0000-3303"),
               ("美家装饰", "赵磊", "135-0000-4404"), ("华艺装修队", "钱亮", "133-0000-5505"), ("恒盛建筑装饰", "孙明", "132-0000-6606")]
WORKERS = ["周", "吴", "郑", "冯", "陈", "褚", "卫"]
SCOPES = ["厨房、卫生间翻新，更换地砖", "全屋水电改造、木地板、墙面乳胶漆", "客厅吊顶、卧室衣柜定制",
          "卫生间防水重做、阳台铺砖", "全屋翻新：拆除旧装修，重做水电、泥瓦、木工、油漆"]
PROGRESS = ["进场保护：地面、电梯轿厢已覆盖保护", "拆除旧地砖，垃圾已袋装", "水电开槽布管", "水电改造完成，等待验收",
            "卫生间闭水试验中", "泥瓦：贴墙砖", "木工：吊顶龙骨", "油漆：墙面批灰", "安装橱柜、洁具", "收尾保洁"]


@dataclass
class _Visit:
    permit: RenovationPermit
    template: str
    fail: tuple[str, str] | None = None  # item code, what the patroller wrote


@dataclass
class _Day:
    day: date
    visits: list[_Visit] = field(default_factory=list)


def build_renovations(site: Site, units: list[Unit], users: dict[str, User], now: datetime) -> None:
    """The five demo permits and their history (called after the demo units exist)."""
    today = local_today(site.timezone, now)
    by_label = {(u.building.code, u.number): u for u in units}
    writer = _Writer(site, users, now)
    desk, engineer = users["super1"], users["maint1"]
    permits = {}
    for n, (story, pick) in enumerate(PICKS.items()):
        permits[story] = _permit(site, by_label[pick], n, desk, now)
    late = permits["late"]
    late.submitted_at = now - timedelta(days=6)
    late.approval_due_at = approval_due_at(site, late.submitted_at)
    for story, start_back, days, approved_back in (("clean", 6, 56, 8), ("notice", 6, 46, 8),
                                                   ("accepted", 70, 58, 72), ("refundable", 100, 55, 102)):
        _approve(site, permits[story], today - timedelta(days=start_back), days, now - timedelta(days=approved_back), engineer)
    permits["notice"].hot_work, permits["notice"].hot_work_permit_no = True, "DH-2026-0088"
    for permit in permits.values():
        _documents(site, permit, desk)

    refund, accepted = permits["refundable"], permits["accepted"]
    writer.walk(today - timedelta(days=60), [_Visit(refund, SITE_CHECK, ("REN-07", "卫生间地漏未加盖，有水泥浆流入"))])
    writer.rectified(refund, today - timedelta(days=57), users["patrol2"])
    writer.walk(today - timedelta(days=59), [_Visit(refund, SITE_CHECK)])
    _completion(refund, today - timedelta(days=42), site)
    writer.walk(today - timedelta(days=41), [_Visit(refund, ACCEPTANCE)])  # → accepted, re-check 30 days later
    writer.walk(today - timedelta(days=14), [_Visit(accepted, SITE_CHECK)])
    writer.walk(today - timedelta(days=11), [_Visit(accepted, SITE_CHECK), _Visit(refund, ACCEPTANCE)])  # → refundable
    _completion(accepted, today - timedelta(days=11), site)
    writer.walk(today - timedelta(days=10), [_Visit(accepted, ACCEPTANCE)])  # → accepted, re-check due in 20 days
    for back in range(5, 0, -1):
        fail = ("REN-11", "3 楼走廊堆放瓷砖和水泥袋，堵塞疏散通道") if back == 1 else None
        writer.walk(today - timedelta(days=back), [_Visit(permits["clean"], SITE_CHECK), _Visit(permits["notice"], SITE_CHECK, fail)])
    round_ = site_rounds.site_round(site, "renovation")
    round_.assignees = [users["patrol1"], users["patrol2"]]
    site_rounds.refresh(site, "renovation", now)


def _permit(site: Site, unit: Unit, n: int, desk: User, now: datetime) -> RenovationPermit:
    name, person, phone = CONTRACTORS[n]
    start = local_today(site.timezone, now) + timedelta(days=7)
    permit = RenovationPermit(
        site_id=site.id, unit_id=unit.id, unit=unit, status="applied",
        number=next_number(site.id, "renovation_permit", local_today(site.timezone, now).year, "ZX"),
        owner_name=unit.owner_name or "业主", owner_phone=unit.owner_phone or "138-0000-0000", contractor_name=name,
        contractor_person=person, contractor_phone=phone, scope=SCOPES[n], planned_start=start,
        planned_end=start + timedelta(days=60), original_end=start + timedelta(days=60), deposit_yuan=2000 + 1000 * (n % 3),
        created_by_id=desk.id, created_at=now - timedelta(days=7),
        workers=[RenovationWorker(name=f"{surname}师傅", pass_number=f"ZX{n + 1:02d}-{w:02d}")
                 for w, surname in enumerate(WORKERS[n:n + 3], start=1)])
    db.session.add(permit)
    db.session.flush()
    return permit


def _approve(site: Site, permit: RenovationPermit, start: date, days: int, decided_at: datetime, engineer: User) -> None:
    permit.planned_start, permit.planned_end, permit.original_end = start, start + timedelta(days=days), start + timedelta(days=days)
    permit.created_at = decided_at - timedelta(days=2)
    permit.submitted_at = decided_at - timedelta(days=1)
    permit.approval_due_at = approval_due_at(site, permit.submitted_at)
    permit.status, permit.decided_at, permit.decided_by_id = "approved", decided_at, engineer.id
    permit.unit.status = "renovating"


def _completion(permit: RenovationPermit, day: date, site: Site) -> None:
    permit.status = "completion_requested"
    permit.completion_requested_at = window_bounds(day, time(16), time(17), site.timezone)[0]
    db.session.flush()


def _documents(site: Site, permit: RenovationPermit, desk: User) -> None:
    """The application form as a PDF and a floor plan photographed at the desk."""
    form = io.BytesIO()
    canvas = Canvas(form, pagesize=A4)
    canvas.setFont(cjk_font(), 16)
    canvas.drawString(60, 780, f"装修申请表  {permit.number}")
    canvas.setFont(cjk_font(), 11)
    for row, line in enumerate([f"房号：{permit.unit.label('zh')}", f"业主：{permit.owner_name}",
                                f"装修单位：{permit.contractor_name}（{permit.contractor_person}）", f"内容：{permit.scope}"]):
        canvas.drawString(60, 740 - 22 * row, line)
    canvas.showPage()
    canvas.save()
    plan = Image.new("RGB", (1200, 900), (245, 243, 236))
    draw = ImageDraw.Draw(plan)
    for box in ((80, 80, 620, 520), (620, 80, 1120, 420), (620, 420, 1120, 820), (80, 520, 620, 820)):
        draw.rectangle(box, outline=(40, 40, 40), width=6)
    draw.text((100, 100), permit.number, fill=(20, 20, 20))
    photo = io.BytesIO()
    plan.save(photo, "JPEG", quality=82)
    for kind, data, name, ext, mime in (("application", form.getvalue(), "装修申请表.pdf", "pdf", "application/pdf"),
                                        ("drawing", photo.getvalue(), "平面图.jpg", "jpg", "image/jpeg")):
        relative = f"renovation/{site.id}/{uuid.uuid4().hex}.{ext}"
        write_atomic(relative, data)
        db.session.add(PermitDocument(permit_id=permit.id, kind=kind, original_name=name, content_type=mime,
                                      size_bytes=len(data), sha256=hashlib.sha256(data).hexdigest(), path=relative,
                                      uploaded_by_id=desk.id, uploaded_at=permit.created_at))


class _Writer:
    """Writes one signed renovation log per day and lets the renovation rules read it, as a submit would."""

    def __init__(self, site: Site, users: dict[str, User], now: datetime):
        self.site, self.users, self.now = site, users, now
        self.round = site_rounds.site_round(site, "renovation")
        self.versions = {}
        for code in (SITE_CHECK, ACCEPTANCE):
            template = db.session.scalar(select(ChecklistTemplate).where(ChecklistTemplate.code == code))
            self.versions[code] = db.session.scalar(select(TemplateVersion).where(TemplateVersion.template_id == template.id)
                                                    .order_by(TemplateVersion.number.desc()).limit(1))
        self.rng = random.Random(11)

    def walk(self, day: date, visits: list[_Visit]) -> PatrolLog:
        starts, ends = window_bounds(day, time(8), time(20), self.site.timezone)
        walker, witness = self.users["patrol1"], self.users["patrol2"]
        at = starts + timedelta(hours=2)
        log = PatrolLog(site=self.site, round=self.round, local_date=day, window_position=0, window_starts_at=starts,
                        window_ends_at=ends, number=next_log_number(self.site, day.year), status="signed",
                        started_at=at, started_by=walker)
        db.session.add(log)
        failed = []
        for planned in visits:
            failed += self._visit(log, planned, walker, at)
            at += timedelta(minutes=12)
        log.submitted_at = at
        db.session.flush()
        results = [a.result for v in log.visits for a in v.answers if a.result != "na"]
        log.score = round(results.count("pass") / len(results), 4)
        findings = create_findings(log, failed, log.submitted_at)
        db.session.flush()
        digest = content_hash(log)
        for signer, meaning, delay in ((walker, "performed", 3), (witness, "witnessed", 6)):
            db.session.add(Signature(log_id=log.id, user_id=signer.id, full_name=signer.full_name, role=signer.role,
                                     meaning=meaning, content_sha256=digest, signed_at=at + timedelta(minutes=delay)))
        apply_log(log, findings, walker, log.submitted_at)
        return log

    def _visit(self, log: PatrolLog, planned: _Visit, walker: User, at: datetime) -> list[Answer]:
        version = self.versions[planned.template]
        visit = Visit(log=log, checkpoint=planned.permit.unit.checkpoint, template_version=version, user=walker,
                      method="qr", scanned_at=at, completed_at=at + timedelta(minutes=10), accuracy_m=12.0)
        db.session.add(visit)
        failed = []
        for item in version.items:
            answer = Answer(visit=visit, item=item, answered_by_id=walker.id, answered_at=at, result="pass")
            if item.answer_type == "number":
                answer.number_value = 0.0  # a float, as it comes back from the database (signatures hash it)
            elif item.answer_type == "text":
                answer.text_value = self.rng.choice(PROGRESS)
            elif item.code == "REN-08" and not planned.permit.hot_work:
                answer.result, answer.na_reason = "na", "今日无动火作业"
            elif item.code == "REN-13":
                answer.result, answer.na_reason = "na", "无人留宿"
            if planned.fail and item.code == planned.fail[0]:
                answer.result, answer.note = "fail", planned.fail[1]
                db.session.add(store_image(_violation_photo(item.code), site_id=self.site.id, uploaded_by_id=walker.id,
                                           answer=answer, taken_at=at))
                failed.append(answer)
            db.session.add(answer)
        return failed

    def rectified(self, permit: RenovationPermit, day: date, inspector: User) -> None:
        """The permit's open notices re-inspected on `day` and found rectified."""
        for notice in db.session.scalars(select(RectificationNotice).where(RectificationNotice.permit_id == permit.id,
                                                                           RectificationNotice.status == "open")):
            notice.status, notice.reinspected_by_id = "closed", inspector.id
            notice.reinspected_at = window_bounds(day, time(10), time(11), self.site.timezone)[0]
            notice.reinspection_note = "已整改：复查合格"


def _violation_photo(code: str) -> Image.Image:
    image = Image.new("RGB", (800, 600), (188, 182, 170))
    draw = ImageDraw.Draw(image)
    for x in range(120, 680, 90):
        draw.rectangle((x, 380, x + 70, 520), fill=(120, 112, 100), outline=(60, 60, 60), width=3)
    draw.ellipse((90, 330, 710, 560), outline=(220, 30, 30), width=8)
    draw.text((20, 20), code, fill=(20, 20, 20))
    return image
