"""Decoding a HEIC/HEIF photo without a full-size Pillow copy: libheif's frame is box-reduced strip by strip."""
from __future__ import annotations

import io

import pillow_heif
from PIL import Image

from app.photos.imaging import box_factor

STRIP_ROWS = 128  # rows per strip, rounded down to a multiple of the factor so no 2×2 (k×k) box spans two strips


def decode_reduced(data: bytes) -> Image.Image | None:
    """The primary image, box-reduced towards the display size; None when it needs no reduction or has alpha.

    Pillow's HEIF plugin copies libheif's 3-byte RGB frame into a 4-byte one (12 MP: 36 MB + 48 MB). Reducing each
    strip as it is copied keeps only libheif's frame at full size, and gives the same pixels as reducing it whole.
    """
    heif = pillow_heif.open_heif(io.BytesIO(data), convert_hdr_to_8bit=True, remove_stride=False)
    frame = heif[heif.primary_index]
    factor = box_factor(max(frame.size))
    if factor == 1 or frame.mode not in ("RGB", "L"):
        return None
    pixels, stride = frame.data, frame.stride  # decodes; libheif may correct the size while doing so
    width, height = frame.size
    rows = STRIP_ROWS - STRIP_ROWS % factor or factor
    out = Image.new(frame.mode, (-(-width // factor), -(-height // factor)))
    for top in range(0, height, rows):
        count = min(rows, height - top)
        strip = Image.frombuffer(frame.mode, (width, count), pixels[top * stride:(top + count) * stride],
                                 "raw", frame.mode, stride, 1)
        with strip, strip.reduce(factor) as reduced:
            out.paste(reduced, (0, top // factor))
    return out
