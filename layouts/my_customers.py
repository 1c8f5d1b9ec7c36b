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
    "days_since_last_order": {"width": 130},
    # "overdue by N days" wraps onto a second line rather than being cut off
    "overdue": {"minWidth": 150, "flex": 1, "wrapText": True, "autoHeight": True},
    "sales_amount": {"width": 140},
    "customer_id": {"width": 120},
}


def layout(filter_bar: html.Div) -> dbc.Container:
    """The page."""
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
            # as tall as its rows: every customer is on the page (and found by the browser's search)
            table_grid(ids.MY_CUSTOMERS_GRID, height=None, row_id="params.data.customer_id"),
        ],
        fluid=True,
    )
