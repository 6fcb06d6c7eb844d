"""Turning one decoded upload into the display and thumbnail images: shrink first, then colour, then upright."""
from __future__ import annotations

import io
import math
from functools import lru_cache

from PIL import Image, ImageCms

DISPLAY_LONG_SIDE = 2048
# A power-of-two or box reduction may land a little under 2048 (4000 px → 2000 px): that is kept as it is,
# because it costs no resampling pass. Only below this does the pipeline reduce less and resample instead.
DISPLAY_MIN_LONG_SIDE = 1600
THUMB_LONG_SIDE = 320
DISPLAY_QUALITY = 82
THUMB_QUALITY = 75
WHITE = (255, 255, 255)
_ALPHA_MODES = ("RGBA", "LA")
_REDUCIBLE_MODES = ("RGB", "L", "CMYK", "RGBA", "LA")


def box_factor(long_side: int) -> int:
    """The integer reduction that brings a long side to at most DISPLAY_LONG_SIDE, or near it from above."""
    if long_side <= DISPLAY_LONG_SIDE:
        return 1
    factor = math.ceil(long_side / DISPLAY_LONG_SIDE)
    if long_side / factor < DISPLAY_MIN_LONG_SIDE:
        factor -= 1
    return factor


def draft_size(size: tuple[int, int]) -> tuple[int, int] | None:
    """The size to ask a JPEG decoder for so that it scales down by the largest power of two within box_factor."""
    factor = box_factor(max(size))
    power = next(p for p in (8, 4, 2, 1) if p <= factor)
    return None if power == 1 else (size[0] // power, size[1] // power)


def fit(size: tuple[int, int], long_side: int) -> tuple[int, int]:
    scale = min(1.0, long_side / max(size))
    return max(1, round(size[0] * scale)), max(1, round(size[1] * scale))


def reducible(image: Image.Image) -> Image.Image:
    """The image in a mode that reduce() and resize() handle, scaling 16-bit grey down to 8 bits."""
    if image.mode in _REDUCIBLE_MODES:
        return image
    if image.mode.startswith("I"):
        grey = image if image.mode == "I" else image.convert("I")
        return grey.point(lambda value: value * (1 / 256)).convert("L")
    if image.mode in ("P", "PA"):
        has_alpha = image.mode == "PA" or "transparency" in image.info
        return image.convert("RGBA" if has_alpha else "RGB")
    return image.convert("RGB")


def shrink(image: Image.Image) -> Image.Image:
    """The image with its long side at most DISPLAY_LONG_SIDE: box-reduce, then resample only if still too big."""
    if image.mode in _ALPHA_MODES:  # resize() premultiplies alpha, so transparent pixels don't bleed into edges
        return image.resize(fit(image.size, DISPLAY_LONG_SIDE), Image.Resampling.LANCZOS, reducing_gap=2.0)
    factor = box_factor(max(image.size))
    reduced = image.reduce(factor) if factor > 1 else image
    if max(reduced.size) > DISPLAY_LONG_SIDE:
        reduced = reduced.resize(fit(reduced.size, DISPLAY_LONG_SIDE), Image.Resampling.LANCZOS)
    return reduced


@lru_cache(maxsize=1)
def _srgb() -> ImageCms.ImageCmsProfile:
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))


@lru_cache(maxsize=8)
def _transform(icc: bytes, mode: str) -> ImageCms.ImageCmsTransform | None:
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        return ImageCms.buildTransform(source, _srgb(), mode, "RGB")
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
        return None  # an unreadable profile: fall back to a plain conversion


def to_srgb_rgb(image: Image.Image, icc: bytes | None) -> Image.Image:
    """Plain 8-bit sRGB without alpha: colour-managed from the embedded profile, transparency flattened on white."""
    if image.mode in _ALPHA_MODES:
        flat = Image.new("RGB", image.size, WHITE)
        flat.paste(image.convert("RGBA"), mask=image.getchannel("A"))
        image = flat
    if icc and image.mode in ("RGB", "CMYK"):
        transform = _transform(icc, image.mode)
        if transform is not None:
            try:
                return transform.apply(image)
            except (ImageCms.PyCMSError, ValueError):
                pass
    return image if image.mode == "RGB" else image.convert("RGB")


def thumbnail(display: Image.Image) -> Image.Image:
    # reducing_gap=1.0: box-reduce by the whole factor (6 for 2000 px), then a tiny resample; plenty for a thumbnail
    return display.resize(fit(display.size, THUMB_LONG_SIDE), Image.Resampling.LANCZOS, reducing_gap=1.0)


def jpeg_bytes(image: Image.Image, quality: int) -> bytes:
    """JPEG without any metadata: no EXIF, no ICC profile, no XMP, no comment."""
    image.info = {}
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=quality)
    return buffer.getvalue()
