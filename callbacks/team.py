"""Team performance callbacks: the salespeople table and the two charts, from the page's view."""

from __future__ import annotations

from dash import Dash, Input, Output, State
from flask_login import current_user

from callbacks.filter_bar import register_grid
from callbacks.guards import screen_guard
from layouts import ids
from layouts.grids import grid_outputs
from layouts.team import WIDTHS
from views import screens
from views.context import engine_for, user_data, view_for

SCREEN = "team"


def table_and_charts(query: str | None, full_query: str | None):
    frames = user_data()
    view = view_for(full_query or query, SCREEN, frames)
    engine = engine_for(frames, current_user.scope)
    result = screens.team(frames, view, engine)  # both periods once, for the table and charts
    table = screens.team_table(frames, view, engine, result)
    return (*grid_outputs(table, view, WIDTHS), *screens.team_figures(frames, view, engine, result))


def register(app: Dash) -> None:
    app.callback(
        Output(ids.TEAM_GRID, "rowData"),
        Output(ids.TEAM_GRID, "columnDefs"),
        Output(ids.TEAM_GRID, "columnState"),
        Output(ids.TEAM_GRID, "filterModel"),
        Output(ids.TEAM_SALES, "figure"),
        Output(ids.TEAM_NEW, "figure"),
        Input(ids.VIEW, "data"),
        State(ids.VIEW_GRID, "data"),
    )(screen_guard(SCREEN)(table_and_charts))
    register_grid(app, ids.TEAM_GRID, SCREEN)
