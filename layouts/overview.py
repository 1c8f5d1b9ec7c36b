"""Overview (leadership landing page): KPI cards, top customers (Pareto), monthly trend,
customer lifecycle and the revenue bridge, all under the shared filter bar."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dcc, html

from layouts import ids
from layouts.components import LOADING_STATE, chart, page_header
from layouts.kpi_cards import kpi_placeholders
from views.screens import LIFECYCLE

# Said under the lifecycle counts (screen and PDF): they need not add up to Active Customers
# once a channel, category or amount filter is set.
LIFECYCLE_NOTE = (
    "Counted from each customer's own orders of every channel and category: a first order or a "
    "return is the customer's, whatever the line filters."
)


def layout(filter_bar: html.Div) -> dbc.Container:
    """The page as it first paints: grey cards and "Loading…" charts until the numbers come."""
    return dbc.Container(
        [
            page_header("Overview", "overview"),
            filter_bar,
            html.Div(id=ids.OVERVIEW_COMPARED_PERIOD, className="text-muted small mb-2"),
            _loading(dbc.Row(kpi_placeholders(), id=ids.OVERVIEW_KPIS)),
            dbc.Row(
                [
                    dbc.Col(chart(ids.OVERVIEW_PARETO, "top-customers"), lg=7),
                    dbc.Col(chart(ids.OVERVIEW_TREND, "monthly-trend"), lg=5),
                ],
                className="g-3",
            ),
            dbc.Row(
                [
                    dbc.Col(
                        [
                            _loading(
                                html.Div(_lifecycle_placeholders(), id=ids.OVERVIEW_LIFECYCLE)
                            ),
                            html.P(LIFECYCLE_NOTE, className="text-muted small lifecycle-note"),
                        ],
                        lg=4,
                    ),  # fmt: skip
                    dbc.Col(chart(ids.OVERVIEW_BRIDGE, "revenue-bridge"), lg=8),
                ],
                className="g-3 mt-1",
            ),
        ],
        fluid=True,
    )


def _loading(children) -> dcc.Loading:
    return dcc.Loading(children, **LOADING_STATE)


def _lifecycle_placeholders() -> dbc.Row:
    """The lifecycle counts' cards, with grey bars for the counts."""
    return dbc.Row(
        [
            dbc.Col(
                dbc.Card(
                    dbc.CardBody(
                        [
                            html.Div(label, className="text-muted small"),
                            html.Div(html.Span(className="placeholder col-5"), className="fs-4"),
                        ],
                        className="placeholder-glow",
                    ),
                    className="shadow-sm count-placeholder",
                ),
                xs=6,
                className="mb-3",
            )
            for label in LIFECYCLE.values()
        ],
        className="g-3",
    )
