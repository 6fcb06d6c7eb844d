"""The 水印 drawn on every display photo: a translucent dark band, bottom-left, with white lines of text."""
from __future__ import annotations

import glob
import os
import re
from functools import lru_cache

from PIL import Image, ImageDraw, ImageFont

WQY_MICROHEI = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"
NOTO_CJK_GLOB = "/usr/share/fonts/**/NotoSansCJK*"
NOTO_CJK_SC_INDEX = 2  # NotoSansCJK-*.ttc holds JP, KR, SC, TC, HK in that order
BAND = (0, 0, 0, 150)
TEXT = (255, 255, 255)
WIDTH_PER_FONT_PIXEL = 40  # font size = image width / 40: 50 px on a 2000 px wide photo
MIN_FONT, MAX_FONT = 12, 96
LINE_SPACING = 1.25
_ASCII_FOR = str.maketrans({"–": "-", "—": "-", "·": "-", "：": ":", "，": ",", "（": "(", "）": ")", "\u3000": " "})


@lru_cache(maxsize=1)
def cjk_font() -> tuple[str, int] | None:
    """Path and face index of a font with Chinese glyphs, or None when the machine has none."""
    if os.path.isfile(WQY_MICROHEI):
        return WQY_MICROHEI, 0
    for path in sorted(glob.glob(NOTO_CJK_GLOB, recursive=True)):
        if path.endswith((".ttc", ".otc")):
            return path, NOTO_CJK_SC_INDEX
        if path.endswith((".otf", ".ttf")):
            return path, 0
    return None


@lru_cache(maxsize=32)
def _truetype(path: str, index: int, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(path, size, index=index)


@lru_cache(maxsize=32)
def _builtin(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    return ImageFont.load_default(size=size)


def ascii_only(line: str) -> str:
    """What the built-in Latin font can draw of a line: time and codes stay, Chinese words go (no tofu boxes)."""
    text = re.sub(r"[^\x20-\x7e]+", " ", line.translate(_ASCII_FOR))
    return re.sub(r"\s+", " ", text).strip(" -,:")


def _font_and_lines(lines: list[str], size: int):
    found = cjk_font()
    if found:
        return _truetype(*found, size), lines
    return _builtin(size), [text for text in map(ascii_only, lines) if text]


def _widest(draw: ImageDraw.ImageDraw, lines: list[str], font) -> int:
    return max(int(draw.textlength(line, font=font)) for line in lines)


def draw_stamp(image: Image.Image, lines: list[str]) -> None:
    """Draw the stamp in place on an RGB image; nothing when there are no lines."""
    lines = [line for line in (str(x).strip() for x in lines) if line]
    if not lines:
        return
    draw = ImageDraw.Draw(image, "RGBA")
    size = max(MIN_FONT, min(MAX_FONT, image.width // WIDTH_PER_FONT_PIXEL))
    font, shown = _font_and_lines(lines, size)
    if not shown:
        return
    pad = max(4, size // 2)
    widest = _widest(draw, shown, font)
    if widest > image.width - 2 * pad:  # a long site or checkpoint name: shrink to fit the width
        size = max(MIN_FONT // 2, size * (image.width - 2 * pad) // widest)
        font, shown = _font_and_lines(lines, size)
        widest = _widest(draw, shown, font)
    line_height = round(size * LINE_SPACING)
    band_height = line_height * len(shown) + 2 * pad - (line_height - size)
    top = image.height - band_height
    draw.rectangle((0, top, min(image.width, widest + 2 * pad) - 1, image.height - 1), fill=BAND)
    for number, line in enumerate(shown):
        draw.text((pad, top + pad + number * line_height), line, font=font, fill=TEXT, anchor="la")
