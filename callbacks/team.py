"""Team performance callbacks: the salespeople table and the two charts, from the URL's view."""

from __future__ import annotations

from dataclasses import replace

from dash import Dash, Input, Output

from callbacks.common import user_frames
from callbacks.filter_bar import view_state
from callbacks.guards import PAGES, role_required
from callbacks.url_state import ViewState, to_query
from layouts import figures, ids
from layouts.filter_bar import COMPARE_LABELS
from metrics.filters import period_of, with_period
from metrics.kpis import COMPARE_TO
from metrics.team import new_customers_by_month, team_performance

ROLES = PAGES[r"/team"][1]


def table_and_charts(search: str | None):
    frames = user_frames()
    state = view_state(search, frames)
    now = team_performance(frames, state.filters)
    earlier = with_period(
        state.filters, COMPARE_TO[state.compare_to](period_of(frames, state.filters))
    )
    before = team_performance(frames, earlier)
    rows = now.astype(object).where(now.notna(), None).to_dict("records")
    for row in rows:  # the salesperson's customers, on the leaderboard, with these filters
        view = ViewState(replace(state.filters, salespeople=(row["salesperson"],), teams=()),
                         state.compare_to)  # fmt: skip
        row["href"] = f"/leaderboard{to_query(view)}"
    names = dict(zip(frames.salespeople["code"], frames.salespeople["name"], strict=True))
    return (
        rows,
        figures.team_sales(now, before, COMPARE_LABELS[state.compare_to]),
        figures.new_customers(new_customers_by_month(frames, state.filters), names),
    )


def register(app: Dash) -> None:
    app.callback(
        Output(ids.TEAM_GRID, "rowData"),
        Output(ids.TEAM_SALES, "figure"),
        Output(ids.TEAM_NEW, "figure"),
        Input(ids.FILTER_URL, "search"),
    )(role_required(*ROLES)(table_and_charts))
