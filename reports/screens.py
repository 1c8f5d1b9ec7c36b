"""PDF exports of the Overview and Sales by Customer screens (SPEC §4: "PDF export of what is on
screen, with the applied filters printed at the top").

Each starts with the screen's title, the data's "as of" time and the applied filters in words,
then the KPI cards as a table, then the screen's charts (drawn with reportlab.graphics, no
browser) and tables, numbers written as on screen. Portrait A4, built-in Helvetica only.
Pass the frames already restricted to the user's scope and the view parsed for them
(callbacks.filter_bar.view_state), so the PDF holds nothing the user may not see.
"""

from __future__ import annotations

import io
import math
from xml.sax.saxutils import escape

import numpy as np
import pandas as pd
from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.shapes import Circle, Drawing, Line, PolyLine, Rect, String
from reportlab.lib import colors
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import CondPageBreak, Paragraph, Spacer, Table, TableStyle

from callbacks.url_state import MULTI, ViewState
from data.frames import Frames
from layouts.filter_bar import COMPARE_LABELS, MAIN, MORE, STATUS_LABELS
from layouts.formatting import count, money, percent
from layouts.kpi_cards import KPI_CARDS, change_text
from layouts.report import TITLES as REPORT_TITLES
from layouts.sales_by_customer import BAR_KPIS
from metrics.customers import leaderboard, lifecycle
from metrics.filters import PRESET_LABELS, PRESETS, Period, period_of, preset_period
from metrics.kpis import COMPARE_TO, Comparison, compare
from metrics.matrix import MATRIX_KPIS, matrix
from metrics.overview import Bridge, monthly_sales, revenue_bridge, top_customers
from metrics.reports import REPORT_COLUMNS
from metrics.team import team_performance
from reports.pdf_parts import (
    ACCENT_COLOUR,
    BASE,
    GROWTH_COLOUR,
    LOSS_COLOUR,
    MARGIN,
    MUTED,
    PAD,
    PALE,
    RULE,
    SALES_COLOUR,
    SECTION,
    SHADE,
    SMALL,
    TITLE,
    WIDTH,
    category_axis,
    chart_title,
    document,
    legend,
    money_axis,
    no_padding,
    short_money,
    table,
    wrap,
)

NO_SALES = "No sales match these filters"
TOP_N = 20  # Overview: top customers (as callbacks.overview.TOP_N)
BAR_CUSTOMERS = 30  # Sales by Customer: customers on the bar chart (as on screen)
MAX_LISTED_CHARACTERS = 500  # of one filter's values written out (~4 lines); the rest counted
FILTER_LABELS = {**MAIN, **MORE}
LIFECYCLE = {
    "new": "New customers",
    "returning": "Returning customers",
    "recovered": "Recovered customers",
    "lost": "Lost customers",
}
MATRIX_FONT = 7

LABEL = ParagraphStyle("label", parent=BASE, fontName="Helvetica-Bold", textColor=MUTED)
RIGHT = ParagraphStyle("right", parent=BASE, alignment=2)
RIGHT_SMALL = ParagraphStyle("right-small", parent=SMALL, alignment=2)
HEADER = ParagraphStyle(
    "header", parent=SMALL, fontName="Helvetica-Bold", fontSize=6.5, leading=7.5, alignment=2
)
WARNING = ParagraphStyle("warning", parent=BASE, textColor=colors.HexColor("#9c5700"))
NOTE = ParagraphStyle("note", parent=BASE, textColor=MUTED, spaceBefore=4)


