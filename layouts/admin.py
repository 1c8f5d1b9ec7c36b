"""Admin: data freshness and the users (imports and user management come with their issue)."""

from __future__ import annotations

import dash_bootstrap_components as dbc
import pandas as pd
from dash import html

from layouts import ids
from layouts.components import grid

COLUMNS = [
    {"field": "username", "headerName": "User"},
    {"field": "role", "headerName": "Role"},
    {"field": "salesperson_code", "headerName": "Salesperson"},
    {"field": "team", "headerName": "Team"},
    {"field": "active", "headerName": "Active"},
]


def layout(freshness: dict[str, str], users: pd.DataFrame) -> dbc.Container:
    facts = dbc.Row(
        [
            dbc.Col(
                dbc.Card(
                    dbc.CardBody(
                        [html.Div(k, className="text-muted small"), html.Div(v, className="fs-5")]
                    )
                ),
                md=3,
            )
            for k, v in freshness.items()
        ],  # fmt: skip
        className="g-3 mb-4",
    )
    return dbc.Container(
        [
            html.H1("Admin", className="h3"),
            html.H2("Data", className="h5"),
            facts,
            html.H2("Users", className="h5"),
            grid(ids.ADMIN_USERS_GRID, users, COLUMNS, height=300),
        ],
        fluid=True,
    )
