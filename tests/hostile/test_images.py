"""Hostile uploads where a photo belongs, through the checklist form (htmx) and the sync API alike.

Refused: whatever is not a still photo we can decode (clear 400/413, no row, no file). Accepted and converted: odd but
real photos (CMYK, 16-bit, wrong names, a JPEG that is also HTML): what is stored and served is a JPEG we rendered,
never the bytes that were sent."""
from __future__ import annotations

import io
import os
import uuid

import pytest
from PIL import Image
from sqlalchemy import select

from app.extensions import db
from app.photos.models import Photo
from tests.hostile.harness import api_refused, post_form, refused, stores_nothing
from tests.integration.authz_world import ANSWER_UUID
from tests.photo_builders import (SCRIPT, animated_png, animated_webp, cmyk_jpeg, encode, gif, gradient, heic,
                                  heic_brand_only, html_with_jpeg_magic, jpeg_carrying_html, png_header_only,
                                  sixteen_bit_png, svg_with_script, truncated_jpeg)

UNREADABLE = "This file is not a photo we can read"
DAMAGED = "The photo is damaged or incomplete"
TOO_MANY_PIXELS = "The photo has too many pixels"


def _corrupt_heic() -> bytes:
    whole = heic(gradient(320, 240))
    return whole[: len(whole) * 2 // 3]


# name → (bytes, file name, declared type, what the refusal says)
REFUSED = {
    "zero bytes": (lambda: b"", "photo.jpg", "image/jpeg", "The photo file is empty"),
    "truncated jpeg": (truncated_jpeg, "photo.jpg", "image/jpeg", DAMAGED),
    "pixel bomb under Pillow's limit": (lambda: png_header_only(9000, 8000), "photo.png", "image/png", TOO_MANY_PIXELS),
    "pixel bomb over Pillow's limit": (lambda: png_header_only(30000, 30000), "photo.png", "image/png", TOO_MANY_PIXELS),
    "html behind jpeg magic bytes": (html_with_jpeg_magic, "photo.jpg", "image/jpeg", UNREADABLE),
    "svg with script": (svg_with_script, "photo.svg", "image/svg+xml", UNREADABLE),
    "svg with script named jpg": (svg_with_script, "photo.jpg", "image/jpeg", UNREADABLE),
    "animated gif": (lambda: gif(3), "photo.gif", "image/gif", UNREADABLE),
    "animated png": (animated_png, "photo.png", "image/png", "Animated images are not accepted"),
    "animated webp": (animated_webp, "photo.webp", "image/webp", "Animated images are not accepted"),
    "html named jpg": (lambda: b"<!doctype html><html><body>" + SCRIPT, "photo.jpg", "image/jpeg", UNREADABLE),
    "pdf named jpg": (lambda: b"%PDF-1.4\n1 0 obj<<>>endobj\n%%EOF\n", "photo.jpg", "image/jpeg", UNREADABLE),
    "elf binary named jpg": (lambda: b"\x7fELF\x02\x01\x01" + b"\0" * 120, "photo.jpg", "image/jpeg", UNREADABLE),
    "corrupt heic": (_corrupt_heic, "IMG_0001.HEIC", "image/heic", "photo"),
    "heic brand without image": (heic_brand_only, "IMG_0002.HEIC", "image/heic", UNREADABLE),
}
CHANNELS = ("form", "sync")


def _send(people, world, channel: str, content: bytes, name: str = "photo.jpg", kind: str = "image/jpeg",
          item: str = "MIX-PF", **headers):
    walker = people("patroller@A")
    upload = (content, name, kind)
    if channel == "form":  # a failed item with its photo, as the phone's checklist sends it
        path = f"/patrol/visits/{world.ids['mix_visit']}/items/{world.ids['mix_items'][item]}"
        return post_form(walker, path, {"result": "fail", "note": "墙面渗水", "photos": upload}, htmx=True, **headers)
    return post_form(walker, "/api/v1/sync/photos",
                     {"uuid": str(uuid.uuid4()), "answer_uuid": ANSWER_UUID, "photo": upload}, **headers)


def _refused(channel: str, response, status: int, phrase: str, language_phrase: str | None = None):
    if channel == "sync":
        code = "too_large" if status == 413 and "too large" in phrase.lower() else "photo_refused"
        return api_refused(response, status, code, language_phrase or phrase)
    return refused(response, status, language_phrase or phrase)


@pytest.mark.parametrize("channel", CHANNELS)
@pytest.mark.parametrize("case", REFUSED)
def test_what_is_not_a_still_photo_is_refused_and_nothing_is_kept(app, world, people, channel, case):
    build, name, kind, phrase = REFUSED[case]
    with stores_nothing(app):
        _refused(channel, _send(people, world, channel, build(), name, kind), 400, phrase)


@pytest.mark.parametrize("channel", CHANNELS)
def test_refusals_speak_chinese_by_default(app, world, people, channel):
    with stores_nothing(app):
        response = _send(people, world, channel, gif(3), "photo.gif", "image/gif", **{"Accept-Language": "zh-CN"})
        _refused(channel, response, 400, UNREADABLE, language_phrase="照片")
        response = _send(people, world, channel, b"", **{"Accept-Language": "zh-CN"})
        _refused(channel, response, 400, "", language_phrase="照片文件为空")


@pytest.mark.parametrize("channel", CHANNELS)
def test_a_photo_over_the_photo_limit_is_413(app, world, people, channel, monkeypatch):
    monkeypatch.setitem(app.config, "PHOTO_MAX_BYTES", 2048)
    with stores_nothing(app):
        _refused(channel, _send(people, world, channel, encode(gradient(640, 480), quality=95)), 413, "larger than")


@pytest.mark.parametrize("channel", CHANNELS)
def test_a_request_over_the_upload_limit_is_413(app, world, people, channel, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 16 * 1024)
    big = encode(Image.effect_noise((300, 200), 90).convert("RGB"), quality=100)
    assert 16 * 1024 < len(big) < 500 * 1024  # bodies over 500 kB the test client spools to a file it never closes
    with stores_nothing(app):
        _refused(channel, _send(people, world, channel, big), 413, "The upload is too large")


# --- accepted, but only as a JPEG of our own making ----------------------------------------------------------------

ACCEPTED = {
    "cmyk jpeg": (cmyk_jpeg, "scan.jpg", "image/jpeg"),
    "16-bit png": (sixteen_bit_png, "thermal.png", "image/png"),
    "jpeg that is also html": (jpeg_carrying_html, "photo.jpg", "image/jpeg"),
    "png named jpg": (lambda: encode(gradient(320, 240), "PNG"), "photo.jpg", "image/jpeg"),
    "jpeg named html": (lambda: encode(gradient(320, 240)), "index.html", "text/html"),
    "path in the file name": (lambda: encode(gradient(300, 200)), "../../../../etc/passwd.jpg", "image/jpeg"),
}


def _newest_photo(app) -> Photo:
    with app.app_context():
        photo = db.session.scalar(select(Photo).order_by(Photo.id.desc()).limit(1))
        db.session.expunge(photo)
        return photo


@pytest.mark.parametrize("channel", CHANNELS)
@pytest.mark.parametrize("case", ACCEPTED)
def test_odd_but_real_photos_are_stored_as_our_own_jpeg(app, world, people, channel, case):
    build, name, kind = ACCEPTED[case]
    sent = build()
    response = _send(people, world, channel, sent, name, kind, item="MIX-OK")
    assert response.status_code in (200, 201), response.get_data(as_text=True)[:500]
    photo = _newest_photo(app)
    folder = os.path.realpath(app.config["UPLOAD_DIR"])
    stored_path = os.path.realpath(os.path.join(folder, photo.path))
    assert stored_path.startswith(folder + os.sep) and ".." not in photo.path and "passwd" not in photo.path
    with open(stored_path, "rb") as handle:
        stored = handle.read()
    with Image.open(io.BytesIO(stored)) as image:
        assert (image.format, image.mode) == ("JPEG", "RGB")
    assert photo.content_type == "image/jpeg" and stored != sent and SCRIPT not in stored

    served = people("supervisor@A").get(f"/photos/{photo.id}")
    body = served.get_data()
    served.close()  # a file response
    assert served.status_code == 200 and served.mimetype == "image/jpeg"
    assert served.headers["X-Content-Type-Options"] == "nosniff" and "sandbox" in served.headers["Content-Security-Policy"]
    assert served.headers["Content-Disposition"] == f'inline; filename="photo-{photo.id}.jpg"'
    assert body == stored and body != sent
