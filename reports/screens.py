"""PDF exports of the screens (SPEC §4: "PDF export of what is on screen, with the applied
filters printed at the top").

Each PDF is the screen's view: its title, the data's "as of" time and the applied filters in
words, the KPI cards as a table where the screen has them, the screen's own plotly figures
(views.screens, rendered by kaleido) and its table with the grid's columns, sort and column
filters, every number written by the one formatter (layouts.formatting). Landscape A4.
Pass the frames already restricted to the user's scope (with SALES_ENGINE=sql, their lists:
data.lists) and a view parsed for them.
"""

from __future__ import annotations

import io
from xml.sax.saxutils import escape

import plotly.graph_objects as go
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import CondPageBreak, KeepTogether, Paragraph, Spacer, Table, TableStyle

from data.frames import Frames
from data.lists import Lists
from layouts.formatting import format_value
from layouts.kpi_cards import change_text, kpi_text
from layouts.overview import LIFECYCLE_NOTE
from layouts.team import TEAM_NOTE
from metrics.engine import Engine
from metrics.filters import period_of
from metrics.kpis import COMPARE_TO, Comparison
from reports.figures import figure_image
from reports.pdf_parts import (
    BASE,
    MARGIN,
    MUTED,
    PAD,
    RULE,
    SECTION,
    SHADE,
    TITLE,
    document,
    fit,
    no_padding,
)
from views import grid, screens
from views.options import STATUS_LABELS, customer_names
from views.pages import SCREENS
from views.tables import Table as ScreenTable
from views.tables import pdf_cells
from views.view import MULTI, View, unused_text

PAGE = landscape(A4)
WIDTH = PAGE[0] - 2 * MARGIN
FIGURE_HEIGHT = 200
MAX_LISTED_CHARACTERS = 500  # of one filter's values written out; the rest counted
FILTER_LABELS = {
    "customer": "Customer", "salesperson": "Salesperson", "team": "Team",
    "channel": "Channel / store", "category": "Category", "status": "Status", "source": "Source",
    "device": "Device", "brand": "Brand", "collection": "Collection", "supplier": "Supplier",
    "department": "Department", "doctype": "Document type",
}  # fmt: skip
LEADERBOARD_CARDS = ("confirmed_order_amount", "total_customers", "active_customers",
                     "average_reorder_days")  # fmt: skip

LABEL = ParagraphStyle("label", parent=BASE, fontName="Helvetica-Bold", textColor=MUTED)
RIGHT = ParagraphStyle("right", parent=BASE, alignment=2)
HEADER = ParagraphStyle(
    "header", parent=BASE, fontName="Helvetica-Bold", fontSize=6.5, leading=7.5, textColor=MUTED
)
WARNING = ParagraphStyle("warning", parent=BASE, textColor=colors.HexColor("#9c5700"))
NOTE = ParagraphStyle("note", parent=BASE, textColor=MUTED, spaceBefore=4)


def screen_pdf(frames: Frames | Lists, view: View, engine: Engine) -> bytes:
    """The PDF of the view's screen, as bytes (a report's numbers from `engine`)."""
    screen = view.screen
    title = SCREENS[screen][0]
    story = _heading(title, frames, view)
    if screen == "overview":
        result = screens.overview(frames, view, engine)
        story += [
            _kpi_table(result.comparison),
            _figures(screens.pareto_figure(result), screens.trend_figure(view, result)),
            KeepTogether(
                [
                    Paragraph("Customers by lifecycle", SECTION),
                    _counts(screens.lifecycle_counts(result)),
                    Paragraph(escape(LIFECYCLE_NOTE), NOTE),
                ]
            ),
            _figures(screens.bridge_figure(view, result)),
        ]
    elif screen == "sales-by-customer":
        story += [
            Paragraph("Picked customers" if view.selected else "All customers", SECTION),
            _kpi_table(screens.comparison_of(frames, view, engine)),
            _figures(screens.bar_figure(frames, view, engine)),
            *_table(screens.matrix_table(frames, view, engine), view),
        ]
    elif screen == "leaderboard":
        story += [
            _kpi_table(screens.comparison_of(frames, view, engine), LEADERBOARD_CARDS),
            *_table(screens.leaderboard_table(frames, view, engine), view),
        ]
    elif screen == "team":
        result = screens.team(frames, view, engine)
        story += [
            _kpi_table(screens.comparison_of(frames, view, engine)),
            _figures(*screens.team_figures(frames, view, engine, result)),
            *_table(screens.team_table(frames, view, engine, result), view),
            Paragraph(escape(TEAM_NOTE), NOTE),
        ]
    elif screen == "my-customers":
        story += _table(screens.my_customers_table(frames, view, engine), view)
    else:
        table = screens.report_table(frames, view, engine)
        story += [_figures(screens.report_figure(view, table)), *_table(table, view)]
    return _build(title, frames, story)


