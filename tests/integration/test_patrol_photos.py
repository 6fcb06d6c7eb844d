"""Photos of failed items through the answer form: stored with the answer, refused cleanly when bad."""
from __future__ import annotations

import io
import os

import pytest
from PIL import Image
from sqlalchemy import func, select

from app.extensions import db
from app.patrols.models import Answer
from app.photos.models import Photo
from tests.conftest import login
from tests.integration.patrol_world import build_world
from tests.integration.test_patrol_walk import _answer, _token, _visit


def jpeg_bytes(size=(1600, 1200), color=(120, 130, 140)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


@pytest.fixture
def walking(app, client):
    world = build_world(app)
    login(client, world.patroller)
    visit_id, items = _visit(app, client, world)
    item_id = next(i for i, kind, photo, *_ in items if kind == "pass_fail" and photo)
    return world, visit_id, item_id


def _fail_with(client, visit_id, item_id, files):
    data = {"csrf_token": _token(client), "result": "fail", "note": "墙面渗水",
            "photos": [(io.BytesIO(content), name) for name, content in files]}
    return client.post(f"/patrol/visits/{visit_id}/items/{item_id}", data=data, content_type="multipart/form-data",
                       headers={"HX-Request": "true"})


def _counts(app):
    with app.app_context():
        return (db.session.scalar(select(func.count()).select_from(Answer)),
                db.session.scalar(select(func.count()).select_from(Photo)))


def test_fail_with_two_photos_is_saved_with_thumbnails(app, client, walking):
    _world, visit_id, item_id = walking
    response = _fail_with(client, visit_id, item_id, [("a.jpg", jpeg_bytes()), ("b.jpg", jpeg_bytes(color=(10, 20, 30)))])
    assert response.status_code == 200
    assert response.get_data(as_text=True).count('class="thumb"') == 2
    assert _counts(app) == (1, 2)
    with app.app_context():
        photo = db.session.scalar(select(Photo))
        assert photo.answer_id is not None and max(photo.width, photo.height) <= 2048
        thumb = client.get(f"/photos/{photo.id}/thumb")
        thumb.close()
        assert thumb.status_code == 200 and thumb.mimetype == "image/jpeg"


def test_later_photo_can_be_added_to_a_saved_failure(app, client, walking):
    _world, visit_id, item_id = walking
    assert _fail_with(client, visit_id, item_id, [("a.jpg", jpeg_bytes())]).status_code == 200
    assert _fail_with(client, visit_id, item_id, [("c.jpg", jpeg_bytes(color=(200, 0, 0)))]).status_code == 200
    assert _answer(client, visit_id, item_id, result="fail", note="仍在渗水").status_code == 200  # photos already there
    assert _counts(app) == (1, 2)


@pytest.mark.parametrize("name, content", [
    ("page.jpg", b"<!doctype html><script>alert(1)</script>"),
    ("drawing.jpg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'),
    ("empty.jpg", b""),
    ("cut.jpg", jpeg_bytes()[:2000]),
])
def test_bad_photos_are_refused_and_nothing_is_stored(app, client, walking, name, content):
    _world, visit_id, item_id = walking
    response = _fail_with(client, visit_id, item_id, [(name, content)])
    assert response.status_code == 400
    assert 'class="field-error"' in response.get_data(as_text=True)
    assert _counts(app) == (0, 0)


def test_a_bad_photo_beside_a_good_one_stores_neither(app, client, walking):
    _world, visit_id, item_id = walking
    before = _files(app)
    response = _fail_with(client, visit_id, item_id, [("good.jpg", jpeg_bytes(color=(1, 2, 3))), ("bad.jpg", b"GIF89a nonsense")])
    assert response.status_code == 400
    assert _counts(app) == (0, 0)
    assert _files(app) == before  # the good photo's files went too


def _files(app) -> set[str]:
    return {os.path.join(root, name) for root, _dirs, names in os.walk(app.config["UPLOAD_DIR"]) for name in names}


def test_pixel_bomb_is_refused(app, client, walking):
    _world, visit_id, item_id = walking
    buffer = io.BytesIO()
    Image.new("1", (12000, 12000)).save(buffer, "PNG")  # tiny file, 144 megapixels
    response = _fail_with(client, visit_id, item_id, [("bomb.png", buffer.getvalue())])
    assert response.status_code == 400
    assert _counts(app) == (0, 0)


def test_request_over_the_size_limit_is_413(app, client, walking):
    _world, visit_id, item_id = walking
    app.config["MAX_CONTENT_LENGTH"] = 256 * 1024
    try:
        response = _fail_with(client, visit_id, item_id, [("big.jpg", b"\xff\xd8" + b"0" * (300 * 1024))])
    finally:
        app.config["MAX_CONTENT_LENGTH"] = 25 * 1024 * 1024
    assert response.status_code == 413
    assert _counts(app) == (0, 0)
