"""The customer page (drill-through and a salesperson's pre-visit lookup, SPEC §4.3)."""

from __future__ import annotations

import dash_bootstrap_components as dbc
import pandas as pd
from dash import dcc, html

from layouts import formatting, ids
from layouts.components import MONEY_CELL, NUMBER_CELL, grid, message
from layouts.kpi_cards import kpi_text
from metrics.customer_page import CustomerHeader
from metrics.kpis import Comparison
from views.customer import CustomerSections
from views.screens import KPIS

LIFECYCLE_WORDS = {
    "new": ("New customer", "info"),
    "returning": ("Returning", "secondary"),
    "recovered": ("Recovered", "success"),
    "lost": ("Lost", "dark"),
    "prospect": ("No orders yet", "light"),
}
DATE_CELL = {"function": "params.value ? params.value.slice(0, 10) : ''"}
TABLE_KPIS = ("sales_amount", "gross_profit", "gross_profit_margin", "sales_quantity",
              "confirmed_order_amount", "average_reorder_days")  # fmt: skip


def not_found() -> dbc.Container:
    """The same answer for an unknown customer and one outside the user's scope."""
    return dbc.Container(message("Customer not found."), fluid=True)


def layout(
    sections: CustomerSections,
    custom_fields: dict[str, str],
    cards: list,
    trend: dcc.Graph,
    brief_href: str,
) -> dbc.Container:
    """The page: header, KPI cards, comparison table, trend, orders, items, lapsed, cross-sell;
    each section's title says the window it covers."""
    titles = sections.titles
    return dbc.Container(
        [
            _title(sections.header, brief_href),
            _facts(sections.header, custom_fields),
            html.P(
                f"Period: {sections.period_text} · the cards compare it with the previous "
                f"period, {sections.compared_text}",
                className="text-muted small mb-2 customer-period",
            ),
            dbc.Row(cards, id=ids.CUSTOMER_KPIS),
            dbc.Row(
                [
                    dbc.Col(_comparison_table(sections.previous, sections.last_year), lg=5),
                    dbc.Col(trend, lg=7),
                ],
                className="g-3",
            ),
            _section(
                titles["orders"],
                "▸ shows an order's lines; struck-through lines (cancelled, returned, or of an "
                "order that is not confirmed) are not revenue.",
                _orders_grid(sections.orders),
            ),
            dbc.Row(
                [
                    dbc.Col(
                        _section(
                            titles["items"],
                            "Last price is what they paid last time, net of discount and VAT.",
                            _items_grid(sections.items),
                        ),
                        lg=6,
                    ),  # fmt: skip
                    dbc.Col(
                        _section(
                            titles["lapsed"],
                            "Products (any variant) bought on 3+ dates and now more than twice "
                            "their usual interval late. Those that stopped while other orders "
                            "went on come first, then by what they used to bring.",
                            _lapsed_grid(sections.lapsed),
                        ),
                        lg=6,
                    ),  # fmt: skip
                ],
                className="g-3 mt-1",
            ),
            _section(
                titles["cross_sell"],
                "Products (any variant) bought by at least 20% of the customers of the same "
                "group, and not by this one in that year; by expected value.",
                _cross_sell_grid(sections.cross_sell),
                className="mt-3 mb-4",
            ),
        ],
        fluid=True,
    )


def _title(h: CustomerHeader, brief_href: str) -> dbc.Row:
    word, colour = LIFECYCLE_WORDS.get(h.lifecycle, (h.lifecycle, "secondary"))
    badges = [dbc.Badge(word, color=colour, className="me-2 customer-lifecycle",
                        text_color="dark" if colour == "light" else None)]  # fmt: skip
    if h.at_risk:
        badges.append(dbc.Badge(f"At risk · overdue by {formatting.counted(h.overdue_days, 'day')}", color="danger",
                                className="customer-at-risk"))  # fmt: skip
    return dbc.Row(
        [
            dbc.Col(html.H1(h.name, className="h3 mb-0"), width="auto"),
            dbc.Col(badges, width="auto"),
            dbc.Col(
                dbc.Button(
                    "PDF brief",
                    id=ids.CUSTOMER_BRIEF,
                    color="primary",
                    size="sm",
                    href=brief_href,
                    external_link=True,
                    target="_blank",
                ),  # fmt: skip
                width="auto",
                className="ms-auto",
            ),
        ],
        className="align-items-center g-2 mb-1",
    )