# --- page 1: title, as-of time, applied filters ----------------------------------------------


def _heading(title: str, frames: Frames | Lists, view: View) -> list:
    as_of = f"Data as of {frames.as_of:%Y-%m-%d %H:%M} UTC"
    top = Table(
        [[Paragraph(escape(title), TITLE), Paragraph(as_of, RIGHT)]],
        colWidths=[WIDTH * 0.6, WIDTH * 0.4],
    )
    top.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "BOTTOM"), *no_padding()]))
    rows = [
        [Paragraph(f"{escape(label)}:", LABEL), Paragraph(text, BASE)]
        for label, text in applied_filters(frames, view)
    ]
    unused = unused_text(view)
    if unused:
        rows.append([Paragraph("Not used:", LABEL), Paragraph(escape(unused), WARNING)])
    box = Table(rows, colWidths=[110, WIDTH - 110])
    box.setStyle(
        TableStyle(
            [
                ("BACKGROUND", (0, 0), (-1, -1), SHADE),
                ("BOX", (0, 0), (-1, -1), 0.5, RULE),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("TOPPADDING", (0, 0), (-1, -1), 1.5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
                ("LEFTPADDING", (0, 0), (-1, -1), 6),
            ]
        )
    )
    return [top, Spacer(1, 4), Paragraph("Applied filters", SECTION), Spacer(1, 2), box,
            Spacer(1, 6)]  # fmt: skip


def applied_filters(frames: Frames | Lists, view: View) -> list[tuple[str, str]]:
    """(label, text as Paragraph markup) of every filter and choice the view applies, in words."""
    f = view.filters
    earlier = COMPARE_TO[view.compare_to](period_of(frames, f))
    lines = [
        ("Period", f"<b>{f.start} to {f.end}</b>"),
        ("Compared with", f"{escape(screens.COMPARE_LABELS[view.compare_to])}: "
                          f"{earlier.start} to {earlier.end}"),
    ]  # fmt: skip
    names = dict(customer_names(frames, f.customers))
    people = dict(zip(frames.salespeople["code"], frames.salespeople["name"], strict=True))
    for key, field in MULTI.items():
        values = getattr(f, field)
        if not values or field in view.unused:
            continue
        if key == "customer":
            shown = [f"{names.get(v, v)} ({v})" for v in values]
        elif key == "salesperson":
            shown = [f"{people[v]} ({v})" if v in people else v for v in values]
        elif key == "status":
            shown = [STATUS_LABELS.get(v, v) for v in values]
        else:
            shown = list(values)
        lines.append((FILTER_LABELS[key], _listed(shown)))
    low, high = view.applied.order_amount_min, view.applied.order_amount_max
    if low is not None or high is not None:
        money = lambda v: format_value("money", v)  # noqa: E731
        text = (f"from {money(low)} to {money(high)}" if low is not None and high is not None
                else f"at least {money(low)}" if low is not None else f"up to {money(high)}")  # fmt: skip
        lines.append(("Order amount", f"{text} (whole order)"))
    for name, values in view.applied.custom:
        lines.append((name.replace("_", " ").capitalize(), _listed(list(values))))
    if len(lines) == 2:
        lines.append(("Filters", "none: every customer you may see"))
    if view.selected:
        picked = [f"{n} ({c})" for c, n in customer_names(frames, view.selected)]
        lines.append(("Picked customers", _listed(picked)))
    for keyword, value in view.row:
        lines.append((keyword.capitalize(), escape(value)))
    for key, value in view.choices:
        lines.append(({"kpi": "Bar chart KPI", "matrix": "Matrix columns", "show": "Showing",
                       "by": "Rows by", "combine": "Combine variants",
                       "unsold": "Include unsold items"}[key],
                      escape(screens.BAR_KPIS.get(value, value).replace("_", " "))))  # fmt: skip
    if view.grid.sort:
        lines.append(("Sorted by", escape(", ".join(f"{c} ({d})" for c, d in view.grid.sort))))
    if view.grid.filter:
        columns = ", ".join(view.grid.filter_model)
        lines.append(("Column filters", escape(f"on {columns}")))
    return lines


def _listed(values: list[str]) -> str:
    """The values joined by commas, as many as fit in a few lines; the rest are counted."""
    shown: list[str] = []
    length = 0
    for value in values:
        length += len(value) + 2
        if shown and length > MAX_LISTED_CHARACTERS:
            break
        shown.append(escape(value))
    more = len(values) - len(shown)
    return ", ".join(shown) + (f" <i>and {more:,} more</i>" if more > 0 else "")


# --- KPI cards, counts, figures, tables ------------------------------------------------------


def _kpi_table(result: Comparison, only: tuple[str, ...] | None = None) -> Table:
    """The KPI cards as rows: value, compared value, change coloured good / bad as on screen."""
    period, earlier = result.period, result.compared_period
    header = [Paragraph("KPI", LABEL),
              Paragraph(f"This period<br/>{period.start} to {period.end}", HEADER),
              Paragraph(f"Compared period<br/>{earlier.start} to {earlier.end}", HEADER),
              Paragraph("Change", HEADER)]  # fmt: skip
    rows = [header]
    for name, label, kind, up_is_good in screens.KPIS:
        if only is not None and name not in only:
            continue
        text, direction = change_text(result, name, kind)
        rows.append([label, kpi_text(kind, getattr(result.current, name)),
                     kpi_text(kind, getattr(result.compared, name)),
                     Paragraph(_change(text, direction, up_is_good), RIGHT)])  # fmt: skip
    table = Table(rows, colWidths=[WIDTH * s for s in (0.3, 0.25, 0.25, 0.2)], repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 1), (-1, -1), "Helvetica", 8.5),
                ("FONT", (1, 1), (1, -1), "Helvetica-Bold", 8.5),
                ("ALIGN", (1, 0), (-1, -1), "RIGHT"),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("LINEBELOW", (0, 0), (-1, 0), 0.6, MUTED),
                ("LINEBELOW", (0, 1), (-1, -1), 0.3, RULE),
                ("TOPPADDING", (0, 0), (-1, -1), 1.2),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 1.2),
            ]
        )
    )
    return table