def overview_pdf(frames: Frames, state: ViewState) -> bytes:
    """The Overview as PDF bytes: filters, KPI cards, top customers with their cumulative share,
    the monthly trend against the compared period, customer lifecycle counts, the revenue
    bridge, and the top customers' table."""
    filters = state.filters
    comparison = compare(frames, filters, state.compare_to)
    earlier = COMPARE_TO[state.compare_to](period_of(frames, filters))
    compared_label = COMPARE_LABELS[state.compare_to]
    top = top_customers(frames, filters, TOP_N)
    flags = lifecycle(frames, filters)
    counts = {label: int(flags[name].sum()) for name, label in LIFECYCLE.items()}
    story = [
        *_heading("Overview", frames, state, comparison, picked_applies=False),
        _kpi_table(comparison),
        Spacer(1, 8),
        _pareto(top),
        Spacer(1, 6),
        _trend(
            monthly_sales(frames, filters), monthly_sales(frames, filters, earlier), compared_label
        ),
        Spacer(1, 6),
        _side_by_side(
            _lifecycle(counts, 0.36 * WIDTH),
            _bridge(revenue_bridge(frames, filters, earlier), compared_label, 0.64 * WIDTH),
        ),
        CondPageBreak(90),
        Paragraph(f"Top {len(top) or ''} customers by Sales Amount".replace("  ", " "), SECTION),
        _top_table(top),
    ]
    return _build("Overview", frames, story)


def sales_by_customer_pdf(frames: Frames, state: ViewState) -> bytes:
    """Sales by Customer as PDF bytes: filters, KPI cards (of the picked customers when some
    are picked), the top customers by Sales Amount (picked ones in colour) and the whole KPI
    matrix, one row per customer, over as many pages as it takes."""
    focused = state.focused()
    comparison = compare(frames, focused, state.compare_to)
    ranked = matrix(frames, state.filters, "kpis")
    ranked = ranked.sort_values(
        ["sales_amount", "key"], ascending=[False, True], na_position="last"
    ).head(BAR_CUSTOMERS)
    rows = matrix(frames, focused, "kpis")
    story = [
        *_heading("Sales by Customer", frames, state, comparison, picked_applies=True),
        _kpi_table(comparison),
        Spacer(1, 8),
        _customers_bar(ranked, state.selected),
        CondPageBreak(90),
        Paragraph(
            f"Matrix: {len(rows):,} customer{'s' * (len(rows) != 1)} by KPI, "
            "by Sales Amount (highest first)",
            SECTION,
        ),
        _matrix_table(rows),
    ]
    return _build("Sales by Customer", frames, story)


def leaderboard_pdf(frames: Frames, state: ViewState) -> bytes:
    """The Leaderboard as PDF bytes: filters, KPI cards (the summary cards among them) and one
    row per customer, by Sales Amount."""
    comparison = compare(frames, state.filters, state.compare_to)
    board = leaderboard(frames, state.filters)
    rows = [
        [str(r.customer_name), STATUS_LABELS.get(r.status, r.status), money(r.sales_amount),
         "" if pd.isna(r.days_since_last_order) else f"{int(r.days_since_last_order):,}",
         "" if pd.isna(r.last_order) else f"{r.last_order:%Y-%m-%d}", count(r.total_order_count),
         money(r.confirmed_order_amount), money(_known(r.gross_profit)),
         percent(_known(r.gross_profit_margin))]
        for r in board.itertuples()
    ]  # fmt: skip
    header = ["Customer", "Status", "Sales Amount", "Days since last order", "Last order",
              "Orders", "Confirmed Order Amount", "Gross Profit", "Margin"]  # fmt: skip
    header = [Paragraph(escape(h), HEADER) for h in header]
    widths = [WIDTH * w for w in (0.22, 0.07, 0.12, 0.09, 0.1, 0.07, 0.13, 0.12, 0.08)]
    story = [
        *_heading("Leaderboard", frames, state, comparison, picked_applies=False),
        _kpi_table(comparison),
        CondPageBreak(90),
        Paragraph(f"{len(board):,} customers by Sales Amount", SECTION),
        table(header, rows, widths, NO_SALES + ".", text_columns=2, font_size=MATRIX_FONT),
    ]
    return _build("Leaderboard", frames, story)


