"""Demo units: a few floors of each building with door labels, vacant ones under upkeep plans, one past upkeep
visit, one key out and one kept too long. The list it returns is where the demo renovations pick their units."""
from __future__ import annotations

from datetime import datetime, time, timedelta

from PIL import Image, ImageDraw
from sqlalchemy import select

from app.auth.models import User
from app.checklists.models import ChecklistTemplate, TemplateVersion
from app.extensions import db
from app.findings.models import Finding
from app.patrols import site_rounds
from app.patrols.models import Answer, PatrolLog, Visit
from app.patrols.schedules import local_today, window_bounds
from app.patrols.services import next_log_number
from app.photos.storage import store_image
from app.signoff.content import content_hash
from app.signoff.models import Signature
from app.sites.models import Building, Checkpoint, Site, Unit
from app.vacancy.due import site_seasons
from app.vacancy.models import KeyLoan, UpkeepItem, UpkeepPlan

FLOORS = range(2, 7)  # floors 2–6, two doors each: enough to show, quick to build
DOORS = (1, 2)
# (building code, door number) → status; every other unit is occupied.
STATUSES = {
    ("B1", "301"): "vacant", ("B1", "502"): "vacant", ("B1", "601"): "sold_vacant",
    ("B2", "202"): "vacant", ("B2", "401"): "sold_vacant",
    ("B3", "501"): "vacant", ("B3", "602"): "vacant",
}
OWNERS = ["刘建国", "陈美玲", "黄志强", "周晓燕", "吴国平", "郑丽华", "孙海涛", "马秀英"]
GROUP_ITEMS = [  # code, frequency, season, measure
    ("VAC-01", "weekly", "all_year", "晴天开窗通风 2 小时，离开前关好"),
    ("VAC-02", "weekly", "all_year", "返潮处用除湿机烘干"),
    ("VAC-03", "fortnightly", "all_year", None),
    ("VAC-04", "monthly", "all_year", None),
    ("VAC-05", "monthly", "summer", "拉上西向房间遮光窗帘"),
    ("VAC-06", "weekly", "rainy", "回南天关窗，开除湿机"),
    ("VAC-07", "monthly", "winter", "排空水管，关严门窗"),
    ("VAC-08", "monthly", "all_year", "空调、热水器逐台试运行"),
    ("VAC-09", "monthly", "all_year", None),
    ("VAC-10", "monthly", "all_year", "每月通知保洁部清洁一次"),
    ("VAC-11", "weekly", "all_year", None),
    ("VAC-12", "weekly", "all_year", None),
    ("VAC-13", "weekly", "all_year", None),
    ("VAC-14", "weekly", "all_year", None),
]
SOLD_ITEMS = [("VAC-01", "quarterly", "all_year", None), ("VAC-03", "quarterly", "all_year", None),
              ("VAC-10", "quarterly", "all_year", "交房前清洁"), ("VAC-11", "quarterly", "all_year", None),
              ("VAC-13", "quarterly", "all_year", None), ("VAC-14", "quarterly", "all_year", None)]


def build_units(site: Site, buildings: list[Building], users: dict[str, User], now: datetime | None = None) -> list[Unit]:
    """Units with door labels for the demo buildings; plans, a past visit and two key loans for the vacant ones."""
    from app.model_helpers import utcnow

    now = now or utcnow()
    units = []
    for building in buildings:
        for floor in FLOORS:
            for door in DOORS:
                number = f"{floor}{door:02d}"
                status = STATUSES.get((building.code, number), "occupied")
                owner = OWNERS[len(units) % len(OWNERS)] if status != "vacant" else None
                label = Checkpoint(site=site, building=building, floor=floor, code=f"{building.code}-{number}",
                                   name_zh=f"{building.name_zh} {number}", name_en=f"{building.name_en} {number}", category="unit")
                units.append(Unit(building=building, floor=floor, number=number, area_m2=89.5 + door * 10, status=status,
                                  checkpoint=label, owner_name=owner, owner_phone=f"138-0000-{len(units):04d}" if owner else None,
                                  sold_on=(now - timedelta(days=200)).date() if status == "sold_vacant" else None))
    db.session.add_all(units)
    db.session.flush()
    year = local_today(site.timezone, now).year
    vacant = [u for u in units if u.status == "vacant"]
    sold = [u for u in units if u.status == "sold_vacant"]
    _plan(site, f"{year}年度空置房养护计划", year, vacant, GROUP_ITEMS, 36000, users["admin"], "按季节通风防潮，每月清洁一次。")
    _plan(site, f"{year}年度已售空置房季度维护", year, sold, SOLD_ITEMS, 6000, users["admin"], None)
    round_ = site_rounds.site_round(site, "vacant")
    round_.assignees = [users["patrol1"], users["patrol2"]]
    _past_visit(site, round_, vacant[0], users, now)
    _keys(site, vacant, users, now)
    site_rounds.refresh(site, "vacant", now)
    return units