def _change(text: str | None, direction: float, up_is_good: bool | None) -> str:
    """Arrow (ZapfDingbats, built in) and change, green when good, red when bad, else grey."""
    if text is None:
        return '<font color="#6c757d">no comparison</font>'
    if direction == 0:
        return f'<font color="#6c757d">{escape(text)}</font>'  # "no change", as on the card
    arrow = "▲" if direction > 0 else "▼"
    good = None if up_is_good is None else (direction > 0) == up_is_good
    colour = {True: "#198754", False: "#c0392b", None: "#6c757d"}[good]
    return (f'<font color="{colour}"><font name="ZapfDingbats" size="6">{arrow}</font> '
            f"{escape(text)}</font>")  # fmt: skip


def _counts(counts: dict[str, int]) -> Table:
    row = [[Paragraph(f"{escape(label)}<br/><b>{format_value('count', n)}</b>", BASE)
            for label, n in counts.items()]]  # fmt: skip
    table = Table(row, colWidths=[WIDTH / len(counts)] * len(counts))
    table.setStyle(TableStyle([("BOX", (0, 0), (-1, -1), 0.3, RULE),
                               ("INNERGRID", (0, 0), (-1, -1), 0.3, RULE)]))  # fmt: skip
    return table


def _figures(*figures) -> Table:
    """The screen's figures side by side (one takes the whole width), each under its title in
    words; an empty one (no sales) as its title and sentence."""
    width = WIDTH / len(figures)
    cells = []
    for figure in figures:
        title = Paragraph(escape(figure.layout.title.text or ""), SECTION)
        if not figure.data:
            cells.append([title, Paragraph(escape(figure.layout.annotations[0].text) + ".", NOTE)])
            continue
        untitled = go.Figure(figure).update_layout(title_text="")
        cells.append([title, figure_image(untitled, width - 4, FIGURE_HEIGHT)])
    table = Table([cells], colWidths=[width] * len(cells))
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), *no_padding()]))
    return table


