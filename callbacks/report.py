"""The report pages' callback: the report for the page's view, with its chart, rows and links."""

from __future__ import annotations

from dash import Dash, Input, Output, State
from flask_login import current_user

from callbacks.filter_bar import register_grid
from callbacks.guards import bad_request, screen_guard
from layouts import ids
from layouts.grids import grid_outputs
from views import screens
from views.context import engine_for, user_data, view_for
from views.pages import REPORT_TITLES

LINKS = {"field": "links", "headerName": "Matching", "cellRenderer": "RowLinks", "minWidth": 170,
         "sortable": False, "filter": False}  # fmt: skip


def show(query: str | None, full_query: str | None, name: str):
    if name not in REPORT_TITLES:
        bad_request(f"There is no report {name!r}.")
    frames = user_data()
    view = view_for(full_query or query, name, frames)
    table = screens.report_table(frames, view, engine_for(frames, current_user.scope))
    rows, defs, state, model = grid_outputs(table, view)
    if "products_href" in table.rows:
        defs.append(LINKS)
    return screens.report_figure(view, table), rows, defs, state, model, table.title


def register(app: Dash) -> None:
    app.callback(
        Output(ids.REPORT_CHART, "figure"),
        Output(ids.REPORT_GRID, "rowData"),
        Output(ids.REPORT_GRID, "columnDefs"),
        Output(ids.REPORT_GRID, "columnState"),
        Output(ids.REPORT_GRID, "filterModel"),
        Output(ids.REPORT_NOTE, "children"),
        Input(ids.VIEW, "data"),
        State(ids.VIEW_GRID, "data"),
        State(ids.VIEW_SCREEN, "data"),
    )(screen_guard("sales-by-category")(show))
    register_grid(app, ids.REPORT_GRID, "sales-by-category", ("links",))
