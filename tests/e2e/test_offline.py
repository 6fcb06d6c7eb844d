"""Walking a round with no signal: captured on the phone, kept across a reload, sent once when the network is back."""
from __future__ import annotations

import re
import time

import pytest
from PIL import Image
from sqlalchemy import func, select

from app.extensions import db
from tests.e2e.conftest import PHONE, assert_fits_phone, screenshot
from tests.e2e.pages import LoginPage

pytestmark = pytest.mark.e2e


@pytest.fixture
def three_stops(app, demo):
    """A round of patrol1's over three stairwells, its window open now."""
    from app.auth.models import User
    from app.sites.models import Site
    from tests.factories import make_checkpoint, make_round
    from tests.integration.patrol_world import window_around_now

    with app.app_context():
        site = db.session.scalar(select(Site).where(Site.code == "DEMO"))
        patrol1 = db.session.scalar(select(User).where(User.username == "patrol1"))
        stops = []
        for n in range(1, 4):
            checkpoint = make_checkpoint(site, code=f"OFF-S{n}", category="stairwell")
            checkpoint.name_zh, checkpoint.name_en = f"离线楼梯间{n}", f"Offline stairwell {n}"
            stops.append(checkpoint)
        round_ = make_round(site, stops, [patrol1], windows=window_around_now(), name="离线测试巡查")
        db.session.commit()
        return {"round_id": round_.id, "tokens": [c.token for c in stops], "codes": [c.code for c in stops]}


def _start_round(page, base, round_id):
    """Online: start the round from Today and wait until the phone holds it for offline use."""
    LoginPage(page, base).open().sign_in("patrol1", "demo-pass")
    page.wait_for_url(re.compile("/patrol/$"))
    page.locator(f"form[action$='/rounds/{round_id}/start'] button").click()
    page.wait_for_url(re.compile(r"/patrol/logs/\d+$"))
    page.locator(".offline-ready.is-ready").wait_for()
    return int(re.search(r"/patrol/logs/(\d+)$", page.url).group(1))


def _answer_checkpoint(page, fail_with_photo=None):
    """Answer every item of the checkpoint the offline page shows; the first fails with a photo when given."""
    items = page.locator("li.item")
    items.first.wait_for()
    count = items.count()
    for index in range(count):
        item = page.locator("li.item").nth(index)
        item_id = item.get_attribute("id")
        if index == 0 and fail_with_photo:
            item.get_by_role("radio", name="不合格", exact=True).click()
            item.get_by_label("问题描述").fill("离线时发现扶手松动")
            item.locator('input[type="file"]').set_input_files(str(fail_with_photo))
            item.get_by_role("button", name="保存答案").click()
        else:
            item.get_by_role("radio", name="合格", exact=True).click()
        page.locator(f"#{item_id} .answer-summary").wait_for()
    return count


def _server_counts(app, log_id):
    from app.patrols.models import Answer, Visit
    from app.photos.models import Photo

    with app.app_context():
        visits = db.session.scalar(select(func.count()).select_from(Visit).where(Visit.log_id == log_id))
        answers = db.session.scalar(select(func.count()).select_from(Answer).join(Visit).where(Visit.log_id == log_id))
        photos = db.session.scalar(select(func.count()).select_from(Photo).join(Answer).join(Visit).where(Visit.log_id == log_id))
        per_checkpoint = db.session.execute(
            select(Visit.checkpoint_id, func.count()).where(Visit.log_id == log_id).group_by(Visit.checkpoint_id)).all()
        db.session.remove()
    return visits, answers, photos, per_checkpoint


QUEUE_STATUSES = """new Promise((resolve) => {
  const request = indexedDB.open("patrol-offline");
  request.onsuccess = () => {
    const all = request.result.transaction("queue").objectStore("queue").getAll();
    all.onsuccess = () => resolve(all.result.map((item) => item.status));
  };
})"""


def _queue_statuses(page) -> set[str]:
    return set(page.evaluate(QUEUE_STATUSES))


def _wait_for(predicate, seconds=30, page=None):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        if page is not None:
            page.wait_for_timeout(250)
        else:
            time.sleep(0.25)
    return False


