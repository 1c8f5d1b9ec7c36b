"""Team performance (manager landing page): the numbers of each salesperson's customers."""

from __future__ import annotations

import dash_bootstrap_components as dbc
import pandas as pd
from dash import html

from layouts import ids
from layouts.components import MONEY_CELL, PERCENT_CELL, grid

COLUMNS = [
    {"field": "salesperson_name", "headerName": "Salesperson", "flex": 2},
    {"field": "team", "headerName": "Team", "width": 100},
    {"field": "sales_amount", "headerName": "Sales Amount", "valueFormatter": MONEY_CELL},
    {"field": "gross_profit", "headerName": "Gross Profit", "valueFormatter": MONEY_CELL},
    {"field": "gross_profit_margin", "headerName": "Margin",
     "valueFormatter": PERCENT_CELL},
    {"field": "confirmed_order_count", "headerName": "Orders", "width": 110},
    {"field": "customers", "headerName": "Customers", "width": 120},
    {"field": "active_customers", "headerName": "Active", "width": 100},
    {"field": "at_risk_customers", "headerName": "At risk", "width": 100},
]  # fmt: skip


def layout(table: pd.DataFrame, period_text: str) -> dbc.Container:
    return dbc.Container(
        [
            html.H1("Team performance", className="h3"),
            html.P(period_text, className="text-muted"),
            grid(ids.TEAM_GRID, table.astype(object).where(table.notna(), None), COLUMNS),
        ],
        fluid=True,
    )
