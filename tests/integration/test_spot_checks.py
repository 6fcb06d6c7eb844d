"""The monthly spot-check: a recorded, repeatable draw of at least 20% of the month's logs, checked one by one,
signed once with a password; and every refusal."""
from __future__ import annotations

import random
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from app.audit.models import AuditEvent
from app.extensions import db
from app.model_helpers import utcnow
from app.reviews.models import SpotCheck, SpotCheckItem
from app.reviews.spot_checks import results_digest
from tests.concurrency import race
from tests.conftest import PG_URL, csrf_from, login
from tests.integration.supervision_world import add_logs, build_desk

MARCH = date(2025, 3, 1)


@pytest.fixture
def desk(app):
    return build_desk(app)


def _client(app, username):
    client = app.test_client()
    assert login(client, username).status_code == 303
    return client


def _post(client, path, **data):
    return client.post(path, data={"csrf_token": csrf_from(client, "/supervision/spot-checks"), **data})


def _march_logs(app, desk) -> list[int]:
    """23 logs handed in during March 2025 in every state that counts, plus logs that must not be drawn."""
    days = [MARCH + timedelta(days=n) for n in range(31)]
    counted = add_logs(app, desk, days[:12]) + add_logs(app, desk, days[12:20], status="reviewed") \
        + add_logs(app, desk, days[20:23], status="submitted")
    add_logs(app, desk, days[23:26], status="missed")
    add_logs(app, desk, days[26:28], status="in_progress")
    add_logs(app, desk, [date(2025, 4, 1), date(2025, 2, 28)])
    return counted


def _spot(app) -> SpotCheck:
    with app.app_context():
        spot = db.session.scalar(select(SpotCheck))
        spot.items  # noqa: B018 — load them before the session closes
        db.session.expunge_all()
        return spot


def test_draw_takes_at_least_a_fifth_of_the_month_and_can_be_repeated_from_its_seed(app, desk):
    counted = _march_logs(app, desk)
    client = _client(app, "boss")
    response = _post(client, "/supervision/spot-checks", month="2025-03")
    assert response.status_code == 303
    spot = _spot(app)
    assert spot.population == sorted(counted) and spot.population_count == 23
    assert spot.sample_size == 5 and spot.sample_size / 23 >= 0.2  # ceil(23 × 20%)
    sampled = [item.log_id for item in spot.items]
    assert len(set(sampled)) == 5 and set(sampled) <= set(counted)
    assert sampled == random.Random(spot.seed).sample(sorted(counted), 5)  # re-verifiable with the recorded seed
    with app.app_context():
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "spot_check_drawn"))
        assert event.details["seed"] == str(spot.seed) and event.details["sample"] == sampled
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert str(spot.seed) in page and "gives the same logs" in page


def test_a_changed_sample_no_longer_matches_its_seed(app, desk):
    counted = _march_logs(app, desk)
    client = _client(app, "boss")
    _post(client, "/supervision/spot-checks", month="2025-03")
    spot = _spot(app)
    with app.app_context():
        first = db.session.get(SpotCheckItem, spot.items[0].id)
        first.log_id = next(i for i in counted if i not in [item.log_id for item in spot.items])
        db.session.commit()
    page = client.get(f"/supervision/spot-checks/{spot.id}").get_data(as_text=True)
    assert "does not match its record" in page


def test_small_months_still_get_one_log_checked(app, desk):
    add_logs(app, desk, [MARCH, MARCH + timedelta(days=1)])
    _post(_client(app, "boss"), "/supervision/spot-checks", month="2025-03")
    assert _spot(app).sample_size == 1


@pytest.mark.parametrize("month, message", [
    ("2025-05", "nothing to draw"),
    ("2025-13", "2026-10"),
    ("March", "2026-10"),
])
def test_months_that_cannot_be_drawn_are_refused_with_a_message(app, desk, month, message):
    _march_logs(app, desk)
    response = _post(_client(app, "boss"), "/supervision/spot-checks", month=month)
    assert response.status_code in (400, 409)
    assert message in response.get_data(as_text=True)
    assert _spot_count(app) == 0


def test_the_current_month_cannot_be_drawn_before_it_is_over(app, desk):
    from app.patrols.schedules import local_today

    today = local_today("Asia/Shanghai", utcnow())
    add_logs(app, desk, [today])
    response = _post(_client(app, "boss"), "/supervision/spot-checks", month=f"{today.year}-{today.month:02d}")
    assert response.status_code == 409 and "once it is over" in response.get_data(as_text=True)


def _spot_count(app) -> int:
    with app.app_context():
        return len(db.session.scalars(select(SpotCheck)).all())


def test_one_draw_per_site_and_month(app, desk):
    _march_logs(app, desk)
    assert _post(_client(app, "boss"), "/supervision/spot-checks", month="2025-03").status_code == 303
    again = _post(_client(app, "boss2"), "/supervision/spot-checks", month="2025-03")
    assert again.status_code == 409 and "already been drawn" in again.get_data(as_text=True)
    assert _spot_count(app) == 1


@pytest.mark.parametrize("username", ["walker", "clerk", "guard"])
def test_only_supervisors_draw(app, desk, username):
    _march_logs(app, desk)
    assert _post(_client(app, username), "/supervision/spot-checks", month="2025-03").status_code == 403
    assert _spot_count(app) == 0


def _drawn(app, desk) -> SpotCheck:
    _march_logs(app, desk)
    assert _post(_client(app, "boss"), "/supervision/spot-checks", month="2025-03").status_code == 303
    return _spot(app)


