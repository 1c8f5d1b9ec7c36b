"""The customer page (drill-through and a salesperson's pre-visit lookup, SPEC §4.3)."""

from __future__ import annotations

import dash_bootstrap_components as dbc
import pandas as pd
from dash import dcc, html

from layouts import formatting, ids
from layouts.components import MONEY_CELL, NUMBER_CELL, PERCENT_CELL, grid, message
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
DAYS_CELL = {"function": "params.value == null ? '' : d3.format(',.0f')(params.value) + ' d'"}
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
            html.P(f"Period: {sections.period_text}", className="text-muted small mb-2"),
            dbc.Row(cards, id=ids.CUSTOMER_KPIS),
            dbc.Row(
                [
                    dbc.Col(_comparison_table(sections.previous, sections.last_year), lg=5),
                    dbc.Col(trend, lg=7),
                ],
                className="g-3",
            ),
            dbc.Row(
                [
                    dbc.Col(
                        _section(
                            titles["orders"],
                            "▸ shows an order's lines; struck-through lines are not revenue.",
                            _orders_grid(sections.orders),
                        ),
                        lg=6,
                    ),  # fmt: skip
                    dbc.Col(
                        _section(
                            titles["items"],
                            "Last price is what they paid last time, net of discount and VAT.",
                            _items_grid(sections.items),
                        ),
                        lg=6,
                    ),  # fmt: skip
                ],
                className="g-3 mt-1",
            ),
            dbc.Row(
                [
                    dbc.Col(
                        _section(
                            titles["lapsed"],
                            "Ordered regularly (3+ times), and now more "
                            "than twice their usual interval late.",
                            _lapsed_grid(sections.lapsed),
                        ),
                        lg=6,
                    ),  # fmt: skip
                    dbc.Col(
                        _section(
                            titles["cross_sell"],
                            "Bought by at least 20% of the customers "
                            "of the same group, never by this one; by expected value.",
                            _cross_sell_grid(sections.cross_sell),
                        ),
                        lg=6,
                    ),  # fmt: skip
                ],
                className="g-3 mt-1 mb-4",
            ),
        ],
        fluid=True,
    )


def _title(h: CustomerHeader, brief_href: str) -> dbc.Row:
    word, colour = LIFECYCLE_WORDS.get(h.lifecycle, (h.lifecycle, "secondary"))
    badges = [dbc.Badge(word, color=colour, className="me-2 customer-lifecycle",
                        text_color="dark" if colour == "light" else None)]  # fmt: skip
    if h.at_risk:
        badges.append(dbc.Badge(f"At risk · overdue by {h.overdue_days:,.0f} days", color="danger",
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
    cadence = (f"usually every {h.median_gap_days:,.0f} days" if h.median_gap_days is not None
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


def _section(title: str, note: str, body) -> html.Div:
    return html.Div(
        [html.H2(title, className="h5 mb-0"), html.P(note, className="text-muted small mb-1"), body]
    )


def _orders_grid(table: pd.DataFrame):
    rows = [{**r, "row_id": r["order_id"], "expand": "▸", "level": 0} for r in _records(table)]
    return grid(ids.CUSTOMER_ORDERS, pd.DataFrame(rows), ORDER_COLUMNS, height=360,
                rowClassRules={"text-muted text-decoration-line-through": "params.data.not_revenue"})  # fmt: skip


ORDER_COLUMNS = [
    {"field": "expand", "headerName": "", "width": 44, "sortable": False, "filter": False},
    {"field": "order_id", "headerName": "Order", "width": 130},
    {"field": "order_date", "headerName": "Date", "width": 110, "valueFormatter": DATE_CELL},
    {"field": "status", "headerName": "Status", "width": 105},
    {"field": "document_type", "headerName": "Document", "width": 105},
    {"field": "channel", "headerName": "Channel", "width": 130},
    {"field": "amount", "headerName": "Amount", "valueFormatter": MONEY_CELL, "type": "numericColumn",
     "flex": 1, "minWidth": 110},
]  # fmt: skip


def order_line_rows(order_id: str, lines: pd.DataFrame) -> list[dict]:
    """Rows shown under an expanded order: its lines, marked when they are not revenue."""
    return [
        {
            "row_id": f"{order_id}/{i}",
            "level": 1,
            "expand": "",
            "order_id": "",
            "order_date": None,
            "status": r["line_status"] + ("" if r["counts_as_revenue"] else " · not revenue"),
            "document_type": f"{r['quantity']:,.0f} ×",
            "channel": f"↳ {r['item_name']}",
            "amount": r["sales_amount"],
            "not_revenue": not r["counts_as_revenue"],
        }
        for i, r in enumerate(_records(lines))
    ]


def _items_grid(table: pd.DataFrame):
    columns = [
        {"field": "item_name", "headerName": "Item", "flex": 2, "minWidth": 160},
        {"field": "sales_quantity", "headerName": "Qty", "width": 80, "valueFormatter": NUMBER_CELL},
        {"field": "sales_amount", "headerName": "Sales Amount", "valueFormatter": MONEY_CELL, "width": 130},
        {"field": "last_bought", "headerName": "Last bought", "valueFormatter": DATE_CELL, "width": 115},
        {"field": "last_price", "headerName": "Last price", "valueFormatter": MONEY_CELL, "width": 110},
    ]  # fmt: skip
    return grid(ids.CUSTOMER_ITEMS, pd.DataFrame(_records(table)), columns, height=360)


def _lapsed_grid(table: pd.DataFrame):
    columns = [
        {"field": "item_name", "headerName": "Item", "flex": 2, "minWidth": 160},
        {"field": "orders", "headerName": "Times", "width": 80},
        {"field": "median_gap_days", "headerName": "Usually every", "valueFormatter": DAYS_CELL, "width": 125},
        {"field": "last_bought", "headerName": "Last bought", "valueFormatter": DATE_CELL, "width": 115},
        {"field": "overdue_days", "headerName": "Overdue", "valueFormatter": DAYS_CELL, "width": 100},
        {"field": "yearly_sales_amount", "headerName": "Used to bring /yr", "valueFormatter": MONEY_CELL,
         "width": 140},
    ]  # fmt: skip
    if table.empty:
        return message("No lapsed items: nothing they ordered regularly is overdue.", "light")
    return grid(ids.CUSTOMER_LAPSED, pd.DataFrame(_records(table)), columns, height=300)


def _cross_sell_grid(table: pd.DataFrame):
    columns = [
        {"field": "item_name", "headerName": "Item", "flex": 2, "minWidth": 150},
        {"field": "explanation", "headerName": "Why", "flex": 3, "minWidth": 220},
        {"field": "expected_value", "headerName": "Expected /yr", "valueFormatter": MONEY_CELL, "width": 125},
        {"field": "penetration", "headerName": "Bought by", "valueFormatter": PERCENT_CELL, "width": 105},
    ]  # fmt: skip
    if table.empty:
        return message(
            "No cross-sell gaps: no item bought by 20% of their group is missing.", "light"
        )
    return grid(ids.CUSTOMER_CROSS_SELL, pd.DataFrame(_records(table)), columns, height=300)


def _records(table: pd.DataFrame) -> list[dict]:
    """JSON-ready rows: dates as ISO text, NaN as None."""
    out = table.copy()
    for column in out.columns:
        if out[column].dtype.kind == "M":
            out[column] = out[column].dt.strftime("%Y-%m-%d")
    return out.astype(object).where(out.notna(), None).to_dict("records")
