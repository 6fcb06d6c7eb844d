"""A duty desk for supervision tests: one site with patrollers, supervisors and staff of other roles and sites,
and signed patrol logs written straight into the database (signatures bound to their content as the app binds them)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select

from app.auth.models import User
from app.checklists.catalogue import load_catalogue
from app.checklists.models import ChecklistTemplate
from app.extensions import db
from app.findings.models import Finding
from app.patrols.models import Answer, PatrolLog, Round, Visit
from app.patrols.services import next_log_number
from app.signoff.content import content_hash
from app.signoff.models import Signature
from app.sites.models import Site
from tests.factories import make_checkpoint, make_site, make_user


@dataclass
class Desk:
    site_id: int
    other_site_id: int
    round_id: int
    checkpoint_id: int


def build_desk(app) -> Desk:
    """Users: walker and colleague (patrollers), boss and boss2 (supervisors), guard (maintenance), clerk (admin),
    stranger (a supervisor of another site) and visitor (a patroller of another site). All read English, so tests
    can check messages whatever the Chinese catalogue says."""
    with app.app_context():
        load_catalogue()
        site, other = make_site(), make_site()
        for name in ("walker", "colleague"):
            make_user("patroller", [site], username=name, full_name=f"{name} 名", locale="en")
        make_user("supervisor", [site], username="boss", full_name="主管甲", locale="en")
        make_user("supervisor", [site], username="boss2", full_name="主管乙", locale="en")
        make_user("maintenance", [site], username="guard", team_code="security", locale="en")
        make_user("admin", [site], username="clerk", locale="en")
        make_user("supervisor", [other], username="stranger", locale="en")
        make_user("patroller", [other], username="visitor", locale="en")
        round_ = Round(site=site, name_zh="每日楼宇巡查", name_en="Daily building round")
        db.session.add(round_)
        checkpoint = make_checkpoint(site, code="B1-S1")
        db.session.commit()
        return Desk(site.id, other.id, round_.id, checkpoint.id)


def _user(name: str) -> User:
    return db.session.scalar(select(User).where(User.username == name))


def _sign(log: PatrolLog, names_meanings, at: datetime) -> None:
    digest = content_hash(log)
    for name, meaning in names_meanings:
        user = _user(name)
        db.session.add(Signature(log_id=log.id, user_id=user.id, full_name=user.full_name, role=user.role,
                                 meaning=meaning, content_sha256=digest, signed_at=at))


def _fail_visit(log: PatrolLog, desk: Desk, walker: User, at: datetime) -> Answer:
    template = db.session.scalar(select(ChecklistTemplate).where(ChecklistTemplate.checkpoint_category == "stairwell"))
    version = template.latest_version()
    visit = Visit(log=log, checkpoint_id=desk.checkpoint_id, template_version=version, user=walker, method="qr", scanned_at=at)
    db.session.add(visit)
    answer = Answer(visit=visit, item=version.items[0], answered_by_id=walker.id, answered_at=at, result="fail",
                    note="灯不亮")
    db.session.add(answer)
    db.session.flush()
    return answer


def add_logs(app, desk: Desk, days: list[date], status: str = "signed", witness: str = "colleague",
             with_failure: bool = False) -> list[int]:
    """One log per day in `status`: submitted (performer signed), signed (both), reviewed (both and boss2),
    in_progress, or missed. with_failure adds a visit with a failed answer and its open finding."""
    with app.app_context():
        site, walker = db.session.get(Site, desk.site_id), _user("walker")
        ids = []
        for day in days:
            position = db.session.query(PatrolLog).filter_by(round_id=desk.round_id, local_date=day).count()
            starts = datetime.combine(day, datetime.min.time()) + timedelta(hours=1)
            walked = status != "missed"
            log = PatrolLog(site_id=site.id, round_id=desk.round_id, local_date=day, window_position=position,
                            window_starts_at=starts, window_ends_at=starts + timedelta(hours=4), status=status,
                            number=next_log_number(site, day.year) if walked else None,
                            started_by_id=walker.id if walked else None, started_at=starts if walked else None)
            db.session.add(log)
            db.session.flush()
            if with_failure:
                answer = _fail_visit(log, desk, walker, starts)
                db.session.add(Finding(site_id=site.id, answer_id=answer.id, checkpoint_id=desk.checkpoint_id,
                                       item_code=answer.item.code, severity="major", created_at=starts))
            if status in ("submitted", "signed", "reviewed"):
                log.submitted_at = starts + timedelta(hours=1)
                signers = [("walker", "performed")] + ([(witness, "witnessed")] if status != "submitted" else [])
                if status == "reviewed":
                    signers.append(("boss2", "reviewed"))
                    log.reviewed_at, log.reviewed_by_id = log.submitted_at, _user("boss2").id
                _sign(log, signers, log.submitted_at)
            ids.append(log.id)
        db.session.commit()
        return ids


def days_of_week(monday: date, count: int = 7) -> list[date]:
    return [monday + timedelta(days=n) for n in range(count)]
