"""Ingesting one uploaded photo: check it, decode it cheaply, stamp it, store it once by its content hash."""
from __future__ import annotations

import hashlib
import io
import os
import typing
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

import pillow_heif
from flask import current_app
from flask_babel import gettext as _
from PIL import Image

from app.photos import exif as exif_
from app.photos import heic, imaging, storage
from app.photos.errors import PhotoError
from app.photos.models import Photo
from app.photos.stamp import draw_stamp

__all__ = ["PhotoError", "ingest_photo"]

DEFAULT_MAX_BYTES = 20 * 1024 * 1024
DEFAULT_MAX_PIXELS = 64_000_000  # a 48 MP phone photo passes
# Recognised by content, never by name or declared type. MPO is how Pillow names a JPEG carrying extra frames.
OPEN_FORMATS = ("JPEG", "PNG", "WEBP", "HEIF")
ACCEPTED_FORMATS = frozenset({"JPEG", "MPO", "PNG", "WEBP", "HEIF"})
_CHUNK = 1024 * 1024
# libheif decodes a tiled (iPhone) HEIC on several threads and keeps memory per thread afterwards: 2 threads
# decode a 12 MP photo about as fast as its default of 4 on a small server, and keep half as much.
HEIF_DECODE_THREADS = 2


@lru_cache(maxsize=1)
def _register_heif() -> None:
    pillow_heif.register_heif_opener(decode_threads=HEIF_DECODE_THREADS)


@dataclass
class _Rendered:
    display: bytes
    thumb: bytes
    size: tuple[int, int]
    taken_at: datetime | None


def _read(stream: typing.BinaryIO, limit: int) -> bytes:
    chunks, total = [], 0
    while chunk := stream.read(min(_CHUNK, limit + 1 - total)):
        chunks.append(chunk)
        total += len(chunk)
        if total > limit:
            raise PhotoError(_("The photo is larger than %(size)s MB.", size=f"{limit / 1024 / 1024:.3g}"), 413)
    if not total:
        raise PhotoError(_("The photo file is empty."), 400)
    return b"".join(chunks)


def _unreadable() -> PhotoError:
    return PhotoError(_("This file is not a photo we can read: send a JPEG, PNG, WebP or HEIC picture."), 400)


def _damaged() -> PhotoError:
    return PhotoError(_("The photo is damaged or incomplete: take it or send it again."), 400)


def _too_many_pixels(limit: int) -> PhotoError:
    return PhotoError(_("The photo has too many pixels (more than %(mp)s megapixels).", mp=limit // 1_000_000), 400)


def _open(data: bytes, max_pixels: int) -> Image.Image:
    """Open by content and check format and size before anything is decoded."""
    try:
        image = Image.open(io.BytesIO(data), formats=OPEN_FORMATS)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):  # the warning arrives raised under -W error
        raise _too_many_pixels(max_pixels) from None
    except Exception:  # noqa: BLE001 - whatever a parser makes of hostile bytes, the answer is "not a photo"
        raise _unreadable() from None
    width, height = image.size
    if image.format not in ACCEPTED_FORMATS:
        image.close()
        raise _unreadable()
    if width * height > max_pixels or width < 1 or height < 1:
        image.close()
        raise _too_many_pixels(max_pixels)
    if image.format in ("PNG", "WEBP") and getattr(image, "is_animated", False):
        image.close()
        raise PhotoError(_("Animated images are not accepted: send a still photo."), 400)
    return image


def _decode(image: Image.Image, data: bytes, max_pixels: int) -> Image.Image:
    """The decoded pixels, scaled down on the way where the format allows: by the JPEG decoder, or strip by strip."""
    if image.format in ("JPEG", "MPO"):
        wanted = imaging.draft_size(image.size)
        if wanted:
            image.draft("RGB", wanted)
    try:
        reduced = heic.decode_reduced(data) if image.format == "HEIF" else None
        if reduced is not None:
            return reduced
        image.load()
        return image
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _too_many_pixels(max_pixels) from None
    except Exception:  # noqa: BLE001 - truncated or corrupt data, in whichever decoder
        raise _damaged() from None


def _replace(old: Image.Image, new: Image.Image) -> Image.Image:
    if new is not old:
        old.close()
    return new


def _render(data: bytes, stamp_lines: list[str], tz_name: str, max_pixels: int) -> _Rendered:
    image = display = _open(data, max_pixels)
    try:
        display = _decode(image, data, max_pixels)
        exif = exif_.read_exif(image)
        # Each step frees the frame before it; shrinking comes first so later steps touch few pixels.
        display = _replace(display, imaging.shrink(imaging.reducible(display)))
        display = _replace(display, imaging.to_srgb_rgb(display, image.info.get("icc_profile")))
        turn = exif_.transpose_for(exif)
        if turn is not None:
            display = _replace(display, display.transpose(turn))
        with imaging.thumbnail(display) as thumb:
            thumb_bytes = imaging.jpeg_bytes(thumb, imaging.THUMB_QUALITY)
        draw_stamp(display, stamp_lines)
        return _Rendered(imaging.jpeg_bytes(display, imaging.DISPLAY_QUALITY), thumb_bytes, display.size,
                         exif_.taken_at(exif, tz_name))
    finally:
        display.close()
        image.close()


def _already_stored(data: bytes, path: str, thumb_path: str, tz_name: str) -> _Rendered | None:
    """The facts of an earlier upload of the very same bytes, or None when its files are not both there.

    Files kept are taken up again first, so the sweep of files without a row leaves them until our row is in."""
    if not storage.take_up((thumb_path, path)):
        return None
    try:
        with Image.open(storage.absolute(path)) as stored:
            size = stored.size
        with Image.open(io.BytesIO(data), formats=OPEN_FORMATS) as original:
            taken = exif_.taken_at(exif_.read_exif(original), tz_name)
    except Exception:  # noqa: BLE001 - a stored file we cannot read: render again over it
        return None
    return _Rendered(b"", b"", size, taken)


def ingest_photo(stream: typing.BinaryIO, *, site, uploaded_by, stamp_lines: list[str], tz_name: str,
                 max_bytes: int | None = None, **links) -> Photo:
    """Validate, decode, orient, resize, stamp, thumbnail and store one uploaded photo; return an unsaved Photo row."""
    _register_heif()
    config = current_app.config
    data = _read(stream, max_bytes if max_bytes is not None else config.get("PHOTO_MAX_BYTES", DEFAULT_MAX_BYTES))
    sha256 = hashlib.sha256(data).hexdigest()
    # Files are keyed by the photo and its stamp: the same picture stamped for another visit is other evidence.
    stamp_key = hashlib.sha256(data + b"\0" + "\n".join(stamp_lines).encode("utf-8")).hexdigest()
    path, thumb_path = storage.photo_paths(site.id, stamp_key)
    rendered = _already_stored(data, path, thumb_path, tz_name)
    if rendered is None:
        rendered = _render(data, stamp_lines, tz_name, config.get("PHOTO_MAX_PIXELS", DEFAULT_MAX_PIXELS))
        storage.write_pair(thumb_path, rendered.thumb, path, rendered.display)
    return Photo(
        site_id=site.id, uploaded_by_id=uploaded_by.id, sha256=sha256, content_type="image/jpeg",
        width=rendered.size[0], height=rendered.size[1], size_bytes=os.path.getsize(storage.absolute(path)),
        path=path, thumb_path=thumb_path, taken_at=rendered.taken_at, **links,
    )
