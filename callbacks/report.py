"""The report pages' callback: the report for the page's view, with its chart, rows and links."""

from __future__ import annotations

from dash import Dash, Input, Output, State, no_update
from flask_login import current_user

from callbacks.filter_bar import register_grid
from callbacks.guards import bad_request, screen_guard
from layouts import figures, ids
from layouts.grids import grid_outputs
from metrics.engine import NotSupported
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
    try:
        table = screens.report_table(frames, view, engine_for(frames, current_user.scope))
    except NotSupported as error:  # the engine does not compute this report yet: say so
        sentence = f"{error}."
        figure = figures.empty(f"{REPORT_TITLES[name]}: Sales Amount", sentence)
        column = {"field": "message", "headerName": REPORT_TITLES[name], "flex": 1,
                  "sortable": False, "filter": False}  # fmt: skip
        return figure, [{"message": sentence}], [column], no_update, no_update, sentence
    rows, defs, state, model = grid_outputs(table, view)
    note = table.title
    if "products_href" in table.rows:
        defs.append(LINKS)
    elif not name.startswith("matching"):
        note = f"{note}. {screens.MATCHING_ON_SQL}"
    return screens.report_figure(view, table), rows, defs, state, model, note


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
