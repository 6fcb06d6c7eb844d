"""The monthly archive's content (002 §4.11): every log of a month and every finding raised in them.

A handful of queries per month whatever its size: submitted logs carry their answer counts, the rest are counted in
SQL; findings are found by their log. No query goes through the month's answers one by one.
"""
from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import aliased

from app.auth.models import User
from app.dashboard.days import day_start
from app.checklists.models import ChecklistItem
from app.extensions import db
from app.exports.formatting import window_text
from app.exports.months import Month
from app.findings.models import Finding
from app.patrols.models import Answer, PatrolLog, Round, RoundWindow, Visit
from app.signoff.models import AmendmentChange, LogAmendment, Signature
from app.sites.models import Checkpoint, Site
from app.work_orders.models import Team, WorkOrder


SUBMITTED = ("submitted", "signed", "reviewed", "amending", "returned")


@dataclass
class LogRow:
    id: int
    number: str | None
    local_date: date
    round_name: str
    window_label: str | None
    window_starts_at: datetime
    window_ends_at: datetime
    status: str
    patroller: str
    started_at: datetime | None
    submitted_at: datetime | None
    score: float | None
    witness: str = ""
    reviewer: str = ""
    answers: int = 0
    passes: int = 0
    failures: int = 0
    corrections: int = 0

    @property
    def shown_score(self) -> float | None:
        """The score stored on submit; for logs that predate it, the same rule applied to the counts."""
        if self.score is not None or self.status not in SUBMITTED:
            return self.score
        counted = self.passes + self.failures
        return round(self.passes / counted, 4) if counted else None

    def window_text(self, tz: str) -> str:
        """'早班 08:00-10:00', or just the times when the window has no name."""
        times = window_text(self.window_starts_at, self.window_ends_at, tz)
        return f"{self.window_label} {times}" if self.window_label else times


@dataclass
class FindingRow:
    log_number: str | None
    created_at: datetime
    checkpoint: str
    item: str
    problem: str | None
    severity: str
    status: str
    reject_reason: str | None
    decided_by: str | None
    decided_at: datetime | None
    work_order: str | None
    team: str | None
    work_order_status: str | None
    done_by: str | None
    done_at: datetime | None
    verified_by: str | None
    verified_at: datetime | None


@dataclass
class MonthSummary:
    month: Month
    logs: int
    missed: int


def _in_month(site: Site, month: Month):
    return and_(PatrolLog.site_id == site.id, PatrolLog.local_date.between(month.first_day, month.last_day))


def archive_months(site: Site, current: Month) -> list[MonthSummary]:
    """Months from the site's first log to `current`, newest first, with their log counts (one grouped query)."""
    rows = db.session.execute(
        select(PatrolLog.local_date, func.count(), func.sum(case((PatrolLog.status == "missed", 1), else_=0)))
        .where(PatrolLog.site_id == site.id, PatrolLog.local_date <= current.last_day)
        .group_by(PatrolLog.local_date)).all()
    logs: Counter[Month] = Counter()
    missed: Counter[Month] = Counter()
    for day, count, missed_count in rows:
        logs[Month.of(day)] += count
        missed[Month.of(day)] += missed_count or 0
    month, months = current, []
    earliest = min(logs, default=current)
    while month >= earliest:
        months.append(MonthSummary(month, logs[month], missed[month]))
        month = month.previous()
    return months


def patrol_rows(site: Site, month: Month) -> list[LogRow]:
    """Every log of the month in date and window order, with its people, answer and failure counts."""
    window = aliased(RoundWindow)
    rows = db.session.execute(
        select(PatrolLog.id, PatrolLog.number, PatrolLog.local_date, Round.name_zh, window.label_zh,
               PatrolLog.window_starts_at, PatrolLog.window_ends_at, PatrolLog.status, User.full_name,
               PatrolLog.started_at, PatrolLog.submitted_at, PatrolLog.score, PatrolLog.answer_count,
               PatrolLog.pass_count, PatrolLog.fail_count)
        .join(Round, PatrolLog.round_id == Round.id)
        .outerjoin(window, and_(window.round_id == PatrolLog.round_id, window.position == PatrolLog.window_position))
        .outerjoin(User, PatrolLog.started_by_id == User.id)
        .where(_in_month(site, month))
        .order_by(PatrolLog.local_date, PatrolLog.window_starts_at, PatrolLog.id)).all()
    logs = {row[0]: LogRow(*row[:8], patroller=row[8] or "", started_at=row[9], submitted_at=row[10], score=row[11],
                           answers=row[12] or 0, passes=row[13] or 0, failures=row[14] or 0)
            for row in rows}
    if logs:
        _add_counts(site, month, logs)
        _add_signers(site, month, logs)
        _add_corrections(site, month, logs)
    return list(logs.values())


