"""Overview callbacks: each visual reads the view from the URL and updates only itself."""

from __future__ import annotations

from dash import Dash, Input, Output

from callbacks.common import user_frames
from callbacks.filter_bar import view_state
from callbacks.guards import PAGES, role_required
from layouts import figures, ids
from layouts.components import count_cards
from layouts.filter_bar import COMPARE_LABELS
from layouts.kpi_cards import kpi_cards
from metrics.customers import lifecycle
from metrics.filters import period_of
from metrics.kpis import COMPARE_TO, compare
from metrics.overview import monthly_sales, revenue_bridge, top_customers

OVERVIEW_ROLES = PAGES[r"/"][1]
TOP_N = 20


def update_kpis(search: str | None):
    """The KPI cards for the period, each with its compared value and change."""
    frames = user_frames()
    state = view_state(search, frames)
    result = compare(frames, state.filters, state.compare_to)
    compared_text = (
        f"{state.filters.start} to {state.filters.end}, compared with "
        f"{COMPARE_LABELS[state.compare_to].lower()}: {result.compared_period.start} to "
        f"{result.compared_period.end}"
    )
    return kpi_cards(result), compared_text


def update_pareto(search: str | None):
    frames = user_frames()
    state = view_state(search, frames)
    return figures.pareto(top_customers(frames, state.filters, TOP_N))


def update_trend(search: str | None):
    frames = user_frames()
    state = view_state(search, frames)
    period = period_of(frames, state.filters)
    earlier = COMPARE_TO[state.compare_to](period)
    return figures.trend(
        monthly_sales(frames, state.filters),
        monthly_sales(frames, state.filters, earlier),
        COMPARE_LABELS[state.compare_to],
    )


def update_lifecycle(search: str | None):
    """New / returning / recovered / lost customer counts and the revenue bridge."""
    frames = user_frames()
    state = view_state(search, frames)
    table = lifecycle(frames, state.filters)
    counts = {
        "New customers": int(table["new"].sum()),
        "Returning customers": int(table["returning"].sum()),
        "Recovered customers": int(table["recovered"].sum()),
        "Lost customers": int(table["lost"].sum()),
    }
    earlier = COMPARE_TO[state.compare_to](period_of(frames, state.filters))
    b = revenue_bridge(frames, state.filters, earlier)
    return count_cards(counts), figures.bridge(b, COMPARE_LABELS[state.compare_to])


def register(app: Dash) -> None:
    guard = role_required(*OVERVIEW_ROLES)
    search = Input(ids.FILTER_URL, "search")
    app.callback(
        Output(ids.OVERVIEW_KPIS, "children"),
        Output(ids.OVERVIEW_COMPARED_PERIOD, "children"),
        search,
    )(guard(update_kpis))
    app.callback(Output(ids.OVERVIEW_PARETO, "figure"), search)(guard(update_pareto))
    app.callback(Output(ids.OVERVIEW_TREND, "figure"), search)(guard(update_trend))
    app.callback(
        Output(ids.OVERVIEW_LIFECYCLE, "children"),
        Output(ids.OVERVIEW_BRIDGE, "figure"),
        search,
    )(guard(update_lifecycle))
