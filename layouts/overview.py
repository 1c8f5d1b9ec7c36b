"""Overview (leadership landing page): KPI cards, top customers (Pareto), monthly trend,
customer lifecycle and the revenue bridge, all under the shared filter bar."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dcc, html

from layouts import ids
from layouts.components import chart, page_header


def layout(filter_bar: html.Div) -> dbc.Container:
    return dbc.Container(
        [
            page_header("Overview", "overview"),
            filter_bar,
            html.Div(id=ids.OVERVIEW_COMPARED_PERIOD, className="text-muted small mb-2"),
            dcc.Loading(dbc.Row(id=ids.OVERVIEW_KPIS), delay_show=300),
            dbc.Row(
                [
                    dbc.Col(chart(ids.OVERVIEW_PARETO, "top-customers"), lg=7),
                    dbc.Col(chart(ids.OVERVIEW_TREND, "monthly-trend"), lg=5),
                ],
                className="g-3",
            ),
            dbc.Row(
                [
                    dbc.Col(dcc.Loading(html.Div(id=ids.OVERVIEW_LIFECYCLE), delay_show=300), lg=4),
                    dbc.Col(chart(ids.OVERVIEW_BRIDGE, "revenue-bridge"), lg=8),
                ],
                className="g-3 mt-1",
            ),
        ],
        fluid=True,
    )