def team_pdf(frames: Frames, state: ViewState) -> bytes:
    """Team performance as PDF bytes: filters, KPI cards and one row per salesperson."""
    comparison = compare(frames, state.filters, state.compare_to)
    team = team_performance(frames, state.filters)
    rows = [
        [str(r.salesperson_name), str(r.team or ""), money(r.sales_amount),
         money(_known(r.gross_profit)), percent(_known(r.gross_profit_margin)),
         count(r.confirmed_order_count), count(r.new_customers), count(r.customers),
         count(r.active_customers), count(r.at_risk_customers), money(_known(r.commission))]
        for r in team.itertuples()
    ]  # fmt: skip
    header = ["Salesperson", "Team", "Sales Amount", "Gross Profit", "Margin", "Orders", "New",
              "Customers", "Active", "At risk", "Commission"]  # fmt: skip
    header = [Paragraph(escape(h), HEADER) for h in header]
    widths = [WIDTH * w for w in (0.17, 0.07, 0.12, 0.12, 0.07, 0.07, 0.06, 0.08, 0.07, 0.07, 0.10)]
    story = [
        *_heading("Team performance", frames, state, comparison, picked_applies=False),
        _kpi_table(comparison),
        CondPageBreak(90),
        Paragraph("Salespeople by Sales Amount", SECTION),
        table(header, rows, widths, NO_SALES + ".", text_columns=2, font_size=MATRIX_FONT),
    ]
    return _build("Team performance", frames, story)


def report_pdf(frames: Frames, state: ViewState, name: str) -> bytes:
    """A sales report (SPEC §5) as PDF bytes: filters, KPI cards and the report's rows with the
    standard amounts."""
    from callbacks.report import run_report  # the report exactly as its page runs it

    comparison = compare(frames, state.filters, state.compare_to)
    report = run_report(frames, name, state, "day", [])
    labels = [c for c in report.columns if c not in REPORT_COLUMNS][:2]
    rows = [
        [*(str(r[c]) if pd.notna(r[c]) else "" for c in labels), money(_known(r["sales_amount"])),
         count(r["sales_quantity"]), count(r["orders"]), money(_known(r["gross_profit"])),
         percent(_known(r["gross_profit_margin"])), percent(_known(r["cost_coverage"]))]
        for r in report.to_dict("records")
    ]  # fmt: skip
    header = [*(c.replace("_", " ").capitalize() for c in labels), "Sales Amount", "Quantity",
              "Orders", "Gross Profit", "Margin", "Cost coverage"]  # fmt: skip
    header = [Paragraph(escape(h), HEADER) for h in header]
    share = [0.5 / len(labels)] * len(labels)
    widths = [WIDTH * w for w in (*share, 0.12, 0.08, 0.07, 0.11, 0.06, 0.06)]
    title = REPORT_TITLES[name]
    story = [
        *_heading(title, frames, state, comparison, picked_applies=False),
        _kpi_table(comparison),
        CondPageBreak(90),
        Paragraph(f"{len(report):,} rows by Sales Amount", SECTION),
        table(
            header, rows, widths, NO_SALES + ".", text_columns=len(labels), font_size=MATRIX_FONT
        ),
    ]
    return _build(title, frames, story)


def _known(value) -> float | None:
    return None if value is None or pd.isna(value) else float(value)


# --- page 1: title, as-of time, applied filters, KPI cards ---------------------------------


