"""Team performance (manager landing page): each salesperson's numbers, acquisition, commission."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import html

from layouts import ids
from layouts.components import chart, export_button, page_header
from layouts.grids import table_grid
from views.screens import SQL_ENGINE, team_drill

# Every column fits a 1366 px screen without scrolling sideways: short headers (views.screens
# TEAM_HEADERS) with the full meaning as a tooltip, widths from the widest value of the demo's
# 25 salespeople, tighter cell padding (assets/team.css); wider screens share the rest out.
TIPS = {
    "gross_profit_margin": "Gross Profit Margin",
    "confirmed_order_count": "Confirmed orders",
    "average_order_amount": "Average Order Amount (confirmed orders)",
    "new_customers": "New customers: first confirmed order ever in the period",
    "customers": "Customers they own",
    "active_customers": "Active customers: a confirmed order in the period",
    "at_risk_customers": "At-risk customers: overdue against their own reorder cadence",
    "commission_basis": "Commission basis",
    "commission": "Commission on their basis for the period",
    "salesperson": "Salesperson code",
}
MIN_WIDTHS = {
    "salesperson_name": 140,
    "team": 72,
    "sales_amount": 122,
    "gross_profit": 112,
    "gross_profit_margin": 80,
    "confirmed_order_count": 76,
    "average_order_amount": 96,
    "new_customers": 62,
    "customers": 100,
    "active_customers": 72,
    "at_risk_customers": 72,
    "commission_basis": 90,
    "commission": 112,
    "salesperson": 66,
}
WIDTHS = {
    field: {"minWidth": width, "width": width, "flex": width}
    | ({"headerTooltip": TIPS[field]} if field in TIPS else {})
    for field, width in MIN_WIDTHS.items()
}


# What the table's columns do not narrow to, said under it on the screen and in the PDF.
TEAM_NOTE = (
    "Commission is earned on every sale of the period on the salesperson's basis, whatever the "
    "other filters; New, Customers and At risk count whole customers (a customer's first order "
    "and buying rhythm are theirs, not a channel's or a category's)."
)


# where a salesperson's name leads (views.screens.team_drill), in words
DRILLS = {
    "leaderboard": "the leaderboard of their customers with these filters.",
    "sales-by-customer": f"Sales by Customer of their customers with these filters (the "
    f"leaderboard is not computed with {SQL_ENGINE} yet).",
}


def layout(filter_bar: html.Div, sql: bool = False) -> dbc.Container:
    """The page; `sql`: on a server with SALES_ENGINE=sql."""
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
                            f"A salesperson's name opens {DRILLS[team_drill(sql)]}",
                            className="text-muted small mb-1 mt-2",
                        )
                    ),
                    dbc.Col(export_button("team", "csv"), width="auto"),
                ],
                className="align-items-center",
            ),
            table_grid(ids.TEAM_GRID, height=None, row_id="params.data.salesperson"),
            html.P(TEAM_NOTE, className="text-muted small mt-1 team-note"),
        ],
        fluid=True,
    )