def test_round_walked_offline_survives_a_reload_and_syncs_once(app, browser, live_server, three_stops, tmp_path):
    photo = tmp_path / "handrail.jpg"
    Image.new("RGB", (3000, 2000), (120, 110, 100)).save(photo, quality=85)
    context = browser.new_context(viewport=PHONE, locale="zh-CN", is_mobile=True, has_touch=True)
    page = context.new_page()
    try:
        log_id = _start_round(page, live_server, three_stops["round_id"])
        assert_fits_phone(page)
        page.screenshot(path="test-results/screens/offline-walk-ready-zh.png")
        page.evaluate("navigator.serviceWorker.ready.then(() => true)")
        page.reload()  # the service worker now controls the page
        context.set_offline(True)

        answered = 0
        for index, token in enumerate(three_stops["tokens"]):
            page.goto(f"{live_server}/c/{token}")  # as the camera app opens a label
            answered += _answer_checkpoint(page, fail_with_photo=photo if index == 0 else None)
            if index == 0:
                assert_fits_phone(page)
                screenshot(page, "offline-checkpoint-zh")
        assert _server_counts(app, log_id)[:3] == (0, 0, 0)  # nothing reached the server

        page.reload()  # still offline: everything is still on the phone
        page.locator("li.item").first.wait_for()
        assert page.locator("li.item .answer-summary").count() == page.locator("li.item").count() > 0
        page.goto(f"{live_server}/patrol/logs/{log_id}")  # the round as the phone holds it
        page.locator("li.stop").first.wait_for()
        assert page.locator("li.stop.is-done").count() == 3
        screenshot(page, "offline-round-zh")
        page.get_by_role("button", name="提交记录").click()  # submitted offline…
        page.get_by_label("同事的用户名").fill("patrol2")  # …and witnessed on this phone, checked by the server later
        page.get_by_label("同事的密码或签名 PIN 码").fill("demo-pass")
        page.get_by_role("button", name="作为见证人签名").click()
        page.locator(".flash-success").last.wait_for()

        context.set_offline(False)
        page.evaluate("window.dispatchEvent(new Event('online'))")
        assert _wait_for(lambda: _server_counts(app, log_id)[2] == 1 and _server_counts(app, log_id)[1] == answered, page=page)
        assert _wait_for(lambda: _queue_statuses(page) == {"done"}, page=page)  # nothing waiting, nothing failed
        page.goto(f"{live_server}/patrol/offline#queue")
        page.locator("#queue").wait_for()
        assert page.locator(".queue-item").count() == 0
        visits, answers, photos, per_checkpoint = _server_counts(app, log_id)
        assert (visits, answers, photos) == (3, answered, 1)
        assert all(count == 1 for _cp, count in per_checkpoint)
        from app.patrols.models import PatrolLog
        from app.signoff.models import Signature

        with app.app_context():
            assert db.session.get(PatrolLog, log_id).status == "submitted"  # waits for the patroller's own signature
            witness = db.session.scalar(select(Signature).where(Signature.log_id == log_id))
            assert witness.meaning == "witnessed" and witness.user.username == "patrol2"
            db.session.remove()
    finally:
        context.close()


def test_sync_resumes_after_a_lost_response_and_a_server_error_without_duplicates(app, browser, live_server, three_stops):
    context = browser.new_context(viewport=PHONE, locale="zh-CN", is_mobile=True, has_touch=True, service_workers="block")
    page = context.new_page()
    hits = {"answers": 0, "visits": 0}

    def lose_first_answer_response(route):
        hits["answers"] += 1
        if hits["answers"] == 1:
            route.fetch()  # the server stores it…
            route.abort("connectionreset")  # …but the phone never hears back
        else:
            route.continue_()

    def fail_first_visit(route):
        hits["visits"] += 1
        if hits["visits"] == 1:
            route.fulfill(status=500, content_type="application/json", body='{"code": "error", "message": "boom"}')
        else:
            route.continue_()

    try:
        log_id = _start_round(page, live_server, three_stops["round_id"])
        page.route("**/api/v1/sync/answers", lose_first_answer_response)
        page.route("**/api/v1/sync/visits", fail_first_visit)
        page.goto(f"{live_server}/patrol/offline#log/{log_id}")
        page.get_by_label("标签上印的编码").fill(three_stops["codes"][0])
        page.get_by_label("无法扫描的原因").fill("标签被遮挡")
        page.get_by_role("button", name="打开巡查点").click()
        answered = _answer_checkpoint(page)
        # Route handlers run only while Playwright has control: wait through the page, not with time.sleep.
        # Route handlers run only while Playwright has control: wait through the page, not with time.sleep.
        assert _wait_for(lambda: _queue_statuses(page) == {"done"}, seconds=45, page=page)
        assert hits["visits"] == 2 and hits["answers"] == answered + 1  # the 500 and the lost response were sent again
        visits, answers, _photos, _per = _server_counts(app, log_id)
        assert (visits, answers) == (1, answered)
        from app.patrols.models import Visit

        with app.app_context():
            assert db.session.scalar(select(Visit.method).where(Visit.log_id == log_id)) == "manual"
            db.session.remove()
    finally:
        context.close()
