"""The vacant-unit status table (空置房动态表): each kept-up unit's status, upkeep visits done against the plan,
open issues and its key, for a month (due by the 5th of the next) or a half year. Aggregated in SQL per query."""
from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from app.audit.models import AuditEvent
from app.audit.services import record
from app.extensions import db
from app.findings.models import Finding
from app.i18n import to_local
from app.patrols.models import PatrolLog, Visit
from app.patrols.schedules import local_today
from app.sites.models import Building, Unit
from app.vacancy.due import KEPT_STATUSES, last_done, plan_items_by_unit, site_seasons
from app.vacancy.keys import OVERDUE_AFTER
from app.vacancy.models import KeyLoan, UpkeepPlan, plan_units
from app.vacancy.schedule import lookback_start, planned_visits
from app.work_orders.models import WorkOrder
from app.work_orders.services import OPEN_STATUSES

MAX_ROWS = 2000  # a site keeps hundreds of vacant units at most; the table says when it is cut
DUE_DAY = 5  # the table is handed in by the 5th of the next month (002 空置房)
ISSUED = "vacancy_table_issued"

# The table is the estate's paper record, in Chinese whoever downloads it (like the monthly archive).
MONTH_TITLE = "空置房动态表"
HALF_TITLE = "空置房半年度汇总表"
COLUMNS = ("楼栋", "房号", "楼层", "面积(㎡)", "状态", "养护计划", "计划养护(次)", "实际养护(次)", "未处理问题",
           "钥匙", "最近养护")
KEY_IN, KEY_OUT, KEY_OVERDUE = "在柜", "借出：{name}（{since}起）", "超期未还：{name}（{since}起）"
DUE_LINE = "报送期限：{due}"
RETENTION = "保存至房屋售出后一年（002 空置房）"


@dataclass(frozen=True)
class Period:
    """A month or a half year of the table, with its own audit identity (what 'issued' is recorded against)."""

    kind: str  # "month" or "half"
    year: int
    part: int  # month 1–12, or half 1–2
    first: date
    last: date

    @classmethod
    def month(cls, year: int, month: int) -> Period:
        return cls("month", year, month, date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1]))

    @classmethod
    def half(cls, year: int, half: int) -> Period:
        start = 1 if half == 1 else 7
        return cls("half", year, half, date(year, start, 1), date(year, start + 5, calendar.monthrange(year, start + 5)[1]))

    @property
    def slug(self) -> str:
        return f"{self.year:04d}-{self.part:02d}" if self.kind == "month" else f"{self.year:04d}-H{self.part}"

    @property
    def title(self) -> str:
        if self.kind == "month":
            return f"{MONTH_TITLE}  {self.year} 年 {self.part:02d} 月"
        return f"{HALF_TITLE}  {self.year} 年{'上' if self.part == 1 else '下'}半年"

    @property
    def due_on(self) -> date:
        """The 5th of the month after the period."""
        year, month = (self.last.year + 1, 1) if self.last.month == 12 else (self.last.year, self.last.month + 1)
        return date(year, month, DUE_DAY)


@dataclass
class UnitRow:
    building: str
    number: str
    floor: int
    area_m2: float | None
    status: str
    plans: str
    planned: int
    done: int
    open_findings: int
    open_orders: int
    key_borrower: str | None
    key_since: datetime | None
    key_overdue: bool
    last_visit: date | None

    @property
    def open_issues(self) -> int:
        return self.open_findings + self.open_orders


@dataclass
class VacancyTable:
    period: Period
    rows: list[UnitRow]
    cut: bool  # more units than MAX_ROWS

    @property
    def totals(self) -> tuple[int, int, int, int]:
        return (sum(r.planned for r in self.rows), sum(r.done for r in self.rows),
                sum(r.open_issues for r in self.rows), sum(1 for r in self.rows if r.key_borrower))


def _kept_units(site_id: int) -> list[Unit]:
    return list(db.session.scalars(
        select(Unit).join(Building, Unit.building_id == Building.id)
        .where(Building.site_id == site_id, Unit.status.in_(KEPT_STATUSES))
        .options(joinedload(Unit.building)).order_by(Building.code, Unit.floor, Unit.number).limit(MAX_ROWS + 1)))


def _counts_by_checkpoint(query) -> dict[int, int]:
    return dict(db.session.execute(query).all())


def _visits(site_id: int, checkpoints, period: Period) -> dict[int, tuple[int, date]]:
    """checkpoint → (visits on submitted logs in the period, last visit day)."""
    rows = db.session.execute(
        select(Visit.checkpoint_id, func.count(Visit.id), func.max(PatrolLog.local_date))
        .join(PatrolLog, Visit.log_id == PatrolLog.id)
        .where(PatrolLog.site_id == site_id, PatrolLog.local_date >= period.first, PatrolLog.local_date <= period.last,
               PatrolLog.submitted_at.is_not(None), Visit.checkpoint_id.in_(checkpoints))
        .group_by(Visit.checkpoint_id))
    return {checkpoint: (count, last) for checkpoint, count, last in rows}