def _table(table: ScreenTable, view: View) -> list:
    """The screen's table as its grid shows it: visible columns in order, sorted, filtered."""
    shown, columns = grid.apply(table, view.grid)
    title = Paragraph(escape(shown.title), SECTION)
    if shown.rows.empty:
        return [CondPageBreak(60), title, Paragraph("No sales match these filters.", NOTE)]
    specs = [shown.column(c) for c in columns]
    cells = pdf_cells(shown, columns)
    size = 7 if len(columns) <= 10 else 6 if len(columns) <= 15 else 5.5
    # a header wraps onto two lines at most, between words, never inside one (its longest word
    # is the column's floor); the cells' text is shrunk into what is left
    floors = [max(stringWidth(word, HEADER.fontName, HEADER.fontSize) for word in s.header.split()) + 2 * PAD
              for s in specs]  # fmt: skip
    widths = [
        max(floor, stringWidth(s.header, HEADER.fontName, HEADER.fontSize) / 2 + 2 * PAD,
            max(stringWidth(row[i], "Helvetica", size) for row in cells[:500]) + 2 * PAD)
        for i, (s, floor) in enumerate(zip(specs, floors, strict=True))
    ]  # fmt: skip
    widths = fit_widths(widths, floors, WIDTH)
    body = [[fit(cell, w - 2 * PAD, size) for cell, w in zip(row, widths, strict=True)]
            for row in cells]  # fmt: skip
    header = [Paragraph(escape(s.header), HEADER) for s in specs]
    result = Table([header, *body], colWidths=widths, repeatRows=1)
    style = [
        ("FONT", (0, 1), (-1, -1), "Helvetica", size),
        ("LINEBELOW", (0, 0), (-1, 0), 0.6, MUTED),
        ("LINEBELOW", (0, 1), (-1, -1), 0.2, RULE),
        ("VALIGN", (0, 0), (-1, 0), "BOTTOM"),
        ("TOPPADDING", (0, 0), (-1, -1), 1.2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 1.2),
        ("LEFTPADDING", (0, 0), (-1, -1), PAD),
        ("RIGHTPADDING", (0, 0), (-1, -1), PAD),
    ]
    style += [("ALIGN", (i, 1), (i, -1), "RIGHT") for i, s in enumerate(specs) if s.numeric]
    result.setStyle(TableStyle(style))
    return [CondPageBreak(80), title, result]


def fit_widths(widths: list[float], floors: list[float], total: float) -> list[float]:
    """Column widths that add up to `total`: spread out when they are narrower, else narrowed
    above their floors (all of them scaled only when the floors alone are too wide)."""
    if sum(widths) <= total or sum(floors) >= total:
        return [w * total / sum(widths) for w in widths]
    room = (sum(widths) - total) / sum(w - f for w, f in zip(widths, floors, strict=True))
    return [w - (w - f) * room for w, f in zip(widths, floors, strict=True)]


# --- the document ----------------------------------------------------------------------------


def _build(title: str, frames: Frames | Lists, story: list) -> bytes:
    footer = f"{title} · data as of {frames.as_of:%Y-%m-%d %H:%M} UTC · the filters are on page 1"

    def on_page(canvas, doc):
        canvas.saveState()
        canvas.setFont("Helvetica", 7)
        canvas.setFillColor(MUTED)
        canvas.drawString(MARGIN, MARGIN / 2, footer)
        canvas.drawRightString(MARGIN + WIDTH, MARGIN / 2, f"Page {doc.page}")
        canvas.restoreState()

    buffer = io.BytesIO()
    document(buffer, title, on_page, PAGE).build(story)
    return buffer.getvalue()
