"""Shared PDF parts: the built-in Chinese font, the site header on every page, "第 N 页 / 共 M 页" footers, tables."""
from __future__ import annotations

import io
import os
from functools import lru_cache
from collections.abc import Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Image, LongTable, Paragraph, SimpleDocTemplate, Table, TableStyle

from app.exports.formatting import local_text
from app.exports.wording import DETAIL_SEP, PAGE_OF, PRINTED_AT
from app.photos.storage import absolute

CJK = "STSong-Light"  # reportlab's built-in CID font: PDF viewers supply the glyphs, no font file needed
MARGIN = 10 * mm
HEADER_SPACE = 17 * mm
FOOTER_SPACE = 10 * mm
FRAME_PADDING = 6  # platypus frames keep 6 pt inside each edge
CELL_PADDING = 4  # left and right padding of record table cells


def content_width(pagesize) -> float:
    return pagesize[0] - 2 * MARGIN - 2 * FRAME_PADDING


def cjk_font() -> str:
    if CJK not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(CJK))
    return CJK


def style(size: float = 8, leading: float | None = None, **extra) -> ParagraphStyle:
    """A paragraph style in the Chinese font that wraps between any two characters, as Chinese text does."""
    return ParagraphStyle(f"cjk{size}", fontName=cjk_font(), fontSize=size, leading=leading or size * 1.3,
                          wordWrap="CJK", **extra)


@lru_cache(maxsize=4096)
def _char_width(char: str, size: float) -> float:
    return pdfmetrics.stringWidth(char, cjk_font(), size)


def wrapped(text: str | None, width: float, size: float) -> str:
    """Text broken into lines that fit `width`: between any two Chinese characters, at spaces within Latin text.

    Plain lines in table cells lay out many times faster than paragraphs, which a month of findings needs."""
    lines = []
    for part in (text or "").split("\n"):
        line, used, last_break = "", 0.0, 0
        for char in part:
            advance = _char_width(char, size)
            if used + advance > width and line:
                cut = last_break or len(line)
                lines.append(line[:cut].rstrip())
                line = line[cut:].lstrip(" ")
                used, last_break = sum(_char_width(c, size) for c in line), 0
            line += char
            used += advance
            if char == " " or ord(char) > 0x2E7F:
                last_break = len(line)
        lines.append(line)
    return "\n".join(lines)


def wrapped_row(cells: list, widths: list[float], size: float) -> list:
    """Each text cell of a row wrapped to its column (cell padding left out); other cells as they are."""
    return [wrapped(cell, width - CELL_PADDING, size) if isinstance(cell, str) else cell for cell, width in zip(cells, widths)]


def para(text: str | None, size: float = 8, **extra) -> Paragraph:
    """Plain text (escaped; newlines kept) as a wrapping paragraph."""
    return Paragraph(escape(text or "").replace("\n", "<br/>"), style(size, **extra))


@dataclass(frozen=True)
class PageFrame:
    """What every page of a document carries: the site in the header, the document title, the footer's notes."""

    site_line: str
    site_detail: str
    title: str
    footer_left: str
    footer_right: str = ""


def site_frame(site, title: str, now, footer_right: str = "") -> PageFrame:
    """The site's header (name; code, address, duty phone) and the print time, for any of its records."""
    detail = DETAIL_SEP.join(part for part in (site.code, site.address, site.duty_phone) if part)
    return PageFrame(site_line=site.name_zh, site_detail=detail, title=title,
                     footer_left=PRINTED_AT.format(at=local_text(now, site.timezone)), footer_right=footer_right)


def _numbered_canvas(frame: PageFrame):
    """A canvas that keeps each page until the end so the footer can say how many pages there are (two passes)."""

    class NumberedCanvas(Canvas):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self._pages: list[dict] = []

        def showPage(self):  # noqa: N802  (reportlab's name)
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self):
            total = len(self._pages)
            for number, state in enumerate(self._pages, start=1):
                self.__dict__.update(state)
                _footer(self, frame, number, total)
                super().showPage()
            super().save()

    return NumberedCanvas


