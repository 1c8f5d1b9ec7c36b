"""My customers (a salesperson's landing page): their customers for the page's view."""

from __future__ import annotations

from dash import Dash, Input, Output, State
from flask_login import current_user

from callbacks.filter_bar import register_grid
from callbacks.guards import screen_guard
from layouts import ids
from layouts.grids import grid_outputs
from layouts.my_customers import WIDTHS
from views import screens
from views.context import engine_for, user_data, view_for

SCREEN = "my-customers"


def rows(query: str | None, full_query: str | None):
    frames = user_data()
    view = view_for(full_query or query, SCREEN, frames)
    table = screens.my_customers_table(frames, view, engine_for(frames, current_user.scope))
    at_risk = int((table.rows["status"] == "At risk").sum())
    return *grid_outputs(
        table, view, WIDTHS
    ), f"{len(table.rows):,} customers · {at_risk:,} at risk"


def register(app: Dash) -> None:
    app.callback(
        Output(ids.MY_CUSTOMERS_GRID, "rowData"),
        Output(ids.MY_CUSTOMERS_GRID, "columnDefs"),
        Output(ids.MY_CUSTOMERS_GRID, "columnState"),
        Output(ids.MY_CUSTOMERS_GRID, "filterModel"),
        Output(ids.MY_CUSTOMERS_NOTE, "children"),
        Input(ids.VIEW, "data"),
        State(ids.VIEW_GRID, "data"),
    )(screen_guard(SCREEN)(rows))
    register_grid(app, ids.MY_CUSTOMERS_GRID, SCREEN)
