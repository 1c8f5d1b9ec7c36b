"""The screens' grids whose rows come from the server as columns (views.tables.grid_columns):
the browser makes them into the grid's records (assets/grid_rows.js), at no server cost."""

from __future__ import annotations

from dash import ClientsideFunction, Dash, Input, Output


def register_rows(app: Dash, store_id: str, grid_id: str) -> None:
    app.clientside_callback(
        ClientsideFunction("grids", "rows"),
        Output(grid_id, "rowData"),
        Input(store_id, "data"),
        prevent_initial_call=True,
    )
