"""The customer page (built by the router from the URL) and its callbacks: an order's lines on
demand, and the navbar's customer search."""

from __future__ import annotations

from urllib.parse import quote

import pandas as pd
from dash import Dash, Input, Output, State
from dash.exceptions import PreventUpdate
from flask_login import current_user

from data.frames import Frames, customer_code
from data.lists import Lists
from layouts import customer, figures, ids
from layouts.components import chart
from layouts.kpi_cards import kpi_cards
from metrics import customer_page
from views.context import engine_for, user_data, view_for
from views.customer import customer_page_of
from views.options import customer_options
from views.view import to_query

SEARCH_MATCHES = 20


def page(data: Frames | Lists, customer_id: str, search: str | None):
    """The page of `customer_id` for the view the URL carries (its period, by default the last
    12 months, and its filters), from the user's frames or lists (`data`) and the customer's
    frames (Engine.customer_frames: with SALES_ENGINE=sql, that customer's rows only); every
    section follows that period or says its own window. "Not found" for a customer the user's
    scope does not hold."""
    engine = engine_for(data, current_user.scope)
    view = view_for(search, None, data)
    try:
        frames, sections = customer_page_of(engine, data, customer_id, view)
        row = frames.customers.iloc[customer_code(frames, customer_id)]
    except ValueError:
        return customer.not_found()
    custom = {f: str(row[f]) for f in frames.custom_fields if pd.notna(row[f])}
    trend = chart(ids.CUSTOMER_TREND, f"{customer_id}-trend")
    trend.children.figure = figures.customer_trend(sections.trend, sections.titles["trend"])
    cards = kpi_cards(
        sections.previous, skip=("total_customers", "active_customers"), quiet_without_change=True
    )
    brief = f"/export/customers/{quote(customer_id, safe='')}/brief.pdf{to_query(view)}"
    return customer.layout(sections, custom, cards, trend, brief)


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
    data = user_data()
    try:
        frames = engine_for(data, current_user.scope).order_frames(order_id, data)
        lines = customer_page.order_lines(frames, order_id)
    except ValueError:  # not an order this user may see
        raise PreventUpdate from None
    out = []
    for r in rows:
        out.append({**r, "expand": "▾"} if r["row_id"] == order_id else r)
        if r["row_id"] == order_id:
            out += customer.order_line_rows(order_id, lines)
    return out


def search_customers(text: str | None):
    """Customers whose name or ID contains the typed text, within the user's scope (from their
    lists with SALES_ENGINE=sql, which serves the navbar)."""
    if not text or len(text) < 2:
        raise PreventUpdate
    return customer_options(user_data(), (), text, SEARCH_MATCHES)


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
