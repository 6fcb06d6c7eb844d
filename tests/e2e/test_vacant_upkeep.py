"""A vacant-unit upkeep visit on a phone: the door label opens the unit, the patroller takes the key and starts the
visit in one tap, answers every item (out-of-season ones N/A with the reason filled in, one failure with a photo),
submits, and returns the key."""
from __future__ import annotations

import re

import pytest
from PIL import Image
from sqlalchemy import select

from app.extensions import db
from app.findings.models import Finding
from app.model_helpers import utcnow
from app.patrols.schedules import local_today
from app.sites.models import SiteSeason, Unit
from app.vacancy.models import KeyLoan
from app.vacancy.schedule import months_to_mask
from tests.e2e.conftest import assert_fits_phone, screenshot
from tests.e2e.pages import LoginPage
from tests.factories import PASSWORD
from tests.integration.vacancy_world import build_vacant_world

pytestmark = pytest.mark.e2e


@pytest.fixture
def vacant(app):
    """Two vacant units due today in a round open now; this month is rainy but neither summer nor winter at this site."""
    world = build_vacant_world(app)
    with app.app_context():
        month = local_today("Asia/Shanghai", utcnow()).month
        db.session.add_all([
            SiteSeason(site_id=world.site_id, season="summer", months=months_to_mask([m for m in range(1, 13) if m != month])),
            SiteSeason(site_id=world.site_id, season="rainy", months=months_to_mask([month])),
            SiteSeason(site_id=world.site_id, season="winter", months=0)])
        db.session.commit()
    return world


def test_patroller_takes_the_key_does_the_upkeep_visit_and_returns_the_key(app, phone, live_server, vacant, tmp_path):
    photo = tmp_path / "mould.jpg"
    Image.new("RGB", (1600, 1200), (110, 120, 100)).save(photo, quality=85)
    unit_id = vacant.vacant_ids[0]

    LoginPage(phone, live_server).open().sign_in(vacant.patroller, PASSWORD)
    phone.wait_for_url(re.compile("/patrol/$"))
    phone.goto(f"{live_server}/c/{vacant.tokens[unit_id]}")  # the camera app opens the door label
    phone.wait_for_url(re.compile(rf"/units/{unit_id}$"))
    phone.get_by_text("今日需维护").wait_for()
    assert_fits_phone(phone)
    screenshot(phone, "vacant-unit-zh")

    phone.get_by_role("button", name="借钥匙并开始维护检查").click()
    phone.wait_for_url(re.compile(r"/patrol/visits/\d+$"))
    phone.get_by_text("B3栋 501 的维护计划").wait_for()
    assert_fits_phone(phone)
    screenshot(phone, "vacant-visit-zh")

    items = phone.locator("li.item")
    assert items.count() == 14
    out_of_season = 0
    for index in range(items.count()):
        item = items.nth(index)
        item_id = item.get_attribute("id")
        code = item.locator(".item-code").inner_text()
        if item.locator(".badge-upkeep-out_of_season").count():
            out_of_season += 1
            item.get_by_role("radio", name="不适用", exact=True).click()
            assert item.get_by_label("不适用的原因").input_value().startswith("不在季节内")  # filled in, not chosen for them
            item.get_by_role("button", name="保存答案").click()
        elif code == "VAC-03":
            item.get_by_role("radio", name="不合格", exact=True).click()
            item.get_by_label("问题描述").fill("次卧天花角落发霉")
            item.locator('input[type="file"]').set_input_files(str(photo))
            item.get_by_role("button", name="保存答案").click()
        else:
            item.get_by_role("radio", name="合格", exact=True).click()
        phone.locator(f"#{item_id}.answered").wait_for()
    assert out_of_season == 2  # shading (summer) and frost protection (winter)
    assert phone.locator("li.item.result-na").count() == 2 and phone.locator("li.item.result-fail img.thumb").count() == 1
    screenshot(phone, "vacant-visit-answered-zh")

    phone.get_by_role("link", name="返回巡查路线").click()
    phone.wait_for_url(re.compile(r"/patrol/logs/\d+$"))
    phone.get_by_text("无法到达？").click()  # the other unit waits for another day
    phone.get_by_label("原因（门已上锁、无法进入…）").fill("业主看房，改日再查")
    phone.get_by_role("button", name="跳过此巡查点").click()
    phone.get_by_role("button", name="提交记录").click()
    phone.get_by_text("已提交").first.wait_for()

    phone.goto(f"{live_server}/units/{unit_id}")
    phone.get_by_text("借出给 张伟").wait_for()
    phone.get_by_label("归还备注（可选）").fill("门窗已关好")
    phone.get_by_role("button", name="钥匙已归还入柜").click()
    phone.get_by_text("钥匙在柜中。").wait_for()
    assert_fits_phone(phone)
    screenshot(phone, "vacant-key-returned-zh")

    with app.app_context():
        loan = db.session.scalar(select(KeyLoan).where(KeyLoan.unit_id == unit_id))
        assert loan.returned_at is not None and loan.return_note == "门窗已关好" and loan.purpose == "空置房养护"
        finding = db.session.scalar(select(Finding))
        assert finding.item_code == "VAC-03" and finding.checkpoint_id == db.session.get(Unit, unit_id).checkpoint_id
