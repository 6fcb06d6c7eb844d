"""Building photo uploads in memory, and the fixtures the photo pipeline tests share."""
from __future__ import annotations

import io
import os
import struct
import zlib

import pillow_heif
import pytest
from PIL import Image

from app.extensions import db
from app.photos.models import Photo
from app.photos.pipeline import ingest_photo
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


# --- hostile uploads: what a broken phone or an attacker sends instead of a photo ----------------------------------

SCRIPT = b"<script>alert(document.cookie)</script>"


def truncated_jpeg() -> bytes:
    data = encode(Image.effect_noise((800, 600), 50).convert("RGB"))
    return data[: len(data) // 2]


def gif(frames: int) -> bytes:
    images = [Image.new("P", (40, 40), n) for n in range(frames)]
    return encode(images[0], "GIF", save_all=True, append_images=images[1:])


def animated_webp() -> bytes:
    images = [Image.new("RGB", (40, 40), colour) for colour in (RED, GREY)]
    return encode(images[0], "WEBP", save_all=True, append_images=images[1:])


def animated_png() -> bytes:
    images = [Image.new("RGB", (40, 40), colour) for colour in (RED, GREY)]
    return encode(images[0], "PNG", save_all=True, append_images=images[1:])


def svg_with_script() -> bytes:
    return (b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10" onload="alert(1)">'
            + SCRIPT + b'<rect width="10" height="10"/></svg>')


def jpeg_carrying_html() -> bytes:
    """A real JPEG that is also an HTML page: a script in its comment segment and after its end marker."""
    return encode(gradient(320, 240), comment=b"<html><body>" + SCRIPT + b"</body></html>") + b"<html>" + SCRIPT


def html_with_jpeg_magic() -> bytes:
    """An HTML page that starts with the bytes of a JPEG header, to pass a naive type sniff."""
    return b"\xff\xd8\xff\xe0\x00\x10JFIF\x00<!doctype html><html><body>" + SCRIPT + b"</body></html>"


def cmyk_jpeg() -> bytes:
    """What print workflows and some scanner apps send."""
    return encode(Image.new("CMYK", (320, 240), (0, 180, 180, 20)))


def sixteen_bit_png() -> bytes:
    """16 bits per pixel greyscale, as from a thermal or scientific camera."""
    return encode(Image.linear_gradient("L").resize((320, 240)).convert("I").point(lambda v: v * 256).convert("I;16"),
                  "PNG")


def heic_brand_only() -> bytes:
    """The 'ftyp heic' box of an iPhone photo, followed by nothing a decoder can use."""
    return b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 64


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
