"""Leaderboard callbacks: summary cards, rows, the quick filter, and columns kept per user."""

from __future__ import annotations

from dataclasses import replace
from urllib.parse import quote

from dash import Dash, Input, Output, State
from dash.exceptions import PreventUpdate
from flask import current_app
from flask_login import current_user

from callbacks.common import user_frames
from callbacks.filter_bar import view_state
from callbacks.guards import PAGES, role_required
from callbacks.url_state import ViewState, to_query
from layouts import ids
from layouts.kpi_cards import kpi_cards
from layouts.leaderboard import COLUMNS
from metrics.customers import leaderboard
from metrics.kpis import compare

ROLES = PAGES[r"/leaderboard"][1]
SUMMARY = ("confirmed_order_amount", "total_customers", "active_customers", "average_reorder_days")
PREFERENCE = "leaderboard_columns"


def cards(search: str | None):
    frames = user_frames()
    state = view_state(search, frames)
    return kpi_cards(compare(frames, state.filters, state.compare_to), only=SUMMARY)


def rows(search: str | None, quick: str):
    """The leaderboard rows (the quick filter keeps one status), and the CSV link for them."""
    frames = user_frames()
    state = view_state(search, frames)
    table = leaderboard(frames, state.filters)
    if quick != "all":
        table = table[table["status"] == quick]
    query = to_query(ViewState(state.filters, state.compare_to))
    table = table.assign(
        last_order=table["last_order"].dt.strftime("%Y-%m-%d"),
        href=[f"/customers/{quote(c)}{query}" for c in table["customer_id"]],
    )
    records = table.astype(object).where(table.notna(), None).to_dict("records")
    csv_query = to_query(ViewState(_with_status(state, quick), state.compare_to))
    return records, f"/export/leaderboard.csv{csv_query}"


def _with_status(state: ViewState, quick: str):
    return state.filters if quick == "all" else replace(state.filters, customer_status=(quick,))


def choose_columns(visible: list[str], column_state: list[dict] | None):
    """Show the chosen columns, keeping the current order."""
    order = [c["colId"] for c in column_state or []] or list(COLUMNS)
    order += [c for c in COLUMNS if c not in order]
    return [{"colId": c, "hide": c not in visible} for c in order]


def save_columns(column_state: list[dict] | None):
    """Remember the user's column order and visibility."""
    if not column_state:
        raise PreventUpdate
    kept = [{"colId": c["colId"], "hide": bool(c.get("hide"))} for c in column_state
            if c.get("colId") in COLUMNS]  # fmt: skip
    current_app.extensions["preferences"].put(current_user.id, PREFERENCE, kept)
    return kept


def saved_columns(username: str) -> list[dict] | None:
    return current_app.extensions["preferences"].get(username, PREFERENCE)


def register(app: Dash) -> None:
    guard = role_required(*ROLES)
    search = Input(ids.FILTER_URL, "search")
    app.callback(Output(ids.LEADERBOARD_CARDS, "children"), search)(guard(cards))
    app.callback(
        Output(ids.LEADERBOARD_GRID, "rowData"),
        Output(ids.LEADERBOARD_CSV, "href"),
        search,
        Input(ids.LEADERBOARD_QUICK, "value"),
    )(guard(rows))
    app.callback(
        Output(ids.LEADERBOARD_GRID, "columnState"),
        Input(ids.LEADERBOARD_COLUMNS, "value"),
        State(ids.LEADERBOARD_GRID, "columnState"),
        prevent_initial_call=True,
    )(guard(choose_columns))
    app.callback(
        Output(ids.LEADERBOARD_SAVED, "data"),
        Input(ids.LEADERBOARD_GRID, "columnState"),
        prevent_initial_call=True,
    )(guard(save_columns))