def _facts(h: CustomerHeader, custom_fields: dict[str, str]) -> html.Div:
    cadence = (f"usually every {formatting.counted(h.median_gap_days, 'day')}" if h.median_gap_days is not None
               else "no regular cadence yet")  # fmt: skip
    facts = [
        ("ID", h.customer_id),
        ("Owner", f"{h.owner_name} ({h.owner})" if h.owner_name else h.owner),
        ("Group", h.group),
        ("Location", h.location),
        ("Customer since", h.customer_since and f"{h.customer_since:%d %b %Y}"),
        ("Last order", h.last_order and f"{h.last_order:%d %b %Y}"),
        ("Orders", f"{h.confirmed_orders:,} confirmed, {cadence}"),
        ("Last 12 months", formatting.money(h.trailing_12m_sales_amount)),
        *[(k.replace("_", " ").capitalize(), v) for k, v in custom_fields.items()],
    ]
    return html.Div(
        [
            html.Span([html.Span(f"{k}: ", className="text-muted"), v or "—"], className="me-4")
            for k, v in facts
        ],  # fmt: skip
        id=ids.CUSTOMER_HEADER,
        className="mb-2 small",
    )


def _comparison_table(previous: Comparison, last_year: Comparison) -> dbc.Table:
    """This period against the previous period and the same period last year."""
    labels = {name: (label, kind) for name, label, kind, _ in KPIS}
    rows = [
        html.Tr([html.Td(labels[k][0]), *[html.Td(kpi_text(labels[k][1], getattr(x, k)), className="text-end")
                 for x in (previous.current, previous.compared, last_year.compared)]])
        for k in TABLE_KPIS
    ]  # fmt: skip
    head = html.Thead(html.Tr([html.Th(""), html.Th("This period", className="text-end"),
                               html.Th("Previous period", className="text-end"),
                               html.Th("Same period last year", className="text-end")]))  # fmt: skip
    return dbc.Table([head, html.Tbody(rows)], size="sm", striped=True, className="mt-2 small",
                     id=ids.CUSTOMER_COMPARISON)  # fmt: skip


def _section(title: str, note: str, body, className: str = "mt-3") -> html.Div:
    return html.Div(
        [
            html.H2(title, className="h5 mb-0"),
            html.P(note, className="text-muted small mb-1"),
            body,
        ],
        className=className,
    )


# Every cell of these grids wraps (the row grows; a long text also shows whole in a tooltip), and
# all cells of a row start on the same line.
CELL = {"wrapText": True, "autoHeight": True,
        "cellStyle": {"lineHeight": "1.35", "paddingTop": "7px", "paddingBottom": "7px"}}  # fmt: skip


def _column(field: str, header: str, width: int | None = None, **settings) -> dict:
    """A column `width` px wide (None: it takes the room left, at least minWidth)."""
    size = {"flex": 1} if width is None else {"width": width, "minWidth": width}
    return {"field": field, "headerName": header, "headerTooltip": header, **CELL, **size,
            **settings}  # fmt: skip


def _text(field: str, header: str, width: int | None = None, **settings) -> dict:
    return _column(field, header, width, tooltipField=field, **settings)


def _number(field: str, header: str, width: int, formatter: dict, **settings) -> dict:
    return _column(field, header, width, valueFormatter=formatter, type="numericColumn", **settings)


def _lines_only(formatter: dict) -> dict:
    """A formatter that leaves order rows blank (they have no quantity or unit price)."""
    return {"function": f"params.data.level === 1 ? ({formatter['function']}) : ''"}


def _orders_grid(table: pd.DataFrame):
    rows = [
        {**r, "row_id": r["order_id"], "expand": "▸", "level": 0,
         "item_name": f"{r['lines']:,} line{'s' if r['lines'] != 1 else ''}"}
        for r in _records(table)
    ]  # fmt: skip
    return grid(
        ids.CUSTOMER_ORDERS, pd.DataFrame(rows), ORDER_COLUMNS, height=420,
        getRowId={"function": "params.data.row_id"},  # ▸ reads the order from the row's ID
        postSortRows={"function": "linesUnderTheirOrder(params)"},
        rowClassRules={"order-line": "params.data.level === 1"},
        tooltipShowDelay=300,
        localeText={"noRowsToShow": "No orders in this period."},
    )  # fmt: skip


