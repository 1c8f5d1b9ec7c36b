"""The one-page A4 customer brief a salesperson takes to a visit (SPEC §4 screen 3, issue 5).

Drawn with reportlab's built-in Helvetica (no font files, works offline) and reportlab.graphics
for the chart (no browser). Everything sits in one KeepInFrame that shrinks to fit, and tables
are cut to a few rows with long names shortened, so the brief is always exactly one page.
Pass the frames already restricted to the user's scope (data.access.scoped).
"""

from __future__ import annotations

import io
import math
from xml.sax.saxutils import escape

import numpy as np
import pandas as pd
from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.shapes import Drawing, Rect, String
from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import KeepInFrame, Paragraph, Spacer, Table, TableStyle

from data.frames import Frames, from_day
from metrics.customer_page import (
    confirmed_order_count,
    cross_sell_gaps,
    customer_header,
    items_bought_most,
    lapsed_items,
    monthly_trend,
)
from metrics.filters import Filters, preset_period
from metrics.kpis import compare
from reports.pdf_parts import (
    BASE,
    HEIGHT,
    MUTED,
    PROFIT_COLOUR,
    RISK,
    RULE,
    SALES_COLOUR,
    SECTION,
    SMALL,
    TITLE,
    WIDTH,
    category_axis,
    centred_note,
    document,
    fit,
    money_axis,
    no_padding,
    table,
)

TOP_ITEMS = LAPSED = CROSS_SELL = 8  # rows per table


def customer_brief_pdf(frames: Frames, customer_id: str, today_day: int) -> bytes:
    """The brief of one customer as of `today_day` (days since 1970-01-01), as PDF bytes.

    Header (name, owner, group, location, customer since, lifecycle, at-risk and overdue days),
    KPI boxes for the last 12 months vs the 12 months before (Sales Amount, Gross Profit, margin,
    confirmed orders), the 36-month trend, top items of the last 12 months, lapsed items and
    cross-sell gaps. ValueError for an unknown customer_id.
    """
    header = customer_header(frames, customer_id, today_day)
    today = from_day(today_day).date()
    start, end = preset_period("last_12_months", today, today, today)
    year = Filters(customers=(customer_id,), start=start, end=end)
    comparison = compare(frames, year)
    orders = [
        confirmed_order_count(frames, customer_id, period)
        for period in (comparison.period, comparison.compared_period)
    ]
    story = [
        *_header(header, today),
        Spacer(1, 6),
        _kpi_boxes(comparison, orders),
        Paragraph("Monthly Sales Amount and Gross Profit, last 36 months", SECTION),
        _trend_chart(monthly_trend(frames, customer_id, today_day, months=36)),
        Paragraph("Items bought most in the last 12 months", SECTION),
        _top_items(items_bought_most(frames, customer_id, year).head(TOP_ITEMS)),
        Paragraph("Lapsed items: bought regularly, not lately", SECTION),
        _lapsed(lapsed_items(frames, customer_id, today_day).head(LAPSED)),
        Paragraph(
            f"Cross-sell gaps: what other {escape(header.group or '')} customers buy", SECTION
        ),
        _cross_sell(cross_sell_gaps(frames, customer_id, today_day).head(CROSS_SELL)),
        Spacer(1, 6),
        Paragraph(
            "Amounts are Sales Amount net of VAT from confirmed orders, cancelled and returned "
            "lines excluded; Gross Profit counts only lines with a known cost.",
            SMALL,
        ),
    ]
    buffer = io.BytesIO()
    doc = document(buffer, f"Customer brief: {header.name}")  # same data, same bytes
    doc.build([KeepInFrame(WIDTH, HEIGHT, story, mode="shrink")])
    return buffer.getvalue()


def _header(h, today) -> list:
    since = _date(h.customer_since)
    owner = f"{h.owner_name} ({h.owner})" if h.owner_name else (h.owner or "—")
    facts = [
        f"<b>{escape(h.customer_id)}</b>",
        f"Owner: {escape(owner)}",
        f"Group: {escape(h.group or '—')}",
        escape(h.location or "—"),
        f"Customer since {since}",
    ]
    status = [f"Status: <b>{h.lifecycle}</b>"]
    if h.at_risk:
        status.append(f'<font color="{RISK}"><b>AT RISK</b></font>')
    if h.overdue_days is not None:
        gap = f"usually orders every {h.median_gap_days:,.0f} days"
        due = round(h.overdue_days)
        if due > 0:
            status.append(f"overdue by <b>{due:,} days</b> ({gap})")
        else:
            status.append(f"next order due {f'in {-due:,} days' if due else 'today'} ({gap})")
    if h.last_order is not None:
        status.append(f"last order {_date(h.last_order)}")
    status.append(f"{h.confirmed_orders:,} confirmed orders to date")
    if h.at_risk and h.trailing_12m_sales_amount > 0:
        status.append(f"{_money(h.trailing_12m_sales_amount)} of yearly sales at stake")
    title = Table(
        [
            [
                Paragraph(escape(fit(h.name, WIDTH - 95, TITLE.fontSize, TITLE.fontName)), TITLE),
                Paragraph(
                    f"Customer brief<br/>as of {_date(today)}",
                    ParagraphStyle("r", parent=SMALL, alignment=2),
                ),
            ]
        ],
        colWidths=[WIDTH - 90, 90],
    )
    title.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), *no_padding()]))
    return [title, Paragraph(" · ".join(facts), BASE), Paragraph(" · ".join(status), BASE)]