def _heading(
    title: str, frames: Frames, state: ViewState, comparison: Comparison, picked_applies: bool
) -> list:
    as_of = f"Data as of {frames.as_of:%Y-%m-%d %H:%M} UTC"
    top = Table(
        [[Paragraph(escape(title), TITLE), Paragraph(as_of, RIGHT)]],
        colWidths=[WIDTH * 0.6, WIDTH * 0.4],
    )
    top.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "BOTTOM"), *no_padding()]))
    rows = [
        [Paragraph(f"{escape(label)}:", LABEL), Paragraph(text, BASE)]
        for label, text in applied_filters(frames, state, comparison, picked_applies)
    ]
    rows += [
        [Paragraph("Ignored in the link:", LABEL), Paragraph(escape(message), WARNING)]
        for message in state.messages
    ]
    box = Table(rows, colWidths=[105, WIDTH - 105])
    box.setStyle(
        TableStyle(
            [
                ("BACKGROUND", (0, 0), (-1, -1), SHADE),
                ("BOX", (0, 0), (-1, -1), 0.5, RULE),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("TOPPADDING", (0, 0), (-1, -1), 1.5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
                ("TOPPADDING", (0, 0), (-1, 0), 5),
                ("BOTTOMPADDING", (0, -1), (-1, -1), 5),
                ("LEFTPADDING", (0, 0), (-1, -1), 6),
            ]
        )
    )
    return [
        top,
        Spacer(1, 4),
        Paragraph("Applied filters", SECTION),
        Spacer(1, 2),
        box,
        Spacer(1, 8),
    ]


def applied_filters(
    frames: Frames, state: ViewState, comparison: Comparison, picked_applies: bool = True
) -> list[tuple[str, str]]:
    """(label, text as Paragraph markup) of every filter the view applies, in words."""
    f = state.filters
    period, earlier = comparison.period, comparison.compared_period
    preset = _preset(frames, period)
    lines = [
        ("Period", f"<b>{period.start} to {period.end}</b>" + (f" ({preset})" if preset else "")),
        (
            "Compared with",
            f"{COMPARE_LABELS[state.compare_to]}: {earlier.start} to {earlier.end}",
        ),
    ]
    customer_names = _customer_names(frames)
    people = dict(zip(frames.salespeople["code"], frames.salespeople["name"], strict=True))
    for key, field in MULTI.items():
        values = getattr(f, field)
        if not values:
            continue
        if key == "customer":
            shown = [f"{customer_names.get(v, v)} ({v})" for v in values]
        elif key == "salesperson":
            shown = [f"{people[v]} ({v})" if v in people else v for v in values]
        elif key == "status":
            shown = [STATUS_LABELS.get(v, v) for v in values]
        else:
            shown = list(values)
        lines.append((FILTER_LABELS.get(key, key), _listed(shown)))
    low, high = f.order_amount_min, f.order_amount_max
    if low is not None or high is not None:
        if low is not None and high is not None:
            text = f"from {money(low)} to {money(high)}"
        else:
            text = f"at least {money(low)}" if low is not None else f"up to {money(high)}"
        lines.append(("Order amount", f"{text} (whole order)"))
    for name, values in f.custom:
        lines.append((name.replace("_", " ").capitalize(), _listed(list(values))))
    if len(lines) == 2:
        lines.append(("Filters", "none: every customer you may see"))
    if state.selected:
        picked = _listed([f"{customer_names.get(c, c)} ({c})" for c in state.selected])
        note = "" if picked_applies else " <i>(a Sales by Customer selection; not applied here)</i>"
        lines.append(("Picked customers", picked + note))
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


def _preset(frames: Frames, period: Period) -> str | None:
    """The label of the period preset that gives exactly this period, as the filter bar shows."""
    if frames.first_day is None or frames.last_day is None:
        return None
    today = pd.Timestamp.now().date()
    first, last = (pd.Timestamp(d, unit="D").date() for d in (frames.first_day, frames.last_day))
    for preset in PRESETS:
        if preset_period(preset, today, first, last) == (period.start, period.end):
            return PRESET_LABELS[preset]
    return None


def _customer_names(frames: Frames) -> dict[str, str]:
    customers = frames.customers
    return dict(zip(customers["customer_id"], customers["name"].astype(str), strict=True))


def _kpi_table(comparison: Comparison) -> Table:
    """The KPI cards as rows: value, compared value, change coloured good / bad as on screen."""
    period, earlier = comparison.period, comparison.compared_period
    header = [
        Paragraph("KPI", LABEL),
        Paragraph(f"This period<br/>{period.start} to {period.end}", HEADER),
        Paragraph(f"Compared period<br/>{earlier.start} to {earlier.end}", HEADER),
        Paragraph("Change", HEADER),
    ]
    rows = [header]
    for name, label, fmt, up_is_good in KPI_CARDS:
        text, direction = change_text(comparison, name, fmt)
        rows.append(
            [
                label,
                fmt(getattr(comparison.current, name)),
                fmt(getattr(comparison.compared, name)),
                Paragraph(_change(text, direction, up_is_good), RIGHT),
            ]
        )
    widths = [WIDTH * s for s in (0.34, 0.24, 0.24, 0.18)]
    result = Table(rows, colWidths=widths, repeatRows=1)
    result.setStyle(
        TableStyle(
            [
                ("FONT", (0, 1), (-1, -1), "Helvetica", 8.5),
                ("FONT", (1, 1), (1, -1), "Helvetica-Bold", 8.5),
                ("ALIGN", (1, 0), (-1, -1), "RIGHT"),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("VALIGN", (0, 0), (-1, 0), "BOTTOM"),
                ("LINEBELOW", (0, 0), (-1, 0), 0.6, MUTED),
                ("LINEBELOW", (0, 1), (-1, -1), 0.3, RULE),
                ("TOPPADDING", (0, 0), (-1, -1), 1.2),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 1.2),
                ("LEFTPADDING", (0, 0), (-1, -1), PAD),
                ("RIGHTPADDING", (0, 0), (-1, -1), PAD),
            ]
        )
    )
    return result


