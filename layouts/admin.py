"""Admin (SPEC §4.7): data freshness, importing data with a preview, and the users."""

from __future__ import annotations

import dash_bootstrap_components as dbc
import pandas as pd
from dash import dcc, html

from data.access import ROLES
from data.importer import FIELDS, IGNORE
from layouts import ids
from layouts.components import grid

NEW = "(new)"  # the value of the explicit choice "New team…" / "New salesperson code…"
ROW_CLICK = {"mode": "singleRow", "checkboxes": False, "enableClickSelection": True}
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


UPLOAD_BOX = {"borderWidth": "1px", "borderStyle": "dashed", "borderRadius": "6px",
              "textAlign": "center", "padding": "14px", "cursor": "pointer"}  # fmt: skip


def upload(component_id: str, label: str) -> dcc.Upload:
    return dcc.Upload(
        id=component_id,
        style=UPLOAD_BOX,
        children=html.Div([f"{label}: drop a file or ", html.A("choose")]),
    )


def reading_options() -> dbc.Row:
    """How the order-lines file's values are written (the preview says what was sniffed)."""
    return dbc.Row(
        [
            dbc.Col(
                [
                    dbc.Label("Decimal separator", html_for=ids.ADMIN_DECIMAL, className="small"),
                    dbc.Select(
                        id=ids.ADMIN_DECIMAL,
                        value=".",
                        size="sm",
                        options=[
                            {"label": "point: 1,234.50", "value": "."},
                            {"label": "comma: 1.234,50", "value": ","},
                        ],
                    ),
                ],
                md=3,
            ),
            dbc.Col(
                [
                    dbc.Label("Date format", html_for=ids.ADMIN_DATE_FORMAT, className="small"),
                    dbc.Input(
                        id=ids.ADMIN_DATE_FORMAT,
                        size="sm",
                        debounce=True,
                        placeholder="automatic (YYYY-MM-DD, or as the file shows); e.g. %d/%m/%Y",
                    ),
                ],
                md=5,
            ),
            dbc.Col(
                dbc.Checklist(
                    id=ids.ADMIN_KEEP_EXTRA,
                    switch=True,
                    value=[],
                    options=[{"label": "Keep other columns as customer fields", "value": "keep"}],
                ),
                md=4,
                className="align-self-end",
            ),
        ],
        className="g-3 mb-2",
    )


def mapping_table(header: list[str], suggested: list[str | None], samples: list[str]) -> list:
    """The mapping step: each column of the file beside the field it is read as."""
    options = [{"label": "— ignore —", "value": IGNORE}] + [
        {"label": f, "value": f} for f in FIELDS
    ]
    rows = [
        html.Tr(
            [
                html.Td(name or f"(column {i + 1} has no name)"),
                html.Td(sample, className="text-muted small"),
                html.Td(
                    dcc.Dropdown(
                        id={"type": ids.ADMIN_MAP_FIELD, "index": i},
                        options=options,
                        value=field or IGNORE,
                        clearable=False,
                        className=f"admin-map-{i}",
                        style={"minWidth": "14rem"},
                    )
                ),
            ]
        )
        for i, (name, field, sample) in enumerate(zip(header, suggested, samples, strict=True))
    ]
    return [
        html.H3("Columns of the file", className="h6 mt-2"),
        html.P(
            "Each column is read as the field on its right; change one to read a file as it is.",
            className="text-muted small mb-1",
        ),
        dbc.Table(
            [
                html.Thead(
                    html.Tr(
                        [
                            html.Th("Column in the file"),
                            html.Th("First value"),
                            html.Th("Imported as"),
                        ]
                    )
                ),  # fmt: skip
                html.Tbody(rows),
            ],
            size="sm",
            className="admin-mapping-table",
        ),
    ]


def choice(component_id: str, label: str, new_id: str, new_label: str) -> dbc.Col:
    """A dropdown of the values in the data (options: `choices`), and a box for a new value that
    shows when NEW is chosen."""
    return dbc.Col(
        [
            dcc.Dropdown(id=component_id, placeholder=label, disabled=True),
            dbc.Input(id=new_id, placeholder=new_label, className="mt-1 d-none"),
        ],
        md=2,
    )


def choices(values: list[tuple[str, str]], new_label: str) -> list[dict]:
    """Dropdown options: (value, label) pairs, then the explicit choice of a new one."""
    return [{"label": label, "value": value} for value, label in values] + [
        {"label": new_label, "value": NEW}
    ]


