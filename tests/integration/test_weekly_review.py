"""The supervisor's weekly review: the week's logs signed by both colleagues, approved all at once with one password
(each log its own signature, the set signed as a whole), and every refusal."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.audit.models import AuditEvent
from app.extensions import db
from app.model_helpers import utcnow
from app.patrols.models import PatrolLog
from app.reviews.models import ReviewBatch
from app.reviews.periods import IsoWeek
from app.signoff.content import content_hash
from app.signoff.models import Signature
from tests.concurrency import race
from tests.conftest import PG_URL, csrf_from, login
from tests.integration.supervision_world import add_logs, build_desk, days_of_week

WEEK = IsoWeek(2025, 10)  # Monday 3 March 2025


@pytest.fixture
def desk(app):
    return build_desk(app)


def _client(app, username):
    client = app.test_client()
    assert login(client, username).status_code == 303
    return client


def _review_all(client, ids, password="pass-word-1", week=WEEK):
    token = csrf_from(client, f"/supervision/weekly?week={week}")
    return client.post("/supervision/weekly", data={"csrf_token": token, "week": str(week), "password": password,
                                                    "log_id": [str(i) for i in ids]})


def _reviewed(app, ids):
    """log id → (status, the reviewer's user id or None)."""
    with app.app_context():
        out = {}
        for log_id in ids:
            log = db.session.get(PatrolLog, log_id)
            sig = db.session.scalar(select(Signature).where(Signature.log_id == log_id, Signature.meaning == "reviewed"))
            out[log_id] = (log.status, sig.user_id if sig else None)
        return out


def _batches(app):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(ReviewBatch))


def test_week_page_lists_logs_to_review_and_reviewed_ones(app, desk):
    pending = add_logs(app, desk, days_of_week(WEEK.first, 3), with_failure=True)
    reviewed = add_logs(app, desk, [WEEK.first + timedelta(days=4)], status="reviewed")
    waiting = add_logs(app, desk, [WEEK.first + timedelta(days=5)], status="submitted")
    outside = add_logs(app, desk, [WEEK.last + timedelta(days=1)])
    page = _client(app, "boss").get(f"/supervision/weekly?week={WEEK}").get_data(as_text=True)
    form = page.split('id="review-all"')[1].split("</form>")[0]
    assert all(f'name="log_id" value="{i}"' in form for i in pending)
    assert not any(f'value="{i}"' in form for i in reviewed + waiting + outside)
    assert "1 failed" in form  # each listed log shows its failures
    with app.app_context():
        numbers = {i: db.session.get(PatrolLog, i).number for i in reviewed + outside}
    assert numbers[reviewed[0]] in page and numbers[outside[0]] not in page
    assert "1 waiting for signatures" in page


def test_review_all_signs_each_log_and_the_set_in_one_go(app, desk):
    ids = add_logs(app, desk, days_of_week(WEEK.first, 4))
    response = _review_all(_client(app, "boss"), ids)
    assert response.status_code == 303
    with app.app_context():
        boss_id = db.session.scalar(select(Signature.user_id).where(Signature.meaning == "reviewed").limit(1))
    assert _reviewed(app, ids) == {i: ("reviewed", boss_id) for i in ids}
    with app.app_context():
        from app.reviews.weekly import set_digest

        batch = db.session.scalar(select(ReviewBatch))
        logs = [db.session.get(PatrolLog, i) for i in ids]
        expected = set_digest([(log.id, content_hash(log)) for log in logs])
        signatures = db.session.scalars(select(Signature).where(Signature.meaning == "reviewed")).all()
        assert batch.log_ids == sorted(ids) and batch.log_count == 4 and batch.supervisor_id == boss_id
        assert (batch.iso_year, batch.iso_week) == (2025, 10)
        assert batch.set_sha256 == expected
        assert all(s.content_sha256 == content_hash(db.session.get(PatrolLog, s.log_id)) for s in signatures)
        actions = db.session.scalars(select(AuditEvent.action)).all()
        assert actions.count("log_reviewed") == 4 and actions.count("weekly_review_signed") == 1


def test_set_digest_does_not_depend_on_order_but_on_every_pair():
    from app.reviews.weekly import set_digest

    pairs = [(3, "a" * 64), (1, "b" * 64), (2, "c" * 64)]
    assert set_digest(pairs) == set_digest(list(reversed(pairs)))
    assert set_digest(pairs) != set_digest(pairs[:2])
    assert set_digest(pairs) != set_digest([(3, "d" * 64)] + pairs[1:])


def test_wrong_password_signs_nothing(app, desk):
    ids = add_logs(app, desk, days_of_week(WEEK.first, 2))
    response = _review_all(_client(app, "boss"), ids, password="not-mine")
    assert response.status_code == 401
    assert "Wrong username or password" in response.get_data(as_text=True)
    assert {s for s, _u in _reviewed(app, ids).values()} == {"signed"} and _batches(app) == 0


@pytest.mark.parametrize("username", ["walker", "clerk", "guard"])
def test_other_roles_cannot_review(app, desk, username):
    ids = add_logs(app, desk, days_of_week(WEEK.first, 2))
    client = _client(app, username)
    token = csrf_from(client, "/account/pin")
    response = client.post("/supervision/weekly", data={"csrf_token": token, "week": str(WEEK), "password": "pass-word-1",
                                                        "log_id": [str(i) for i in ids]})
    assert response.status_code == 403
    assert {s for s, _u in _reviewed(app, ids).values()} == {"signed"} and _batches(app) == 0


