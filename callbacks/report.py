"""The report pages' callback: the report for the page's view, with its chart, rows and links."""

from __future__ import annotations

from dash import Dash, Input, Output, State

from callbacks.filter_bar import register_grid
from callbacks.guards import bad_request, screen_guard
from layouts import ids
from layouts.grids import column_defs, grid_props
from views import screens
from views.context import user_frames, view_for
from views.pages import REPORT_TITLES

LINKS = {"field": "links", "headerName": "Matching", "cellRenderer": "RowLinks", "minWidth": 170,
         "sortable": False, "filter": False}  # fmt: skip


def show(query: str | None, full_query: str | None, name: str):
    if name not in REPORT_TITLES:
        bad_request(f"There is no report {name!r}.")
    frames = user_frames()
    view = view_for(full_query or query, name, frames)
    table = screens.report_table(frames, view)
    props = grid_props(table, view)
    defs = column_defs(table)
    if not name.startswith("matching"):
        defs.append(LINKS)
    return (
        screens.report_figure(view, table),
        props["rowData"],
        defs,
        props["columnState"],
        props["filterModel"],
        table.title,
    )


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