def _add_counts(site: Site, month: Month, logs: dict[int, LogRow]) -> None:
    """Count the answers of the logs that carry no counts: under way, missed, or never submitted."""
    counts = db.session.execute(
        select(Visit.log_id, func.count(Answer.id), func.sum(case((Answer.result == "pass", 1), else_=0)),
               func.sum(case((Answer.result == "fail", 1), else_=0)))
        .join(Answer, Answer.visit_id == Visit.id).join(PatrolLog, Visit.log_id == PatrolLog.id)
        .where(_in_month(site, month), PatrolLog.answer_count.is_(None)).group_by(Visit.log_id))
    for log_id, answers, passes, failures in counts:
        logs[log_id].answers, logs[log_id].passes, logs[log_id].failures = answers, passes or 0, failures or 0


def _add_signers(site: Site, month: Month, logs: dict[int, LogRow]) -> None:
    """The log's people as they signed it when submitted; the reviewer is the latest review signature."""
    signatures = db.session.execute(
        select(Signature.log_id, Signature.meaning, Signature.amendment_no, Signature.full_name)
        .join(PatrolLog, Signature.log_id == PatrolLog.id).where(_in_month(site, month))
        .order_by(Signature.amendment_no))
    for log_id, meaning, stage, name in signatures:
        if meaning == "witnessed" and stage == 0:
            logs[log_id].witness = name
        elif meaning == "reviewed":
            logs[log_id].reviewer = name


def _add_corrections(site: Site, month: Month, logs: dict[int, LogRow]) -> None:
    """Signed amendments change the counts: the latest signed change of an answer counts (rare, few rows)."""
    rows = db.session.execute(
        select(Visit.log_id, LogAmendment.number, AmendmentChange.answer_id, AmendmentChange.result, Answer.result)
        .join(LogAmendment, AmendmentChange.amendment_id == LogAmendment.id)
        .join(Answer, AmendmentChange.answer_id == Answer.id).join(Visit, Answer.visit_id == Visit.id)
        .join(PatrolLog, Visit.log_id == PatrolLog.id)
        .where(_in_month(site, month), LogAmendment.status == "signed").order_by(LogAmendment.number))
    latest: dict[int, tuple[int, str, str]] = {}
    numbers: defaultdict[int, set[int]] = defaultdict(set)
    for log_id, number, answer_id, corrected, original in rows:
        latest[answer_id] = (log_id, corrected, original)
        numbers[log_id].add(number)
    for log_id, corrected, original in latest.values():
        logs[log_id].failures += (corrected == "fail") - (original == "fail")
        logs[log_id].passes += (corrected == "pass") - (original == "pass")
    for log_id, amended in numbers.items():
        logs[log_id].corrections = len(amended)


def problem_rows(site: Site, month: Month) -> list[FindingRow]:
    """Every finding raised in the month's logs with its decision, work order, who fixed and who verified (one query)."""
    decider, doer, verifier = aliased(User), aliased(User), aliased(User)
    rows = db.session.execute(
        select(PatrolLog.number, Finding.created_at, Checkpoint.code, Checkpoint.name_zh, ChecklistItem.text_zh,
               func.coalesce(Finding.note, Answer.note), Finding.severity, Finding.status, Finding.reject_reason,
               decider.full_name, Finding.decided_at, WorkOrder.number, Team.name_zh, WorkOrder.status,
               doer.full_name, WorkOrder.done_at, verifier.full_name, WorkOrder.verified_at)
        .join(PatrolLog, Finding.log_id == PatrolLog.id).join(Answer, Finding.answer_id == Answer.id)
        .join(Checkpoint, Finding.checkpoint_id == Checkpoint.id)
        .join(ChecklistItem, Answer.item_id == ChecklistItem.id)
        .outerjoin(decider, Finding.decided_by_id == decider.id)
        .outerjoin(WorkOrder, Finding.work_order_id == WorkOrder.id)
        .outerjoin(Team, WorkOrder.team_id == Team.id)
        .outerjoin(doer, WorkOrder.done_by_id == doer.id)
        .outerjoin(verifier, WorkOrder.verified_by_id == verifier.id)
        # A finding is raised when its log is submitted or amended, after the log started in a window of its own
        # date: none is older than the month, a bound the (site, created) index serves. A day's margin for the clocks.
        .where(Finding.site_id == site.id, _in_month(site, month),
               Finding.created_at >= day_start(month.first_day, site.timezone) - timedelta(days=1))
        .order_by(PatrolLog.local_date, PatrolLog.number, Finding.id)).all()
    return [FindingRow(number, created, f"{code} {name}", item, *rest)
            for number, created, code, name, item, *rest in rows]
