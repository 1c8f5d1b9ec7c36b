"""The customer page (built by the router from the URL) and its callbacks: an order's lines on
demand, and the navbar's customer search."""

from __future__ import annotations

from dataclasses import replace
from urllib.parse import quote

import pandas as pd
from dash import Dash, Input, Output, State
from dash.exceptions import PreventUpdate

from callbacks.common import user_frames
from callbacks.filter_bar import customer_options, view_state
from data.frames import Frames, customer_code, to_day
from layouts import customer, figures, ids
from layouts.components import chart
from layouts.kpi_cards import kpi_cards
from metrics import customer_page
from metrics.kpis import compare

SEARCH_MATCHES = 20


def page(frames: Frames, customer_id: str, search: str | None):
    """The page of `customer_id` over the period (and filters) the URL carries; "not found" for a
    customer the frames (the user's scope) do not hold."""
    try:
        customer_code(frames, customer_id)
    except ValueError:
        return customer.not_found()
    state = view_state(search, frames)
    filters = state.filters
    mine = _only(filters, customer_id)
    end_day = to_day(filters.end)
    header = customer_page.customer_header(frames, customer_id, end_day)
    previous = compare(frames, mine, "previous_period")
    last_year = compare(frames, mine, "previous_year")
    trend = chart(ids.CUSTOMER_TREND, f"{customer_id}-trend")
    trend.children.figure = figures.customer_trend(
        customer_page.monthly_trend(frames, customer_id, end_day)
    )
    tables = {
        "orders": customer_page.recent_orders(frames, customer_id),
        "items": customer_page.items_bought_most(frames, customer_id, filters),
        "lapsed": customer_page.lapsed_items(frames, customer_id, end_day),
        "cross_sell": customer_page.cross_sell_gaps(frames, customer_id, end_day),
    }
    row = frames.customers.iloc[customer_code(frames, customer_id)]
    custom = {f: str(row[f]) for f in frames.custom_fields if pd.notna(row[f])}
    period_text = f"{filters.start} to {filters.end}" + (
        " · filtered as on the page you came from" if _narrowed(filters) else ""
    )
    cards = kpi_cards(previous, skip=("total_customers", "active_customers"))
    return customer.layout(header, custom, period_text, cards, (previous, last_year), trend, tables)


def _only(filters, customer_id):
    return replace(filters, customers=(customer_id,), customer_status=())


def _narrowed(filters) -> bool:
    fields = ("channels", "sources", "devices", "categories", "brands", "collections", "suppliers",
              "departments", "document_types")  # fmt: skip
    return any(getattr(filters, f) for f in fields)


def toggle_order(cell, rows: list[dict]):
    """▸ on an order shows its lines under it; ▾ hides them."""
    if not cell or cell.get("colId") != "expand" or "/" in str(cell.get("rowId", "/")):
        raise PreventUpdate
    order_id = cell["rowId"]
    if any(r["row_id"].startswith(f"{order_id}/") for r in rows):
        return [
            {**r, "expand": "▸"} if r["row_id"] == order_id else r
            for r in rows
            if not r["row_id"].startswith(f"{order_id}/")
        ]
    try:
        lines = customer_page.order_lines(user_frames(), order_id)
    except ValueError:  # not an order this user may see
        raise PreventUpdate from None
    out = []
    for r in rows:
        out.append({**r, "expand": "▾"} if r["row_id"] == order_id else r)
        if r["row_id"] == order_id:
            out += customer.order_line_rows(order_id, lines)
    return out


def search_customers(text: str | None):
    """Customers whose name or ID contains the typed text, within the user's scope."""
    if not text or len(text) < 2:
        raise PreventUpdate
    return customer_options(user_frames(), (), text, SEARCH_MATCHES)


def go_to_customer(customer_id: str | None):
    if not customer_id:
        raise PreventUpdate
    return f"/customers/{quote(customer_id)}"


def register(app: Dash) -> None:
    app.callback(
        Output(ids.CUSTOMER_ORDERS, "rowData"),
        Input(ids.CUSTOMER_ORDERS, "cellClicked"),
        State(ids.CUSTOMER_ORDERS, "rowData"),
        prevent_initial_call=True,
    )(toggle_order)
    app.callback(Output(ids.NAV_SEARCH, "options"), Input(ids.NAV_SEARCH, "search_value"))(
        search_customers
    )
    # the pathname (not href): a callback-set href moves the address bar but not the router
    app.callback(
        Output(ids.URL, "pathname"), Input(ids.NAV_SEARCH, "value"), prevent_initial_call=True
    )(go_to_customer)
