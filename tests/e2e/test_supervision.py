"""On a phone: the duty desk hands over between two colleagues, and the supervisor signs the week's logs."""
from __future__ import annotations

import re

import pytest

from tests.e2e.conftest import assert_fits_phone, screenshot
from tests.e2e.pages import AppShell, LoginPage

pytestmark = pytest.mark.e2e


def _sign_in_english(phone, live_server, username, home):
    LoginPage(phone, live_server).open().sign_in(username, "demo-pass")
    phone.wait_for_url(re.compile(re.escape(home) + "$"))
    AppShell(phone).switch_to_english()
    phone.locator("html[lang='en']").wait_for(state="attached")


def test_outgoing_and_incoming_staff_sign_the_handover_on_one_phone(phone, live_server, demo):
    _sign_in_english(phone, live_server, "patrol1", "/patrol/")
    phone.get_by_role("link", name="Handover").click()
    phone.get_by_role("link", name="Write a handover").click()
    phone.get_by_label("Handover note").fill("3栋消防栓玻璃破损，已报工程部；对讲机两台交接，一台电量低。")
    assert_fits_phone(phone)
    phone.get_by_role("button", name="Write the handover").click()
    phone.wait_for_url(re.compile(r"/handover/\d+$"))
    assert_fits_phone(phone)

    outgoing = phone.locator("form[action$='/sign/outgoing']")
    assert outgoing.get_by_label("Username").input_value() == "patrol1"
    outgoing.get_by_label("Password or signing PIN").fill("demo-pass")
    outgoing.get_by_role("button", name="Sign as outgoing staff").click()
    incoming = phone.locator("form[action$='/sign/incoming']")
    incoming.get_by_label("Username").fill("patrol1")
    incoming.get_by_label("Password or signing PIN").fill("demo-pass")
    incoming.get_by_role("button", name="Sign as incoming staff").click()
    assert "two different people" in phone.locator(".flash-error").inner_text()

    incoming = phone.locator("form[action$='/sign/incoming']")
    incoming.get_by_label("Username").fill("patrol2")
    incoming.get_by_label("Password or signing PIN").fill("demo-pass")
    incoming.get_by_role("button", name="Sign as incoming staff").click()
    phone.locator(".flash-success").wait_for()
    signatures = phone.locator(".sign-box").inner_text()
    assert "张伟" in signatures and "李娜" in signatures and "Not signed yet" not in signatures
    assert phone.locator("form[action*='/sign/']").count() == 0
    assert_fits_phone(phone)
    screenshot(phone, "handover-signed-en")


def test_supervisor_signs_the_listed_logs_of_the_week(phone, live_server, demo):
    _sign_in_english(phone, live_server, "super1", "/dashboard/")
    phone.get_by_role("link", name="Reviews").click()
    phone.wait_for_url(re.compile(r"/supervision/weekly"))
    assert_fits_phone(phone)
    form = phone.locator("#review-all")
    listed = form.locator("input[name=log_id]").count()
    assert listed > 0
    screenshot(phone, "weekly-review-en")
    form.get_by_label("Your password").fill("demo-pass")
    form.get_by_role("button", name=re.compile("listed log")).click()
    assert re.search(rf"{listed} logs? reviewed and signed", phone.locator(".flash-success").inner_text())
    assert phone.locator("#review-all").count() == 0 or phone.locator("#review-all input[name=log_id]").count() < listed
    assert_fits_phone(phone)
