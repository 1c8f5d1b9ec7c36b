"""Overview callback: every visual of the page from its view, computed once per change (the
visuals share one selection of each period; each one's output is its own builder's)."""

from __future__ import annotations

from dash import Dash, Input, Output
from flask_login import current_user

from callbacks.guards import screen_guard
from layouts import ids
from layouts.components import count_cards
from layouts.kpi_cards import kpi_cards
from views import screens
from views.context import engine_for, user_data, view_for

SCREEN = "overview"


def update_overview(query: str | None):
    """The KPI cards (each with its compared value and change) and the compared periods, the
    top customers, the monthly trend, the lifecycle counts and the revenue bridge."""
    frames = user_data()
    view = view_for(query, SCREEN, frames)
    result = screens.overview(frames, view, engine_for(frames, current_user.scope))
    return (
        kpi_cards(result.comparison, compare_to=view.compare_to),
        screens.compared_text(view, result.comparison),
        screens.pareto_figure(result),
        screens.trend_figure(view, result),
        count_cards(screens.lifecycle_counts(result)),
        screens.bridge_figure(view, result),
    )


def register(app: Dash) -> None:
    app.callback(
        Output(ids.OVERVIEW_KPIS, "children"),
        Output(ids.OVERVIEW_COMPARED_PERIOD, "children"),
        Output(ids.OVERVIEW_PARETO, "figure"),
        Output(ids.OVERVIEW_TREND, "figure"),
        Output(ids.OVERVIEW_LIFECYCLE, "children"),
        Output(ids.OVERVIEW_BRIDGE, "figure"),
        Input(ids.VIEW, "data"),
    )(screen_guard(SCREEN)(update_overview))