def _check(client, spot, item, result, note="", **headers):
    return client.post(f"/supervision/spot-checks/{spot.id}/items/{item.id}",
                       data={"csrf_token": csrf_from(client, "/supervision/spot-checks"), "result": result, "note": note},
                       headers=headers)


def test_admin_may_view_but_not_act(app, desk):
    spot = _drawn(app, desk)
    admin = _client(app, "clerk")
    assert admin.get("/supervision/spot-checks").status_code == 200
    page = admin.get(f"/supervision/spot-checks/{spot.id}").get_data(as_text=True)
    assert "name=\"result\"" not in page and "spot-password" not in page
    assert _check(admin, spot, spot.items[0], "ok").status_code == 403


def test_another_site_cannot_see_or_touch_the_spot_check(app, desk):
    spot = _drawn(app, desk)
    stranger = _client(app, "stranger")
    assert stranger.get(f"/supervision/spot-checks/{spot.id}").status_code == 404
    assert _check(stranger, spot, spot.items[0], "ok").status_code == 404
    assert _post(stranger, f"/supervision/spot-checks/{spot.id}/sign", password="pass-word-1").status_code == 404
    assert str(spot.seed) not in stranger.get("/supervision/spot-checks").get_data(as_text=True)


def test_each_log_is_checked_then_the_whole_is_signed_once(app, desk):
    spot = _drawn(app, desk)
    client = _client(app, "boss")
    items = spot.items
    assert _check(client, spot, items[0], "problem").status_code == 400  # a problem needs a note
    assert _check(client, spot, items[0], "maybe").status_code == 400
    assert _check(client, spot, items[0], "problem", "签名晚于巡查两小时").status_code == 303
    for item in items[1:-1]:
        assert _check(client, spot, item, "ok").status_code == 303
    early = _post(client, f"/supervision/spot-checks/{spot.id}/sign", password="pass-word-1")
    assert early.status_code == 409 and "Check every sampled log" in early.get_data(as_text=True)
    assert _check(client, spot, items[-1], "ok").status_code == 303
    assert _post(client, f"/supervision/spot-checks/{spot.id}/sign", password="wrong").status_code == 401
    assert _spot(app).signed_at is None
    assert _post(client, f"/supervision/spot-checks/{spot.id}/sign", password="pass-word-1").status_code == 303
    signed = _spot(app)
    assert signed.signed_at is not None and signed.signed_full_name == "主管甲"
    with app.app_context():
        fresh = db.session.get(SpotCheck, spot.id)
        assert fresh.results_sha256 == results_digest(fresh)
        assert [i.result for i in fresh.items] == ["problem"] + ["ok"] * (len(items) - 1)
        assert all(i.content_sha256 and i.checked_by_id for i in fresh.items)
        actions = db.session.scalars(select(AuditEvent.action)).all()
        assert actions.count("spot_check_item_checked") == len(items) and actions.count("spot_check_signed") == 1
    again = _post(_client(app, "boss2"), f"/supervision/spot-checks/{spot.id}/sign", password="pass-word-1")
    assert again.status_code == 409 and "already been signed" in again.get_data(as_text=True)
    assert _check(client, spot, items[0], "ok").status_code == 409  # results are fixed once signed
    assert _spot(app).items[0].result == "problem"


def test_htmx_gets_the_item_back_and_the_signing_form_when_all_are_checked(app, desk):
    spot = _drawn(app, desk)
    client = _client(app, "boss")
    for item in spot.items[:-1]:
        _check(client, spot, item, "ok")
    last = spot.items[-1]
    wrong = _check(client, spot, last, "problem", **{"HX-Request": "true"})
    assert wrong.status_code == 400 and f'id="item-{last.id}"' in wrong.get_data(as_text=True)
    assert 'value="problem" checked' in wrong.get_data(as_text=True)  # the choice survives the error
    fragment = _check(client, spot, last, "ok", **{"HX-Request": "true"}).get_data(as_text=True)
    assert "<html" not in fragment and f'id="item-{last.id}"' in fragment
    assert 'id="spot-sign" hx-swap-oob="true"' in fragment and 'name="password"' in fragment


def test_item_of_another_spot_check_is_not_found(app, desk):
    spot = _drawn(app, desk)
    client = _client(app, "boss")
    response = client.post(f"/supervision/spot-checks/{spot.id}/items/999999",
                           data={"csrf_token": csrf_from(client, "/supervision/spot-checks"), "result": "ok"})
    assert response.status_code == 404


def test_two_managers_signing_at_once_sign_once(app, desk):
    from app.reviews.spot_checks import load_spot_check, sign_spot_check

    spot = _drawn(app, desk)
    client = _client(app, "boss")
    for item in spot.items:
        _check(client, spot, item, "ok")
    sign = lambda user, loaded: sign_spot_check(loaded, user, utcnow())  # noqa: E731
    outcomes = race(app, [("boss", sign), ("boss2", sign)], prepare=lambda user: load_spot_check(spot.id))
    assert outcomes.count("ok") == 1, outcomes
    if PG_URL:  # PostgreSQL makes the second wait for the first's row lock, then refuses it cleanly
        assert sorted(map(str, outcomes)) == ["409", "ok"], outcomes
    with app.app_context():
        assert len(db.session.scalars(select(AuditEvent).where(AuditEvent.action == "spot_check_signed")).all()) == 1
