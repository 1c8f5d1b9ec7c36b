"""The signed-in request's data: the store, the frames (or, with SALES_ENGINE=sql, the lists) the
user may see, the view of a URL for them. Every screen callback, HTTP export and PDF gets its
data through here."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
from flask import abort, current_app
from flask_login import current_user

from data.access import Scope
from data.frames import Frames
from data.lists import CACHED_SCOPES, EVERYTHING, Lists, lists_scope
from data.store import Store
from data.users import active_scopes
from metrics.engine import Engine, FramesEngine
from views.pages import SCREENS
from views.view import View, parse

LEADERBOARD_COLUMNS = "leaderboard_columns"  # the user's saved leaderboard columns (preference key)


def store() -> Store:
    return current_app.extensions["sales_store"]


def user_data() -> Frames | Lists:
    """What the signed-in user's screens read: their frames, or with SALES_ENGINE=sql their
    lists (data.lists: names and the view's checks; the engine computes the numbers)."""
    return data_for(current_user.scope)


def data_for(scope: Scope) -> Frames | Lists:
    """user_data for `scope`: with SALES_ENGINE=sql its lists from the database, cached per
    data version (the order lines are never loaded), else the frames it may see."""
    if not sql_engine_on():
        return store().frames_for(scope)
    return current_app.extensions["sql_lists"].get(store().version(), scope)


def read_lists_ahead() -> int:
    """SALES_ENGINE=sql: read the lists of whoever sees everything and of each active user's
    scope (up to data.lists.CACHED_SCOPES in all) for the current data version, then let go of
    the analytics connections. A server's
    master does this before forking its workers (gunicorn.conf.py), which inherit the lists: a
    user's first page does not wait for them. Returns how many lists were read."""
    lists = current_app.extensions["sql_lists"]
    try:
        version = store().version()
        others = {lists_scope(scope) for scope in active_scopes(store().engine)} - {EVERYTHING}
        # as many as the cache keeps (a fuller cache starts again empty): everyone's first
        others = sorted(others, key=lambda s: (s.role, s.team or "", s.salesperson or ""))
        scopes = [EVERYTHING, *others][:CACHED_SCOPES]
        for scope in scopes:
            lists.get(version, scope)
    finally:
        current_app.extensions["sql_database"].close()
    return len(scopes)


def engine_for(frames: Frames | Lists, scope: Scope) -> Engine:
    """The engine that computes sums for `scope`: over `frames` (restricted to that scope
    already) with SALES_ENGINE=frames, in the analytics database with SALES_ENGINE=sql."""
    sql_engine = current_app.extensions.get("sql_engine")  # app._choose_engine: a scope -> engine
    return FramesEngine(frames) if sql_engine is None else sql_engine(scope)


def sql_engine_on() -> bool:
    """Whether the server computes in the analytics database (SALES_ENGINE=sql)."""
    return "sql_engine" in current_app.extensions


def as_of() -> pd.Timestamp:
    """The served data's as-of time (with SALES_ENGINE=sql, the data version's: no frames)."""
    return store().version().as_of if sql_engine_on() else store().frames().as_of


def as_of_text() -> str:
    return f"Data as of {as_of():%d %b %Y %H:%M} UTC"


def saved_columns(username: str, screen: str | None) -> tuple[str, ...]:
    """The visible columns, in order, that the user last chose for the screen's grid (only the
    leaderboard remembers them)."""
    if screen != "leaderboard":
        return ()
    state = current_app.extensions["preferences"].get(username, LEADERBOARD_COLUMNS) or []
    return tuple(c["colId"] for c in state if not c.get("hide"))


def save_columns(username: str, screen: str | None, columns: tuple[str, ...]) -> None:
    if screen == "leaderboard":
        state = [{"colId": c, "hide": False} for c in columns]
        current_app.extensions["preferences"].put(username, LEADERBOARD_COLUMNS, state)


def view_for(query: str | None, screen: str | None, frames: Frames | Lists | None = None,
             username: str | None = None, default=None) -> View:  # fmt: skip
    """The view `query` asks `screen` for, for the signed-in user (or `username`, with its
    frames or lists; "" for nobody): their scope's values, their saved columns when the URL
    names none. `default`: the period when the query has none (the screen's: the last 12
    months)."""
    if screen is not None and screen not in SCREENS:
        abort(400, description=f"There is no screen {screen!r}.")
    frames = frames if frames is not None else user_data()
    view = parse(query, frames, screen, default)
    user = current_user.id if username is None else username
    saved = saved_columns(user, screen) if user else ()
    if saved and not view.grid.columns:
        view = replace(view, grid=replace(view.grid, columns=saved))
    return view
