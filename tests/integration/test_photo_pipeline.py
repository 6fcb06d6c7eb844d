"""The photo ingest pipeline: what it accepts, what it refuses, and what it stores."""
from __future__ import annotations

import io
import os
import struct
import zlib
from datetime import datetime

import pillow_heif
import pytest
from PIL import Image, ImageCms, ImageOps
from sqlalchemy import func, select

from app.extensions import db
from app.photos import stamp
from app.photos.models import Photo
from app.photos.pipeline import PhotoError, ingest_photo
from tests.factories import make_site, make_user

STAMP = ["2026-11-23 14:05", "示例花园 · 1栋楼梯间 1–6 层", "张伟"]
GREY, RED = (128, 128, 128), (220, 20, 20)


# --- building uploads in memory ----------------------------------------------------------------------------------

def encode(image: Image.Image, fmt: str = "JPEG", **params) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **params)
    return buffer.getvalue()


def camera_exif(orientation: int | None = None, taken: str | None = None, offset: str | None = None) -> Image.Exif:
    exif = Image.Exif()
    if orientation:
        exif[0x0112] = orientation
    if taken:
        exif.get_ifd(0x8769)[0x9003] = taken
    if offset:
        exif.get_ifd(0x8769)[0x9011] = offset
    return exif


def heic(image: Image.Image, **params) -> bytes:
    buffer = io.BytesIO()
    pillow_heif.from_pillow(image).save(buffer, format="HEIF", quality=70, **params)
    return buffer.getvalue()


def png_header_only(width: int, height: int) -> bytes:
    """A PNG that claims a size in its header and carries almost no pixels: what a decompression bomb looks like."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b"")


def gradient(width: int, height: int) -> Image.Image:
    ramp = Image.linear_gradient("L").resize((width, height))
    return Image.merge("RGB", (ramp, ramp.transpose(Image.Transpose.ROTATE_180), ramp))


@pytest.fixture(scope="module")
def big_jpeg() -> bytes:
    """A 48 MP phone photo (8000×6000), made once for the module."""
    return encode(gradient(8000, 6000), quality=80)


@pytest.fixture(scope="module")
def small_heic() -> bytes:
    return heic(gradient(640, 480), exif=camera_exif(taken="2026:11:23 14:05:00").tobytes())


# --- the surroundings --------------------------------------------------------------------------------------------

@pytest.fixture
def uploads(app, tmp_path, monkeypatch) -> str:
    """A fresh UPLOAD_DIR for each test, so dedup and 'nothing written' are exact."""
    folder = str(tmp_path / "uploads")
    monkeypatch.setitem(app.config, "UPLOAD_DIR", folder)
    return folder


@pytest.fixture
def people(ctx):
    site = make_site()
    user = make_user("patroller", [site])
    db.session.commit()
    return site, user


def ingest(data: bytes, people, **kwargs) -> Photo:
    site, user = people
    kwargs.setdefault("stamp_lines", STAMP)
    kwargs.setdefault("tz_name", "Asia/Shanghai")
    return ingest_photo(io.BytesIO(data), site=site, uploaded_by=user, **kwargs)


def listing(folder: str) -> list[str]:
    found = []
    for root, dirs, files in os.walk(folder):
        found += [os.path.relpath(os.path.join(root, name), folder) for name in dirs + files]
    return sorted(found)


def stored(uploads: str, relative: str) -> Image.Image:
    with Image.open(os.path.join(uploads, relative)) as image:
        image.load()
        return image


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
    written = os.stat(os.path.join(uploads, first.path)).st_mtime_ns
    second = ingest(data, people, client_uuid="6b0f1c1e-0000-4000-8000-000000000002")
    assert second is not first and (second.path, second.thumb_path) == (first.path, first.thumb_path)
    assert second.sha256 == first.sha256 and (second.width, second.height) == (900, 1200)
    assert os.stat(os.path.join(uploads, first.path)).st_mtime_ns == written  # not processed again
    assert len(listing(uploads)) == 4  # <site>/, <site>/<aa>/, the display and its thumbnail; no temp file left
    site, _ = people
    assert first.path.startswith(f"{site.id}/{first.sha256[:2]}/{first.sha256}")
    db.session.add_all([first, second])
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(Photo).where(Photo.sha256 == first.sha256)) == 2


# --- other formats accepted --------------------------------------------------------------------------------------

def test_heic_round_trip(uploads, people, small_heic):
    photo = ingest(small_heic, people)
    display = stored(uploads, photo.path)
    assert display.format == "JPEG" and display.size == (640, 480) == (photo.width, photo.height)
    assert photo.taken_at == datetime(2026, 11, 23, 6, 5)


def test_large_heic_is_reduced_strip_by_strip_to_the_same_pixels(ctx):
    from app.photos import heic as heic_module

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


def test_webp_is_accepted(uploads, people):
    photo = ingest(encode(gradient(500, 400), "WEBP"), people)
    assert (photo.width, photo.height) == (500, 400)


# --- refusals ----------------------------------------------------------------------------------------------------

def _truncated_jpeg() -> bytes:
    data = encode(Image.effect_noise((800, 600), 50).convert("RGB"))
    return data[: len(data) // 2]


def _gif(frames: int) -> bytes:
    images = [Image.new("P", (40, 40), n) for n in range(frames)]
    return encode(images[0], "GIF", save_all=True, append_images=images[1:])


def _animated_webp() -> bytes:
    images = [Image.new("RGB", (40, 40), colour) for colour in (RED, GREY)]
    return encode(images[0], "WEBP", save_all=True, append_images=images[1:])


REFUSED = {
    "html renamed .jpg": lambda: b"<!doctype html><html><body><script>alert(1)</script></body></html>",
    "svg": lambda: b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>',
    "plain text": lambda: "巡查记录 all fine\n".encode() * 50,
    "static gif": lambda: _gif(1),
    "animated gif": lambda: _gif(3),
    "animated webp": _animated_webp,
    "empty file": lambda: b"",
    "truncated jpeg": _truncated_jpeg,
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
    from PIL import ImageFile

    assert ImageFile.LOAD_TRUNCATED_IMAGES is False


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
