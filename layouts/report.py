"""The sales report family (SPEC §5): one page for every report — a chart and a table of the
standard amounts, rows linking on, each with its matching products and customers."""

from __future__ import annotations

import dash_ag_grid as dag
import dash_bootstrap_components as dbc
from dash import dcc, html

from layouts import ids
from layouts.components import (
    DEFAULT_COLUMN,
    MONEY_CELL,
    NUMBER_CELL,
    PERCENT_CELL,
    chart,
    page_header,
)

TITLES = {
    "sales-by-date": "Sales by Date",
    "sales-by-channel": "Sales by Channel",
    "sales-by-category": "Sales by Category",
    "sales-by-brand": "Sales by Brand",
    "sales-by-collection": "Sales by Collection",
    "sales-by-supplier": "Sales by Supplier",
    "sales-by-user": "Sales by User",
    "sales-by-department": "Sales by Department",
    "sell-through": "Sell Through",
    "made-to-order": "Made to Order",
    "matching-products": "Matching products",
    "matching-customers": "Matching customers",
}
AMOUNT_COLUMNS = [
    {"field": "sales_amount", "headerName": "Sales Amount", "valueFormatter": MONEY_CELL},
    {"field": "sales_quantity", "headerName": "Quantity", "valueFormatter": NUMBER_CELL},
    {"field": "orders", "headerName": "Orders", "valueFormatter": NUMBER_CELL},
    {"field": "customers", "headerName": "Customers", "valueFormatter": NUMBER_CELL},
    {"field": "cost_amount", "headerName": "Cost Amount", "valueFormatter": MONEY_CELL},
    {"field": "gross_profit", "headerName": "Gross Profit", "valueFormatter": MONEY_CELL},
    {"field": "gross_profit_margin", "headerName": "Margin", "valueFormatter": PERCENT_CELL},
    {"field": "average_cost_price", "headerName": "Average Cost Price", "valueFormatter": MONEY_CELL},
    {"field": "cost_coverage", "headerName": "Cost coverage", "valueFormatter": PERCENT_CELL},
]  # fmt: skip


def layout(name: str, filter_bar: html.Div) -> dbc.Container:
    # both controls are always there (callbacks need their inputs); shown where they apply
    by = dbc.RadioItems(id=ids.REPORT_BY, value="day", inline=True,
                        options=[{"label": v.capitalize(), "value": v} for v in ("day", "week", "month")])  # fmt: skip
    choices = dbc.Checklist(id=ids.REPORT_OPTIONS, inline=True, value=[], switch=True,
                            options=[{"label": "Combine variants", "value": "combine"},
                                     {"label": "Include unsold items", "value": "unsold"}])  # fmt: skip
    options = [
        html.Div(by, style=None if name == "sales-by-date" else {"display": "none"}),
        html.Div(choices, style=None if name == "sell-through" else {"display": "none"}),
    ]
    return dbc.Container(
        [
            dcc.Store(id=ids.REPORT_NAME, data=name),
            page_header(TITLES[name], name),
            dbc.Nav(
                [
                    dbc.NavLink(title, href=f"/reports/{key}", active=key == name, className="py-1")
                    for key, title in TITLES.items()
                    if not key.startswith("matching")
                ],
                pills=True,
                className="mb-2 small flex-wrap",
            ),  # fmt: skip
            filter_bar,
            html.Div(options, className="mb-2"),
            chart(ids.REPORT_CHART, name),
            dbc.Row(
                [
                    dbc.Col(html.P(id=ids.REPORT_NOTE, className="text-muted small mb-1")),
                    dbc.Col(
                        dbc.Button(
                            "Export CSV",
                            id=ids.REPORT_CSV,
                            href=f"/export/{name}.csv",
                            external_link=True,
                            size="sm",
                            color="secondary",
                            outline=True,
                        ),
                        width="auto",
                    ),  # fmt: skip
                ],
                className="align-items-center mt-2",
            ),
            dag.AgGrid(
                id=ids.REPORT_GRID,
                rowData=[],
                columnDefs=[],
                defaultColDef=DEFAULT_COLUMN,
                dashGridOptions={"animateRows": False},
                style={"height": "520px"},
            ),
        ],
        fluid=True,
    )