def _change(text: str | None, direction: float, up_is_good: bool | None) -> str:
    """Arrow (ZapfDingbats, built in) and change, green when good, red when bad, else grey."""
    if text is None:
        return '<font color="#6c757d">no comparison</font>'
    arrow = "▲" if direction > 0 else ("▼" if direction < 0 else "■")
    good = None if up_is_good is None or direction == 0 else (direction > 0) == up_is_good
    colour = {True: "#198754", False: "#c0392b", None: "#6c757d"}[good]
    return (
        f'<font color="{colour}"><font name="ZapfDingbats" size="6">{arrow}</font> '
        f"{escape(text)}</font>"
    )


# --- charts ---------------------------------------------------------------------------------


def _no_sales(title: str, width: float = WIDTH) -> Drawing:
    """A chart's place when there is nothing to draw: its title and the sentence."""
    drawing = Drawing(width, 48)
    chart_title(drawing, title)
    drawing.add(String(0, 14, NO_SALES, fontName="Helvetica-Oblique", fontSize=9, fillColor=MUTED))
    return drawing


def _ranked_bars(
    title: str,
    ids: list[str],
    names: list[str],
    values: list[float],
    colours: list,
    height: float,
    right_axis: bool = False,
) -> tuple[Drawing, VerticalBarChart]:
    """Customers as bars left to right, names hung at an angle under them."""
    drawing = Drawing(WIDTH, height)
    chart_title(drawing, title)
    chart = VerticalBarChart()
    label_room = 62
    chart.x, chart.y = 48, label_room
    chart.width = WIDTH - chart.x - (34 if right_axis else 8)
    chart.height = height - label_room - 30
    chart.data = [[float(v) for v in values]]
    chart.bars.strokeColor = None
    for i, colour in enumerate(colours):
        chart.bars[(0, i)].fillColor = colour
    chart.barWidth = 10
    chart.groupSpacing = 4
    category_axis(chart.categoryAxis, names, angle=40, width=82)
    money_axis(chart.valueAxis, min(0.0, *values), max(0.0, *values))
    drawing.add(chart)
    return drawing, chart