def _header(canvas: Canvas, doc, frame: PageFrame) -> None:
    width, height = doc.pagesize
    top = height - MARGIN
    canvas.saveState()
    canvas.setFillGray(0)
    canvas.setFont(cjk_font(), 13)
    canvas.drawString(MARGIN, top - 5 * mm, frame.site_line)
    canvas.setFont(cjk_font(), 12)
    canvas.drawRightString(width - MARGIN, top - 5 * mm, frame.title)
    canvas.setFont(cjk_font(), 7.5)
    canvas.setFillGray(0.3)
    canvas.drawString(MARGIN, top - 10 * mm, frame.site_detail)
    canvas.setStrokeGray(0.4)
    canvas.setLineWidth(0.6)
    canvas.line(MARGIN, top - 12.5 * mm, width - MARGIN, top - 12.5 * mm)
    canvas.restoreState()


def _footer(canvas: Canvas, frame: PageFrame, page: int, pages: int) -> None:
    width, _height = canvas._pagesize
    y = MARGIN - 3 * mm
    canvas.saveState()
    canvas.setFillGray(0.25)
    canvas.setFont(cjk_font(), 7.5)
    canvas.drawString(MARGIN, y, frame.footer_left)
    canvas.drawRightString(width - MARGIN, y, frame.footer_right)
    canvas.setFillGray(0)
    canvas.setFont(cjk_font(), 9)
    canvas.drawCentredString(width / 2, y, PAGE_OF.format(page=page, pages=pages))
    canvas.restoreState()


def build_pdf(story: list, pagesize, frame: PageFrame) -> bytes:
    """Lay out the flowables on pages with the site header and the numbered footer."""
    out = io.BytesIO()
    doc = SimpleDocTemplate(out, pagesize=pagesize, leftMargin=MARGIN, rightMargin=MARGIN,
                            topMargin=MARGIN + HEADER_SPACE, bottomMargin=MARGIN + FOOTER_SPACE,
                            title=frame.title, author=frame.site_line, creator="Patrol")

    def on_page(canvas, document):
        _header(canvas, document, frame)

    doc.build(story, onFirstPage=on_page, onLaterPages=on_page, canvasmaker=_numbered_canvas(frame))
    return out.getvalue()


def fitted_widths(weights: Sequence[float], total: float) -> list[float]:
    """Column widths in proportion to their weights, filling the available width."""
    scale = total / sum(weights)
    return [w * scale for w in weights]


def record_table(header: Sequence[str], rows: list[list], widths: list[float], size: float = 7.5,
                 title: list | None = None, repeat: int = 1) -> LongTable:
    """A ruled table whose header row (after an optional title row) repeats on every page; LongTable splits long months quickly."""
    head = [para(text, size, textColor=colors.white) for text in header]
    first = 1 if title else 0
    table = LongTable([*([title] if title else []), head, *rows], colWidths=widths, repeatRows=repeat)
    table.setStyle(TableStyle([
        ("FONTNAME", (0, 0), (-1, -1), cjk_font()),
        ("FONTSIZE", (0, 0), (-1, -1), size),
        ("BACKGROUND", (0, first), (-1, first), colors.HexColor("#0f5c4d")),
        ("ROWBACKGROUNDS", (0, first + 1), (-1, -1), [colors.white, colors.HexColor("#f2f5f4")]),
        ("GRID", (0, 0), (-1, -1), 0.25, colors.HexColor("#9aa5a1")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 2),
        ("RIGHTPADDING", (0, 0), (-1, -1), 2),
        ("TOPPADDING", (0, 0), (-1, -1), 1.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
    ]))
    return table


def facts_table(pairs: list[tuple[str, str]], label_width: float, total: float) -> Table:
    """A record's facts as a grid of label/value pairs, two pairs a row, the labels shaded."""
    rows = [[para(a, 9), para(b, 9), para(c, 9), para(d, 9)] for (a, b), (c, d) in zip(pairs[::2], pairs[1::2])]
    table = Table(rows, colWidths=fitted_widths((label_width, 150, label_width, 150), total))
    table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.25, colors.HexColor("#9aa5a1")),
                               ("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#eef2f1")),
                               ("BACKGROUND", (2, 0), (2, -1), colors.HexColor("#eef2f1"))]))
    return table


def photo_thumbs(answer, width: float, missing: str) -> list:
    """The answer's photo thumbnails at `width`; a file gone from the disk prints `missing` in its place."""
    cells = []
    for photo in answer.photos:
        path = absolute(photo.thumb_path)
        if os.path.exists(path):
            cells.append(Image(path, width=width, height=width * photo.height / photo.width))
        else:
            cells.append(para(missing, 7))
    return cells
