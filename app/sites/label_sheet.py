"""A4 sheets of checkpoint labels for printing and cutting: 3 x 4 labels a page."""
from __future__ import annotations

import io
from collections.abc import Callable, Sequence

from reportlab.graphics import renderPDF
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen.canvas import Canvas

from app.sites.labels import label_text, qr_payload
from app.sites.models import Checkpoint

COLUMNS, ROWS = 3, 4
PER_PAGE = COLUMNS * ROWS
CJK = "STSong-Light"  # one of reportlab's built-in CID fonts: PDF viewers supply the glyphs, no font file needed
CODE_FONT = "Courier-Bold"
MARGIN_X, TOP, BOTTOM = 12 * mm, 18 * mm, 14 * mm
CELL_W = (A4[0] - 2 * MARGIN_X) / COLUMNS
CELL_H = (A4[1] - TOP - BOTTOM) / ROWS
QR_SIZE = 36 * mm


def _cjk_font() -> str:
    if CJK not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(CJK))
    return CJK


def page_count(labels: int) -> int:
    return max(1, -(-labels // PER_PAGE))


def _fit(text: str, font: str, size: float, width: float, smallest: float) -> tuple[str, float]:
    while size > smallest and pdfmetrics.stringWidth(text, font, size) > width:
        size -= 0.5
    while len(text) > 1 and pdfmetrics.stringWidth(text, font, size) > width:
        text = text[:-2] + "…"
    return text, size


def _line(canvas: Canvas, text: str, font: str, size: float, centre_x: float, y: float, smallest: float = 6) -> None:
    text, size = _fit(text, font, size, CELL_W - 6 * mm, smallest)
    canvas.setFont(font, size)
    canvas.drawCentredString(centre_x, y, text)


def _qr(canvas: Canvas, payload: str, x: float, y: float) -> None:
    widget = QrCodeWidget(payload, barLevel="Q", barBorder=2)
    left, bottom, right, top = widget.getBounds()
    drawing = Drawing(QR_SIZE, QR_SIZE, transform=[QR_SIZE / (right - left), 0, 0, QR_SIZE / (top - bottom), 0, 0])
    drawing.add(widget)
    renderPDF.draw(drawing, canvas, x, y)


def _label(canvas: Canvas, checkpoint: Checkpoint, x: float, y: float) -> None:
    """One label in the cell whose lower-left corner is (x, y), inside a light dashed cutting line."""
    canvas.setStrokeGray(0.75)
    canvas.setDash(2, 2)
    canvas.setLineWidth(0.3)
    canvas.rect(x, y, CELL_W, CELL_H)
    canvas.setDash()
    text = label_text(checkpoint)
    centre = x + CELL_W / 2
    _qr(canvas, qr_payload(checkpoint), centre - QR_SIZE / 2, y + CELL_H - QR_SIZE - 2.5 * mm)
    canvas.setFillGray(0)
    _line(canvas, text.name, _cjk_font(), 12, centre, y + 20 * mm, smallest=7)
    canvas.setFillGray(0.25)
    _line(canvas, text.place, _cjk_font(), 8.5, centre, y + 15 * mm)
    canvas.setFillGray(0.35)
    _line(canvas, text.caption, _cjk_font(), 6.5, centre, y + 10.5 * mm)
    canvas.setFillGray(0)
    _line(canvas, text.code, CODE_FONT, 17, centre, y + 4 * mm, smallest=10)


def labels_pdf(checkpoints: Sequence[Checkpoint], title: str, footer: Callable[[int, int], str],
               compress: bool = True) -> bytes:
    """An A4 PDF with `title` atop each page and footer(page, pages) below; uncompressed streams for tests."""
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=A4, pageCompression=1 if compress else 0)
    canvas.setTitle(title)
    canvas.setCreator("Patrol")
    pages = page_count(len(checkpoints))
    for page in range(pages):
        canvas.setFillGray(0)
        canvas.setFont(_cjk_font(), 12)
        canvas.drawString(MARGIN_X, A4[1] - 11 * mm, title)
        canvas.setFont(_cjk_font(), 8)
        canvas.drawCentredString(A4[0] / 2, 7 * mm, footer(page + 1, pages))
        for slot, checkpoint in enumerate(checkpoints[page * PER_PAGE:(page + 1) * PER_PAGE]):
            row, column = divmod(slot, COLUMNS)
            _label(canvas, checkpoint, MARGIN_X + column * CELL_W, A4[1] - TOP - (row + 1) * CELL_H)
        canvas.showPage()
    canvas.save()
    return out.getvalue()