def _pareto(top: pd.DataFrame) -> Drawing:
    """Top customers' Sales Amount as bars, their cumulative share of all sales as a line on a
    0-100% axis at the right."""
    title = f"Top {len(top) or ''} customers and their cumulative share".replace("  ", " ")
    if top.empty:
        return _no_sales(title)
    drawing, chart = _ranked_bars(
        title,
        list(top["customer_id"]),
        list(top["customer_name"].astype(str)),
        list(top["sales_amount"]),
        [SALES_COLOUR] * len(top),
        250,
        right_axis=True,
    )
    n = len(top)
    xs = [chart.x + chart.width * (i + 0.5) / n for i in range(n)]
    ys = [chart.y + chart.height * min(float(s), 1.0) for s in top["cumulative_share"]]
    right = chart.x + chart.width
    drawing.add(Line(right, chart.y, right, chart.y + chart.height, strokeColor=MUTED))
    for share in (0, 0.25, 0.5, 0.75, 1.0):
        y = chart.y + chart.height * share
        drawing.add(Line(right, y, right + 3, y, strokeColor=MUTED, strokeWidth=0.5))
        drawing.add(String(right + 5, y - 2.3, f"{share:.0%}", fontName="Helvetica", fontSize=6.5))
    drawing.add(
        PolyLine(
            [c for xy in zip(xs, ys, strict=True) for c in xy],
            strokeColor=ACCENT_COLOUR,
            strokeWidth=1.4,
        )
    )
    for x, y in zip(xs, ys, strict=True):
        drawing.add(Circle(x, y, 1.8, fillColor=ACCENT_COLOUR, strokeColor=None))
    last = float(top["cumulative_share"].iloc[-1])
    legend(
        drawing,
        WIDTH * 0.45,
        drawing.height - 10,
        [
            ("Sales Amount", SALES_COLOUR),
            (f"Cumulative share of all sales ({last:.1%} at #{n})", ACCENT_COLOUR, "line"),
        ],
    )
    return drawing


def _customers_bar(ranked: pd.DataFrame, selected: tuple[str, ...]) -> Drawing:
    """The Sales by Customer bar chart: customers by Sales Amount, the picked ones in colour."""
    title = "Customers by Sales Amount"
    if ranked.empty:
        return _no_sales(title)
    ids = list(ranked["key"])
    colours = [SALES_COLOUR if not selected or c in selected else PALE for c in ids]
    shown = f"top {len(ids)}" if len(ids) == BAR_CUSTOMERS else f"all {len(ids)}"
    drawing, _ = _ranked_bars(
        f"{title} ({shown})",
        ids,
        list(ranked["name"].astype(str)),
        list(ranked["sales_amount"]),
        colours,
        250,
    )
    if selected:
        legend(
            drawing,
            WIDTH * 0.55,
            drawing.height - 10,
            [("Picked", SALES_COLOUR), ("Not picked", PALE)],
        )
    return drawing


def _trend(current: pd.DataFrame, compared: pd.DataFrame, compared_label: str) -> Drawing:
    """Monthly Sales Amount as bars, the compared period's months as a dashed line over them."""
    title = "Sales Amount by month"
    now = current["sales_amount"].to_numpy(np.float64)
    before = compared["sales_amount"].to_numpy(np.float64)
    if now.sum() == 0 and before.sum() == 0:
        return _no_sales(title)
    height = 190
    drawing = Drawing(WIDTH, height)
    chart_title(drawing, title)
    chart = VerticalBarChart()
    chart.x, chart.y, chart.width, chart.height = 48, 18, WIDTH - 56, height - 48
    chart.data = [[float(v) for v in now]]
    chart.bars[0].fillColor = SALES_COLOUR
    chart.bars.strokeColor = None
    chart.groupSpacing = 3
    months = pd.DatetimeIndex(current["month"])
    every = max(1, math.ceil(len(months) / 14))
    category_axis(
        chart.categoryAxis,
        [m.strftime("%b %y") if i % every == 0 else "" for i, m in enumerate(months)],
    )
    n = min(len(now), len(before))
    low, high = money_axis(chart.valueAxis, 0.0, float(max(now.max(), before[:n].max(initial=0))))
    drawing.add(chart)
    if n:
        xs = [chart.x + chart.width * (i + 0.5) / len(now) for i in range(n)]
        ys = [chart.y + chart.height * (v - low) / (high - low) for v in before[:n]]
        drawing.add(
            PolyLine(
                [c for xy in zip(xs, ys, strict=True) for c in xy],
                strokeColor=MUTED,
                strokeWidth=1.2,
                strokeDashArray=[3, 2],
            )
        )
        for x, y in zip(xs, ys, strict=True):
            drawing.add(Circle(x, y, 1.6, fillColor=MUTED, strokeColor=None))
    legend(
        drawing,
        WIDTH * 0.45,
        height - 10,
        [("This period", SALES_COLOUR), (compared_label, MUTED, "line")],
    )
    return drawing


