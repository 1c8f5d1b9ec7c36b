"""Sales by Customer callbacks: the summary, the bar chart, the matrix and the picks."""

from __future__ import annotations

from dataclasses import replace

from dash import ClientsideFunction, Dash, Input, Output, State, ctx, html
from dash.exceptions import PreventUpdate

from callbacks.cross_filter import next_selection
from callbacks.filter_bar import register_grid
from callbacks.guards import bad_request, screen_guard
from layouts import ids
from layouts.components import message
from layouts.formatting import format_value
from layouts.grids import column_defs, grid_props
from views import screens
from views.context import user_frames, view_for
from views.tables import Table, records
from views.view import to_query

SCREEN = "sales-by-customer"
UI_COLUMNS = ("pick", "expand")
PICK_COLUMNS = [
    {"field": "pick", "headerName": "", "width": 52, "minWidth": 52, "sortable": False,
     "filter": False, "pinned": "left", "headerTooltip": "Pick (ticks add up)"},
    {"field": "expand", "headerName": "", "width": 52, "minWidth": 52, "sortable": False,
     "filter": False, "pinned": "left", "headerTooltip": "Show the items"},
]  # fmt: skip


def _view(query: str | None):
    frames = user_frames()
    return frames, view_for(query, SCREEN, frames)


def summary(query: str | None):
    """The page's headline numbers for the filters, of the picked customers when some are."""
    frames, view = _view(query)
    k = screens.summary(frames, view)
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


def bar(query: str | None):
    return screens.bar_figure(*_view(query))


def matrix_view(query: str | None, expanded: list[str], full_query: str | None):
    """The matrix rows (customers, the items of expanded ones under them), its columns and the
    grid state of the view."""
    frames, view = _view(full_query or query)
    table = screens.matrix_table(frames, view)
    if table.rows.empty:
        return [], [], [], {}, message("No sales match these filters.", "light")
    rows = []
    for record in records(table):
        customer = record["customer_id"]
        is_open = customer in expanded
        picked = customer in view.selected
        rows.append({**record, "row_id": customer, "level": 0, "is_picked": picked,
                     "pick": "☑" if picked else "☐", "expand": "▾" if is_open else "▸"})  # fmt: skip
        if is_open:
            items = screens.matrix_items(frames, view, customer, table)
            rows += [
                {**r, "row_id": f"{customer}/{r['customer_id']}", "level": 1, "pick": "",
                 "expand": "", "customer_name": f"  ↳ {r['customer_name']}", "href": None}
                for r in records(Table("", table.columns, items))
            ]  # fmt: skip
    props = grid_props(table, view)
    defs = PICK_COLUMNS + column_defs(table, widths={"customer_name": {"flex": 2}})
    state = [{"colId": c} for c in UI_COLUMNS] + props["columnState"]
    return rows, defs, state, props["filterModel"], None


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
    known = set(user_frames().customers["customer_id"])
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
    app.callback(Output(ids.SBC_BAR, "figure"), view)(guard(bar))
    app.callback(
        Output(ids.SBC_MATRIX, "rowData"),
        Output(ids.SBC_MATRIX, "columnDefs"),
        Output(ids.SBC_MATRIX, "columnState"),
        Output(ids.SBC_MATRIX, "filterModel"),
        Output(ids.SBC_EMPTY, "children"),
        view,
        Input(ids.SBC_EXPANDED, "data"),
        State(ids.VIEW_GRID, "data"),
    )(guard(matrix_view))
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
