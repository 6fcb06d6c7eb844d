"""The photo ingest pipeline: what it stores, and the formats it accepts."""
from __future__ import annotations

import io
import os
from datetime import datetime

import pillow_heif
import pytest
from PIL import Image, ImageCms, ImageOps
from sqlalchemy import func, select

from app.extensions import db
from app.photos import heic as heic_module
from app.photos import stamp
from app.photos.models import Photo
from tests.photo_builders import (  # noqa: F401 - fixtures
    GREY, RED, big_jpeg, camera_exif, encode, gradient, heic, ingest, listing, people, small_heic, stored, uploads,
)


# --- what comes out ----------------------------------------------------------------------------------------------

def test_orientation_6_turns_landscape_pixels_upright(uploads, people):
    landscape = Image.new("RGB", (1200, 800), GREY)
    landscape.paste(RED, (0, 0, 300, 200))  # stored top-left is the viewer's top-right once turned
    photo = ingest(encode(landscape, exif=camera_exif(orientation=6)), people)
    display = stored(uploads, photo.path)
    assert (photo.width, photo.height) == display.size == (800, 1200)
    assert display.getpixel((display.width - 40, 40))[0] > 180
    assert display.getpixel((40, 40))[0] < 160


def test_a_48_megapixel_photo_is_shrunk_for_display_and_thumbnail(uploads, people, big_jpeg):
    photo = ingest(big_jpeg, people)
    display, thumb = stored(uploads, photo.path), stored(uploads, photo.thumb_path)
    assert 1600 <= max(display.size) <= 2048 and display.size == (photo.width, photo.height)
    assert display.width * 3 == display.height * 4  # aspect kept
    assert max(thumb.size) <= 320 and display.format == thumb.format == "JPEG"
    assert photo.size_bytes == os.path.getsize(os.path.join(uploads, photo.path))
    assert photo.content_type == "image/jpeg" and len(photo.sha256) == 64


def test_a_png_just_over_the_limit_is_resampled_to_2048(uploads, people):
    photo = ingest(encode(gradient(3000, 2000), "PNG"), people)
    assert (photo.width, photo.height) == (2048, 1365)
    assert max(stored(uploads, photo.thumb_path).size) == 320


def test_stored_files_carry_no_metadata(uploads, people):
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    xmp = b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://ns.adobe.com/xap/1.0/"/></x:xmpmeta>'
    data = encode(gradient(900, 600), exif=camera_exif(orientation=3, taken="2026:11:23 14:05:00"), icc_profile=icc,
                  xmp=xmp)
    assert b"Exif\0\0" in data and b"ICC_PROFILE" in data and b"ns.adobe.com/xap" in data
    photo = ingest(data, people)
    for relative in (photo.path, photo.thumb_path):
        with open(os.path.join(uploads, relative), "rb") as handle:
            raw = handle.read()
        assert b"Exif\0\0" not in raw and b"ICC_PROFILE" not in raw and b"ns.adobe.com/xap" not in raw
        image = stored(uploads, relative)
        assert not {"exif", "icc_profile", "xmp"} & set(image.info) and not image.getexif()


def test_a_broken_colour_profile_does_not_refuse_the_photo(uploads, people):
    photo = ingest(encode(gradient(400, 300), icc_profile=b"not a profile"), people)
    assert (photo.width, photo.height) == (400, 300)


def test_stamp_darkens_the_bottom_left_only(uploads, people):
    white = encode(Image.new("RGB", (1600, 1200), (255, 255, 255)), quality=95)
    display = stored(uploads, ingest(white, people).path)
    assert max(display.getpixel((4, display.height - 4))) < 150
    assert min(display.getpixel((display.width - 4, display.height - 4))) > 240
    assert min(display.getpixel((display.width - 4, 4))) > 240


def test_stamp_falls_back_to_the_builtin_font_without_cjk_glyphs(uploads, people, monkeypatch):
    monkeypatch.setattr(stamp, "cjk_font", lambda: None)
    display = stored(uploads, ingest(encode(Image.new("RGB", (1000, 800), (255, 255, 255))), people).path)
    assert max(display.getpixel((4, display.height - 4))) < 150


def test_thumbnail_has_no_stamp(uploads, people):
    photo = ingest(encode(Image.new("RGB", (1600, 1200), (255, 255, 255)), quality=95), people)
    thumb = stored(uploads, photo.thumb_path)
    assert min(thumb.getpixel((2, thumb.height - 2))) > 240


# --- capture time ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("taken", "offset", "expected"), [
    ("2026:11:23 14:05:00", None, datetime(2026, 11, 23, 6, 5)),  # local Asia/Shanghai, UTC+8
    ("2026:11:23 14:05:00", "-05:00", datetime(2026, 11, 23, 19, 5)),  # the camera's own offset wins
    ("2026:01:01 03:00:00", None, datetime(2025, 12, 31, 19, 0)),
    ("0000:00:00 00:00:00", None, None),
    ("2026:13:45 99:00:00", None, None),
    (None, None, None),
])
def test_taken_at_is_capture_time_in_utc(uploads, people, taken, offset, expected):
    photo = ingest(encode(gradient(300, 200), exif=camera_exif(taken=taken, offset=offset)), people)
    assert photo.taken_at == expected


