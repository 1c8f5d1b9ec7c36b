"""Admin (SPEC §4.7): data freshness, importing data with a preview, and the users."""

from __future__ import annotations

import dash_bootstrap_components as dbc
import pandas as pd
from dash import dcc, html

from data.access import ROLES
from layouts import ids
from layouts.components import grid

COLUMNS = [
    {"field": "username", "headerName": "User"},
    {"field": "role", "headerName": "Role"},
    {"field": "salesperson_code", "headerName": "Salesperson"},
    {"field": "team", "headerName": "Team"},
    {"field": "active", "headerName": "Active"},
]


def freshness_cards(freshness: dict[str, str]) -> list:
    return [
        dbc.Col(dbc.Card(dbc.CardBody([html.Div(k, className="text-muted small"),
                                       html.Div(v, className="fs-5")])), md=True)
        for k, v in freshness.items()
    ]  # fmt: skip


def layout(freshness: dict[str, str], users: pd.DataFrame) -> dbc.Container:
    upload_box = {"borderWidth": "1px", "borderStyle": "dashed", "borderRadius": "6px",
                  "textAlign": "center", "padding": "14px", "cursor": "pointer"}  # fmt: skip
    return dbc.Container(
        [
            html.H1("Admin", className="h3"),
            html.H2("Data", className="h5"),
            dbc.Row(freshness_cards(freshness), id=ids.ADMIN_FRESHNESS, className="g-3 mb-4"),
            html.H2("Import order lines", className="h5"),
            html.P(
                "An order-lines file (CSV or XLSX, SPEC §7), and optionally a customers file. "
                "Nothing is written until you confirm; a file with any problem imports nothing.",
                className="text-muted small",
            ),  # fmt: skip
            dbc.Row(
                [
                    dbc.Col(
                        dcc.Upload(
                            id=ids.ADMIN_UPLOAD_LINES,
                            style=upload_box,
                            children=html.Div(["Order lines: drop a file or ", html.A("choose")]),
                        ),
                        md=4,
                    ),  # fmt: skip
                    dbc.Col(
                        dcc.Upload(
                            id=ids.ADMIN_UPLOAD_CUSTOMERS,
                            style=upload_box,
                            children=html.Div(["Customers (optional): drop or ", html.A("choose")]),
                        ),
                        md=4,
                    ),  # fmt: skip
                    dbc.Col(
                        [
                            dbc.Checklist(
                                id=ids.ADMIN_REPLACE,
                                switch=True,
                                value=[],
                                options=[{"label": "Replace all sales data", "value": "replace"}],
                            ),
                            dbc.Button(
                                "Import",
                                id=ids.ADMIN_CONFIRM,
                                color="primary",
                                disabled=True,
                                className="mt-2",
                            ),
                        ],
                        md=4,
                    ),  # fmt: skip
                ],
                className="g-3 mb-2",
            ),
            dcc.Store(id=ids.ADMIN_UPLOAD_TOKEN),
            dcc.Loading(html.Div(id=ids.ADMIN_IMPORT_REPORT, className="mb-4"), delay_show=300),
            html.H2("Users", className="h5"),
            dbc.Row(
                [
                    dbc.Col(
                        dbc.Input(id=ids.ADMIN_USERNAME, placeholder="User name", size="sm"), md=2
                    ),
                    dbc.Col(
                        dcc.Dropdown(id=ids.ADMIN_ROLE, options=list(ROLES), placeholder="Role"),
                        md=2,
                    ),
                    dbc.Col(
                        dbc.Input(
                            id=ids.ADMIN_SALESPERSON, placeholder="Salesperson code", size="sm"
                        ),
                        md=2,
                    ),
                    dbc.Col(dbc.Input(id=ids.ADMIN_TEAM, placeholder="Team", size="sm"), md=2),
                    dbc.Col(
                        dbc.Input(
                            id=ids.ADMIN_PASSWORD,
                            type="password",
                            placeholder="Password",
                            size="sm",
                        ),
                        md=2,
                    ),  # fmt: skip
                    dbc.Col(
                        dbc.ButtonGroup(
                            [
                                dbc.Button("Create", id=ids.ADMIN_CREATE, size="sm"),
                                dbc.Button(
                                    "Set password", id=ids.ADMIN_RESET, size="sm", outline=True
                                ),
                                dbc.Button(
                                    "Deactivate",
                                    id=ids.ADMIN_DEACTIVATE,
                                    size="sm",
                                    color="danger",
                                    outline=True,
                                ),
                            ]
                        ),
                        xs=12,
                    ),  # fmt: skip
                ],
                className="g-2 mb-2 align-items-center",
            ),
            html.Div(id=ids.ADMIN_USER_MESSAGE),
            grid(ids.ADMIN_USERS_GRID, users, COLUMNS, height=300),
        ],
        fluid=True,
    )
