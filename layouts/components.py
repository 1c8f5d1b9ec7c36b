"""Small builders that keep the screen layouts short."""

from __future__ import annotations

import dash_ag_grid as dag
import dash_bootstrap_components as dbc
import pandas as pd
from dash import dcc, html

from layouts import ids
from layouts.figures import LAYOUT, loading
from layouts.formatting import grid_formatter
from layouts.grids import DEFAULT_COLUMN


def shell(as_of_refresh_seconds: float = 30) -> html.Div:
    """The page frame: URL, navbar, and the page the router fills in; the navbar's "Data as of"
    is read again every `as_of_refresh_seconds`."""
    # refresh=False: filters written to the URL's query push a history entry, no page load
    return html.Div(
        [
            dcc.Location(id=ids.URL, refresh=False),
            dcc.Interval(id=ids.NAV_AS_OF_TIMER, interval=int(as_of_refresh_seconds * 1000)),
            navbar(),
            html.Main(id=ids.PAGE),
        ]
    )


def navbar() -> dbc.Navbar:
    """Brand (to the user's landing page), the menu of the user's role, who is signed in and
    the data's as-of time (filled by callbacks)."""
    return dbc.Navbar(
        dbc.Container(
            [
                dbc.NavbarBrand("Sales by Customer", id=ids.NAV_BRAND, href="/"),
                dbc.Nav(id=ids.NAV_MENU, className="me-auto", navbar=True),
                html.Div(
                    [
                        dbc.Label(
                            "Find a customer", html_for=ids.NAV_SEARCH, className="visually-hidden"
                        ),
                        dcc.Dropdown(
                            id=ids.NAV_SEARCH,
                            placeholder="Find customer…",
                            options=[],
                            clearable=True,
                            className="nav-search",
                        ),  # fmt: skip
                    ],
                    style={"width": "200px"},
                    className="me-3",
                ),
                html.Div(
                    [
                        html.Div(id=ids.NAV_USER, className="text-nowrap"),
                        html.Div(id=ids.NAV_AS_OF, className="text-nowrap nav-as-of"),
                    ],
                    className="text-light small me-2 lh-sm",
                ),
                dbc.Button(
                    "Sign out",
                    href="/logout",
                    external_link=True,
                    size="sm",
                    color="outline-light",
                    id=ids.NAV_SIGN_OUT,
                    className="text-nowrap",
                ),  # fmt: skip
            ],
            fluid=True,
        ),
        color="dark",
        dark=True,
        className="mb-3",
    )


# Grid value formatters: the one formatter of layouts.formatting, run in the browser.
MONEY_CELL = grid_formatter("money")
PERCENT_CELL = grid_formatter("percent")
NUMBER_CELL = grid_formatter("count")


def grid(
    grid_id: str, table: pd.DataFrame, columns: list[dict], height: int = 520, **options
) -> dag.AgGrid:
    """A sortable, filterable AG Grid over `table` with CSV export of the filtered rows;
    `options` go to AG Grid (e.g. rowClassRules)."""
    return dag.AgGrid(
        id=grid_id,
        rowData=table.to_dict("records"),
        columnDefs=columns,
        defaultColDef=DEFAULT_COLUMN,
        dashGridOptions={"animateRows": False, **options},
        csvExportParams={"fileName": f"{grid_id}.csv"},
        style={"height": f"{height}px"},
    )


def message(text: str, color: str = "warning") -> dbc.Alert:
    return dbc.Alert(text, color=color, className="mt-3")


# a visual being computed: a spinner after 300 ms (a fast answer does not flicker) over its last
# state, dimmed
LOADING_STATE = dict(delay_show=300, show_initially=False,
               overlay_style={"visibility": "visible", "opacity": 0.5})  # fmt: skip


def chart(graph_id: str, filename: str) -> dcc.Loading:
    """A graph with a loading state and a PNG download (the modebar's camera) named `filename`;
    the modebar keeps only what works offline (no sharing to or editing in a cloud service).
    Until its first figure it reads "Loading…" (never empty axes), then see LOADING_STATE."""
    return dcc.Loading(
        dcc.Graph(
            id=graph_id,
            figure=loading(),
            config={
                "displaylogo": False,
                "showSendToCloud": False,
                "showEditInChartStudio": False,
                "showLink": False,
                "toImageButtonOptions": {"format": "png", "filename": filename, "scale": 2},
            },
        ),  # fmt: skip
        parent_style={"minHeight": f"{LAYOUT['height']}px"},  # its room before plotly has loaded
        **LOADING_STATE,
    )


def page_header(title: str, screen: str, note: str | None = None) -> dbc.Row:
    """The page title with the screen's PDF export (its href follows the view)."""
    return dbc.Row(
        [
            dbc.Col(html.H1(title, className="h3 mb-0")),
            dbc.Col(html.Span(note, className="text-muted small"), width="auto") if note else None,
            dbc.Col(export_button(screen, "pdf"), width="auto"),
        ],
        className="align-items-center mb-2",
    )


def export_button(screen: str, fmt: str) -> dbc.Button:
    """ "Export PDF" / "Export CSV": a server download of the page's view (a callback keeps the
    href in step with the URL)."""
    return dbc.Button(
        f"Export {fmt.upper()}",
        id={"type": ids.EXPORT, "screen": screen, "format": fmt},
        href=f"/export/{screen}.{fmt}",
        external_link=True,
        target="_blank" if fmt == "pdf" else None,
        color="secondary",
        outline=True,
        size="sm",
        className=f"export-{fmt}",
    )


def count_cards(counts: dict[str, int]) -> dbc.Row:
    """Small cards of labelled counts (e.g. new / returning / recovered / lost customers)."""
    return dbc.Row(
        [
            dbc.Col(
                dbc.Card(
                    dbc.CardBody(
                        [
                            html.Div(label, className="text-muted small"),
                            html.Div(f"{value:,}", className="fs-4 fw-semibold"),
                        ]
                    ),
                    className=f"shadow-sm count-{label.split()[0].lower()}",
                ),
                xs=6,
                className="mb-3",
            )
            for label, value in counts.items()
        ],  # fmt: skip
        className="g-3",
    )
