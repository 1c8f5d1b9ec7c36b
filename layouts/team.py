"""Team performance (manager landing page): each salesperson's numbers, acquisition, commission."""

from __future__ import annotations

import dash_ag_grid as dag
import dash_bootstrap_components as dbc
from dash import html

from layouts import ids
from layouts.components import (
    DEFAULT_COLUMN,
    MONEY_CELL,
    NUMBER_CELL,
    PERCENT_CELL,
    chart,
    page_header,
)

BASIS_CELL = {"function": "({items_sold: 'Items sold', items_delivered: 'Delivered', "
                          "payments: 'Payments'})[params.value] || ''"}  # fmt: skip
COLUMNS = [
    {"field": "salesperson_name", "headerName": "Salesperson", "cellRenderer": "CustomerLink",
     "minWidth": 170, "pinned": "left"},
    {"field": "team", "headerName": "Team", "width": 95},
    {"field": "sales_amount", "type": "numericColumn", "headerName": "Sales Amount", "valueFormatter": MONEY_CELL},
    {"field": "gross_profit", "type": "numericColumn", "headerName": "Gross Profit", "valueFormatter": MONEY_CELL},
    {"field": "gross_profit_margin", "type": "numericColumn", "headerName": "Margin", "valueFormatter": PERCENT_CELL, "width": 100},
    {"field": "confirmed_order_count", "type": "numericColumn", "headerName": "Orders", "valueFormatter": NUMBER_CELL, "width": 100},
    {"field": "average_order_amount", "type": "numericColumn", "headerName": "Avg order", "valueFormatter": MONEY_CELL},
    {"field": "new_customers", "type": "numericColumn", "headerName": "New customers", "width": 130},
    {"field": "customers", "type": "numericColumn", "headerName": "Customers", "width": 115},
    {"field": "active_customers", "type": "numericColumn", "headerName": "Active", "width": 95},
    {"field": "at_risk_customers", "type": "numericColumn", "headerName": "At risk", "width": 95},
    {"field": "commission_basis", "headerName": "Basis", "valueFormatter": BASIS_CELL, "width": 110},
    {"field": "commission", "type": "numericColumn", "headerName": "Commission", "valueFormatter": MONEY_CELL},
]  # fmt: skip


def layout(filter_bar: html.Div) -> dbc.Container:
    return dbc.Container(
        [
            page_header("Team performance", "team"),
            filter_bar,
            dbc.Row(
                [
                    dbc.Col(chart(ids.TEAM_SALES, "sales-by-salesperson"), lg=6),
                    dbc.Col(chart(ids.TEAM_NEW, "new-customers"), lg=6),
                ],
                className="g-3",
            ),
            html.P(
                "A salesperson's name opens the leaderboard of their customers with these filters.",
                className="text-muted small mb-1 mt-2",
            ),  # fmt: skip
            dag.AgGrid(
                id=ids.TEAM_GRID,
                rowData=[],
                columnDefs=COLUMNS,
                defaultColDef=DEFAULT_COLUMN,
                dashGridOptions={"animateRows": False},
                csvExportParams={"fileName": "team-performance.csv"},
                style={"height": "480px"},
            ),
        ],
        fluid=True,
    )
