"""My customers (a salesperson's landing page): their customers for the page's view."""

from __future__ import annotations

from dash import Dash, Input, Output, State

from callbacks.filter_bar import register_grid
from callbacks.guards import screen_guard
from layouts import ids
from layouts.grids import column_defs, grid_props
from layouts.my_customers import WIDTHS
from views import screens
from views.context import user_frames, view_for

SCREEN = "my-customers"


def rows(query: str | None, full_query: str | None):
    frames = user_frames()
    view = view_for(full_query or query, SCREEN, frames)
    table = screens.my_customers_table(frames, view)
    props = grid_props(table, view)
    at_risk = int((table.rows["status"] == "At risk").sum())
    note = f"{len(table.rows):,} customers · {at_risk:,} at risk"
    return (props["rowData"], column_defs(table, WIDTHS), props["columnState"],
            props["filterModel"], note)  # fmt: skip


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
