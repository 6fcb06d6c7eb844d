"""A patroller walks a checkpoint on a phone: label URL → start the round → every item → one failure with a photo → submit."""
from __future__ import annotations

import re

import pytest
from PIL import Image
from sqlalchemy import select

from app.extensions import db
from tests.e2e.conftest import assert_fits_phone, screenshot
from tests.e2e.pages import LoginPage

pytestmark = pytest.mark.e2e


@pytest.fixture
def e2e_checkpoint(app, demo):
    """A stairwell checkpoint in a round of patrol1's whose window is open now."""
    from app.auth.models import User
    from app.sites.models import Site
    from tests.factories import make_checkpoint, make_round
    from tests.integration.patrol_world import window_around_now

    with app.app_context():
        site = db.session.scalar(select(Site).where(Site.code == "DEMO"))
        patrol1 = db.session.scalar(select(User).where(User.username == "patrol1"))
        checkpoint = make_checkpoint(site, code="E2E-STW", category="stairwell")
        checkpoint.name_zh, checkpoint.name_en = "测试楼梯间", "Test stairwell"
        round_ = make_round(site, [checkpoint], [patrol1], windows=window_around_now(), name="手机测试巡查")
        db.session.commit()
        return {"token": checkpoint.token, "round_id": round_.id, "checkpoint_id": checkpoint.id}


def test_patroller_walks_a_checkpoint_and_submits(app, phone, live_server, e2e_checkpoint, tmp_path):
    photo = tmp_path / "defect.jpg"
    Image.new("RGB", (1600, 1200), (150, 140, 130)).save(photo, quality=85)

    LoginPage(phone, live_server).open().sign_in("patrol1", "demo-pass")
    phone.wait_for_url(re.compile("/patrol/$"))
    phone.goto(f"{live_server}/c/{e2e_checkpoint['token']}")
    phone.get_by_role("button", name="在此开始本巡查").click()
    phone.wait_for_url(re.compile(r"/patrol/visits/\d+$"))
    assert_fits_phone(phone)
    screenshot(phone, "patrol-checklist-zh")

    items = phone.locator("li.item")
    count = items.count()
    assert count >= 10
    for index in range(count):
        item = items.nth(index)
        item_id = item.get_attribute("id")
        if index == 0:
            item.get_by_role("radio", name="不合格", exact=True).click()
            item.get_by_label("问题描述").fill("三楼楼梯灯不亮")
            item.locator('input[type="file"]').set_input_files(str(photo))
            item.get_by_role("button", name="保存答案").click()
        else:
            item.get_by_role("radio", name="合格", exact=True).click()
        phone.locator(f"#{item_id}.answered").wait_for()
    screenshot(phone, "patrol-checklist-answered-zh")
    assert phone.locator("li.item.result-fail img.thumb").count() == 1

    phone.get_by_role("link", name="返回巡查路线").click()
    phone.wait_for_url(re.compile(r"/patrol/logs/\d+$"))
    phone.get_by_role("button", name="提交记录").click()
    phone.get_by_text("已提交").first.wait_for()
    screenshot(phone, "patrol-submitted-zh")

    # Two-person sign-off on the same phone: the patroller, then patrol2 with their own password.
    phone.get_by_label("你的密码").fill("demo-pass")
    phone.get_by_role("button", name="作为执行人签名").click()
    phone.get_by_text("已作为执行人签名").wait_for()
    phone.get_by_label("同事的用户名").fill("patrol2")
    phone.get_by_label("同事的密码或签名 PIN 码").fill("demo-pass")
    phone.get_by_role("button", name="作为见证人签名").click()
    phone.get_by_text("李娜 已作为见证人签名").wait_for()
    assert_fits_phone(phone)
    screenshot(phone, "patrol-signed-zh")

    from app.findings.models import Finding
    from app.patrols.models import PatrolLog
    from app.photos.models import Photo

    _finding_to_closed_work_order(app, browser_contexts(phone), live_server, e2e_checkpoint, photo)

    with app.app_context():
        log = db.session.scalar(select(PatrolLog).where(PatrolLog.round_id == e2e_checkpoint["round_id"],
                                                        PatrolLog.number.is_not(None)))
        assert log.status == "signed" and log.score < 1
        finding = db.session.scalar(select(Finding).where(Finding.checkpoint_id == e2e_checkpoint["checkpoint_id"]))
        assert finding is not None and finding.status == "approved"
        photos = db.session.scalars(select(Photo).where(Photo.answer_id == finding.answer_id)).all()
        assert len(photos) == 1 and photos[0].width <= 2048


def browser_contexts(page):
    """Other people's phones: new contexts of the same browser, each with its own session."""
    browser = page.context.browser

    def open_phone():
        context = browser.new_context(viewport={"width": 360, "height": 740}, locale="zh-CN", is_mobile=True, has_touch=True)
        return context.new_page()

    return open_phone


def _sign_in(page, base, username):
    LoginPage(page, base).open().sign_in(username, "demo-pass")
    page.wait_for_url(lambda url: "/login" not in url)  # signed in: the next goto must not race the login's redirect


def _finding_to_closed_work_order(app, open_phone, base, e2e_checkpoint, photo):
    """super1 approves the finding, maint1 claims, starts and finishes with a photo, patrol1 verifies on site."""
    from app.findings.models import Finding

    with app.app_context():
        finding_id = db.session.scalar(select(Finding.id).where(Finding.checkpoint_id == e2e_checkpoint["checkpoint_id"]))

    boss = open_phone()
    _sign_in(boss, base, "super1")
    boss.goto(f"{base}/review/findings")
    card = boss.locator("li.finding").filter(has=boss.locator(f'input[value="{finding_id}"]'))
    card.locator("summary").click()
    card.get_by_label("班组").select_option("engineering")
    card.get_by_role("button", name="批准：生成工单").click()
    boss.get_by_text("已批准：工单").wait_for()
    with app.app_context():
        order_id = db.session.get(Finding, finding_id).work_order_id
    assert order_id

    worker = open_phone()
    _sign_in(worker, base, "maint1")
    worker.goto(f"{base}/work-orders/{order_id}")
    worker.get_by_role("button", name="接单").click()
    worker.get_by_role("button", name="开始维修").click()
    worker.get_by_label("处理情况").fill("已更换灯管")
    worker.locator('input[type="file"]').set_input_files(str(photo))
    worker.get_by_role("button", name="标记完成").click()
    worker.get_by_text("等待现场验证").first.wait_for()

    verifier = open_phone()
    _sign_in(verifier, base, "patrol1")
    verifier.goto(f"{base}/c/{e2e_checkpoint['token']}")  # at the checkpoint: the label lists the repair to verify
    verifier.get_by_role("link", name=re.compile("GD-")).first.click()
    verifier.locator('form:has(button:text("已修复：关闭工单")) input[type="file"]').set_input_files(str(photo))
    verifier.get_by_role("button", name="已修复：关闭工单").click()
    verifier.get_by_text("现场验证通过，工单已关闭。").wait_for()
    story = verifier.locator("ol.story").inner_text()
    assert "三楼楼梯灯不亮" in story and "已更换灯管" in story and "现场验证：已修复" in story
    assert_fits_phone(verifier)
    screenshot(verifier, "work-order-closed-zh")
    for page in (boss, worker, verifier):
        page.context.close()

    from app.work_orders.models import WorkOrder

    with app.app_context():
        order = db.session.get(WorkOrder, order_id)
        assert order.status == "closed" and order.verified_by_id != order.done_by_id