def _lifecycle(counts: dict[str, int], width: float) -> Drawing:
    """New / returning / recovered / lost customers as labelled horizontal bars."""
    title = "Customers by lifecycle"
    if not any(counts.values()):
        return _no_sales(title, width)
    height = 170
    drawing = Drawing(width, height)
    chart_title(drawing, title)
    label_width, number_room = 92, 34
    bar_room = width - label_width - number_room
    top = max(counts.values())
    colours = [GROWTH_COLOUR, SALES_COLOUR, ACCENT_COLOUR, LOSS_COLOUR]
    row = (height - 40) / len(counts)
    for i, ((label, value), colour) in enumerate(zip(counts.items(), colours, strict=True)):
        y = height - 32 - (i + 1) * row + row / 2
        drawing.add(String(0, y - 2.5, label, fontName="Helvetica", fontSize=7.5))
        length = bar_room * value / top if top else 0
        drawing.add(
            Rect(label_width, y - 6, max(length, 0.5), 12, fillColor=colour, strokeColor=None)
        )
        drawing.add(
            String(label_width + length + 4, y - 2.5, count(value), fontName="Helvetica-Bold",
                   fontSize=7.5)
        )  # fmt: skip
    return drawing


def _bridge(b: Bridge, compared_label: str, width: float) -> Drawing:
    """Waterfall from the compared period's Sales Amount to this one's: stacked bars whose
    lower part is invisible."""
    title = "Revenue bridge"
    if b.compared == 0 and b.current == 0:
        return _no_sales(title, width)
    height = 170
    drawing = Drawing(width, height)
    chart_title(drawing, title)
    steps = [
        (compared_label, b.compared, 0.0, SALES_COLOUR),
        ("New customers", b.new, b.compared, GROWTH_COLOUR),
        ("Grown", b.grown, b.compared + b.new, GROWTH_COLOUR),
        ("Shrunk", -b.shrunk, b.compared + b.new + b.grown - b.shrunk, LOSS_COLOUR),
        ("Lost customers", -b.lost, b.current, LOSS_COLOUR),
        ("This period", b.current, 0.0, SALES_COLOUR),
    ]
    chart = VerticalBarChart()
    chart.x, chart.y, chart.width, chart.height = 44, 30, width - 50, height - 58
    chart.categoryAxis.style = "stacked"
    chart.data = [[base for _, _, base, _ in steps], [abs(v) for _, v, _, _ in steps]]
    chart.bars.strokeColor = None
    chart.bars[0].fillColor = None
    for i, (_, _, _, colour) in enumerate(steps):
        chart.bars[(1, i)].fillColor = colour
    chart.groupSpacing = 8
    names = [name for name, _, _, _ in steps]
    category_axis(chart.categoryAxis, [wrap(n, chart.width / len(steps) - 2, 6.5) for n in names])
    chart.categoryAxis.labels.textAnchor = "middle"  # two-line labels centred under their bar
    tops = [base + abs(v) for _, v, base, _ in steps]
    low, high = money_axis(chart.valueAxis, 0.0, max(tops) * 1.08, steps=4)
    drawing.add(chart)
    for i, (_, value, base, _) in enumerate(steps):
        x = chart.x + chart.width * (i + 0.5) / len(steps)
        y = chart.y + chart.height * (base + abs(value) - low) / (high - low) + 2.5
        text = short_money(value) if i in (0, len(steps) - 1) else _signed(value)
        drawing.add(String(x, y, text, fontName="Helvetica", fontSize=6.5, textAnchor="middle"))
    return drawing