def _plan_names(site_id: int, year: int, unit_ids) -> dict[int, list[str]]:
    names: dict[int, list[str]] = {}
    for unit_id, name in db.session.execute(
            select(plan_units.c.unit_id, UpkeepPlan.name).join(UpkeepPlan, UpkeepPlan.id == plan_units.c.plan_id)
            .where(UpkeepPlan.site_id == site_id, UpkeepPlan.year == year, UpkeepPlan.active.is_(True),
                   plan_units.c.unit_id.in_(unit_ids)).order_by(UpkeepPlan.name)):
        names.setdefault(unit_id, []).append(name)
    return names


def vacant_table(site, period: Period, now: datetime) -> VacancyTable:
    """One row per vacant or sold-vacant unit; open issues and keys as they stand now."""
    units = _kept_units(site.id)
    cut = len(units) > MAX_ROWS
    units = units[:MAX_ROWS]
    checkpoint_ids = select(Unit.checkpoint_id).join(Building, Unit.building_id == Building.id).where(
        Building.site_id == site.id, Unit.status.in_(KEPT_STATUSES), Unit.checkpoint_id.is_not(None))
    unit_ids = [u.id for u in units]
    visits = _visits(site.id, checkpoint_ids, period)
    findings = _counts_by_checkpoint(select(Finding.checkpoint_id, func.count()).where(
        Finding.site_id == site.id, Finding.status == "open", Finding.checkpoint_id.in_(checkpoint_ids)).group_by(Finding.checkpoint_id))
    orders = _counts_by_checkpoint(select(WorkOrder.checkpoint_id, func.count()).where(
        WorkOrder.site_id == site.id, WorkOrder.status.in_(OPEN_STATUSES), WorkOrder.checkpoint_id.in_(checkpoint_ids))
        .group_by(WorkOrder.checkpoint_id))
    loans = {loan.unit_id: loan for loan in db.session.scalars(select(KeyLoan).where(
        KeyLoan.site_id == site.id, KeyLoan.returned_at.is_(None), KeyLoan.unit_id.in_(unit_ids)))} if unit_ids else {}
    items = plan_items_by_unit(site.id, period.year)
    before = last_done(site.id, [u.checkpoint_id for u in units if u.checkpoint_id and u.id in items],
                       before=period.first, since=lookback_start(period.first))
    seasons, names = site_seasons(site.id), _plan_names(site.id, period.year, unit_ids) if unit_ids else {}
    rows = []
    for unit in units:
        count, last = visits.get(unit.checkpoint_id, (0, None))
        loan = loans.get(unit.id)
        planned = len(planned_visits(items[unit.id], before.get(unit.checkpoint_id, {}), period.first, period.last, seasons)) \
            if unit.id in items else 0
        rows.append(UnitRow(
            building=unit.building.name_zh, number=unit.number, floor=unit.floor, area_m2=unit.area_m2, status=unit.status,
            plans="、".join(names.get(unit.id, [])), planned=planned, done=count,
            open_findings=findings.get(unit.checkpoint_id, 0), open_orders=orders.get(unit.checkpoint_id, 0),
            key_borrower=loan.borrower_name if loan else None, key_since=loan.borrowed_at if loan else None,
            key_overdue=bool(loan and now - loan.borrowed_at > OVERDUE_AFTER), last_visit=last))
    return VacancyTable(period, rows, cut)


@dataclass(frozen=True)
class _PeriodRecord:
    """What the audit trail names when a table is issued: object type and id (yyyymm, or yyyy0h for a half year)."""

    id: int
    site_id: int


class VacancyMonth(_PeriodRecord):
    pass


class VacancyHalfYear(_PeriodRecord):
    pass


def _record_of(site_id: int, period: Period) -> _PeriodRecord:
    kind = VacancyMonth if period.kind == "month" else VacancyHalfYear
    return kind(period.year * 100 + period.part, site_id)


def issued_at(site_id: int, period: Period) -> datetime | None:
    """When the table was first produced after its period ended (the first download then counts as handing it in)."""
    obj = _record_of(site_id, period)
    return db.session.scalar(select(func.min(AuditEvent.at)).where(
        AuditEvent.object_type == type(obj).__name__, AuditEvent.object_id == obj.id, AuditEvent.site_id == site_id,
        AuditEvent.action == ISSUED))


def note_issued(site, period: Period, user, now: datetime, fmt: str) -> None:
    """Record the first download after the period's end as the table being issued (later ones change nothing)."""
    if local_today(site.timezone, now) <= period.last or issued_at(site.id, period) is not None:
        return
    event = record(ISSUED, _record_of(site.id, period), actor=user, period=period.slug, format=fmt)
    event.at = now
    db.session.commit()


@dataclass(frozen=True)
class Deadline:
    due_on: date
    issued: datetime | None
    late: bool


def deadline(site, period: Period, now: datetime) -> Deadline:
    """Due by the 5th of the next month: late when issued after it, or not issued and the day has passed."""
    issued = issued_at(site.id, period)
    if issued is not None:
        late = to_local(issued, site.timezone).date() > period.due_on
    else:
        late = local_today(site.timezone, now) > period.due_on
    return Deadline(period.due_on, issued, late)
