"""What the server's PDFs share (the customer brief, the screens' exports): page geometry,
styles, colours, text fitting and tables. Charts are the screens' own figures (reports.figures).

Only reportlab's built-in Helvetica is used (no font files, works offline); it covers
Latin-1 (WinAnsi), so text should keep to it (no arrows or ticks).
"""

from __future__ import annotations

import io

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import BaseDocTemplate, Frame, PageTemplate, Paragraph, Table, TableStyle

MARGIN = 14 * mm
WIDTH = A4[0] - 2 * MARGIN  # usable width of a portrait A4 page
HEIGHT = A4[1] - 2 * MARGIN
RISK = "#c0392b"
MUTED = colors.HexColor("#6c757d")
RULE = colors.HexColor("#dee2e6")
SHADE = colors.HexColor("#f3f5f7")
FONT_SIZE, PAD = 8, 3  # table text size and cell padding (points)

BASE = ParagraphStyle("base", fontName="Helvetica", fontSize=8.5, leading=11)
TITLE = ParagraphStyle("title", parent=BASE, fontName="Helvetica-Bold", fontSize=17, leading=21)
SECTION = ParagraphStyle(
    "section", parent=BASE, fontName="Helvetica-Bold", fontSize=10, leading=13, spaceBefore=7
)
SMALL = ParagraphStyle("small", parent=BASE, fontSize=7, leading=9, textColor=MUTED)


def document(
    buffer: io.BytesIO, title: str, on_page=None, page: tuple[float, float] = A4
) -> BaseDocTemplate:
    """A document of `page` size (portrait A4 by default) with one frame and MARGIN all round;
    `on_page(canvas, doc)` draws what every page carries (a footer). The same content gives the
    same bytes."""
    frame = Frame(MARGIN, MARGIN, page[0] - 2 * MARGIN, page[1] - 2 * MARGIN, 0, 0, 0, 0)
    template = PageTemplate(frames=[frame], **({"onPage": on_page} if on_page else {}))
    return BaseDocTemplate(
        buffer,
        pagesize=page,
        pageTemplates=[template],
        title=title,
        creator="Sales by Customer",
        invariant=True,
    )


def table(
    header: list,
    rows: list[list[str]],
    widths: list[float],
    empty: str,
    text_columns: int = 2,
    font_size: float = FONT_SIZE,
) -> Table | Paragraph:
    """A plain table: the first `text_columns` columns left-aligned, the rest (numbers) right;
    every cell shortened to its column; the header row (text, or flowables such as Paragraphs
    that wrap) repeats on each page the table flows onto."""
    if not rows:
        return Paragraph(empty, ParagraphStyle("empty", parent=BASE, textColor=MUTED))
    rows = [
        [fit(cell, width - 2 * PAD, font_size) for cell, width in zip(row, widths, strict=True)]
        for row in rows
    ]
    header = [
        fit(cell, width - 2 * PAD, font_size - 0.5, "Helvetica-Bold")
        if isinstance(cell, str)
        else cell
        for cell, width in zip(header, widths, strict=True)
    ]
    result = Table([header, *rows], colWidths=widths, repeatRows=1)
    result.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), "Helvetica", font_size),
                ("FONT", (0, 0), (-1, 0), "Helvetica-Bold", font_size - 0.5),
                ("TEXTCOLOR", (0, 0), (-1, 0), MUTED),
                ("LINEBELOW", (0, 0), (-1, 0), 0.6, MUTED),
                ("LINEBELOW", (0, 1), (-1, -1), 0.3, RULE),
                ("ALIGN", (text_columns, 0), (-1, -1), "RIGHT"),
                ("TOPPADDING", (0, 0), (-1, -1), 1.5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
                ("LEFTPADDING", (0, 0), (-1, -1), PAD),
                ("RIGHTPADDING", (0, 0), (-1, -1), PAD),
            ]
        )
    )
    return result


def no_padding() -> list:
    return [(f"{side}PADDING", (0, 0), (-1, -1), 0) for side in ("LEFT", "RIGHT", "TOP", "BOTTOM")]


def fit(text: str, width: float, size: float, font: str = "Helvetica") -> str:
    """Text shortened with an ellipsis until it fits `width` points, so nothing overflows."""
    if stringWidth(text, font, size) <= width:
        return text
    while text and stringWidth(text + "…", font, size) > width:
        text = text[:-1]
    return text.rstrip() + "…"
