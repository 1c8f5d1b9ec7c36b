"""Sales by Customer callbacks: the bar chart, the matrix, the selection (cross-filtering)."""

from __future__ import annotations

from urllib.parse import quote

import numpy as np
import pandas as pd
from dash import ALL, Dash, Input, Output, State, ctx, html
from dash.exceptions import PreventUpdate

from callbacks.common import user_frames
from callbacks.cross_filter import next_selection
from callbacks.filter_bar import view_state
from callbacks.guards import PAGES, role_required
from callbacks.url_state import ViewState, to_query
from layouts import figures, ids
from layouts.components import MONEY_CELL, NUMBER_CELL, PERCENT_CELL, message
from layouts.formatting import count, money, percent
from layouts.sales_by_customer import BAR_KPIS, chips
from metrics.kpis import kpis
from metrics.matrix import matrix

ROLES = PAGES[r"/sales-by-customer"][1]
BAR_CUSTOMERS = 30  # customers on the bar chart


def summary(search: str | None):
    """The page's headline numbers for the filters and the selection."""
    frames = user_frames()
    k = kpis(frames, view_state(search, frames).focused())
    parts = [
        ("Sales Amount", money(k.sales_amount)),
        ("Gross Profit", money(k.gross_profit)),
        ("Margin", percent(k.gross_profit_margin)),
        ("Active customers", count(k.active_customers)),
    ]
    return [
        html.Span([html.Span(f"{label} ", className="text-muted"), html.Strong(value)],
                  className=f"me-4 sbc-summary-{i}")
        for i, (label, value) in enumerate(parts)
    ]  # fmt: skip


def bar(search: str | None, kpi: str):
    """The customers with the highest value of `kpi` (picked ones in colour)."""
    frames = user_frames()
    state = view_state(search, frames)
    table = matrix(frames, state.filters, "kpis")
    table = table.rename(columns={"key": "customer_id", "name": "customer_name"})
    table = table.sort_values([kpi, "customer_id"], ascending=[False, True], na_position="last")
    return figures.customers_bar(table.head(BAR_CUSTOMERS), kpi, BAR_KPIS[kpi], state.selected)


def matrix_view(search: str | None, mode: str, expanded: list[str]):
    """The matrix rows (customers, with the items of expanded ones) and its columns."""
    frames = user_frames()
    state = view_state(search, frames)
    filters = state.focused()
    table = matrix(frames, filters, mode)
    if table.empty:
        return [], [], message("No sales match these filters.", "light")
    values = [c for c in table.columns if c not in ("key", "name")]
    link_query = to_query(ViewState(state.filters, state.compare_to))
    rows = []
    for record in table.to_dict("records"):
        customer = record["key"]
        is_open = customer in expanded
        rows.append(_row(record, values, customer, 0, state.selected, is_open, link_query))
        if is_open:
            items = matrix(frames, filters, mode, customer_id=customer)
            rows += [_row(r, values, customer, 1) for r in items.to_dict("records")]
    return rows, _columns(values, mode), None


def _row(record, values, customer, level, selected=(), is_open=False, query=""):
    row = {
        "row_id": customer if level == 0 else f"{customer}/{record['key']}",
        "level": level,
        "customer_id": customer,
        "name": record["name"] if level == 0 else f"  ↳ {record['name']}",
        "href": f"/customers/{quote(customer)}{query}" if level == 0 else None,
        "pick": ("☑" if customer in selected else "☐") if level == 0 else "",
        "expand": ("▾" if is_open else "▸") if level == 0 else "",
    }
    for column in values:
        value = record.get(column)
        row[column] = (
            None if value is None or (isinstance(value, float) and np.isnan(value)) else value
        )
    return row


def _columns(values: list[str], mode: str) -> list[dict]:
    columns = [
        {"field": "pick", "headerName": "", "width": 50, "sortable": False, "filter": False,
         "pinned": "left"},
        {"field": "expand", "headerName": "", "width": 50, "sortable": False, "filter": False,
         "pinned": "left"},
        {"field": "name", "headerName": "Customer", "cellRenderer": "CustomerLink",
         "minWidth": 220, "flex": 2, "pinned": "left"},
    ]  # fmt: skip
    for column in values:
        formatter = (PERCENT_CELL if column in ("gross_profit_margin", "cost_coverage")
                     else NUMBER_CELL if column == "sales_quantity" else MONEY_CELL)  # fmt: skip
        label = BAR_KPIS.get(column) or column.replace("_", " ").capitalize()
        if column == "cost_coverage":
            label = "Cost coverage"
        columns.append({"field": column, "headerName": label, "valueFormatter": formatter,
                        "type": "numericColumn", "minWidth": 120, "flex": 1})  # fmt: skip
    return columns