def _signed(value: float) -> str:
    return ("+" if value >= 0 else "") + short_money(value)


def _side_by_side(left: Drawing, right: Drawing) -> Table:
    result = Table([[left, right]], colWidths=[left.width, right.width])
    result.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), *no_padding()]))
    return result


# --- tables ---------------------------------------------------------------------------------


def _top_table(top: pd.DataFrame) -> Table | Paragraph:
    rows = [
        [f"{i}", str(r.customer_name), str(r.customer_id), money(r.sales_amount),
         percent(r.share), percent(r.cumulative_share)]
        for i, r in enumerate(top.itertuples(), start=1)
    ]  # fmt: skip
    header = ["#", "Customer", "Customer ID", "Sales Amount", "Share", "Cumulative share"]
    widths = [WIDTH * s for s in (0.05, 0.37, 0.13, 0.17, 0.12, 0.16)]
    return table(header, rows, widths, NO_SALES + ".", text_columns=3)


def _matrix_table(rows: pd.DataFrame) -> Table | Paragraph:
    """All matrix rows; numeric columns as wide as their longest value, the name gets the rest."""
    if rows.empty:
        return Paragraph(NO_SALES + ".", NOTE)
    columns = list(MATRIX_KPIS)
    texts = {c: _matrix_texts(rows[c], c) for c in columns}
    labels = [_matrix_label(c) for c in columns]
    widths = [
        max(46.0, max(stringWidth(t, "Helvetica", MATRIX_FONT) for t in texts[c]) + 2 * PAD)
        for c in columns
    ]
    name_width = WIDTH - sum(widths)
    if name_width < 100:  # very large amounts: shrink the numeric columns to fit
        widths = [w * (WIDTH - 100) / sum(widths) for w in widths]
        name_width = 100
    body = [
        [str(name), *values]
        for name, *values in zip(rows["name"], *(texts[c] for c in columns), strict=True)
    ]
    header = [Paragraph("Customer", ParagraphStyle("h", parent=HEADER, alignment=0))]
    header += [Paragraph(escape(label), HEADER) for label in labels]
    return table(
        header, body, [name_width, *widths], NO_SALES + ".", text_columns=1, font_size=MATRIX_FONT
    )


def _matrix_label(column: str) -> str:
    if column == "cost_coverage":
        return "Cost coverage"
    return BAR_KPIS.get(column) or column.replace("_", " ").capitalize()


def _matrix_texts(values: pd.Series, column: str) -> list[str]:
    """A matrix column as the grid writes it (money to the penny, ratios to 0.1%)."""
    out = []
    for value in values.to_numpy(np.float64):
        if math.isnan(value):
            out.append("Unknown" if column != "sales_quantity" else "")
        elif column in ("gross_profit_margin", "cost_coverage"):
            out.append(f"{value:.1%}")
        elif column == "sales_quantity":
            out.append(count(value))
        else:
            out.append(money(value))
    return out


# --- the document ---------------------------------------------------------------------------


def _build(title: str, frames: Frames, story: list) -> bytes:
    footer = f"{title} · data as of {frames.as_of:%Y-%m-%d %H:%M} UTC · the filters are on page 1"

    def on_page(canvas, doc):
        canvas.saveState()
        canvas.setFont("Helvetica", 7)
        canvas.setFillColor(MUTED)
        canvas.drawString(MARGIN, MARGIN / 2, footer)
        canvas.drawRightString(MARGIN + WIDTH, MARGIN / 2, f"Page {doc.page}")
        canvas.restoreState()

    buffer = io.BytesIO()
    document(buffer, title, on_page).build(story)
    return buffer.getvalue()
