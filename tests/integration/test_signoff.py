"""Two-person sign-off: re-authentication, distinct people, locking, hash check, one-time co-sign QR."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.patrols.models import Answer, PatrolLog
from app.signoff.models import CosignToken, Signature
from tests.concurrency import race
from tests.conftest import csrf_from, login
from tests.factories import make_user
from tests.integration.patrol_world import build_world
from tests.integration.test_patrol_walk import _answer_all, _log, _token


@pytest.fixture
def submitted(app, client):
    """The walker's log, complete and submitted; the client is signed in as the walker."""
    world = build_world(app)
    login(client, world.patroller)
    for index in range(4):
        _answer_all(app, client, world, index)
    log = _log(app, world.round_id)
    assert client.post(f"/patrol/logs/{log.id}/submit", data={"csrf_token": _token(client)}).headers["Location"].endswith(
        f"/sign/logs/{log.id}")
    return world, log.id


def _post(client, path, **data):
    return client.post(path, data={"csrf_token": csrf_from(client, "/patrol/"), **data})


def _signatures(app, log_id):
    with app.app_context():
        return {s.meaning: s.user_id for s in db.session.scalars(select(Signature).where(Signature.log_id == log_id))}


def _status(app, log_id):
    with app.app_context():
        return db.session.get(PatrolLog, log_id).status


def test_both_sign_on_one_phone_and_the_log_locks(app, client, submitted):
    world, log_id = submitted
    page = client.get(f"/sign/logs/{log_id}").get_data(as_text=True)
    assert "name=\"password\"" in page
    _post(client, f"/sign/logs/{log_id}/performed", password="pass-word-1")
    assert set(_signatures(app, log_id)) == {"performed"} and _status(app, log_id) == "submitted"
    _post(client, f"/sign/logs/{log_id}/witnessed", username=world.colleague, password="pass-word-1")
    assert set(_signatures(app, log_id)) == {"performed", "witnessed"}
    assert _status(app, log_id) == "signed"
    assert "已失效" not in client.get(f"/sign/logs/{log_id}").get_data(as_text=True)


def test_wrong_password_signs_nothing(app, client, submitted):
    world, log_id = submitted
    _post(client, f"/sign/logs/{log_id}/performed", password="not-mine")
    _post(client, f"/sign/logs/{log_id}/witnessed", username=world.colleague, password="not-theirs")
    _post(client, f"/sign/logs/{log_id}/witnessed", username="nobody", password="pass-word-1")
    assert _signatures(app, log_id) == {}


def test_patroller_cannot_witness_their_own_log(app, client, submitted):
    world, log_id = submitted
    _post(client, f"/sign/logs/{log_id}/witnessed", username=world.patroller, password="pass-word-1")
    assert _signatures(app, log_id) == {}


def test_signer_of_another_site_is_refused(app, client, submitted):
    world, log_id = submitted
    _post(client, f"/sign/logs/{log_id}/witnessed", username=world.outsider, password="pass-word-1")
    assert _signatures(app, log_id) == {}


def test_maintenance_staff_cannot_witness(app, client, submitted):
    world, log_id = submitted
    with app.app_context():
        from app.sites.models import Site

        make_user("maintenance", [db.session.get(Site, world.site_id)], username="fixer")
        db.session.commit()
    _post(client, f"/sign/logs/{log_id}/witnessed", username="fixer", password="pass-word-1")
    assert _signatures(app, log_id) == {}


def test_the_same_part_cannot_be_signed_twice(app, client, submitted):
    world, log_id = submitted
    _post(client, f"/sign/logs/{log_id}/witnessed", username=world.colleague, password="pass-word-1")
    with app.app_context():
        from app.sites.models import Site

        make_user("supervisor", [db.session.get(Site, world.site_id)], username="boss")
        db.session.commit()
    _post(client, f"/sign/logs/{log_id}/witnessed", username="boss", password="pass-word-1")
    assert _signatures(app, log_id)["witnessed"] != _user_id(app, "boss")


def _user_id(app, username):
    with app.app_context():
        from app.auth.models import User

        return db.session.scalar(select(User.id).where(User.username == username))


def test_an_in_progress_log_cannot_be_signed(app, client):
    world = build_world(app)
    login(client, world.patroller)
    client.post(f"/patrol/rounds/{world.round_id}/start", data={"csrf_token": _token(client)})
    log = _log(app, world.round_id)
    _post(client, f"/sign/logs/{log.id}/performed", password="pass-word-1")
    assert _signatures(app, log.id) == {}


