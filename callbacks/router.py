"""The router: which page a URL shows."""

from __future__ import annotations

from datetime import date

import dash_bootstrap_components as dbc
from dash import Dash, Input, Output

from callbacks.common import store
from data.frames import Frames, from_day
from layouts import ids, overview
from metrics.filters import preset_period


def default_period(frames: Frames) -> tuple[date, date]:
    """The 12 months up to today, or up to the last order when the data stops earlier."""
    today = date.today()
    last = from_day(frames.last_day).date() if frames.last_day is not None else today
    return preset_period("last_12_months", min(today, last), last, last)


def render_page(pathname: str | None):
    if pathname in (None, "/", "/overview"):
        return overview.layout(*default_period(store().frames()))
    return dbc.Container(
        dbc.Alert(f"There is no page at {pathname}.", color="warning"), className="mt-4"
    )


def register(app: Dash) -> None:
    app.callback(Output(ids.PAGE, "children"), Input(ids.URL, "pathname"))(render_page)
