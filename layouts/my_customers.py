"""A salesperson's landing page: their customers, how long since each ordered, who is at risk."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import html

from layouts import ids
from layouts.components import export_button, page_header
from layouts.grids import table_grid

WIDTHS = {
    "customer_name": {"flex": 2, "minWidth": 220},
    "status": {"width": 110},
    "last_order": {"width": 130},
    "overdue": {"minWidth": 190, "flex": 1},
    "customer_id": {"width": 120},
}


def layout(filter_bar: html.Div) -> dbc.Container:
    return dbc.Container(
        [
            page_header("My customers", "my-customers"),
            filter_bar,
            dbc.Row(
                [
                    dbc.Col(html.P(id=ids.MY_CUSTOMERS_NOTE, className="text-muted mb-1")),
                    dbc.Col(export_button("my-customers", "csv"), width="auto"),
                ],
                className="align-items-center",
            ),
            table_grid(ids.MY_CUSTOMERS_GRID, height=640, row_id="params.data.customer_id"),
        ],
        fluid=True,
    )
