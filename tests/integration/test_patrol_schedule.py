"""Due, overdue and missed rounds with frozen time, across midnight and month ends; gap-free numbering."""
from __future__ import annotations

import threading
from datetime import datetime, time, timedelta

import pytest
from sqlalchemy import select

from app.checklists.catalogue import load_catalogue
from app.extensions import db
from app.patrols.errors import PatrolError
from app.patrols.missed import mark_missed
from app.patrols.models import PatrolLog
from app.patrols.schedules import weekday_mask
from app.patrols.services import due_today
from app.patrols.walking import current_occurrence, start_round
from tests.factories import make_checkpoint, make_round, make_site, make_user

# Shanghai is UTC+8: 2026-11-23 10:00 local is 02:00 UTC.
MON_10 = datetime(2026, 11, 23, 2, 0)


@pytest.fixture
def estate(ctx):
    load_catalogue()
    site = make_site()
    user = make_user("patroller", [site])
    cp = make_checkpoint(site)
    db.session.commit()
    return site, user, cp


def test_due_now_upcoming_and_missed_today(estate):
    site, user, cp = estate
    make_round(site, [cp], [user], windows=[(time(8), time(12))], name="上午")
    make_round(site, [cp], [user], windows=[(time(14), time(18))], name="下午")
    make_round(site, [cp], [user], windows=[(time(6), time(9))], name="清晨")
    db.session.commit()
    states = {d.round.name_zh: d.state(MON_10) for d in due_today(user, site, MON_10)}
    assert states == {"上午": "due", "下午": "upcoming", "清晨": "missed"}


def test_weekly_and_monthly_rounds_only_on_their_days(estate):
    site, user, cp = estate
    make_round(site, [cp], [user], kind="weekly", weekdays=weekday_mask([1]), name="每周二")
    make_round(site, [cp], [user], kind="monthly", month_day=31, name="月底")
    db.session.commit()
    assert due_today(user, site, MON_10) == []
    tuesday = datetime(2026, 11, 24, 2, 0)
    assert [d.round.name_zh for d in due_today(user, site, tuesday)] == ["每周二"]
    month_end = datetime(2026, 11, 30, 2, 0)  # November has 30 days: the 31st falls on the 30th
    assert [d.round.name_zh for d in due_today(user, site, month_end)] == ["月底"]


def test_night_shift_window_crossing_midnight_is_open_after_midnight(estate):
    site, user, cp = estate
    round_ = make_round(site, [cp], [user], kind="shift", windows=[(time(8), time(20)), (time(20), time(8))])
    db.session.commit()
    after_midnight = datetime(2026, 11, 23, 18, 30)  # 02:30 on the 24th, local
    occ = current_occurrence(round_, site.timezone, after_midnight)
    assert occ.position == 1 and occ.local_date.isoformat() == "2026-11-23"
    log = start_round(user, round_, after_midnight)
    assert log.local_date.isoformat() == "2026-11-23" and log.window_position == 1


def test_starting_outside_the_window_is_refused(estate):
    site, user, cp = estate
    round_ = make_round(site, [cp], [user], windows=[(time(14), time(18))])
    db.session.commit()
    with pytest.raises(PatrolError) as refused:
        start_round(user, round_, MON_10)
    assert refused.value.status == 409


def test_missed_windows_are_recorded_even_if_nobody_opened_the_app(estate):
    site, user, cp = estate
    round_ = make_round(site, [cp], [user], windows=[(time(8), time(12))])
    round_.created_at = datetime(2026, 11, 1)
    db.session.commit()
    now = datetime(2026, 11, 25, 2, 0)  # Wednesday 10:00: Sunday..Tuesday windows ended unseen
    marked = mark_missed(site, now, lookback_days=3)
    assert marked == 3  # Sunday, Monday, Tuesday; today's window is still open
    assert mark_missed(site, now, lookback_days=3) == 0  # idempotent
    statuses = db.session.scalars(select(PatrolLog.status)).all()
    assert statuses == ["missed"] * 3