def users_section(users: pd.DataFrame) -> list:
    """Create users, change their role, set a password, deactivate (after a confirmation) and
    reactivate. A click on a user in the table fills in their name."""
    button = {"size": "sm", "outline": True, "color": "secondary"}
    return [
        html.H2("Users", className="h5"),
        dbc.Row(
            [
                dbc.Col(dbc.Input(id=ids.ADMIN_USERNAME, placeholder="User name"), md=2),
                dbc.Col(
                    dcc.Dropdown(id=ids.ADMIN_ROLE, options=list(ROLES), placeholder="Role"), md=2
                ),
                choice(
                    ids.ADMIN_SALESPERSON,
                    "Salesperson code",
                    ids.ADMIN_NEW_SALESPERSON,
                    "New salesperson code",
                ),
                choice(ids.ADMIN_TEAM, "Team", ids.ADMIN_NEW_TEAM, "New team name"),
                dbc.Col(
                    dbc.Input(id=ids.ADMIN_PASSWORD, type="password", placeholder="Password"),
                    md=2,
                ),
            ],  # fmt: skip
            className="g-2 mb-1 align-items-start",
        ),
        html.Div(id=ids.ADMIN_USER_NOTE, className="small text-muted mb-1"),
        dbc.Row(
            dbc.Col(
                [
                    dbc.Button("Create", id=ids.ADMIN_CREATE, size="sm", className="me-2"),
                    dbc.Button("Change role", id=ids.ADMIN_CHANGE_ROLE, className="me-2", **button),
                    dbc.Button("Set password", id=ids.ADMIN_RESET, className="me-2", **button),
                    dbc.Button("Reactivate", id=ids.ADMIN_ACTIVATE, className="me-2", **button),
                    dbc.Button(
                        "Deactivate…",
                        id=ids.ADMIN_ASK_DEACTIVATE,
                        size="sm",
                        color="danger",
                        outline=True,
                    ),
                ]  # fmt: skip
            ),
            className="mb-2",
        ),
        html.Div(id=ids.ADMIN_USER_MESSAGE),
        grid(ids.ADMIN_USERS_GRID, users, COLUMNS, height=300, rowSelection=ROW_CLICK),
        dbc.Modal(
            [
                dbc.ModalHeader(dbc.ModalTitle("Deactivate this user?")),
                dbc.ModalBody(id=ids.ADMIN_DEACTIVATE_QUESTION),
                dbc.ModalFooter(
                    [
                        dbc.Button("Cancel", id=ids.ADMIN_DEACTIVATE_CANCEL, **button),
                        dbc.Button("Deactivate", id=ids.ADMIN_DEACTIVATE, color="danger"),
                    ]
                ),
            ],
            id=ids.ADMIN_DEACTIVATE_DIALOG,
            is_open=False,
            fade=False,
        ),
    ]


def deactivation_question(username: str) -> str:
    return (
        f"{username} is signed out at once, everywhere, and can no longer sign in. "
        "You can reactivate them later (Reactivate, or flask activate-user)."
    )


def layout(freshness: dict[str, str], users: pd.DataFrame) -> dbc.Container:
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
                    dbc.Col(upload(ids.ADMIN_UPLOAD_LINES, "Order lines"), md=4),
                    dbc.Col(upload(ids.ADMIN_UPLOAD_CUSTOMERS, "Customers (optional)"), md=4),
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
            reading_options(),
            html.Div(id=ids.ADMIN_MAPPING),
            dcc.Store(id=ids.ADMIN_UPLOAD_TOKEN),
            dcc.Download(id=ids.ADMIN_REPORT_DOWNLOAD),
            dcc.Loading(html.Div(id=ids.ADMIN_IMPORT_REPORT, className="mb-4"), delay_show=300),
            html.H2("Import a Business Central export", className="h5"),
            html.P(
                "Value Entries as exported to Excel or CSV, and optionally the Customers, Items "
                "and Salespeople lists, with Business Central's own column names. Checked first; "
                "nothing is written until you confirm.",
                className="text-muted small",
            ),
            dbc.Row(
                [
                    dbc.Col(upload(ids.ADMIN_BC_VALUE_ENTRIES, "Value Entries"), md=3),
                    dbc.Col(upload(ids.ADMIN_BC_CUSTOMERS, "Customers"), md=3),
                    dbc.Col(upload(ids.ADMIN_BC_ITEMS, "Items"), md=3),
                    dbc.Col(upload(ids.ADMIN_BC_SALESPEOPLE, "Salespeople"), md=3),
                ],
                className="g-3 mb-2",
            ),
            dbc.Row(
                dbc.Col(
                    [
                        dbc.Checklist(
                            id=ids.ADMIN_BC_REPLACE,
                            switch=True,
                            value=[],
                            options=[{"label": "Replace all sales data", "value": "replace"}],
                        ),
                        dbc.Button(
                            "Import Business Central data",
                            id=ids.ADMIN_BC_CONFIRM,
                            color="primary",
                            disabled=True,
                            className="mt-2",
                        ),
                    ]
                ),
                className="mb-2",
            ),
            dcc.Store(id=ids.ADMIN_BC_TOKEN),
            dcc.Loading(html.Div(id=ids.ADMIN_BC_REPORT, className="mb-4"), delay_show=300),
            *users_section(users),
        ],
        fluid=True,
    )