def test_edited_content_shows_signature_invalid(app, client, submitted):
    world, log_id = submitted
    _post(client, f"/sign/logs/{log_id}/performed", password="pass-word-1")
    with app.app_context():
        answer = db.session.scalar(select(Answer).limit(1))
        answer.note = "事后篡改"
        db.session.commit()
    page = client.get(f"/sign/logs/{log_id}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Signature invalid" in page


def test_cosign_qr_is_single_use(app, client, submitted):
    world, log_id = submitted
    page = _post(client, f"/sign/logs/{log_id}/cosign-code").get_data(as_text=True)
    assert "<svg" in page
    token = re.search(r"/sign/cosign/([A-Za-z0-9_-]+)", page).group(1)
    colleague = app.test_client()
    login(colleague, world.colleague)
    assert colleague.get(f"/sign/cosign/{token}").status_code == 200
    colleague.post(f"/sign/cosign/{token}", data={"password": "pass-word-1", "csrf_token": csrf_from(colleague, "/patrol/")})
    assert _signatures(app, log_id) == {"witnessed": _user_id(app, world.colleague)}
    replay = colleague.get(f"/sign/cosign/{token}")
    assert replay.status_code == 410


def test_expired_cosign_qr_is_refused(app, client, submitted):
    world, log_id = submitted
    page = _post(client, f"/sign/logs/{log_id}/cosign-code").get_data(as_text=True)
    token = re.search(r"/sign/cosign/([A-Za-z0-9_-]+)", page).group(1)
    with app.app_context():
        for row in db.session.scalars(select(CosignToken)):
            row.expires_at -= timedelta(minutes=10)
        db.session.commit()
    colleague = app.test_client()
    login(colleague, world.colleague)
    response = colleague.post(f"/sign/cosign/{token}", data={"password": "pass-word-1",
                                                              "csrf_token": csrf_from(colleague, "/patrol/")})
    assert response.status_code == 410
    assert _signatures(app, log_id) == {}


def test_patroller_cannot_use_their_own_cosign_qr(app, client, submitted):
    world, log_id = submitted
    page = _post(client, f"/sign/logs/{log_id}/cosign-code").get_data(as_text=True)
    token = re.search(r"/sign/cosign/([A-Za-z0-9_-]+)", page).group(1)
    client.post(f"/sign/cosign/{token}", data={"password": "pass-word-1", "csrf_token": csrf_from(client, "/patrol/")})
    assert _signatures(app, log_id) == {}
    with app.app_context():
        assert db.session.scalar(select(CosignToken.used_at)) is None  # refused: the code stays usable


def test_signing_failures_are_throttled(app, client, submitted):
    world, log_id = submitted
    for _ in range(5):
        _post(client, f"/sign/logs/{log_id}/witnessed", username=world.colleague, password="wrong-wrong")
    _post(client, f"/sign/logs/{log_id}/witnessed", username=world.colleague, password="pass-word-1")
    assert _signatures(app, log_id) == {}


def test_other_site_cannot_open_the_sign_page(app, client, submitted):
    world, log_id = submitted
    other = app.test_client()
    login(other, world.outsider)
    assert other.get(f"/sign/logs/{log_id}").status_code == 404


def test_supervisor_approves_only_after_both_signatures(app, client, submitted):
    world, log_id = submitted
    with app.app_context():
        from app.sites.models import Site

        make_user("supervisor", [db.session.get(Site, world.site_id)], username="boss")
        db.session.commit()
    boss = app.test_client()
    login(boss, "boss")
    _post(boss, f"/sign/logs/{log_id}/reviewed", password="pass-word-1")
    assert _status(app, log_id) == "submitted"  # not signed yet: refused
    _post(client, f"/sign/logs/{log_id}/performed", password="pass-word-1")
    _post(client, f"/sign/logs/{log_id}/witnessed", username=world.colleague, password="pass-word-1")
    _post(client, f"/sign/logs/{log_id}/reviewed", password="pass-word-1")  # a patroller cannot approve
    assert _status(app, log_id) == "signed"
    _post(boss, f"/sign/logs/{log_id}/reviewed", password="wrong-one")
    assert _status(app, log_id) == "signed"
    _post(boss, f"/sign/logs/{log_id}/reviewed", password="pass-word-1")
    assert _status(app, log_id) == "reviewed"
    assert _signatures(app, log_id)["reviewed"] == _user_id(app, "boss")


def test_colleague_signs_with_a_personal_pin(app, client, submitted):
    world, log_id = submitted
    colleague = app.test_client()
    login(colleague, world.colleague)
    token = csrf_from(colleague, "/patrol/")
    weak = colleague.post("/account/pin", data={"csrf_token": token, "password": "pass-word-1", "pin": "123456", "pin_again": "123456"})
    assert weak.status_code == 400
    wrong = colleague.post("/account/pin", data={"csrf_token": token, "password": "nope", "pin": "274913", "pin_again": "274913"})
    assert wrong.status_code == 400
    assert colleague.post("/account/pin", data={"csrf_token": token, "password": "pass-word-1", "pin": "274913",
                                                "pin_again": "274913"}).status_code == 303
    _post(client, f"/sign/logs/{log_id}/witnessed", username=world.colleague, password="274913")
    assert _signatures(app, log_id) == {"witnessed": _user_id(app, world.colleague)}
    assert login(app.test_client(), world.colleague, "274913").status_code == 401  # a PIN is not a password


def test_performer_and_witness_signing_at_once_lock_the_log(app, client, submitted):
    import threading

    from app.auth.models import User
    from app.model_helpers import utcnow
    from app.patrols.errors import PatrolError
    from app.signoff.services import sign

    world, log_id = submitted
    barrier, outcomes = threading.Barrier(2), []

    def signing(username, meaning):
        with app.app_context():
            user = db.session.scalar(select(User).where(User.username == username))
            log = db.session.get(PatrolLog, log_id)
            barrier.wait()
            try:
                sign(log, user, meaning, utcnow())
                outcomes.append("ok")
            except PatrolError as exc:
                outcomes.append(exc.status)
            except Exception as exc:  # noqa: BLE001 — SQLite may refuse the second writer as locked
                outcomes.append(type(exc).__name__)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=signing, args=pair) for pair in ((world.patroller, "performed"), (world.colleague, "witnessed"))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    signed = _signatures(app, log_id)
    if outcomes == ["ok", "ok"]:
        assert _status(app, log_id) == "signed"  # never two signatures on an unlocked log
    else:
        assert len(signed) == 1 and _status(app, log_id) == "submitted"  # the loser may simply sign again
    assert len(signed) == outcomes.count("ok")


