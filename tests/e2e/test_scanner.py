"""The in-app QR scanner on a phone, filmed by Chromium's fake camera showing a QR code we print into a .y4m file.

Headless Chromium on Linux has no BarcodeDetector, so these tests exercise the jsQR fallback (static/vendor/jsQR.js);
phones with BarcodeDetector (Chrome on Android) take the native path through the same code.
"""
from __future__ import annotations

import os
import re

import pytest
from PIL import Image
from sqlalchemy import func, select

from app.extensions import db
from app.patrols.models import Visit
from app.sites.labels import qr_matrix, qr_payload
from app.sites.models import Checkpoint
from tests.e2e.conftest import CHROMIUM_ARGS, PHONE, SCREENS
from tests.e2e.pages import LoginPage
from tests.integration.patrol_world import build_world

pytestmark = pytest.mark.e2e

FRAME = (640, 480)


def qr_frame(text: str) -> Image.Image:
    """A camera frame: the QR code large and centred on white, as a label held up to the phone."""
    matrix = qr_matrix(text)  # quiet zone included
    box = 400 // len(matrix)
    code = Image.new("L", (len(matrix), len(matrix)), 255)
    code.putdata([0 if dark else 255 for row in matrix for dark in row])
    code = code.resize((len(matrix) * box,) * 2, Image.Resampling.NEAREST)
    frame = Image.new("L", FRAME, 255)
    frame.paste(code, ((FRAME[0] - code.width) // 2, (FRAME[1] - code.height) // 2))
    return frame


def write_y4m(path, frame: Image.Image, frames: int = 5) -> None:
    """YUV 4:2:0 video of a grey picture: the picture is the Y plane, chroma stays neutral."""
    width, height = frame.size
    luma = frame.convert("L").tobytes()
    chroma = bytes([128]) * ((width // 2) * (height // 2))
    with open(path, "wb") as out:
        out.write(f"YUV4MPEG2 W{width} H{height} F10:1 Ip A1:1 C420jpeg\n".encode())
        for _ in range(frames):
            out.write(b"FRAME\n" + luma + chroma + chroma)


@pytest.fixture
def camera_phone(browser, tmp_path):
    """camera_phone(text): a phone page in a Chromium of its own whose camera films a QR code holding `text`."""
    launched = []

    def open_phone(text: str):
        video = tmp_path / f"camera-{len(launched)}.y4m"
        write_y4m(video, qr_frame(text))
        chromium = browser.browser_type.launch(
            executable_path=os.environ.get("CHROMIUM", "/usr/bin/chromium"),
            args=[*CHROMIUM_ARGS, "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
                  f"--use-file-for-fake-video-capture={video}"])
        launched.append(chromium)
        context = chromium.new_context(viewport=PHONE, locale="zh-CN", device_scale_factor=2, is_mobile=True,
                                       has_touch=True, permissions=["camera"])
        return context.new_page()

    yield open_phone
    for chromium in launched:
        chromium.close()


@pytest.fixture
def world(app):
    return build_world(app)


def overlay_shot(page, name: str) -> None:
    """The viewport only: a full-page capture would stretch the fixed overlay over the page behind it."""
    SCREENS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENS / f"{name}.png"))


def label_text(app, checkpoint_id: int) -> str:
    with app.app_context():
        return qr_payload(db.session.get(Checkpoint, checkpoint_id))


def start_round(page, live_server, world) -> None:
    """Sign in as the walker and start the round: the walk page with its Scan button."""
    LoginPage(page, live_server).open().sign_in(world.patroller, "pass-word-1")
    page.wait_for_url(re.compile("/patrol/$"))
    page.locator(f"form[action='/patrol/rounds/{world.round_id}/start'] button").click()
    page.wait_for_url(re.compile(r"/patrol/logs/\d+$"))


def visits(app) -> list[tuple[int, str]]:
    with app.app_context():
        return [(v.checkpoint_id, v.method) for v in db.session.scalars(select(Visit))]


def test_scanning_a_label_opens_its_checklist_as_a_qr_visit(app, live_server, world, camera_phone):
    checkpoint_id = world.checkpoint_ids[1]
    text = label_text(app, checkpoint_id)
    assert not text.startswith(live_server)  # the label's BASE_URL is another origin: the scanner maps it here
    page = camera_phone(text)
    start_round(page, live_server, world)

    page.locator("button[data-scan]").click()
    page.wait_for_url(re.compile(r"/patrol/visits/\d+$"), timeout=20_000)

    assert page.locator("li.item").count() >= 5
    assert visits(app) == [(checkpoint_id, "qr")]


def test_a_foreign_qr_code_is_refused_and_scanning_goes_on(app, live_server, world, camera_phone):
    page = camera_phone("https://example.com/c/abcdefghijklmnopqrstuvwx")
    start_round(page, live_server, world)
    walk_url = page.url
    button = page.locator("button[data-scan]")
    not_ours = button.get_attribute("data-msg-not-ours")
    assert page.evaluate("'BarcodeDetector' in window") is False  # so the jsQR fallback is what runs here

    button.click()
    status = page.get_by_role("status")
    page.locator(".scanner-status.is-error").wait_for(timeout=20_000)
    assert status.inner_text() == not_ours
    assert page.locator(".scanner").get_attribute("data-decoder") == "jsqr"
    assert page.locator(".scanner-torch").is_hidden()  # the fake camera has no torch
    overlay_shot(page, "scanner-not-ours")

    page.wait_for_timeout(1500)  # the same code stays in view: still no navigation, no visit
    assert page.url == walk_url and status.inner_text() == not_ours
    assert visits(app) == []

    page.evaluate("window.scannerTrack = document.querySelector('.scanner video').srcObject.getVideoTracks()[0]")
    page.locator(".scanner-close").click()
    assert page.locator(".scanner").count() == 0
    assert page.evaluate("window.scannerTrack.readyState") == "ended"  # closing stops the camera


def test_without_a_camera_the_scanner_points_to_manual_entry(app, live_server, world, phone):
    start_round(phone, live_server, world)
    button = phone.locator("button[data-scan]")
    messages = {button.get_attribute("data-msg-denied"), button.get_attribute("data-msg-no-camera")}

    button.click()
    phone.locator(".scanner-status.is-error").wait_for(timeout=10_000)
    assert phone.get_by_role("status").inner_text() in messages
    overlay_shot(phone, "scanner-no-camera")

    phone.locator(".scanner-manual").click()
    assert phone.locator(".scanner").count() == 0
    assert phone.url.endswith("#manual")
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Visit)) == 0