# A line that is not revenue is struck through, cell by cell.
STRUCK = {"text-decoration-line-through text-muted": "params.data.not_revenue === true"}
ORDER_COLUMNS = [
    {**_column("expand", "", 40), "headerTooltip": None, "sortable": False, "filter": False,
     "resizable": False, "cellClass": "order-expand"},
    _column("order_id", "Order", 115),
    _column("order_date", "Date", 105, valueFormatter=DATE_CELL),
    _column("status", "Status", 150),
    _column("document_type", "Document", 125),
    _text("channel", "Channel", 125),
    _text("item_name", "Item", minWidth=200),
    _column("variant", "Variant", 95),
    _number("quantity", "Qty", 75, _lines_only(NUMBER_CELL)),
    _number("unit_net_price", "Unit price", 110, _lines_only(MONEY_CELL)),
    _number("amount", "Amount", 115, MONEY_CELL),
]  # fmt: skip
ORDER_COLUMNS = [{**c, "cellClassRules": STRUCK} for c in ORDER_COLUMNS]


def order_line_rows(order_id: str, lines: pd.DataFrame) -> list[dict]:
    """Rows shown under an expanded order: its lines, marked when they are not revenue."""
    return [
        {
            "row_id": f"{order_id}/{i}",
            "order_of": order_id,
            "line": i,
            "level": 1,
            "expand": "",
            "order_id": "",
            "order_date": None,
            "status": r["line_status"] + ("" if r["counts_as_revenue"] else " · not revenue"),
            "document_type": "",
            "channel": "",
            "item_name": f"↳ {r['item_name']}",
            "variant": r["variant"],
            "quantity": r["quantity"],
            "unit_net_price": r["unit_net_price"],
            "amount": r["sales_amount"],
            "not_revenue": not r["counts_as_revenue"],
        }
        for i, r in enumerate(_records(lines))
    ]


def _items_grid(table: pd.DataFrame):
    columns = [
        _text("item_name", "Item", minWidth=150),
        _number("sales_quantity", "Qty", 75, NUMBER_CELL),
        _number("sales_amount", "Sales Amount", 115, MONEY_CELL),
        _column("last_bought", "Last bought", 110, valueFormatter=DATE_CELL),
        _number("last_price", "Last price", 105, MONEY_CELL),
    ]
    return grid(ids.CUSTOMER_ITEMS, pd.DataFrame(_records(table)), columns, height=360,
                tooltipShowDelay=300)  # fmt: skip


def _lapsed_grid(table: pd.DataFrame):
    if table.empty:
        return message("No lapsed items: nothing they ordered regularly is overdue.", "light")
    columns = [
        _text("product_name", "Product", 145),
        _text("variants", "Variants", 105),
        _text("evidence", "Evidence", minWidth=180),
        _number("yearly_sales_amount", "Used to bring /yr", 115, MONEY_CELL),
    ]
    return grid(ids.CUSTOMER_LAPSED, pd.DataFrame(_records(table)), columns, height=360,
                tooltipShowDelay=300)  # fmt: skip


def _cross_sell_grid(table: pd.DataFrame):
    if table.empty:
        return message(
            "No cross-sell gaps: no product bought by 20% of their group is missing.", "light"
        )
    columns = [
        _text("product_name", "Product", 200),
        _text("variants", "Variants", 150),
        _text("evidence", "Why", minWidth=300),
        _number("expected_value", "Expected /yr", 125, MONEY_CELL),
    ]
    return grid(ids.CUSTOMER_CROSS_SELL, pd.DataFrame(_records(table)), columns, height=320,
                tooltipShowDelay=300)  # fmt: skip


def _records(table: pd.DataFrame) -> list[dict]:
    """JSON-ready rows: dates as ISO text, NaN as None."""
    out = table.copy()
    for column in out.columns:
        if out[column].dtype.kind == "M":
            out[column] = out[column].dt.strftime("%Y-%m-%d")
    return out.astype(object).where(out.notna(), None).to_dict("records")
