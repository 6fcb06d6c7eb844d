"""Rules for setting up rounds: window overlap, schedule wording, saving, stops and their order."""
from __future__ import annotations

from datetime import time

from babel.dates import get_day_names
from flask_babel import gettext as _, lazy_gettext as _l
from sqlalchemy import func, select

from app.audit.services import record
from app.auth.models import User, user_sites
from app.checklists.models import ChecklistTemplate
from app.extensions import db
from app.patrols.models import Round, RoundCheckpoint, RoundWindow
from app.patrols.schedules import weekday_mask
from app.sites.models import Checkpoint
from app.work_orders.models import Team

DAY_MINUTES = 24 * 60


class RoundError(Exception):
    """A rule the input broke, for showing beside `field`."""

    def __init__(self, field: str, message):
        super().__init__(str(message))
        self.field = field
        self.message = str(message)


# --- pure rules ---------------------------------------------------------------------------------

def _span(starts: time, ends: time) -> tuple[int, int]:
    start, end = starts.hour * 60 + starts.minute, ends.hour * 60 + ends.minute
    return start, end + DAY_MINUTES if end <= start else end


def windows_overlap(windows: list[tuple[time, time]]) -> tuple[int, int] | None:
    """The first pair of windows (indexes) that overlap on the 24-hour clock, else None.

    An end at or before the start runs past midnight; touching windows (08–10, 10–12) do not overlap.
    """
    spans = [_span(starts, ends) for starts, ends in windows]
    for i, (a0, a1) in enumerate(spans):
        for j in range(i + 1, len(spans)):
            b0, b1 = spans[j]
            if any(a0 < b1 + shift and b0 + shift < a1 for shift in (-DAY_MINUTES, 0, DAY_MINUTES)):
                return i, j
    return None


def weekday_list(mask: int) -> list[int]:
    return [day for day in range(7) if mask & (1 << day)]


def weekday_names(lang: str) -> dict[int, str]:
    """Short weekday names: 一 … 日 in Chinese (after 每周/周), Mon … Sun in English."""
    names = get_day_names("abbreviated", locale="en") if lang == "en" else get_day_names("narrow", locale="zh_CN")
    return {day: names[day] for day in range(7)}  # Monday first, as date.weekday()


def describe_window(starts: time, ends: time, label: str | None = None) -> str:
    start, end = starts.strftime("%H:%M"), ends.strftime("%H:%M")
    text = _("%(start)s–%(end)s next day", start=start, end=end) if ends <= starts else f"{start}–{end}"
    return f"{label} {text}" if label else text


def describe_schedule(kind: str, weekdays: int, month_day: int | None,
                      windows: list[tuple[time, time, str | None]], lang: str) -> str:
    """The schedule in words, e.g. 每周一、四 09:00–17:00 or Every shift: Morning 08:00–10:00; …"""
    spans = ("；" if lang != "en" else "; ").join(describe_window(*window) for window in windows)
    if kind == "weekly":
        names = weekday_names(lang)
        days = ("、" if lang != "en" else ", ").join(names[day] for day in weekday_list(weekdays))
        return _("Weekly on %(days)s %(windows)s", days=days, windows=spans).strip()
    if kind == "monthly":
        return _("Monthly on day %(day)d %(windows)s", day=month_day or 0, windows=spans).strip()
    if kind == "shift":
        return _("Every shift: %(windows)s", windows=spans).strip()
    return _("Daily %(windows)s", windows=spans).strip()


def round_description(round_: Round, lang: str) -> str:
    windows = [(w.starts, w.ends, (w.label_en if lang == "en" else w.label_zh) or w.label_zh or w.label_en)
               for w in round_.windows]
    return describe_schedule(round_.schedule_kind, round_.weekdays, round_.month_day, windows, lang)


# --- queries ------------------------------------------------------------------------------------

def site_rounds(site_id: int):
    """The rounds of a site, active first."""
    return select(Round).where(Round.site_id == site_id).order_by(Round.active.desc(), Round.id)


def stop_counts(round_ids: list[int]) -> dict[int, int]:
    if not round_ids:
        return {}
    rows = db.session.execute(select(RoundCheckpoint.round_id, func.count()).where(RoundCheckpoint.round_id.in_(round_ids))
                              .group_by(RoundCheckpoint.round_id))
    return dict(rows.all())


def site_patrollers(site_id: int) -> list[User]:
    members = select(user_sites.c.user_id).where(user_sites.c.site_id == site_id)
    return list(db.session.scalars(select(User).where(User.id.in_(members), User.role == "patroller", User.active.is_(True))
                                   .order_by(User.full_name, User.id)))


def site_teams(site_id: int) -> list[Team]:
    return list(db.session.scalars(select(Team).where(Team.site_id == site_id).order_by(Team.id)))


def checkpoints_to_add(round_: Round) -> list[Checkpoint]:
    """Active checkpoints of the round's site that are not yet stops of it."""
    taken = select(RoundCheckpoint.checkpoint_id).where(RoundCheckpoint.round_id == round_.id)
    return list(db.session.scalars(select(Checkpoint).where(Checkpoint.site_id == round_.site_id, Checkpoint.active.is_(True),
                                                            Checkpoint.id.not_in(taken)).order_by(Checkpoint.code)))


def active_templates() -> list[ChecklistTemplate]:
    return list(db.session.scalars(select(ChecklistTemplate).where(ChecklistTemplate.active.is_(True))
                                   .order_by(ChecklistTemplate.id)))


# --- changes ------------------------------------------------------------------------------------