def test_supervisor_of_another_site_cannot_review_its_logs(app, desk):
    ids = add_logs(app, desk, days_of_week(WEEK.first, 2))
    client = _client(app, "stranger")
    page = client.get(f"/supervision/weekly?week={WEEK}").get_data(as_text=True)
    assert f'value="{ids[0]}"' not in page
    response = _review_all(client, ids)
    assert response.status_code == 400
    assert {s for s, _u in _reviewed(app, ids).values()} == {"signed"} and _batches(app) == 0


def test_a_log_not_signed_by_both_spoils_the_whole_list(app, desk):
    signed = add_logs(app, desk, days_of_week(WEEK.first, 2))
    half = add_logs(app, desk, [WEEK.first + timedelta(days=3)], status="submitted")
    response = _review_all(_client(app, "boss"), signed + half)
    assert response.status_code == 409
    assert "Nothing was signed" in response.get_data(as_text=True)
    assert _reviewed(app, signed + half) == {signed[0]: ("signed", None), signed[1]: ("signed", None),
                                             half[0]: ("submitted", None)}
    assert _batches(app) == 0


def test_reviewing_the_same_list_twice_is_refused(app, desk):
    ids = add_logs(app, desk, days_of_week(WEEK.first, 2))
    client = _client(app, "boss")
    assert _review_all(client, ids).status_code == 303
    again = _review_all(_client(app, "boss2"), ids)
    assert again.status_code == 409
    assert _batches(app) == 1
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Signature).where(Signature.meaning == "reviewed")) == 2


def test_a_supervisor_who_signed_a_log_leaves_it_to_another(app, desk):
    theirs = add_logs(app, desk, [WEEK.first], witness="boss")
    others = add_logs(app, desk, [WEEK.first + timedelta(days=1)])
    client = _client(app, "boss")
    page = client.get(f"/supervision/weekly?week={WEEK}").get_data(as_text=True)
    form = page.split('id="review-all"')[1].split("</form>")[0]
    assert f'value="{others[0]}"' in form and f'value="{theirs[0]}"' not in form
    assert "Signed by you" in page
    response = _review_all(client, theirs + others)
    assert response.status_code == 403
    assert _reviewed(app, theirs + others) == {theirs[0]: ("signed", None), others[0]: ("signed", None)}
    assert _review_all(_client(app, "boss2"), theirs).status_code == 303


@pytest.mark.parametrize("data, status", [
    ({"week": "2025-W99", "log_id": ["1"]}, 400),
    ({"week": "last week", "log_id": ["1"]}, 400),
    ({"week": str(WEEK), "log_id": ["abc"]}, 400),
    ({"week": str(WEEK), "log_id": ["99999999999"]}, 400),
    ({"week": str(WEEK)}, 400),
    ({"week": str(WEEK), "log_id": [str(n) for n in range(1, 102)]}, 400),
])
def test_bad_lists_are_refused_with_a_message(app, desk, data, status):
    add_logs(app, desk, [WEEK.first])
    client = _client(app, "boss")
    response = client.post("/supervision/weekly", data={"csrf_token": csrf_from(client, "/supervision/weekly"),
                                                        "password": "pass-word-1", **data})
    assert response.status_code == status
    assert _batches(app) == 0


def test_bad_week_in_the_address_is_400(app, desk):
    client = _client(app, "boss")
    assert client.get("/supervision/weekly?week=2025-W60").status_code == 400
    assert client.get("/supervision/weekly?week=%00").status_code == 400


def test_default_week_is_last_week_while_it_has_logs_to_review(app, desk):
    from app.patrols.schedules import local_today

    today = local_today("Asia/Shanghai", utcnow())
    last_week = IsoWeek.of(today).shifted(-1)
    client = _client(app, "boss")
    assert f'value="{IsoWeek.of(today)}"' in client.get("/supervision/weekly").get_data(as_text=True)
    add_logs(app, desk, [last_week.first])
    assert f'value="{last_week}"' in client.get("/supervision/weekly").get_data(as_text=True)


def test_one_by_one_approval_shows_as_reviewed_in_the_week(app, desk):
    ids = add_logs(app, desk, days_of_week(WEEK.first, 2))
    client = _client(app, "boss")
    token = csrf_from(client, f"/sign/logs/{ids[0]}")
    assert client.post(f"/sign/logs/{ids[0]}/reviewed", data={"csrf_token": token, "password": "pass-word-1"}).status_code == 303
    page = client.get(f"/supervision/weekly?week={WEEK}").get_data(as_text=True)
    form = page.split('id="review-all"')[1].split("</form>")[0]
    assert f'value="{ids[1]}"' in form and f'value="{ids[0]}"' not in form
    assert "1 reviewed log" in page


def test_two_supervisors_reviewing_the_same_list_at_once_one_wins(app, desk):
    from app.reviews.weekly import review_week
    from app.sites.models import Site

    ids = add_logs(app, desk, days_of_week(WEEK.first, 5))
    review = lambda user, site: review_week(site, user, WEEK, ids, utcnow())  # noqa: E731
    outcomes = race(app, [("boss", review), ("boss2", review)], prepare=lambda user: db.session.get(Site, desk.site_id))
    assert outcomes.count("ok") == 1, outcomes
    if PG_URL:  # PostgreSQL makes the second wait for the first's row lock, then refuses it cleanly
        assert sorted(map(str, outcomes)) == ["409", "ok"], outcomes
    assert _batches(app) == 1
    reviewers = {reviewer for _status, reviewer in _reviewed(app, ids).values()}
    assert len(reviewers) == 1 and None not in reviewers  # every log by the winner, none by the loser
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Signature).where(Signature.meaning == "reviewed")) == 5
