"""The photo ingest pipeline refuses what is not a readable camera photo, and then writes nothing."""
from __future__ import annotations

import pytest
from PIL import ImageFile

from app.photos.pipeline import PhotoError
from tests.photo_builders import (  # noqa: F401 - fixtures
    animated_webp, encode, gif, gradient, ingest, listing, people, png_header_only, small_heic, truncated_jpeg, uploads,
)


# --- refusals ----------------------------------------------------------------------------------------------------

REFUSED = {
    "html renamed .jpg": lambda: b"<!doctype html><html><body><script>alert(1)</script></body></html>",
    "svg": lambda: b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>',
    "plain text": lambda: "巡查记录 all fine\n".encode() * 50,
    "static gif": lambda: gif(1),
    "animated gif": lambda: gif(3),
    "animated webp": animated_webp,
    "empty file": lambda: b"",
    "truncated jpeg": truncated_jpeg,
    "over PHOTO_MAX_PIXELS": lambda: png_header_only(9000, 8000),  # 72 MP: under Pillow's own limit
    "over Pillow's warning limit": lambda: png_header_only(10000, 10000),  # 100 MP: DecompressionBombWarning
    "over Pillow's error limit": lambda: png_header_only(20000, 20000),  # 400 MP: DecompressionBombError
}


@pytest.mark.parametrize("case", REFUSED)
def test_refused_uploads_write_nothing(uploads, people, case):
    before = listing(uploads)
    with pytest.raises(PhotoError) as refused:
        ingest(REFUSED[case](), people)
    assert refused.value.status == 400 and refused.value.message
    assert listing(uploads) == before


def test_corrupt_heic_is_refused(uploads, people, small_heic):
    with pytest.raises(PhotoError) as refused:
        ingest(small_heic[: len(small_heic) * 2 // 3], people)
    assert refused.value.status == 400 and refused.value.message
    assert listing(uploads) == []


def test_too_many_bytes_is_413(uploads, people):
    data = encode(gradient(300, 200))
    with pytest.raises(PhotoError) as refused:
        ingest(data, people, max_bytes=len(data) - 1)
    assert refused.value.status == 413 and refused.value.message
    assert ingest(data, people, max_bytes=len(data)).size_bytes > 0  # exactly the limit is fine


def test_byte_and_pixel_limits_come_from_config(app, uploads, people, monkeypatch):
    data = encode(gradient(1200, 1000))
    monkeypatch.setitem(app.config, "PHOTO_MAX_BYTES", 100)
    with pytest.raises(PhotoError) as refused:
        ingest(data, people)
    assert refused.value.status == 413
    monkeypatch.setitem(app.config, "PHOTO_MAX_BYTES", 20 * 1024 * 1024)
    monkeypatch.setitem(app.config, "PHOTO_MAX_PIXELS", 1_000_000)
    with pytest.raises(PhotoError) as refused:
        ingest(data, people)
    assert refused.value.status == 400
    assert listing(uploads) == []


def test_truncated_images_stay_refused_globally():
    assert ImageFile.LOAD_TRUNCATED_IMAGES is False
