"""The router: which page a URL shows."""

from __future__ import annotations

from datetime import date

import dash_bootstrap_components as dbc
from dash import Dash, Input, Output

from callbacks.common import store
from data.frames import from_day
from layouts import ids, overview
from metrics.filters import preset_period


def render_page(pathname: str | None):
    if pathname in (None, "/", "/overview"):
        frames = store().frames()
        today = date.today()
        last = from_day(frames.last_day).date() if frames.last_day is not None else today
        start, end = preset_period("last_12_months", min(today, last), last, last)
        return overview.layout(start, end)
    return dbc.Container(
        dbc.Alert(f"There is no page at {pathname}.", color="warning"), className="mt-4"
    )


def register(app: Dash) -> None:
    app.callback(Output(ids.PAGE, "children"), Input(ids.URL, "pathname"))(render_page)
