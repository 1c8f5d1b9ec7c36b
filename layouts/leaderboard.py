"""Leaderboard (the Customer Report, SPEC §4.4): the summary cards and one row per customer."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dcc, html

from layouts import ids
from layouts.components import LOADING_STATE, export_button, page_header
from layouts.grids import table_grid
from layouts.kpi_cards import kpi_placeholders
from views.screens import FIELDS, LEADERBOARD_FIELDS
from views.view import View

SUMMARY = ("confirmed_order_amount", "total_customers", "active_customers", "average_reorder_days")
QUICK_FILTERS = {"all": "All", "active": "Active", "inactive": "Inactive", "at_risk": "At risk"}
# days since last order, coloured by how overdue the customer is against their own cadence
OVERDUE_STYLE = {
    "styleConditions": [
        {"condition": "params.data.overdue_days > 60", "style": {"backgroundColor": "#f8d7da"}},
        {"condition": "params.data.overdue_days > 14", "style": {"backgroundColor": "#fff3cd"}},
        {"condition": "params.data.overdue_days > 0", "style": {"backgroundColor": "#fdf6e3"}},
    ]
}
WIDTHS = {
    "status": {"width": 105},
    "days_since_last_order": {"cellStyle": OVERDUE_STYLE},
    "last_order": {"width": 120},
    "total_order_count": {"width": 100},
    "customer_id": {"width": 120},
}


def layout(filter_bar: html.Div, view: View) -> dbc.Container:
    """The page."""
    shown = view.grid.columns or LEADERBOARD_FIELDS
    return dbc.Container(
        [
            page_header("Leaderboard", "leaderboard"),
            filter_bar,
            dcc.Loading(
                dbc.Row(kpi_placeholders(SUMMARY), id=ids.LEADERBOARD_CARDS),
                **LOADING_STATE,
            ),
            dbc.Row(
                [
                    dbc.Col(
                        dbc.RadioItems(
                            id={"type": ids.VIEW_CHOICE, "key": "show"},
                            value=view.choice("show"),
                            inline=True,
                            options=[{"label": v, "value": k} for k, v in QUICK_FILTERS.items()],
                            className="leaderboard-show",
                        ),
                        width="auto",
                    ),  # fmt: skip
                    dbc.Col(
                        dcc.Dropdown(
                            id=ids.LEADERBOARD_COLUMNS,
                            multi=True,
                            clearable=False,
                            options=[
                                {"label": FIELDS[f][0], "value": f} for f in LEADERBOARD_FIELDS
                            ],
                            value=[f for f in shown if f in LEADERBOARD_FIELDS],
                            placeholder="Columns",
                        ),  # fmt: skip
                        lg=6,
                    ),
                    dbc.Col(export_button("leaderboard", "csv"), width="auto", className="ms-auto"),
                ],
                className="align-items-center g-3 mb-2",
            ),
            html.P(
                "Drag column headers to reorder; choose columns above. Your layout is kept for "
                "your next visit; sorting and column filters are kept in the link and the CSV.",
                className="text-muted small mb-1",
            ),  # fmt: skip
            dcc.Loading(
                [
                    dcc.Store(id=ids.LEADERBOARD_ROWS),
                    table_grid(
                        ids.LEADERBOARD_GRID,
                        height=560,
                        row_id="params.data.customer_id",
                        suppressColumnVirtualisation=True,
                    ),
                ],
                **LOADING_STATE,
            ),  # fmt: skip
        ],
        fluid=True,
    )
