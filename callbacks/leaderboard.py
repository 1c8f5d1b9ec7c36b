"""Leaderboard callbacks: summary cards, rows, the status choice, and columns kept per user."""

from __future__ import annotations

from dash import Dash, Input, Output, State
from dash.exceptions import PreventUpdate
from flask_login import current_user

from callbacks.filter_bar import register_grid
from callbacks.grids import register_rows
from callbacks.guards import screen_guard
from layouts import ids
from layouts.grids import column_defs, grid_state, unless_shown
from layouts.kpi_cards import kpi_cards
from layouts.leaderboard import SUMMARY, WIDTHS
from views import screens
from views.context import engine_for, user_data, view_for
from views.screens import LEADERBOARD_FIELDS
from views.tables import grid_columns

SCREEN = "leaderboard"


def cards(query: str | None):
    frames = user_data()
    view = view_for(query, SCREEN, frames)
    engine = engine_for(frames, current_user.scope)
    result = screens.comparison_of(frames, view, engine)
    return kpi_cards(result, only=SUMMARY, compare_to=view.compare_to)


def rows(query: str | None, full_query: str | None, *shown):
    """The leaderboard rows (the status choice keeps one status) with the view's grid state,
    the grid's columns and state only when it does not hold them already (`shown`)."""
    frames = user_data()
    view = view_for(full_query or query, SCREEN, frames)
    table = screens.leaderboard_table(frames, view, engine_for(frames, current_user.scope))
    defs, (state, model) = column_defs(table, WIDTHS), grid_state(table, view)
    return grid_columns(table), *unless_shown(defs, state, model, shown)


def choose_columns(visible: list[str], column_state: list[dict] | None):
    """Show the chosen columns, keeping the current order (the grid then reports its state,
    which the URL and the user's saved layout follow)."""
    if not visible:
        raise PreventUpdate
    order = [c["colId"] for c in column_state or [] if c["colId"] in LEADERBOARD_FIELDS]
    order += [c for c in LEADERBOARD_FIELDS if c not in order]
    return [{"colId": c, "hide": c not in visible} for c in order]


def register(app: Dash) -> None:
    guard = screen_guard(SCREEN)
    view = Input(ids.VIEW, "data")
    app.callback(Output(ids.LEADERBOARD_CARDS, "children"), view)(guard(cards))
    app.callback(
        Output(ids.LEADERBOARD_ROWS, "data"),
        Output(ids.LEADERBOARD_GRID, "columnDefs"),
        Output(ids.LEADERBOARD_GRID, "columnState"),
        Output(ids.LEADERBOARD_GRID, "filterModel"),
        view,
        State(ids.VIEW_GRID, "data"),
        State(ids.LEADERBOARD_GRID, "columnDefs"),
        State(ids.LEADERBOARD_GRID, "columnState"),
        State(ids.LEADERBOARD_GRID, "filterModel"),
    )(guard(rows))
    register_rows(app, ids.LEADERBOARD_ROWS, ids.LEADERBOARD_GRID)
    app.callback(
        Output(ids.LEADERBOARD_GRID, "columnState", allow_duplicate=True),
        Input(ids.LEADERBOARD_COLUMNS, "value"),
        State(ids.LEADERBOARD_GRID, "columnState"),
        prevent_initial_call=True,
    )(guard(choose_columns))
    register_grid(app, ids.LEADERBOARD_GRID, SCREEN)
