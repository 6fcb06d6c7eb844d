"""Writes believable patrol history for the demo: logs, visits, answers, findings, work orders, signatures."""
from __future__ import annotations

import random
from datetime import datetime, timedelta

from app.auth.models import User
from app.checklists.models import ChecklistItem, TemplateVersion
from app.demo.estate import FAIL_NOTES
from app.extensions import db
from app.findings.models import Finding
from app.numbering import next_number
from app.patrols.models import Answer, PatrolLog, Round, Visit
from app.patrols.schedules import Occurrence
from app.patrols.services import next_log_number
from app.photos.storage import store_image
from app.signoff.content import content_hash
from app.signoff.models import Signature
from app.sites.models import Site
from app.work_orders.models import Team, WorkOrder
from app.work_orders.services import team_for_category

FAIL_RATE = 0.015
MISS_RATE = 0.04
TEAM_MEMBER = {"engineering": "maint1", "cleaning": "clean1", "security": "guard1", "greening": "green1"}


class HistoryWriter:
    def __init__(self, site: Site, users: dict[str, User], teams: dict[str, Team],
                 versions: dict[int, TemplateVersion], rng: random.Random, photo_maker):
        self.site, self.users, self.teams, self.versions, self.rng = site, users, teams, versions, rng
        self.photo_maker = photo_maker
        self.open_orders: dict[tuple[int, str], WorkOrder] = {}

    def occurrence(self, round_: Round, occ: Occurrence, now: datetime) -> None:
        """One window of a round: missed, finished and signed, or (if still open) in progress."""
        log = PatrolLog(site=self.site, round=round_, local_date=occ.local_date, window_position=occ.position,
                        window_starts_at=occ.starts_at, window_ends_at=occ.ends_at)
        db.session.add(log)
        still_open = now < occ.ends_at
        if not still_open and self.rng.random() < MISS_RATE:
            log.status = "missed"
            return
        walker = round_.assignees[self.rng.randrange(len(round_.assignees))]
        log.number = next_log_number(self.site, occ.local_date.year)
        log.started_by = walker
        log.started_at = occ.starts_at + timedelta(minutes=self.rng.randint(3, 25))
        stops = round_.stops[:2] if still_open else round_.stops
        clock = self._walk(log, stops, walker, now)
        if still_open:
            log.status = "in_progress"
            return
        log.submitted_at = clock + timedelta(minutes=2)
        self._sign(log, walker, now)

    def _walk(self, log: PatrolLog, stops, walker: User, now: datetime) -> datetime:
        clock = log.started_at
        for stop in stops:
            version = self.versions[stop.template_id]
            manual = self.rng.random() < 0.03
            visit = Visit(log=log, checkpoint=stop.checkpoint, template_version=version, user=walker,
                          method="manual" if manual else "qr", manual_reason="标签污损，无法扫码" if manual else None,
                          scanned_at=min(clock, now), latitude=31.2304 + self.rng.uniform(-5e-4, 5e-4),
                          longitude=121.4737 + self.rng.uniform(-5e-4, 5e-4), accuracy_m=round(self.rng.uniform(6, 35), 1))
            db.session.add(visit)
            for item in version.items:
                self._answer(visit, item, walker, min(clock, now), now)
            clock += timedelta(minutes=self.rng.randint(2, 6))
            visit.completed_at = min(clock, now)
        return min(clock, now)

    def _answer(self, visit: Visit, item: ChecklistItem, walker: User, at: datetime, now: datetime) -> None:
        answer = Answer(visit=visit, item=item, answered_by_id=walker.id, answered_at=at, result="pass")
        failed = self.rng.random() < FAIL_RATE
        if item.answer_type == "number":
            low, high = item.min_value or 0, item.max_value or 0
            answer.number_value = round(low - 0.2 if failed else self.rng.uniform(low, high), 2)
        elif item.answer_type == "text":
            answer.text_value, failed = "按计划施工，现场正常", False
        elif self.rng.random() < 0.01:
            answer.result, answer.na_reason = "na", "该处无此设施"
            failed = False
        db.session.add(answer)
        if failed:
            answer.result = "fail"
            answer.note = self.rng.choice(FAIL_NOTES.get(item.category, FAIL_NOTES["general"]))
            if item.photo_on_fail:
                db.session.add(store_image(self.photo_maker(self.rng, item.code), site_id=self.site.id,
                                           uploaded_by_id=walker.id, answer=answer, taken_at=at))
            self._finding(answer, visit, item, at, now)

    def _finding(self, answer: Answer, visit: Visit, item: ChecklistItem, at: datetime, now: datetime) -> None:
        severity = "urgent" if item.urgent_if_fail else item.severity
        finding = Finding(site=self.site, answer=answer, checkpoint=visit.checkpoint, item_code=item.code,
                          severity=severity, created_at=at)
        db.session.add(finding)
        age = now - at
        if severity != "urgent" and age < timedelta(days=2):
            return  # still waiting in the supervisor's queue
        if severity != "urgent" and self.rng.random() < 0.12:
            finding.status, finding.reject_reason = "rejected", "属正常损耗，纳入季度计划处理"
            finding.decided_by, finding.decided_at = self.users["super1"], at + timedelta(hours=3)
            return
        key = (visit.checkpoint.id, item.code)
        existing = self.open_orders.get(key)
        if existing is not None and existing.is_open:
            existing.repeat_count += 1
            finding.status, finding.work_order = "merged", existing
        else:
            finding.status, finding.work_order = "approved", self._work_order(visit, item, severity, at, now)
        finding.decided_by = self.users["super1"]
        finding.decided_at = at + timedelta(minutes=5 if severity == "urgent" else 180)

    def _work_order(self, visit: Visit, item: ChecklistItem, severity: str, at: datetime, now: datetime) -> WorkOrder:
        created = at + timedelta(minutes=1 if severity == "urgent" else 180)
        hours = {"urgent": self.site.due_hours_urgent, "major": self.site.due_hours_major, "minor": self.site.due_hours_minor}[severity]
        team_code = team_for_category(item.category)
        order = WorkOrder(site=self.site, number=next_number(self.site.id, "work_order", created.year, "GD"),
                          team=self.teams[team_code], checkpoint=visit.checkpoint, item_code=item.code, item=item,
                          title=f"{visit.checkpoint.name_zh}：{item.text_zh}", description=None, priority=severity,
                          due_at=created + timedelta(hours=hours), created_at=created, created_by=self.users["super1"])
        db.session.add(order)
        self.open_orders[(visit.checkpoint.id, item.code)] = order
        member = self.users.get(TEAM_MEMBER.get(team_code, ""))
        age = now - created
        if member is None or age < timedelta(hours=1):
            return order  # just dispatched: still waiting for the team
        order.status, order.claimed_by, order.claimed_at = "claimed", member, created + timedelta(minutes=20)
        if age > timedelta(days=1):
            order.status, order.started_at = "in_progress", order.claimed_at + timedelta(minutes=25)
        if age > timedelta(days=2):
            order.status, order.done_by, order.done_at = "done", member, order.started_at + timedelta(hours=2)
        if age > timedelta(days=3):  # verified on site by someone else, which closes it
            order.status, order.verified_by, order.verified_at = "closed", self.users["super1"], order.done_at + timedelta(minutes=9)
            order.closed_at = order.verified_at
        return order

    def _sign(self, log: PatrolLog, walker: User, now: datetime) -> None:
        db.session.flush()
        digest = content_hash(log)
        witness = next(u for u in (self.users["patrol1"], self.users["patrol2"]) if u.id != walker.id)
        for signer, meaning, delay in ((walker, "performed", 3), (witness, "witnessed", 6)):
            db.session.add(Signature(log_id=log.id, user_id=signer.id, full_name=signer.full_name, role=signer.role,
                                     meaning=meaning, content_sha256=digest, signed_at=log.submitted_at + timedelta(minutes=delay)))
        log.status = "signed"
        if now - log.submitted_at > timedelta(days=7):  # the supervisor's weekly review, signed like the others
            supervisor = self.users["super1"]
            log.status, log.reviewed_by_id = "reviewed", supervisor.id
            log.reviewed_at = log.submitted_at + timedelta(days=2)
            db.session.add(Signature(log_id=log.id, user_id=supervisor.id, full_name=supervisor.full_name,
                                     role=supervisor.role, meaning="reviewed", content_sha256=digest,
                                     signed_at=log.reviewed_at))
