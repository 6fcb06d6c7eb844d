"""A patroller walks the daily renovation check on a phone: one unit fails an item (photo and note), the other is
skipped; after submitting and signing, the rectification notice is there, with the item and the photo."""
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
def renovation_round(app, demo):
    """The demo's renovation round (two units under renovation today), its window open now."""
    from app.model_helpers import utcnow
    from app.patrols import site_rounds
    from app.sites.models import Site
    from tests.integration.patrol_world import window_around_now

    with app.app_context():
        site = db.session.scalar(select(Site).where(Site.code == "DEMO"))
        round_ = site_rounds.refresh(site, "renovation", utcnow())
        round_.windows[0].starts, round_.windows[0].ends = window_around_now()[0]
        stops = [(stop.checkpoint.token, stop.checkpoint.name_zh, stop.checkpoint_id) for stop in round_.stops]
        db.session.commit()
        return {"round_id": round_.id, "stops": stops}


def _answer_every_item(phone, photo) -> None:
    items = phone.locator("li.item")
    assert items.count() == 14
    for index in range(items.count()):
        item = items.nth(index)
        item_id = item.get_attribute("id")
        code = item.locator(".item-code").inner_text()
        if code == "REN-10":
            item.get_by_role("radio", name="不合格", exact=True).click()
            item.get_by_label("问题描述").fill("装修垃圾未袋装，散堆在电梯厅")
            item.locator('input[type="file"]').set_input_files(str(photo))
            item.get_by_role("button", name="保存答案").click()
        elif item.locator('input[name="number"]').count():
            item.get_by_label(re.compile("读数")).fill("0")
            item.get_by_role("button", name="保存答案").click()
        elif item.locator('textarea[name="text"]').count():
            item.get_by_label("答案").fill("木工吊顶，客厅龙骨完成")
            item.get_by_role("button", name="保存答案").click()
        else:
            item.get_by_role("radio", name="合格", exact=True).click()
        phone.locator(f"#{item_id}.answered").wait_for()


def test_patroller_walks_the_renovation_check_and_the_notice_appears(app, phone, live_server, renovation_round, tmp_path):
    photo = tmp_path / "debris.jpg"
    Image.new("RGB", (1600, 1200), (170, 150, 120)).save(photo, quality=85)
    (first_token, first_name, first_checkpoint), (_second_token, second_name, _second) = renovation_round["stops"]

    LoginPage(phone, live_server).open().sign_in("patrol1", "demo-pass")
    phone.wait_for_url(re.compile("/patrol/$"))
    card = phone.locator("li.round").filter(has_text="装修日巡")
    card.get_by_role("button", name="开始巡查").click()
    phone.wait_for_url(re.compile(r"/patrol/logs/\d+$"))
    assert phone.get_by_text(first_name).count() and phone.get_by_text(second_name).count()
    screenshot(phone, "renovation-round-zh")

    phone.goto(f"{live_server}/c/{first_token}")  # the door label of the first unit
    phone.wait_for_url(re.compile(r"/patrol/visits/\d+$"))
    assert_fits_phone(phone)
    _answer_every_item(phone, photo)
    assert phone.locator("li.item.result-fail img.thumb").count() == 1
    screenshot(phone, "renovation-check-answered-zh")

    phone.get_by_role("link", name="返回巡查路线").click()
    phone.wait_for_url(re.compile(r"/patrol/logs/\d+$"))
    other = phone.locator("li.stop").filter(has_text=second_name)
    other.locator("summary").click()
    other.get_by_label("原因（门已上锁、无法进入…）").fill("业主不在家，无法入户")
    other.get_by_role("button", name="跳过此巡查点").click()
    phone.get_by_role("button", name="提交记录").click()
    phone.get_by_text("已签发的整改通知").wait_for()
    phone.get_by_label("你的密码").fill("demo-pass")
    phone.get_by_role("button", name="作为执行人签名").click()
    phone.get_by_text("已作为执行人签名").wait_for()
    assert_fits_phone(phone)
    screenshot(phone, "renovation-submitted-notice-zh")

    phone.locator("#notices").get_by_role("link", name=re.compile("ZG-")).click()
    phone.wait_for_url(re.compile(r"/renovation/notices/\d+$"))
    phone.get_by_text("装修垃圾未袋装，散堆在电梯厅").wait_for()
    assert phone.locator("img.thumb").count() == 1
    assert phone.get_by_role("button", name="记录复查结果").count() == 1
    assert_fits_phone(phone)
    screenshot(phone, "renovation-notice-zh")

    from app.renovation.models import RectificationNotice
    from app.patrols.models import Visit

    with app.app_context():
        notice = db.session.scalar(select(RectificationNotice).join(Visit, Visit.id == RectificationNotice.visit_id)
                                   .where(Visit.checkpoint_id == first_checkpoint))
        assert notice.status == "open" and notice.severity == "minor"
        assert [f.item_code for f in notice.findings] == ["REN-10"] and notice.findings[0].status == "open"