def test_a_window_marked_by_another_worker_meanwhile_is_not_an_error(estate, monkeypatch):
    """Two overview pages mark the same ended window at once: the later flush hits the unique key and backs off."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite has one writer: the second marker waits for the first and then reads its row")
    import app.patrols.missed as missed

    site, user, cp = estate
    round_ = make_round(site, [cp], [user], windows=[(time(8), time(12))])
    round_.created_at = datetime(2026, 11, 1)
    db.session.commit()
    ends = datetime(2026, 11, 22, 4, 0)  # Sunday 12:00 local
    real = missed.occurrences_on

    def the_other_worker_first(round_arg, day, tz):
        if day.isoformat() == "2026-11-22":
            with db.engine.begin() as other:
                other.execute(PatrolLog.__table__.insert().values(
                    site_id=site.id, round_id=round_.id, local_date=day, window_position=0, status="missed",
                    window_starts_at=ends - timedelta(hours=4), window_ends_at=ends))
        return real(round_arg, day, tz)

    monkeypatch.setattr(missed, "occurrences_on", the_other_worker_first)
    assert mark_missed(site, datetime(2026, 11, 23, 2, 0), lookback_days=1) == 0
    monkeypatch.setattr(missed, "occurrences_on", real)
    assert db.session.scalar(select(PatrolLog.status)) == "missed"


def test_round_left_in_progress_is_missed_after_the_grace(estate):
    site, user, cp = estate
    round_ = make_round(site, [cp], [user], windows=[(time(8), time(12))])
    round_.created_at = datetime(2026, 11, 1)
    db.session.commit()
    log = start_round(user, round_, MON_10)
    assert mark_missed(site, datetime(2026, 11, 23, 4, 30), lookback_days=0) == 0  # 12:30: within the grace
    assert mark_missed(site, datetime(2026, 11, 23, 5, 30), lookback_days=0) == 1
    db.session.refresh(log)
    assert log.status == "missed" and log.number  # the number stays: never torn out


def test_month_end_window_crossing_midnight_is_not_missed_early(estate):
    site, user, cp = estate
    round_ = make_round(site, [cp], [user], kind="shift", windows=[(time(20), time(8))])
    round_.created_at = datetime(2026, 12, 1)
    db.session.commit()
    new_year_night = datetime(2026, 12, 31, 17, 0)  # 01:00 on 1 January local
    mark_missed(site, new_year_night, lookback_days=2)
    dates = {log.local_date.isoformat(): log.status for log in db.session.scalars(select(PatrolLog))}
    assert dates == {"2026-12-30": "missed"}  # the 31st's night window is still open


def test_log_numbers_stay_gap_free_under_concurrent_starts(app):
    """Several patrollers start different rounds at the same moment: numbers 1..n, none twice, none skipped."""
    with app.app_context():
        load_catalogue()
        site = make_site()
        users = [make_user("patroller", [site]) for _ in range(6)]
        cp = make_checkpoint(site)
        rounds = [make_round(site, [cp], [u], windows=[(time(8), time(12))]).id for u in users]
        user_ids, site_id = [u.id for u in users], site.id
        db.session.commit()
    barrier, errors = threading.Barrier(len(rounds)), []

    def start(round_id, user_id):
        with app.app_context():
            from app.auth.models import User
            from app.patrols.models import Round

            try:
                round_, user = db.session.get(Round, round_id), db.session.get(User, user_id)
                barrier.wait()
                start_round(user, round_, MON_10)
            except Exception as exc:  # noqa: BLE001 — collected and asserted below
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=start, args=pair) for pair in zip(rounds, user_ids)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with app.app_context():
        numbers = sorted(db.session.scalars(select(PatrolLog.number).where(PatrolLog.site_id == site_id)))
    assert numbers == [f"XC-2026-{n:06d}" for n in range(1, len(rounds) + 1)]


def test_mark_missed_command_for_cron(app):
    with app.app_context():
        load_catalogue()
        site = make_site()
        user = make_user("patroller", [site])
        round_ = make_round(site, [make_checkpoint(site)], [user], windows=[(time(0, 0), time(0, 1))])
        round_.created_at -= timedelta(days=30)
        db.session.commit()
    result = app.test_cli_runner().invoke(args=["mark-missed"])
    assert result.exit_code == 0 and "missed rounds recorded: " in result.output
    assert int(result.output.rsplit(":", 1)[1]) >= 7  # a week of ended windows, at any time of day


def test_last_nights_window_still_shows_after_midnight(estate):
    site, user, cp = estate
    make_round(site, [cp], [user], kind="shift", windows=[(time(8), time(20)), (time(20), time(8))])
    db.session.commit()
    after_midnight = datetime(2026, 11, 23, 18, 30)  # 02:30 on the 24th, local
    due = [(d.occurrence.local_date.isoformat(), d.occurrence.position, d.state(after_midnight))
           for d in due_today(user, site, after_midnight)]
    assert due[0] == ("2026-11-23", 1, "due")
    assert ("2026-11-24", 0, "upcoming") in due


def test_a_new_round_has_no_missed_past(estate):
    site, user, cp = estate
    round_ = make_round(site, [cp], [user], windows=[(time(8), time(12))])
    round_.created_at = datetime(2026, 11, 23, 1, 0)  # Monday 09:00 local, inside the window
    db.session.commit()
    assert mark_missed(site, datetime(2026, 11, 25, 2, 0)) == 2  # Monday and Tuesday only


def test_editing_windows_keeps_a_log_under_way_on_its_window(estate):
    from app.patrols.round_services import save_round

    site, user, cp = estate
    round_ = make_round(site, [cp], [user], windows=[(time(8), time(12))])
    round_.created_at = datetime(2026, 11, 1)
    db.session.commit()
    log = start_round(user, round_, MON_10)
    save_round(site.id, {"name_zh": "早巡", "name_en": "Early", "schedule_kind": "daily", "weekdays": [], "month_day": None,
                         "assignee_ids": [user.id], "team_id": None,
                         "windows": [{"starts": time(6), "ends": time(7)}, {"starts": time(8), "ends": time(12)}]},
               user, round_)
    due = {(d.occurrence.position, d.state(MON_10)) for d in due_today(user, site, MON_10)}
    assert (log.window_position, "in_progress") in due  # still matched, not re-labelled as a new window
    assert mark_missed(site, MON_10, lookback_days=0) == 1  # only the new 06:00–07:00 window is missed
    db.session.refresh(log)
    assert log.status == "in_progress"