def select_customers(click, box, cell, chip_clicks, clear_clicks, search):
    """Clicks, boxes, matrix picks and chips change the selection, kept in the URL."""
    trigger = ctx.triggered_id
    if trigger is None or not ctx.triggered[0]["value"]:
        raise PreventUpdate
    frames = user_frames()
    state = view_state(search, frames)
    if trigger == ids.SBC_BAR:
        prop = ctx.triggered[0]["prop_id"].rsplit(".", 1)[1]
        selected = next_selection(state.selected, "click" if prop == "clickData" else "box",
                                  click if prop == "clickData" else box)  # fmt: skip
    elif trigger == ids.SBC_MATRIX:
        if not cell or cell.get("colId") != "pick" or "/" in str(cell.get("rowId", "/")):
            raise PreventUpdate
        selected = next_selection(state.selected, "pick", cell["rowId"])
    elif trigger == ids.SBC_CLEAR:
        selected = next_selection(state.selected, "clear")
    else:
        selected = next_selection(state.selected, "remove", trigger["customer"])
    if selected == state.selected:
        raise PreventUpdate
    return to_query(ViewState(state.filters, state.compare_to, selected))


def toggle_expanded(cell, expanded: list[str]):
    if not cell or cell.get("colId") != "expand" or "/" in str(cell.get("rowId", "/")):
        raise PreventUpdate
    customer = cell["rowId"]
    return [c for c in expanded if c != customer] if customer in expanded else [*expanded, customer]


def show_chips(search: str | None):
    frames = user_frames()
    state = view_state(search, frames)
    names = pd.Series(frames.customers["name"].to_numpy(), index=frames.customers["customer_id"])
    return chips([(c, names.get(c, c)) for c in state.selected]), not state.selected


def export_csv(clicks):
    return bool(clicks)


def register(app: Dash) -> None:
    guard = role_required(*ROLES)
    search = Input(ids.FILTER_URL, "search")
    app.callback(Output(ids.SBC_SUMMARY, "children"), search)(guard(summary))
    app.callback(Output(ids.SBC_BAR, "figure"), search, Input(ids.SBC_KPI, "value"))(guard(bar))
    app.callback(
        Output(ids.SBC_MATRIX, "rowData"),
        Output(ids.SBC_MATRIX, "columnDefs"),
        Output(ids.SBC_EMPTY, "children"),
        search,
        Input(ids.SBC_COLUMNS, "value"),
        Input(ids.SBC_EXPANDED, "data"),
    )(guard(matrix_view))
    app.callback(
        Output(ids.FILTER_URL, "search", allow_duplicate=True),
        Input(ids.SBC_BAR, "clickData"),
        Input(ids.SBC_BAR, "selectedData"),
        Input(ids.SBC_MATRIX, "cellClicked"),
        Input({"type": ids.SBC_CHIP, "customer": ALL}, "n_clicks"),
        Input(ids.SBC_CLEAR, "n_clicks"),
        State(ids.FILTER_URL, "search"),
        prevent_initial_call=True,
    )(guard(select_customers))
    app.callback(
        Output(ids.SBC_EXPANDED, "data"),
        Input(ids.SBC_MATRIX, "cellClicked"),
        State(ids.SBC_EXPANDED, "data"),
        prevent_initial_call=True,
    )(guard(toggle_expanded))
    app.callback(Output(ids.SBC_CHIPS, "children"), Output(ids.SBC_CLEAR, "disabled"), search)(
        guard(show_chips)
    )
    app.callback(
        Output(ids.SBC_MATRIX, "exportDataAsCsv"),
        Input(ids.SBC_CSV, "n_clicks"),
        prevent_initial_call=True,
    )(guard(export_csv))
