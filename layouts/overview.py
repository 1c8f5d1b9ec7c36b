"""The first screen: KPI cards for a period, compared with an earlier one."""

from __future__ import annotations

from datetime import date

import dash_bootstrap_components as dbc
from dash import dcc, html

from layouts import ids

PRESETS = {
    "last_12_months": "Last 12 months",
    "this_month": "This month",
    "last_month": "Last month",
    "this_quarter": "This quarter",
    "year_to_date": "Year to date",
    "all": "All data",
    "custom": "Custom",
}
COMPARE_LABELS = {"previous_period": "Previous period", "previous_year": "Same period last year"}


def layout(start: date, end: date) -> dbc.Container:
    controls = dbc.Row(
        [
            dbc.Col(
                dcc.Dropdown(
                    id=ids.OVERVIEW_PRESET,
                    options=[{"label": v, "value": k} for k, v in PRESETS.items()],
                    value="last_12_months",
                    clearable=False,
                ),
                md=3,
            ),
            dbc.Col(
                dcc.DatePickerRange(
                    id=ids.OVERVIEW_PERIOD,
                    start_date=start,
                    end_date=end,
                    display_format="YYYY-MM-DD",
                    first_day_of_week=1,
                ),
                md="auto",
            ),
            dbc.Col(
                dbc.RadioItems(
                    id=ids.OVERVIEW_COMPARE,
                    options=[{"label": v, "value": k} for k, v in COMPARE_LABELS.items()],
                    value="previous_period",
                    inline=True,
                ),
                md="auto",
                className="d-flex align-items-center",
            ),
        ],
        className="g-2 mb-3 align-items-center",
    )
    return dbc.Container(
        [
            html.H1("Overview", className="h3"),
            controls,
            html.Div(id=ids.OVERVIEW_COMPARED_PERIOD, className="text-muted small mb-2"),
            dcc.Loading(dbc.Row(id=ids.OVERVIEW_KPIS), delay_show=300),
        ],
        fluid=True,
    )