def _plan(site: Site, name: str, year: int, units: list[Unit], items, budget: int, author: User, note: str | None) -> None:
    plan = UpkeepPlan(site_id=site.id, name=name, year=year, budget_yuan=budget, note=note, created_by_id=author.id, units=units,
                      items=[UpkeepItem(item_code=code, frequency=f, season=s, measure=m) for code, f, s, m in items])
    db.session.add(plan)


def _photo() -> Image.Image:
    image = Image.new("RGB", (800, 600), (196, 190, 178))
    draw = ImageDraw.Draw(image)
    draw.ellipse((300, 180, 470, 330), fill=(92, 98, 80))
    draw.text((20, 20), "VAC-03", fill=(20, 20, 20))
    return image


def _past_visit(site: Site, round_, unit: Unit, users: dict[str, User], now: datetime) -> None:
    """Three days ago: the unit's upkeep visit, one mould spot found, the log submitted and signed by two."""
    template = db.session.scalar(select(ChecklistTemplate).where(ChecklistTemplate.code == "vacant_unit"))
    version = db.session.scalar(select(TemplateVersion).where(TemplateVersion.template_id == template.id)
                                .order_by(TemplateVersion.number.desc()).limit(1))
    day = local_today(site.timezone, now) - timedelta(days=3)
    starts, ends = window_bounds(day, time(8), time(20), site.timezone)
    walker, witness = users["patrol1"], users["patrol2"]
    at = starts + timedelta(hours=2)
    log = PatrolLog(site=site, round=round_, local_date=day, window_position=0, window_starts_at=starts, window_ends_at=ends,
                    number=next_log_number(site, day.year), status="signed", started_at=at, started_by=walker,
                    submitted_at=at + timedelta(minutes=25))
    visit = Visit(log=log, checkpoint=unit.checkpoint, template_version=version, user=walker, method="qr", scanned_at=at,
                  completed_at=at + timedelta(minutes=20))
    db.session.add_all([log, visit])
    seasons = site_seasons(site.id)
    seasonal = {code: season for code, _f, season, _m in GROUP_ITEMS}
    for item in version.items:
        answer = Answer(visit=visit, item=item, answered_by_id=walker.id, answered_at=at, result="pass")
        if not seasons.in_season(seasonal.get(item.code, "all_year"), day):
            answer.result, answer.na_reason = "na", "不在季节内：养护计划中的季节性项目本月不执行。"
        elif item.code == "VAC-03":
            answer.result, answer.note = "fail", "次卧天花角落发霉约 20 厘米，疑似楼上渗水"
            db.session.add(store_image(_photo(), site_id=site.id, uploaded_by_id=walker.id, answer=answer, taken_at=at))
            db.session.add(Finding(site=site, answer=answer, checkpoint=unit.checkpoint, item_code=item.code,
                                   severity=item.severity, created_at=log.submitted_at))
        db.session.add(answer)
    results = [a.result for a in visit.answers]
    log.score = round(results.count("pass") / (results.count("pass") + results.count("fail")), 4)
    db.session.flush()
    digest = content_hash(log)
    for signer, meaning, delay in ((walker, "performed", 3), (witness, "witnessed", 6)):
        db.session.add(Signature(log_id=log.id, user_id=signer.id, full_name=signer.full_name, role=signer.role,
                                 meaning=meaning, content_sha256=digest, signed_at=log.submitted_at + timedelta(minutes=delay)))


def _keys(site: Site, vacant: list[Unit], users: dict[str, User], now: datetime) -> None:
    """One key out since this morning, one with an outside cleaner for five days (flagged: out more than three)."""
    db.session.add(KeyLoan(site_id=site.id, unit=vacant[1], borrower_id=users["patrol2"].id, borrower_name=users["patrol2"].full_name,
                           purpose="空置房养护", borrowed_at=now - timedelta(hours=2), expected_return_at=now + timedelta(hours=22),
                           lent_by_id=users["super1"].id))
    db.session.add(KeyLoan(site_id=site.id, unit=vacant[-1], borrower_name="王师傅（外包保洁）", borrower_phone="139-0000-5678",
                           purpose="开荒保洁", borrowed_at=now - timedelta(days=5), expected_return_at=now - timedelta(days=4),
                           lent_by_id=users["super1"].id))