def _assignees(site_id: int, user_ids: list[int]) -> list[User]:
    allowed = {user.id: user for user in site_patrollers(site_id)}
    if any(user_id not in allowed for user_id in user_ids):
        raise RoundError("assignee_ids", _l("Choose patrollers of this site."))
    return [allowed[user_id] for user_id in sorted(set(user_ids))]


def _team(site_id: int, team_id: int | None) -> Team | None:
    if team_id is None:
        return None
    team = db.session.get(Team, team_id)
    if team is None or team.site_id != site_id:
        raise RoundError("team_id", _l("Choose a team of this site."))
    return team


def save_round(site_id: int, data: dict, actor, round_: Round | None = None) -> Round:
    """Create a round or replace an existing one's schedule, windows and assignees, in one transaction."""
    assignees, team = _assignees(site_id, data["assignee_ids"]), _team(site_id, data.get("team_id"))
    creating = round_ is None
    if round_ is None:
        round_ = Round(site_id=site_id)
        db.session.add(round_)
    kind = data["schedule_kind"]
    round_.name_zh, round_.name_en, round_.schedule_kind = data["name_zh"], data["name_en"], kind
    round_.weekdays = weekday_mask(data["weekdays"]) if kind == "weekly" else 0
    round_.month_day = data["month_day"] if kind == "monthly" else None
    round_.assigned_team_id = team.id if team else None
    round_.assignees = assignees
    # Logs are keyed by window position: an unchanged window keeps its position, a new one takes a fresh one,
    # so editing a schedule never re-labels a log under way.
    kept = {(w.starts, w.ends): w.position for w in round_.windows}
    fresh = max(kept.values(), default=-1) + 1
    if round_.windows:
        round_.windows.clear()
        db.session.flush()  # the old rows go before new ones take their (round, position) keys
    ordered = sorted(data["windows"], key=lambda w: (w["starts"], w["ends"]))
    windows = []
    for w in ordered:
        position = kept.get((w["starts"], w["ends"]))
        if position is None:
            position, fresh = fresh, fresh + 1
        windows.append(RoundWindow(position=position, starts=w["starts"], ends=w["ends"], label_zh=w.get("label_zh"),
                                   label_en=w.get("label_en")))
    round_.windows = windows
    record("round_created" if creating else "round_updated", round_, actor=actor, name=round_.name_zh,
           schedule_kind=kind, windows=[f"{w['starts']:%H:%M}-{w['ends']:%H:%M}" for w in ordered],
           assignees=[user.id for user in assignees], team_id=round_.assigned_team_id)
    db.session.commit()
    return round_


def set_round_active(round_: Round, active: bool, actor) -> None:
    """Retire or reactivate; a retired round is no longer due and keeps its logs."""
    round_.active = active
    record("round_reactivated" if active else "round_retired", round_, actor=actor)
    db.session.commit()


def _renumber(stops: list[RoundCheckpoint]) -> None:
    """Positions 1..n in list order, stepping through negatives so (round, position) stays unique."""
    for pos, stop in enumerate(stops, start=1):
        stop.position = -pos
    db.session.flush()
    for pos, stop in enumerate(stops, start=1):
        stop.position = pos
    db.session.flush()


def default_template(category: str) -> ChecklistTemplate | None:
    return db.session.scalar(select(ChecklistTemplate).where(ChecklistTemplate.checkpoint_category == category,
                                                             ChecklistTemplate.active.is_(True))
                             .order_by(ChecklistTemplate.id).limit(1))


def add_stop(round_: Round, checkpoint_id: int, template_id: int | None, actor) -> RoundCheckpoint:
    """Append a checkpoint with its template (by default the one made for the checkpoint's category)."""
    checkpoint = db.session.get(Checkpoint, checkpoint_id)
    if checkpoint is None or checkpoint.site_id != round_.site_id or not checkpoint.active:
        raise RoundError("checkpoint_id", _l("Choose an active checkpoint of this site."))
    if any(stop.checkpoint_id == checkpoint.id for stop in round_.stops):
        raise RoundError("checkpoint_id", _l("This checkpoint is already a stop of the round."))
    if template_id is None:
        template = default_template(checkpoint.category)
        if template is None:
            raise RoundError("template_id", _l("No checklist is made for this kind of checkpoint: choose one."))
    else:
        template = db.session.get(ChecklistTemplate, template_id)
        if template is None or not template.active:
            raise RoundError("template_id", _l("Choose an active checklist."))
    stop = RoundCheckpoint(checkpoint=checkpoint, template=template,
                           position=max((s.position for s in round_.stops), default=0) + 1)
    round_.stops.append(stop)
    record("round_stop_added", round_, actor=actor, checkpoint_id=checkpoint.id, template_id=template.id,
           position=stop.position)
    db.session.commit()
    return stop


def remove_stop(round_: Round, stop: RoundCheckpoint, actor) -> None:
    """Take a checkpoint off the round; logs already made keep the visits they recorded."""
    details = {"checkpoint_id": stop.checkpoint_id, "template_id": stop.template_id, "position": stop.position}
    remaining = [s for s in round_.stops if s.id != stop.id]
    round_.stops.remove(stop)
    db.session.flush()
    _renumber(remaining)
    record("round_stop_removed", round_, actor=actor, **details)
    db.session.commit()


def move_stop(round_: Round, stop: RoundCheckpoint, direction: str, actor) -> bool:
    """Swap a stop with its neighbour up or down; False when it is already at that end."""
    stops = list(round_.stops)
    index = stops.index(stop)
    other = index - 1 if direction == "up" else index + 1
    if not 0 <= other < len(stops):
        return False
    stops[index], stops[other] = stops[other], stops[index]
    _renumber(stops)
    record("round_stop_moved", round_, actor=actor, checkpoint_id=stop.checkpoint_id, position=stop.position)
    db.session.commit()
    return True
