"""Team performance (manager landing page): each salesperson's numbers, acquisition, commission."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import html

from layouts import ids
from layouts.components import chart, export_button, page_header
from layouts.grids import table_grid

WIDTHS = {
    "salesperson_name": {"minWidth": 170},
    "team": {"width": 95},
    "gross_profit_margin": {"width": 110},
    "confirmed_order_count": {"width": 100},
    "new_customers": {"width": 120},
    "customers": {"width": 115},
    "active_customers": {"width": 95},
    "at_risk_customers": {"width": 95},
    "commission_basis": {"width": 110},
    "salesperson": {"width": 120},
}


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
            dbc.Row(
                [
                    dbc.Col(
                        html.P(
                            "A salesperson's name opens the leaderboard of their customers "
                            "with these filters.",
                            className="text-muted small mb-1 mt-2",
                        )
                    ),
                    dbc.Col(export_button("team", "csv"), width="auto"),
                ],
                className="align-items-center",
            ),
            table_grid(ids.TEAM_GRID, height=480, row_id="params.data.salesperson"),
        ],
        fluid=True,
    )
