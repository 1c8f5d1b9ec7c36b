"""What the server's PDFs share: page geometry, styles, colours, text fitting, tables and the
chart pieces drawn with reportlab.graphics (the customer brief, the screens' exports).

Only reportlab's built-in Helvetica is used (no font files, works offline); it covers
Latin-1 (WinAnsi), so text should keep to it (no arrows or ticks).
"""

from __future__ import annotations

import io
import math

from reportlab.graphics.shapes import Drawing, Rect, String
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import BaseDocTemplate, Frame, PageTemplate, Paragraph, Table, TableStyle

MARGIN = 14 * mm
WIDTH = A4[0] - 2 * MARGIN  # usable width of a portrait A4 page
HEIGHT = A4[1] - 2 * MARGIN
SALES_COLOUR = colors.HexColor("#2c6fbb")
PROFIT_COLOUR = colors.HexColor("#5cb85c")
GROWTH_COLOUR = colors.HexColor("#198754")
LOSS_COLOUR = colors.HexColor("#c0392b")
ACCENT_COLOUR = colors.HexColor("#fd7e14")
PALE = colors.HexColor("#adb5bd")
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


def document(buffer: io.BytesIO, title: str, on_page=None) -> BaseDocTemplate:
    """A portrait A4 document of one frame with MARGIN all round; `on_page(canvas, doc)` draws
    what every page carries (a footer). The same content gives the same bytes."""
    frame = Frame(MARGIN, MARGIN, WIDTH, HEIGHT, 0, 0, 0, 0)  # no padding: WIDTH is all usable
    template = PageTemplate(frames=[frame], **({"onPage": on_page} if on_page else {}))
    return BaseDocTemplate(
        buffer,
        pagesize=A4,
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


def nice_step(raw: float) -> float:
    """The smallest of 1, 2, 5 × 10^k (at least 1) not below `raw`: round axis steps."""
    power = 10 ** math.floor(math.log10(max(raw, 1.0)))
    return next(m * power for m in (1, 2, 5, 10) if m * power >= raw)


def axis_money(top: float):
    """Axis label format for amounts up to `top`: £1.5m above two million, £12k above ten
    thousand, else £950."""
    if top >= 2_000_000:
        return lambda v: f"£{v / 1e6:,g}m" if v else "£0"
    if top >= 10_000:
        return lambda v: f"£{v / 1000:,.0f}k" if v else "£0"
    return lambda v: f"£{v:,.0f}"


def short_money(value: float) -> str:
    """£1.2m, £45.6k, £950: an amount in a few characters, for labels on charts."""
    sign, value = ("-" if value < 0 else ""), abs(value)
    if value >= 999_500:
        return f"{sign}£{value / 1e6:,.1f}m"
    if value >= 10_000:
        return f"{sign}£{value / 1e3:,.0f}k"
    if value >= 1_000:
        return f"{sign}£{value / 1e3:,.1f}k"
    return f"{sign}£{value:,.0f}"


def money_axis(axis, low: float, top: float, steps: int = 5) -> tuple[float, float]:
    """Round steps from below `low` (≤ 0) to above `top` on a value axis, labelled in pounds,
    with a light grid; returns the axis' (min, max)."""
    step = nice_step(max(top, -low) / steps)
    axis.valueStep = step
    axis.valueMin = math.floor(min(low, 0.0) / step) * step
    axis.valueMax = max(math.ceil(top / step), 1) * step
    axis.labels.fontName = "Helvetica"
    axis.labels.fontSize = 6.5
    axis.labelTextFormat = axis_money(top)
    axis.strokeColor = MUTED
    axis.visibleGrid = True
    axis.gridStrokeColor = RULE
    axis.gridStrokeWidth = 0.4
    return axis.valueMin, axis.valueMax


def category_axis(axis, names: list[str], angle: float = 0, width: float | None = None) -> None:
    """Category labels in small Helvetica; at an `angle`, each shortened to `width` points and
    hung from its tick."""
    axis.labels.fontName = "Helvetica"
    axis.labels.fontSize = 6.5
    axis.tickUp = axis.tickDown = 0
    axis.strokeColor = MUTED
    if angle:
        axis.labels.angle = angle
        axis.labels.boxAnchor = "ne"
        axis.labels.dx, axis.labels.dy = 2, -3
    else:
        axis.labels.dy = -2
    axis.categoryNames = [fit(n, width, 6.5) for n in names] if width else list(names)


def wrap(text: str, width: float, size: float, lines: int = 2, font: str = "Helvetica") -> str:
    """Text broken at spaces into at most `lines` lines of `width` points (newline-separated),
    the last one shortened if need be: for chart labels."""
    out: list[str] = []
    words = text.split()
    while words and len(out) < lines - 1:
        line = words.pop(0)
        while words and stringWidth(f"{line} {words[0]}", font, size) <= width:
            line += " " + words.pop(0)
        out.append(line)
    if words:
        out.append(" ".join(words))
    return "\n".join(fit(line, width, size, font) for line in out)


def legend(drawing: Drawing, x: float, y: float, entries, gap: float = 12) -> None:
    """Colour swatches with their labels in a row from (x, y); an entry is (label, colour) or
    (label, colour, "line") for a line series."""
    for entry in entries:
        label, colour = entry[0], entry[1]
        if len(entry) > 2 and entry[2] == "line":
            drawing.add(Rect(x, y + 3, 10, 1.6, fillColor=colour, strokeColor=None))
            width = 10
        else:
            drawing.add(Rect(x, y, 8, 8, fillColor=colour, strokeColor=None))
            width = 8
        drawing.add(String(x + width + 3, y + 1, label, fontName="Helvetica", fontSize=7.5))
        x += width + 3 + stringWidth(label, "Helvetica", 7.5) + gap


def chart_title(drawing: Drawing, text: str, x: float = 0) -> None:
    """A bold title in the top-left corner of a drawing."""
    drawing.add(String(x, drawing.height - 10, text, fontName="Helvetica-Bold", fontSize=9.5))


def centred_note(drawing: Drawing, text: str) -> None:
    """A grey sentence in the middle of a drawing (e.g. nothing to draw)."""
    drawing.add(
        String(
            drawing.width / 2,
            drawing.height / 2,
            text,
            fontName="Helvetica",
            fontSize=9,
            fillColor=MUTED,
            textAnchor="middle",
        )
    )
