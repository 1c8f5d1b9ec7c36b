"""Sales by Customer callbacks: the summary, the bar chart, the matrix and the picks."""

from __future__ import annotations

from dataclasses import replace

from dash import ClientsideFunction, Dash, Input, Output, State, ctx, html, no_update
from dash.exceptions import PreventUpdate
from flask_login import current_user

from callbacks.cross_filter import next_selection
from callbacks.filter_bar import register_grid
from callbacks.grids import register_rows
from callbacks.guards import bad_request, screen_guard
from layouts import ids
from layouts.components import message
from layouts.formatting import format_value
from layouts.grids import grid_state, unless_shown
from layouts.sales_by_customer import UI_COLUMNS, matrix_columns, matrix_rows
from views import screens
from views.context import engine_for, user_data, view_for
from views.view import to_query

SCREEN = "sales-by-customer"


def _view(query: str | None):
    """(the user's frames or lists, the view of `query` for them, the engine that computes for
    them)."""
    frames = user_data()
    return frames, view_for(query, SCREEN, frames), engine_for(frames, current_user.scope)


def summary(query: str | None):
    """The page's headline numbers for the filters, of the picked customers when some are."""
    frames, view, engine = _view(query)
    k = screens.summary(frames, view, engine)
    whose = "Picked customers: " if view.selected else ""
    parts = [
        ("Sales Amount", format_value("money", k.sales_amount)),
        ("Gross Profit", format_value("money", k.gross_profit)),
        ("Margin", format_value("percent", k.gross_profit_margin)),
        ("Active customers", format_value("count", k.active_customers)),
    ]
    return [html.Span(whose, className="fw-semibold me-2")] * bool(whose) + [
        html.Span([html.Span(f"{label} ", className="text-muted"), html.Strong(value)],
                  className=f"me-4 sbc-summary-{i}")
        for i, (label, value) in enumerate(parts)
    ]  # fmt: skip


def bar_and_matrix(query: str | None, expanded: list[str], full_query: str | None, *shown):
    """The bar chart and the matrix, from one customer matrix of the filters: its rows
    (customers, the items of expanded ones under them), columns and the view's grid state
    (each only when the grid does not hold it already: `shown`). Expanding a customer leaves
    the chart as it is."""
    if not isinstance(expanded, list) or not all(isinstance(c, str) for c in expanded):
        bad_request("the expanded rows are a list of customer IDs")
    frames, view, engine = _view(full_query or query)
    by_kpi = screens.customer_matrix(frames, view, "kpis", engine)
    figure = (
        no_update
        if ctx.triggered_id == ids.SBC_EXPANDED
        else screens.bar_figure(frames, view, engine, by_kpi)
    )
    by_mode = by_kpi if view.choice("matrix") == "kpis" else None
    table = screens.matrix_table(frames, view, engine, by_mode)
    if table.rows.empty:
        return (
            figure,
            {},
            *unless_shown([], [], {}, shown),
            message("No sales match these filters.", "light"),
        )
    listed = set(table.rows["customer_id"])
    items = {
        c: screens.matrix_items(frames, view, c, table, engine) for c in expanded if c in listed
    }
    state, model = grid_state(table, view)
    state = [{"colId": c} for c in UI_COLUMNS] + state
    return (
        figure,
        matrix_rows(table, view.selected, items),
        *unless_shown(matrix_columns(table), state, model, shown),
        None,
    )


def select_customers(pick, cell, search):
    """Bar clicks (a modifier key adds), box / lasso selections and matrix ticks change the
    picks, kept in the URL."""
    trigger = ctx.triggered_id
    view = view_for(search, SCREEN)
    if trigger == ids.SBC_PICK:
        if not isinstance(pick, dict) or pick.get("event") not in ("click", "box"):
            bad_request("a pick is a click or a box selection")
        customers = pick.get("customers") or []
        if not isinstance(customers, list) or not all(isinstance(c, str) for c in customers):
            bad_request("a pick lists customer IDs")
        points = {"points": [{"customdata": c} for c in customers]}
        selected = next_selection(view.selected, pick["event"], points, bool(pick.get("add")))
    else:
        if not cell or cell.get("colId") != "pick" or "/" in str(cell.get("rowId", "/")):
            raise PreventUpdate
        selected = next_selection(view.selected, "pick", str(cell["rowId"]))
    known = set(user_data().customers["customer_id"])
    selected = tuple(c for c in selected if c in known)
    if selected == view.selected:
        raise PreventUpdate
    return to_query(replace(view, selected=selected))


def toggle_expanded(cell, expanded: list[str]):
    if not cell or cell.get("colId") != "expand" or "/" in str(cell.get("rowId", "/")):
        raise PreventUpdate
    customer = str(cell["rowId"])
    return [c for c in expanded if c != customer] if customer in expanded else [*expanded, customer]


def register(app: Dash) -> None:
    guard = screen_guard(SCREEN)
    view = Input(ids.VIEW, "data")
    app.callback(Output(ids.SBC_SUMMARY, "children"), view)(guard(summary))
    app.callback(
        Output(ids.SBC_BAR, "figure"),
        Output(ids.SBC_MATRIX_ROWS, "data"),
        Output(ids.SBC_MATRIX, "columnDefs"),
        Output(ids.SBC_MATRIX, "columnState"),
        Output(ids.SBC_MATRIX, "filterModel"),
        Output(ids.SBC_EMPTY, "children"),
        view,
        Input(ids.SBC_EXPANDED, "data"),
        State(ids.VIEW_GRID, "data"),
        State(ids.SBC_MATRIX, "columnDefs"),
        State(ids.SBC_MATRIX, "columnState"),
        State(ids.SBC_MATRIX, "filterModel"),
    )(guard(bar_and_matrix))
    register_rows(app, ids.SBC_MATRIX_ROWS, ids.SBC_MATRIX)
    app.clientside_callback(
        ClientsideFunction("sales", "pick"),
        Output(ids.SBC_PICK, "data"),
        Output(ids.SBC_BAR, "clickData"),
        Input(ids.SBC_BAR, "clickData"),
        Input(ids.SBC_BAR, "selectedData"),
        prevent_initial_call=True,
    )
    app.callback(
        Output(ids.FILTER_URL, "search", allow_duplicate=True),
        Input(ids.SBC_PICK, "data"),
        Input(ids.SBC_MATRIX, "cellClicked"),
        State(ids.FILTER_URL, "search"),
        prevent_initial_call=True,
    )(guard(select_customers))
    app.callback(
        Output(ids.SBC_EXPANDED, "data"),
        Input(ids.SBC_MATRIX, "cellClicked"),
        State(ids.SBC_EXPANDED, "data"),
        prevent_initial_call=True,
    )(guard(toggle_expanded))
    register_grid(app, ids.SBC_MATRIX, SCREEN, UI_COLUMNS)