def test_a_signer_cannot_also_approve(app, client, submitted):
    world, log_id = submitted
    with app.app_context():
        from app.sites.models import Site

        make_user("supervisor", [db.session.get(Site, world.site_id)], username="boss")
        db.session.commit()
    _post(client, f"/sign/logs/{log_id}/performed", password="pass-word-1")
    _post(client, f"/sign/logs/{log_id}/witnessed", username="boss", password="pass-word-1")
    boss = app.test_client()
    login(boss, "boss")
    _post(boss, f"/sign/logs/{log_id}/reviewed", password="pass-word-1")
    assert _status(app, log_id) == "signed"


def test_two_colleagues_witnessing_at_once_one_wins(app, client, submitted):
    from app.model_helpers import utcnow
    from app.signoff.services import sign

    world, log_id = submitted
    with app.app_context():
        from app.sites.models import Site

        make_user("patroller", [db.session.get(Site, world.site_id)], username="third")
        db.session.commit()

    def witness(user, _prepared):
        sign(db.session.get(PatrolLog, log_id), user, "witnessed", utcnow())

    outcomes = race(app, [(world.colleague, witness), ("third", witness)])
    assert outcomes.count("ok") == 1
    assert list(_signatures(app, log_id)) == ["witnessed"]


def test_correcting_and_returning_at_once_open_one_correction(app, client, submitted):
    from app.model_helpers import utcnow
    from app.signoff.amendments import return_for_correction, start_amendment
    from app.signoff.models import LogAmendment

    world, log_id = submitted
    _post(client, f"/sign/logs/{log_id}/performed", password="pass-word-1")
    _post(client, f"/sign/logs/{log_id}/witnessed", username=world.colleague, password="pass-word-1")
    with app.app_context():
        from app.sites.models import Site

        make_user("supervisor", [db.session.get(Site, world.site_id)], username="boss")
        db.session.commit()
    outcomes = race(app, [
        (world.patroller, lambda user, _p: start_amendment(db.session.get(PatrolLog, log_id), user, utcnow())),
        ("boss", lambda user, _p: return_for_correction(db.session.get(PatrolLog, log_id), user, "请更正", utcnow())),
    ])
    assert outcomes.count("ok") == 1
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(LogAmendment)) == 1
    assert _status(app, log_id) in ("amending", "returned")
