"""What a photo's EXIF tells us: how to turn it upright and when it was taken."""
from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from PIL import Image

ORIENTATION = 0x0112
EXIF_IFD = 0x8769
DATE_TIME_ORIGINAL = 0x9003
OFFSET_TIME_ORIGINAL = 0x9011

TRANSPOSE_FOR_ORIENTATION = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}
_OFFSET = re.compile(r"^([+-])(\d{2}):(\d{2})$")
_FORMATS = ("%Y:%m:%d %H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y:%m:%d %H:%M", "%Y-%m-%dT%H:%M:%S")


def read_exif(image: Image.Image) -> Image.Exif | None:
    """The image's EXIF, or None when it has none or it cannot be parsed (a bad EXIF never refuses a photo)."""
    try:
        exif = image.getexif()
        exif.get_ifd(EXIF_IFD)  # parse the sub-IFD now, inside this guard
    except Exception:  # noqa: BLE001 - EXIF comes from the uploader and may be any garbage
        return None
    return exif


def transpose_for(exif: Image.Exif | None) -> Image.Transpose | None:
    """The transpose that turns the stored pixels upright, or None when they already are."""
    if exif is None:
        return None
    return TRANSPOSE_FOR_ORIENTATION.get(exif.get(ORIENTATION))


def _text(value) -> str | None:
    if isinstance(value, bytes):
        value = value.decode("ascii", "replace")
    if not isinstance(value, str):
        return None
    return value.strip("\x00 \t\r\n") or None


def _offset(value) -> timezone | None:
    match = _OFFSET.match(_text(value) or "")
    if not match:
        return None
    sign, hours, minutes = match.groups()
    delta = timedelta(hours=int(hours), minutes=int(minutes))
    if delta > timedelta(hours=14):
        return None
    return timezone(-delta if sign == "-" else delta)


def _local_time(value) -> datetime | None:
    text = _text(value)
    if not text:
        return None
    for fmt in _FORMATS:
        try:
            return datetime.strptime(text, fmt)
        except ValueError:
            continue
    return None


def taken_at(exif: Image.Exif | None, tz_name: str) -> datetime | None:
    """DateTimeOriginal as naive UTC: in OffsetTimeOriginal when given, else in the site's time zone."""
    if exif is None:
        return None
    try:
        ifd = exif.get_ifd(EXIF_IFD)
    except Exception:  # noqa: BLE001 - see read_exif
        return None
    local = _local_time(ifd.get(DATE_TIME_ORIGINAL))
    if local is None:
        return None
    zone = _offset(ifd.get(OFFSET_TIME_ORIGINAL)) or ZoneInfo(tz_name)
    try:
        return local.replace(tzinfo=zone).astimezone(UTC).replace(tzinfo=None)
    except (OverflowError, ValueError):
        return None
