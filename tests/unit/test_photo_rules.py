"""Photo pipeline rules that need no Flask: how much to shrink, what the fallback stamp keeps, EXIF times."""
from __future__ import annotations

from datetime import datetime

import pytest
from PIL import Image

from app.photos.exif import taken_at, transpose_for
from app.photos.imaging import box_factor, draft_size, fit
from app.photos.stamp import ascii_only


@pytest.mark.parametrize(("long_side", "factor"), [
    (800, 1), (2048, 1), (2500, 1), (3300, 2), (4000, 2), (4032, 2), (4624, 2), (6000, 3), (8000, 4), (12000, 6),
])
def test_box_factor_lands_between_1600_and_2048_or_resamples(long_side, factor):
    assert box_factor(long_side) == factor
    assert long_side // factor >= 1600 or factor == 1


@pytest.mark.parametrize(("size", "wanted"), [
    ((4000, 3000), (2000, 1500)),  # the JPEG decoder halves it: no resampling pass at all
    ((8000, 6000), (2000, 1500)),  # quarter
    ((6000, 4000), (3000, 2000)),  # factor 3 is no power of two: halve in the decoder, resample the rest
    ((2048, 1536), None),
])
def test_jpeg_draft_asks_for_a_power_of_two_within_the_box_factor(size, wanted):
    assert draft_size(size) == wanted


def test_fit_keeps_the_aspect_and_never_enlarges():
    assert fit((4000, 3000), 320) == (320, 240)
    assert fit((100, 50), 320) == (100, 50)


def test_fallback_stamp_keeps_time_and_codes_and_drops_chinese():
    assert ascii_only("2026-11-23 14:05") == "2026-11-23 14:05"
    assert ascii_only("示例花园 · 1栋楼梯间 1–6 层 (B1-ST-01)") == "1 1-6 (B1-ST-01)"
    assert ascii_only("张伟") == ""


def _exif(taken=None, offset=None, orientation=None) -> Image.Exif:
    exif = Image.Exif()
    if orientation is not None:
        exif[0x0112] = orientation
    if taken is not None:
        exif.get_ifd(0x8769)[0x9003] = taken
    if offset is not None:
        exif.get_ifd(0x8769)[0x9011] = offset
    return exif


def test_taken_at_reads_local_time_in_the_site_zone_or_the_cameras_offset():
    assert taken_at(_exif("2026:11:23 14:05:00"), "Asia/Shanghai") == datetime(2026, 11, 23, 6, 5)
    assert taken_at(_exif("2026:11:23 14:05:00", "+09:00"), "Asia/Shanghai") == datetime(2026, 11, 23, 5, 5)
    assert taken_at(_exif("2026:11:23 14:05:00\x00"), "UTC") == datetime(2026, 11, 23, 14, 5)
    assert taken_at(_exif("2026:11:23 14:05:00", "+99:00"), "UTC") == datetime(2026, 11, 23, 14, 5)  # bad offset ignored
    assert taken_at(_exif("yesterday"), "UTC") is None
    assert taken_at(_exif(), "UTC") is None
    assert taken_at(None, "UTC") is None


def test_orientation_one_or_unknown_needs_no_turn():
    assert transpose_for(_exif(orientation=1)) is None
    assert transpose_for(_exif(orientation=42)) is None
    assert transpose_for(None) is None
    assert transpose_for(_exif(orientation=6)) is Image.Transpose.ROTATE_270
