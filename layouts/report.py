"""The sales report family (SPEC §5): one page for every report — a chart and a table of the
standard amounts, rows linking on, each with its matching products and customers."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dcc, html

from layouts import ids
from layouts.components import LOADING_STATE, chart, export_button, page_header
from layouts.grids import table_grid
from views.pages import REPORT_TITLES
from views.view import View, to_query

TITLES = REPORT_TITLES


def layout(name: str, filter_bar: html.Div, view: View) -> dbc.Container:
    carried = to_query(view, shared_only=True)  # the other reports keep the shared filters
    return dbc.Container(
        [
            page_header(TITLES[name], name),
            dbc.Nav(
                [
                    dbc.NavLink(
                        title, href=f"/reports/{key}{carried}", active=key == name, className="py-1"
                    )  # fmt: skip
                    for key, title in TITLES.items()
                    if not key.startswith("matching")
                ],
                pills=True,
                className="mb-2 small flex-wrap",
            ),  # fmt: skip
            filter_bar,
            html.Div(_choices(name, view), className="mb-2"),
            chart(ids.REPORT_CHART, name),
            dbc.Row(
                [
                    dbc.Col(html.P(id=ids.REPORT_NOTE, className="text-muted small mb-1")),
                    dbc.Col(export_button(name, "csv"), width="auto"),
                ],
                className="align-items-center mt-2",
            ),
            dcc.Loading(table_grid(ids.REPORT_GRID), **LOADING_STATE),
        ],
        fluid=True,
    )


def _choices(name: str, view: View) -> list:
    """Sales by Date's grain; Sell Through's "combine variants" and "include unsold items"."""
    if name == "sales-by-date":
        return [
            dbc.RadioItems(
                id={"type": ids.VIEW_CHOICE, "key": "by"},
                value=view.choice("by"),
                inline=True,
                options=[{"label": v.capitalize(), "value": v} for v in ("day", "week", "month")],
            )
        ]  # fmt: skip
    if name == "sell-through":
        return [
            html.Div(dbc.Switch(id={"type": ids.VIEW_CHOICE, "key": key}, label=label,
                                value=view.choice(key) == "yes"),
                     id=f"{name}-{key}", className="d-inline-block me-3")
            for key, label in (("combine", "Combine variants"), ("unsold", "Include unsold items"))
        ]  # fmt: skip
    return []
