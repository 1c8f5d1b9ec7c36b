"""Overview callbacks: each visual reads the page's view and updates only itself."""

from __future__ import annotations

from dash import Dash, Input, Output

from callbacks.guards import screen_guard
from layouts import ids
from layouts.components import count_cards
from layouts.kpi_cards import kpi_cards
from views import screens
from views.context import user_frames, view_for

SCREEN = "overview"


def _view(query: str | None):
    frames = user_frames()
    return frames, view_for(query, SCREEN, frames)


def update_kpis(query: str | None):
    """The KPI cards for the period, each with its compared value and change."""
    frames, view = _view(query)
    result = screens.comparison(frames, view)
    return kpi_cards(result, compare_to=view.compare_to), screens.compared_text(view, result)


def update_pareto(query: str | None):
    return screens.pareto_figure(*_view(query))


def update_trend(query: str | None):
    return screens.trend_figure(*_view(query))


def update_lifecycle(query: str | None):
    """New / returning / recovered / lost customer counts and the revenue bridge."""
    frames, view = _view(query)
    return count_cards(screens.lifecycle_counts(frames, view)), screens.bridge_figure(frames, view)


def register(app: Dash) -> None:
    guard = screen_guard(SCREEN)
    view = Input(ids.VIEW, "data")
    app.callback(
        Output(ids.OVERVIEW_KPIS, "children"),
        Output(ids.OVERVIEW_COMPARED_PERIOD, "children"),
        view,
    )(guard(update_kpis))
    app.callback(Output(ids.OVERVIEW_PARETO, "figure"), view)(guard(update_pareto))
    app.callback(Output(ids.OVERVIEW_TREND, "figure"), view)(guard(update_trend))
    app.callback(
        Output(ids.OVERVIEW_LIFECYCLE, "children"), Output(ids.OVERVIEW_BRIDGE, "figure"), view
    )(guard(update_lifecycle))
