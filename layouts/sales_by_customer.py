"""Sales by Customer (the Business Central report): customers ranked by a KPI, and a matrix of
customers (expandable to items) by KPIs, months or categories, cross-filtered by selection."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dcc, html

from layouts import ids
from layouts.components import LOADING_STATE, chart, export_button, page_header
from layouts.grids import table_grid
from views.screens import BAR_KPIS
from views.view import View

MATRIX_MODES = {"kpis": "KPIs", "months": "Months", "categories": "Categories"}


def layout(filter_bar: html.Div, view: View) -> dbc.Container:
    return dbc.Container(
        [
            page_header("Sales by Customer", "sales-by-customer"),
            filter_bar,
            dcc.Loading(html.Div(id=ids.SBC_SUMMARY, className="mb-2"), **LOADING_STATE),
            html.Div(
                [
                    html.Span("Rank customers by ", className="small text-muted me-2"),
                    html.Div(
                        dbc.RadioItems(
                            id={"type": ids.VIEW_CHOICE, "key": "kpi"},
                            value=view.choice("kpi"),
                            inline=True,
                            options=[{"label": v, "value": k} for k, v in BAR_KPIS.items()],
                        ),
                        id=ids.SBC_KPI,
                    ),
                ],
                className="d-flex flex-wrap align-items-center",
            ),  # fmt: skip
            dcc.Store(id=ids.SBC_PICK),
            chart(ids.SBC_BAR, "customers-by-kpi"),
            dbc.Row(
                [
                    dbc.Col(html.H2("Matrix", className="h5 mb-0"), width="auto"),
                    dbc.Col(
                        dbc.RadioItems(
                            id={"type": ids.VIEW_CHOICE, "key": "matrix"},
                            value=view.choice("matrix"),
                            inline=True,
                            options=[{"label": v, "value": k} for k, v in MATRIX_MODES.items()],
                        ),
                        width="auto",
                        id=ids.SBC_COLUMNS,
                    ),  # fmt: skip
                    dbc.Col(
                        export_button("sales-by-customer", "csv"), width="auto", className="ms-auto"
                    ),  # fmt: skip
                ],
                className="align-items-center g-3 mt-2 mb-1",
            ),
            html.P(
                "☐ picks a customer (ticks add up); ▸ shows the items they bought. Sorting, "
                "column filters and moved columns are kept in the link and in the CSV.",
                className="text-muted small mb-1",
            ),  # fmt: skip
            dcc.Store(id=ids.SBC_EXPANDED, data=[]),
            html.Div(id=ids.SBC_EMPTY),
            table_grid(
                ids.SBC_MATRIX,
                row_id="params.data.row_id",
                rowClassRules={
                    "sbc-picked": "params.data.is_picked",
                    "sbc-item-row": "params.data.level === 1",
                },
            ),  # fmt: skip
        ],
        fluid=True,
    )
