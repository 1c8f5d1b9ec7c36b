"""The one-page A4 customer brief a salesperson takes to a visit (SPEC §4 screen 3).

The customer page's sections for the same view (views.customer), with the page's titles and
its trend figure (rendered by kaleido); numbers by the one formatter. Everything sits in one
KeepInFrame that shrinks to fit, and tables are cut to a few rows with long names shortened, so
the brief is always exactly one page.
"""

from __future__ import annotations

import io
from xml.sax.saxutils import escape

import pandas as pd
from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import KeepInFrame, Paragraph, Spacer, Table, TableStyle

from layouts import figures
from layouts.formatting import counted, format_value
from reports.figures import figure_image
from reports.pdf_parts import (
    BASE,
    FONT_SIZE,
    HEIGHT,
    MUTED,
    PAD,
    RISK,
    RULE,
    SECTION,
    SMALL,
    TITLE,
    WIDTH,
    document,
    fit,
    no_padding,
    table,
)
from views.customer import CustomerSections

TOP_ITEMS = LAPSED = CROSS_SELL = 8  # rows per table


def customer_brief_pdf(sections: CustomerSections) -> bytes:
    """The brief of one customer from the sections of their page for its view (its period;
    views.customer.customer_sections), as PDF bytes: the page's sections with the page's
    titles — header, KPI boxes against the previous period, the monthly trend (the page's
    figure), items bought most, lapsed items and cross-sell gaps."""
    header = sections.header
    story = [
        *_header(header, sections.period.end),
        Spacer(1, 4),
        Paragraph(
            escape(
                f"Period {sections.period_text}, compared with the previous period, "
                f"{sections.compared_text}."
            ),
            SMALL,
        ),  # fmt: skip
        Spacer(1, 2),
        _kpi_boxes(sections.previous, list(sections.confirmed_orders)),
        Paragraph(escape(sections.titles["trend"]), SECTION),
        figure_image(figures.customer_trend(sections.trend, ""), WIDTH, 165),
        Paragraph(escape(sections.titles["items"]), SECTION),
        _top_items(sections.items.head(TOP_ITEMS)),
        Paragraph(escape(sections.titles["lapsed"]), SECTION),
        _lapsed(sections.lapsed.head(LAPSED)),
        Paragraph(escape(sections.titles["cross_sell"]), SECTION),
        _cross_sell(sections.cross_sell.head(CROSS_SELL)),
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
        gap = f"usually orders every {counted(h.median_gap_days, 'day')}"
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
    """Four boxes: the period's value and, when there is one, its change against the previous
    period's value (as the page's cards: nothing when the change cannot be worked out)."""
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
         None if margin_change is None else f"{margin_change:+.2f} pp"),
        ("Confirmed orders", f"{orders[0]:,}", f"{orders[1]:,}", _change(order_change)),
    ]  # fmt: skip
    label = ParagraphStyle("label", parent=SMALL, textColor=MUTED)
    value = ParagraphStyle("value", parent=BASE, fontName="Helvetica-Bold", fontSize=14, leading=17)
    cells = [
        [
            Paragraph(name, label),
            Paragraph(current, value),
            Paragraph("" if change is None else f"{change} vs {previous}", SMALL),
        ]
        for name, current, previous, change in boxes
    ]
    table = Table([cells], colWidths=[WIDTH / 4] * 4)
    boxes_style = [("BOX", (i, 0), (i, 0), 0.6, RULE) for i in range(4)]
    table.setStyle(TableStyle([*boxes_style, ("VALIGN", (0, 0), (-1, -1), "TOP")]))
    return table


def _top_items(table: pd.DataFrame) -> Table:
    rows = [
        [
            str(r.item_name),
            str(r.item_id),
            format_value("quantity", r.sales_quantity),
            _money(r.sales_amount),
            f"{r.orders:,}",
            _date(r.last_bought),
            _money(r.last_price),
        ]
        for r in table.itertuples()
    ]
    header = ["Item", "SKU", "Qty", "Sales Amount", "Orders", "Last bought", "Last price"]
    return _table(
        header, rows, [0.34, 0.14, 0.08, 0.13, 0.08, 0.12, 0.11], "No sales in this period."
    )


def _lapsed(table: pd.DataFrame) -> Table:
    rows = [
        [str(r.product_name), str(r.variants), str(r.evidence), _money(r.yearly_sales_amount)]
        for r in table.itertuples()
    ]
    header = ["Product", "Variants", "Evidence", "Used to bring/yr"]
    return _wrapped_table(header, rows, "No lapsed items.")


def _cross_sell(table: pd.DataFrame) -> Table:
    rows = [
        [str(r.product_name), str(r.variants), str(r.evidence), _money(r.expected_value)]
        for r in table.itertuples()
    ]
    header = ["Product", "Variants", "Why", "Expected/yr"]
    return _wrapped_table(header, rows, "No cross-sell gaps in this group.")


def _table(
    header: list[str], rows: list[list[str]], shares: list[float], empty: str, text_columns=2
):
    """A small table over the page's width, shared out by `shares`."""
    return table(header, rows, [WIDTH * s for s in shares], empty, text_columns)


def _wrapped_table(header: list[str], rows: list[list[str]], empty: str):
    """Product, variants, evidence and an amount, every text wrapped within its column: the
    evidence is never cut, so the brief says what the page says."""
    widths = [WIDTH * s for s in (0.22, 0.14, 0.49, 0.15)]
    if not rows:
        return table(header, rows, widths, empty)
    text = ParagraphStyle("cell", parent=BASE, fontSize=FONT_SIZE, leading=FONT_SIZE + 1.5)
    head = ParagraphStyle("head", parent=text, fontName="Helvetica-Bold", textColor=MUTED)
    amount, head_amount = (
        ParagraphStyle(f"{s.name}-r", parent=s, alignment=2) for s in (text, head)
    )

    def cells(values: list[str], left: ParagraphStyle, right: ParagraphStyle) -> list:
        return [Paragraph(escape(v), right if i == 3 else left) for i, v in enumerate(values)]

    rows = [cells(header, head, head_amount), *(cells(r, text, amount) for r in rows)]
    result = Table(rows, colWidths=widths, repeatRows=1)
    result.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LINEBELOW", (0, 0), (-1, 0), 0.6, MUTED),
                ("LINEBELOW", (0, 1), (-1, -1), 0.3, RULE),
                ("TOPPADDING", (0, 0), (-1, -1), 1.5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
                ("LEFTPADDING", (0, 0), (-1, -1), PAD),
                ("RIGHTPADDING", (0, 0), (-1, -1), PAD),
            ]
        )
    )
    return result


def _money(value: float | None) -> str:
    return format_value("money", value)


def _percent(value: float | None) -> str:
    return format_value("percent", value)


def _difference(now: float | None, before: float | None) -> float | None:
    """Change in percentage points between two ratios."""
    return None if now is None or before is None else (now - before) * 100


def _change(change: float | None) -> str | None:
    return None if change is None else f"{change:+.1%}"


def _date(value) -> str:
    """21 Nov 2026; a dash for no date."""
    if value is None or pd.isna(value):
        return "—"
    day = pd.Timestamp(value)
    return f"{day.day} {day:%b %Y}"
