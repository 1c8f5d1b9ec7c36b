"""A salesperson's landing page: their customers, how long since each ordered, who is at risk."""

from __future__ import annotations

import dash_bootstrap_components as dbc
import pandas as pd
from dash import html

from layouts import ids
from layouts.components import MONEY_CELL, grid, link_markdown

STATUS_WORDS = {"at_risk": "At risk", "active": "Active", "inactive": "Inactive"}
COLUMNS = [
    {"field": "customer", "headerName": "Customer", "cellRenderer": "markdown", "flex": 2},
    {"field": "status", "headerName": "Status", "width": 110},
    {"field": "last_order", "headerName": "Last order", "width": 130},
    {"field": "days_since_last_order", "headerName": "Days since last order", "width": 190},
    {"field": "overdue", "headerName": "Overdue", "width": 150},
    {"field": "sales_amount", "headerName": "Sales Amount, 12 months", "width": 210,
     "valueFormatter": MONEY_CELL},
]  # fmt: skip


def layout(board: pd.DataFrame, period_text: str) -> dbc.Container:
    """`board`: the leaderboard of the user's customers for the last 12 months."""
    rows = pd.DataFrame(
        {
            "customer": [link_markdown(n, f"/customers/{i}")
                         for n, i in zip(board["customer_name"], board["customer_id"], strict=True)],
            "status": board["status"].map(STATUS_WORDS),
            "last_order": pd.Series(board["last_order"]).dt.strftime("%Y-%m-%d").fillna("never"),
            "days_since_last_order": board["days_since_last_order"].astype("float"),
            "overdue": [f"overdue by {d:.0f} days" if s == "at_risk" else ""
                        for d, s in zip(board["overdue_days"], board["status"], strict=True)],
            "sales_amount": board["sales_amount"],
        }
    )  # fmt: skip
    at_risk = int((board["status"] == "at_risk").sum())
    return dbc.Container(
        [
            html.H1("My customers", className="h3"),
            html.P(
                f"{len(board)} customers · {at_risk} at risk · {period_text}",
                className="text-muted",
            ),
            grid(ids.MY_CUSTOMERS_GRID, rows, COLUMNS),
        ],
        fluid=True,
    )
