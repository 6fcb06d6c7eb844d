"""Printed checkpoint labels: the QR payload, a PNG for label printers and a self-contained SVG.

The text on a label is the estate's (Chinese), whatever language the admin who prints it reads.
"""
from __future__ import annotations

import glob
import io
import os
from dataclasses import dataclass
from functools import lru_cache
from xml.sax.saxutils import escape, quoteattr

import qrcode
from flask import current_app
from PIL import Image, ImageDraw, ImageFont

from app.sites.models import Checkpoint

DPI = 300
LABEL_MM = (50, 70)
LABEL_PX = tuple(round(mm / 25.4 * DPI) for mm in LABEL_MM)  # 591 x 827
WQY = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"
MONO = "/usr/share/fonts/truetype/dejavu/DejaVuSansMono-Bold.ttf"
SVG_FONTS = "Noto Sans CJK SC, WenQuanYi Micro Hei, PingFang SC, sans-serif"
SVG_MONO = "DejaVu Sans Mono, Menlo, Consolas, monospace"


def qr_payload(checkpoint: Checkpoint) -> str:
    """Exactly what the QR code holds: <BASE_URL>/c/<token>."""
    return current_app.config["BASE_URL"].rstrip("/") + "/c/" + checkpoint.token


def qr_matrix(payload: str) -> list[list[bool]]:
    """Dark modules of the QR code, quiet zone included; level Q survives a scuffed label."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_Q, border=4)
    code.add_data(payload)
    code.make(fit=True)
    return code.get_matrix()


@dataclass(frozen=True)
class LabelText:
    name: str
    place: str
    caption: str
    code: str
    site: str


def floor_text(floor: int, chinese: bool = True) -> str:
    if chinese:
        return f"{floor} 层" if floor > 0 else f"地下 {-floor} 层"
    return f"Floor {floor}" if floor > 0 else f"Basement {-floor}"


def label_text(checkpoint: Checkpoint, chinese: bool = True) -> LabelText:
    """The lines printed on a label; English only where no Chinese font is installed."""
    building = checkpoint.building
    if building is None:
        place = "室外" if chinese else "Outdoor"
    else:
        place = building.name_zh if chinese else building.name_en
        if checkpoint.floor is not None:
            place += " · " + floor_text(checkpoint.floor, chinese)
    return LabelText(
        name=checkpoint.name_zh if chinese else checkpoint.name_en,
        place=place,
        caption="手动输入编码" if chinese else "Manual entry code",
        code=checkpoint.code,
        site=checkpoint.site.name_zh if chinese else checkpoint.site.name_en,
    )


@lru_cache(maxsize=1)
def cjk_font_path() -> str | None:
    if os.path.exists(WQY):
        return WQY
    found = sorted(glob.glob("/usr/share/fonts/**/Noto*CJK*.tt[cf]", recursive=True)
                   + glob.glob("/usr/share/fonts/**/Noto*CJK*.otf", recursive=True))
    return found[0] if found else None


@lru_cache(maxsize=64)
def _font(path: str | None, size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    if path is None:
        return ImageFont.load_default(size=size)
    return ImageFont.truetype(path, size)


def _fitted(draw: ImageDraw.ImageDraw, text: str, path: str | None, size: int, width: int) -> tuple[str, object]:
    """Shrink the font until the text fits the width; past the smallest size, shorten it with an ellipsis."""
    smallest = max(size // 2, 20)
    while size > smallest and draw.textlength(text, font=_font(path, size)) > width:
        size -= 2
    font = _font(path, size)
    while len(text) > 1 and draw.textlength(text, font=font) > width:
        text = text[:-2] + "…"
    return text, font


def _centred(draw: ImageDraw.ImageDraw, text: str, path: str | None, size: int, top: int, fill: str = "black") -> int:
    """Draw one centred line from `top`; returns where the next line may start."""
    margin = 36
    text, font = _fitted(draw, text, path, size, LABEL_PX[0] - 2 * margin)
    draw.text((LABEL_PX[0] // 2, top), text, font=font, fill=fill, anchor="ma")
    lower = draw.textbbox((LABEL_PX[0] // 2, top), text, font=font, anchor="ma")[3]
    return max(lower, top + int(getattr(font, "size", size))) + 8


def _qr_image(payload: str, target: int) -> Image.Image:
    matrix = qr_matrix(payload)
    count = len(matrix)
    small = Image.new("1", (count, count), 1)
    small.putdata([0 if dark else 1 for row in matrix for dark in row])
    box = max(1, target // count)
    return small.resize((count * box, count * box), Image.Resampling.NEAREST)


def label_png(checkpoint: Checkpoint) -> bytes:
    """A 50 x 70 mm label at 300 dpi: site, QR code, Chinese name, building and floor, manual code."""
    cjk = cjk_font_path()
    text = label_text(checkpoint, chinese=cjk is not None)
    mono = MONO if os.path.exists(MONO) else cjk
    image = Image.new("RGB", LABEL_PX, "white")
    draw = ImageDraw.Draw(image)
    top = _centred(draw, text.site, cjk, 26, 24, fill="#444444")
    qr = _qr_image(qr_payload(checkpoint), 510)
    image.paste(qr, ((LABEL_PX[0] - qr.width) // 2, top))
    top += qr.height + 4
    top = _centred(draw, text.name, cjk, 56, top)
    top = _centred(draw, text.place, cjk, 34, top, fill="#333333")
    top = _centred(draw, text.caption, cjk, 24, top + 2, fill="#555555")
    _centred(draw, text.code, mono, 64, top - 4)
    out = io.BytesIO()
    image.save(out, format="PNG", dpi=(DPI, DPI))
    return out.getvalue()


def _svg_line(text: str, y: float, size: float, family: str, weight: str = "normal", fill: str = "#000") -> str:
    """A centred <text>, its size reduced when a rough width estimate would overflow the label."""
    estimate = sum(1.0 if ord(ch) > 0x2E7F else 0.62 for ch in text) * size
    size = round(min(size, size * 46 / estimate) if estimate else size, 2)
    return (f'<text x="25" y="{y}" font-size="{size}" font-family={quoteattr(family)} font-weight="{weight}" '
            f'fill="{fill}" text-anchor="middle">{escape(text)}</text>')


def _dark_runs(row: list[bool]):
    """(start, length) of each run of dark modules in a row: one path segment per run keeps the SVG small."""
    start = None
    for x, dark in enumerate([*row, False]):
        if dark and start is None:
            start = x
        elif not dark and start is not None:
            yield start, x - start
            start = None


def label_svg(checkpoint: Checkpoint) -> str:
    """The same label as a self-contained SVG in millimetres, the QR code as one path."""
    text = label_text(checkpoint)
    matrix = qr_matrix(qr_payload(checkpoint))
    count = len(matrix)
    path = "".join(f"M{x} {y}h{run}v1h-{run}z" for y, row in enumerate(matrix) for x, run in _dark_runs(row))
    qr_mm, qr_top = 40.0, 6.5
    scale = qr_mm / count
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{LABEL_MM[0]}mm" height="{LABEL_MM[1]}mm" '
        f'viewBox="0 0 {LABEL_MM[0]} {LABEL_MM[1]}">',
        f"<title>{escape(text.code)} {escape(text.name)}</title>",
        f'<rect width="{LABEL_MM[0]}" height="{LABEL_MM[1]}" fill="#fff"/>',
        _svg_line(text.site, 5, 2.2, SVG_FONTS, fill="#444"),
        f'<g transform="translate({(LABEL_MM[0] - qr_mm) / 2} {qr_top}) scale({scale:.5f})">'
        f'<path d="{path}" fill="#000" shape-rendering="crispEdges"/></g>',
        _svg_line(text.name, 52, 4.6, SVG_FONTS, weight="bold"),
        _svg_line(text.place, 57.5, 3, SVG_FONTS, fill="#333"),
        _svg_line(text.caption, 61.5, 2.1, SVG_FONTS, fill="#555"),
        _svg_line(text.code, 67.5, 5.2, SVG_MONO, weight="bold"),
        "</svg>",
    ]
    return "\n".join(parts) + "\n"
