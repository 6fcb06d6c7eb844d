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
    phone.get_by_label("同事的密码").fill("demo-pass")
    phone.get_by_role("button", name="作为见证人签名").click()
    phone.get_by_text("李娜 已作为见证人签名").wait_for()
    assert_fits_phone(phone)
    screenshot(phone, "patrol-signed-zh")

    from app.findings.models import Finding
    from app.patrols.models import PatrolLog
    from app.photos.models import Photo

    with app.app_context():
        log = db.session.scalar(select(PatrolLog).where(PatrolLog.round_id == e2e_checkpoint["round_id"],
                                                        PatrolLog.number.is_not(None)))
        assert log.status == "signed" and log.score < 1
        finding = db.session.scalar(select(Finding).where(Finding.checkpoint_id == e2e_checkpoint["checkpoint_id"]))
        assert finding is not None and finding.status == "open"
        photos = db.session.scalars(select(Photo).where(Photo.answer_id == finding.answer_id)).all()
        assert len(photos) == 1 and photos[0].width <= 2048
