"""A hand-built estate whose dashboard figures are known in advance, and history to grow it for the query-count tests.

The clock is fixed: NOW is 15:00 on 10 March 2026 in Shanghai (07:00 UTC). Today's rounds:
  R1 "B1 daily" over B1's two checkpoints, 08:00–12:00: submitted, both visited, one by hand (flagged).
  R2 "B2 and road" over B2's stairwell and the road, two windows: 08:00–11:00 missed, 14:00–18:00 under way with the
     stairwell visited implausibly fast (flagged).
  R3 "B1 evening" over B1's stairwell, 16:00–18:00: not started yet.
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import select

from app.checklists.catalogue import load_catalogue
from app.checklists.models import TemplateVersion
from app.extensions import db
from app.findings.models import Finding
from app.patrols.models import Answer, PatrolLog, Round, Visit
from app.patrols.schedules import window_bounds
from app.work_orders.models import WorkOrder
from tests.factories import make_building, make_checkpoint, make_round, make_site, make_user, team_of

NOW = datetime(2026, 3, 10, 7, 0)
TODAY = date(2026, 3, 10)
TZ = "Asia/Shanghai"
_numbers = itertools.count(1)


def local(day: date, hour: int, minute: int = 0) -> datetime:
    """Naive UTC of a Shanghai wall-clock time (UTC+8, no daylight saving)."""
    return datetime.combine(day, time(hour, minute)) - timedelta(hours=8)


class Writer:
    """Adds logs, visits, failed answers, findings and work orders to one site."""

    def __init__(self, site, walker):
        self.site, self.walker = site, walker
        versions = db.session.scalars(select(TemplateVersion).order_by(TemplateVersion.number)).all()
        self.versions = {v.template_id: v for v in versions}  # the latest of each template

    def log(self, round_: Round, day: date, position: int = 0, status: str = "submitted") -> PatrolLog:
        window = next(w for w in round_.windows if w.position == position)
        starts, ends = window_bounds(day, window.starts, window.ends, TZ)
        numbered = status not in ("missed", "scheduled")
        log = PatrolLog(site_id=self.site.id, round_id=round_.id, local_date=day, window_position=position, status=status,
                        window_starts_at=starts, window_ends_at=ends, number=f"T-{next(_numbers):06d}" if numbered else None,
                        started_by_id=self.walker.id if numbered else None, started_at=starts if numbered else None)
        db.session.add(log)
        db.session.flush()
        return log

    def visit(self, log: PatrolLog, stop_index: int, method: str = "qr", flags: str | None = None) -> Visit:
        stop = db.session.get(Round, log.round_id).stops[stop_index]
        visit = Visit(log_id=log.id, checkpoint_id=stop.checkpoint_id, template_version_id=self.versions[stop.template_id].id,
                      user_id=self.walker.id, method=method, manual_reason="标签污损" if method == "manual" else None,
                      scanned_at=log.window_starts_at + timedelta(minutes=10), flags=flags)
        db.session.add(visit)
        db.session.flush()
        return visit

    def failure(self, visit: Visit, item_index: int, created_at: datetime, severity: str = "minor", status: str = "open",
                work_order: WorkOrder | None = None, by=None) -> Finding:
        item = self.versions_by_id(visit.template_version_id).items[item_index]
        answer = Answer(visit_id=visit.id, item_id=item.id, result="fail", note="坏了", answered_by_id=(by or self.walker).id,
                        answered_at=created_at)
        db.session.add(answer)
        db.session.flush()
        finding = Finding(site_id=self.site.id, answer_id=answer.id, checkpoint_id=visit.checkpoint_id, item_code=item.code,
                          severity=severity, status=status, created_at=created_at,
                          work_order_id=work_order.id if work_order else None,
                          reject_reason="正常损耗" if status == "rejected" else None)
        db.session.add(finding)
        db.session.flush()
        return finding

    def versions_by_id(self, version_id: int) -> TemplateVersion:
        return db.session.get(TemplateVersion, version_id)

    def order(self, team_code: str, status: str, created_at: datetime, due_at: datetime, checkpoint_id: int | None = None,
              **clocks) -> WorkOrder:
        order = WorkOrder(site_id=self.site.id, number=f"GD-T-{next(_numbers):06d}", team_id=team_of(self.site, team_code).id,
                          checkpoint_id=checkpoint_id, title="测试工单", priority="major", status=status,
                          created_at=created_at, due_at=due_at, **clocks)
        db.session.add(order)
        db.session.flush()
        return order


@dataclass
class DashWorld:
    site_id: int
    supervisor: str
    round_ids: list[int]
    building_ids: list[int]
    checkpoint_ids: list[int]  # B1 stairwell, B1 lift, B2 stairwell, road
    order_ids: dict[str, int]
    finding_ids: dict[str, int]
    walker_id: int
    second_id: int


def build_dash_world(app, supervisor: str = "boss") -> DashWorld:
    with app.app_context():
        if db.session.scalar(select(TemplateVersion.id).limit(1)) is None:
            load_catalogue()
        site = make_site()
        b1, b2 = make_building(site, "B1"), make_building(site, "B2")
        cps = [make_checkpoint(site, category="stairwell", building=b1), make_checkpoint(site, category="elevator", building=b1),
               make_checkpoint(site, category="stairwell", building=b2), make_checkpoint(site, category="road")]
        walker, second = make_user("patroller", [site]), make_user("patroller", [site])
        boss = make_user("supervisor", [site], username=supervisor)
        r1 = make_round(site, cps[:2], [walker], windows=[(time(8), time(12))], name="B1 daily")
        r2 = make_round(site, cps[2:], [walker], windows=[(time(8), time(11)), (time(14), time(18))], name="B2 and road")
        r3 = make_round(site, cps[:1], [walker], windows=[(time(16), time(18))], name="B1 evening")
        for round_ in (r1, r2, r3):
            round_.created_at = NOW - timedelta(days=90)
        w = Writer(site, walker)

        done = w.log(r1, TODAY, status="submitted")
        w.visit(done, 0)
        w.visit(done, 1, method="manual")
        w.log(r2, TODAY, 0, status="missed")
        under_way = w.log(r2, TODAY, 1, status="in_progress")
        b2_visit = w.visit(under_way, 0, flags="too_fast")

        # Findings waiting for review, of known ages, on yesterday's and older logs.
        yesterday = w.log(r1, TODAY - timedelta(days=1))
        y_stair, y_lift = w.visit(yesterday, 0), w.visit(yesterday, 1)
        findings = {
            "urgent_2h": w.failure(y_stair, 0, NOW - timedelta(hours=2), "urgent"),
            "major_30h": w.failure(y_stair, 1, NOW - timedelta(hours=30), "major"),
            "minor_5d": w.failure(y_lift, 0, NOW - timedelta(days=5), "minor"),
            "minor_6d": w.failure(y_lift, 1, NOW - timedelta(days=6), "minor"),
        }
        # Recurring: the stairwell's item 2 failed 3 and 10 days ago; its item 3 40 days ago and 5 days ago (once in 30).
        for days_back, index in ((3, 2), (10, 2), (40, 3), (5, 3)):
            log = w.log(r1, TODAY - timedelta(days=days_back))
            findings[f"stair_{index}_{days_back}d"] = w.failure(w.visit(log, 0), index, NOW - timedelta(days=days_back),
                                                                status="rejected")

        orders = {
            "eng_overdue": w.order("engineering", "new", NOW - timedelta(hours=3), NOW - timedelta(hours=1), cps[0].id),
            "eng_in_time": w.order("engineering", "in_progress", NOW - timedelta(hours=2), NOW + timedelta(hours=5), cps[1].id),
            "eng_done": w.order("engineering", "done", NOW - timedelta(days=2), NOW - timedelta(days=1), cps[2].id,
                                done_at=NOW - timedelta(hours=2)),
            "clean_overdue": w.order("cleaning", "claimed", NOW - timedelta(days=2), NOW - timedelta(hours=30), cps[3].id),
            "clean_closed": w.order("cleaning", "closed", NOW - timedelta(days=3), NOW - timedelta(days=2), cps[3].id,
                                    closed_at=NOW - timedelta(days=1), verified_at=NOW - timedelta(days=1)),
        }
        orders["clean_overdue"].claimed_by_id = walker.id
        # Found by someone else on today's round through B2; approved into the engineering order now waiting to verify.
        findings["b2_fresh"] = w.failure(b2_visit, 0, NOW - timedelta(hours=1), by=second)
        findings["lift_approved"] = w.failure(y_lift, 2, NOW - timedelta(days=2), "major", "approved", orders["eng_done"])
        db.session.commit()
        return DashWorld(site.id, boss.username, [r1.id, r2.id, r3.id], [b1.id, b2.id], [c.id for c in cps],
                         {k: v.id for k, v in orders.items()}, {k: v.id for k, v in findings.items()}, walker.id, second.id)


def grow_history(app, site_id: int, days: int, first_day_back: int = 60) -> None:
    """More of everything, further back and today: a round, building and checkpoint more, logs with visits and
    findings each day, work orders open and closed; for the tests that counts stay put as data grows."""
    from app.sites.models import Site

    with app.app_context():
        site = db.session.get(Site, site_id)
        walker = make_user("patroller", [site])
        building = make_building(site, f"G{next(_numbers)}")
        cps = [make_checkpoint(site, category="stairwell", building=building) for _ in range(2)]
        round_ = make_round(site, cps, [walker], windows=[(time(6), time(7)), (time(13), time(23))], name="grown")
        round_.created_at = NOW - timedelta(days=400)
        w = Writer(site, walker)
        today_log = w.log(round_, TODAY, 1, status="in_progress")
        w.visit(today_log, 0, method="manual")
        w.log(round_, TODAY, 0, status="missed")
        for back in range(first_day_back, first_day_back + days):
            day = TODAY - timedelta(days=back)
            log = w.log(round_, day, 1)
            for stop in (0, 1):
                visit = w.visit(log, stop, flags="far_away" if back % 3 == 0 else None)
                created = local(day, 14)
                order = w.order("engineering", "closed" if back % 2 else "new", created, created + timedelta(hours=24),
                                visit.checkpoint_id, closed_at=created + timedelta(hours=30) if back % 2 else None)
                w.failure(visit, 0, created, "major", status="approved", work_order=order)
                w.failure(visit, 1, created, "minor")
            w.log(round_, day, 0, status="missed")
        for back in range(1, 29):  # inside the trend's 30 days too
            created = local(TODAY - timedelta(days=back), 10)
            w.order("cleaning", "closed", created, created + timedelta(hours=2), cps[0].id, closed_at=created + timedelta(hours=5))
        db.session.commit()