def _kpi_boxes(comparison, orders: list[int]) -> Table:
    """Four boxes: the last 12 months' value, its change and the 12 months before's value."""
    now, before = comparison.current, comparison.compared
    margin_change = _difference(now.gross_profit_margin, before.gross_profit_margin)
    order_change = (orders[0] - orders[1]) / orders[1] if orders[1] else None
    boxes = [
        ("Sales Amount", _money(now.sales_amount), _money(before.sales_amount),
         _change(comparison.change("sales_amount"))),
        ("Gross Profit", _money(now.gross_profit), _money(before.gross_profit),
         _change(comparison.change("gross_profit"))),
        ("Gross Profit Margin", _percent(now.gross_profit_margin),
         _percent(before.gross_profit_margin),
         "n/a" if margin_change is None else f"{margin_change:+.1f} pts"),
        ("Confirmed orders", f"{orders[0]:,}", f"{orders[1]:,}", _change(order_change)),
    ]  # fmt: skip
    label = ParagraphStyle("label", parent=SMALL, textColor=MUTED)
    value = ParagraphStyle("value", parent=BASE, fontName="Helvetica-Bold", fontSize=14, leading=17)
    cells = [
        [
            Paragraph(name, label),
            Paragraph(current, value),
            Paragraph(f"{change} vs {previous}", SMALL),
        ]
        for name, current, previous, change in boxes
    ]
    table = Table([cells], colWidths=[WIDTH / 4] * 4)
    boxes_style = [("BOX", (i, 0), (i, 0), 0.6, RULE) for i in range(4)]
    table.setStyle(TableStyle([*boxes_style, ("VALIGN", (0, 0), (-1, -1), "TOP")]))
    return table


def _trend_chart(trend: pd.DataFrame) -> Drawing:
    height = 175
    drawing = Drawing(WIDTH, height)
    chart = VerticalBarChart()
    chart.x, chart.y, chart.width, chart.height = 46, 18, WIDTH - 56, height - 38
    sales = trend["sales_amount"].to_numpy(np.float64)
    profit = trend["gross_profit"].to_numpy(np.float64)
    chart.data = [
        [float(v) for v in sales],
        [None if math.isnan(v) else float(v) for v in profit],
    ]
    chart.bars[0].fillColor = SALES_COLOUR
    chart.bars[1].fillColor = PROFIT_COLOUR
    chart.bars.strokeColor = None
    chart.barSpacing = 0.5
    chart.groupSpacing = 2.5
    months = pd.DatetimeIndex(trend["month"])
    category_axis(
        chart.categoryAxis,
        [m.strftime("%b %y") if m.month in (1, 4, 7, 10) else "" for m in months],
    )
    top = float(np.nanmax(np.r_[sales, profit, 0.0]))
    money_axis(chart.valueAxis, float(np.nanmin(np.r_[profit, 0.0])), top)
    drawing.add(chart)
    for i, (name, colour) in enumerate(
        (("Sales Amount", SALES_COLOUR), ("Gross Profit", PROFIT_COLOUR))
    ):
        x = chart.x + 4 + i * 90
        drawing.add(Rect(x, height - 12, 8, 8, fillColor=colour, strokeColor=None))
        drawing.add(String(x + 11, height - 11, name, fontName="Helvetica", fontSize=7.5))
    if not sales.any():
        centred_note(drawing, "No sales in these 36 months")
    return drawing


def _top_items(table: pd.DataFrame) -> Table:
    rows = [
        [
            str(r.item_name),
            str(r.item_id),
            f"{r.sales_quantity:,.0f}",
            _money(r.sales_amount),
            f"{r.orders:,}",
            _date(r.last_bought),
            _price(r.last_price),
        ]
        for r in table.itertuples()
    ]
    header = ["Item", "SKU", "Qty", "Sales Amount", "Orders", "Last bought", "Last price"]
    return _table(
        header, rows, [0.34, 0.14, 0.08, 0.13, 0.08, 0.12, 0.11], "No sales in the last 12 months."
    )


def _lapsed(table: pd.DataFrame) -> Table:
    rows = [
        [
            str(r.item_name),
            str(r.item_id),
            f"every {r.median_gap_days:,.0f} days",
            _date(r.last_bought),
            f"{r.overdue_days:,.0f} days",
            _money(r.yearly_sales_amount),
        ]
        for r in table.itertuples()
    ]
    header = ["Item", "SKU", "Usually", "Last bought", "Overdue by", "Sales/yr before"]
    return _table(header, rows, [0.34, 0.14, 0.14, 0.13, 0.12, 0.13], "No lapsed items.")


def _cross_sell(table: pd.DataFrame) -> Table:
    rows = [
        [str(r.item_name), str(r.item_id), str(r.explanation), _money(r.expected_value)]
        for r in table.itertuples()
    ]
    header = ["Item", "SKU", "Why", "Expected/yr"]
    widths = [0.28, 0.14, 0.45, 0.13]
    return _table(header, rows, widths, "No cross-sell gaps in this group.", text_columns=3)


def _table(
    header: list[str], rows: list[list[str]], shares: list[float], empty: str, text_columns=2
):
    """A small table over the page's width, shared out by `shares`."""
    return table(header, rows, [WIDTH * s for s in shares], empty, text_columns)


def _money(value: float | None) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "Unknown"
    return f"-£{-value:,.0f}" if value < 0 else f"£{value:,.0f}"


def _price(value: float) -> str:
    return "—" if math.isnan(value) else f"£{value:,.2f}"


def _percent(value: float | None) -> str:
    return "Unknown" if value is None else f"{value:.1%}"


def _difference(now: float | None, before: float | None) -> float | None:
    """Change in percentage points between two ratios."""
    return None if now is None or before is None else (now - before) * 100


def _change(change: float | None) -> str:
    return "n/a" if change is None else f"{change:+.1%}"


def _date(value) -> str:
    """21 Nov 2026; a dash for no date."""
    if value is None or pd.isna(value):
        return "—"
    day = pd.Timestamp(value)
    return f"{day.day} {day:%b %Y}"