# --- dedup and files ---------------------------------------------------------------------------------------------

def test_the_same_photo_twice_is_stored_once(uploads, people):
    data = encode(gradient(1200, 900), exif=camera_exif(orientation=6))
    first = ingest(data, people, client_uuid="6b0f1c1e-0000-4000-8000-000000000001")
    written = os.stat(os.path.join(uploads, first.path)).st_ino
    second = ingest(data, people, client_uuid="6b0f1c1e-0000-4000-8000-000000000002")
    assert second is not first and (second.path, second.thumb_path) == (first.path, first.thumb_path)
    assert second.sha256 == first.sha256 and (second.width, second.height) == (900, 1200)
    assert os.stat(os.path.join(uploads, first.path)).st_ino == written  # not processed and written again
    assert len(listing(uploads)) == 4  # <site>/, <site>/<aa>/, the display and its thumbnail; no temp file left
    site, _ = people
    assert first.path.startswith(f"{site.id}/") and first.path.endswith(".jpg")
    db.session.add_all([first, second])
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(Photo).where(Photo.sha256 == first.sha256)) == 2


def test_the_same_photo_with_another_stamp_is_stored_apart(uploads, people):
    """A picture re-used for another visit must carry that visit's stamp, not the first one's."""
    data = encode(gradient(1200, 900))
    first = ingest(data, people, stamp_lines=["2026-11-23 09:00", "1栋楼梯间", "张伟"])
    second = ingest(data, people, stamp_lines=["2026-11-24 10:00", "2栋大堂", "李娜"])
    assert first.sha256 == second.sha256  # the same camera picture
    assert first.path != second.path
    assert stored(uploads, first.path).tobytes() != stored(uploads, second.path).tobytes()


# --- other formats accepted --------------------------------------------------------------------------------------

def test_heic_round_trip(uploads, people, small_heic):
    photo = ingest(small_heic, people)
    display = stored(uploads, photo.path)
    assert display.format == "JPEG" and display.size == (640, 480) == (photo.width, photo.height)
    assert photo.taken_at == datetime(2026, 11, 23, 6, 5)


def test_large_heic_is_reduced_strip_by_strip_to_the_same_pixels(ctx):
    pillow_heif.register_heif_opener()
    data = heic(gradient(3300, 200))
    reduced = heic_module.decode_reduced(data)
    with Image.open(io.BytesIO(data)) as whole:
        expected = whole.reduce(2)
    assert reduced.size == (1650, 100) and reduced.tobytes() == expected.tobytes()


def test_png_with_alpha_is_flattened_on_white(uploads, people):
    image = Image.new("RGBA", (400, 300), (0, 0, 255, 255))
    image.paste((0, 0, 0, 0), (0, 0, 200, 300))
    display = stored(uploads, ingest(encode(image, "PNG"), people, stamp_lines=[]).path)
    assert min(display.getpixel((50, 150))) > 240
    assert display.getpixel((350, 150))[2] > 200 and display.getpixel((350, 150))[0] < 40


def test_cmyk_jpeg_is_converted(uploads, people):
    cmyk = Image.new("CMYK", (400, 300), (0, 255, 255, 0))
    display = stored(uploads, ingest(encode(cmyk), people, stamp_lines=[]).path)
    red, green, blue = display.getpixel((200, 150))
    assert display.mode == "RGB" and red > 200 and green < 60 and blue < 60


def test_16_bit_grey_png_keeps_its_tones(uploads, people):
    display = stored(uploads, ingest(encode(Image.new("I;16", (300, 200), 40000), "PNG"), people, stamp_lines=[]).path)
    assert all(140 < value < 170 for value in display.getpixel((150, 100)))  # 40000 / 256 ≈ 156, not clipped to 255


def test_jpeg_with_a_second_picture_inside_is_accepted(uploads, people):
    """Some phones add a second frame to their JPEGs; Pillow reads those as MPO."""
    frames = [gradient(1200, 900), Image.new("RGB", (160, 120))]
    data = encode(frames[0], "MPO", save_all=True, append_images=frames[1:])
    with Image.open(io.BytesIO(data)) as check:
        assert check.format == "MPO"
    photo = ingest(data, people)
    assert (photo.width, photo.height) == (1200, 900)


def test_webp_is_accepted(uploads, people):
    photo = ingest(encode(gradient(500, 400), "WEBP"), people)
    assert (photo.width, photo.height) == (500, 400)


def test_exif_transpose_agrees_with_the_pipeline(uploads, people):
    """Every EXIF orientation comes out the way Pillow's reference exif_transpose turns it."""
    source = Image.new("RGB", (300, 200), GREY)
    source.paste(RED, (0, 0, 60, 40))
    for orientation in range(1, 9):
        data = encode(source, quality=95, exif=camera_exif(orientation=orientation))
        with Image.open(io.BytesIO(data)) as original:
            expected = ImageOps.exif_transpose(original)
        display = stored(uploads, ingest(data, people, stamp_lines=[]).path)
        assert display.size == expected.size, orientation
        corner = max(((x, y) for x in (5, display.width - 5) for y in (5, display.height - 5)),
                     key=lambda xy: display.getpixel(xy)[0])
        assert expected.getpixel(corner)[0] > 180, orientation
