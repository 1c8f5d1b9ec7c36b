"""Sales by Customer (the Business Central report): customers ranked by a KPI, and a matrix of
customers (expandable to items) by KPIs, months or categories, cross-filtered by selection."""

from __future__ import annotations

import dash_ag_grid as dag
import dash_bootstrap_components as dbc
from dash import dcc, html

from layouts import ids
from layouts.components import DEFAULT_COLUMN, chart, page_header

BAR_KPIS = {
    "sales_amount": "Sales Amount",
    "sales_quantity": "Sales Quantity",
    "cost_amount": "Cost Amount",
    "cost_amount_non_inv": "Cost Amount Non-Inv",
    "gross_profit": "Gross Profit",
    "gross_profit_margin": "Gross Profit Margin",
}
MATRIX_MODES = {"kpis": "KPIs", "months": "Months", "categories": "Categories"}


def layout(filter_bar: html.Div) -> dbc.Container:
    return dbc.Container(
        [
            page_header("Sales by Customer", "sales-by-customer"),
            filter_bar,
            html.Div(
                [
                    html.Span(id=ids.SBC_CHIPS),
                    dbc.Button(
                        "Clear selection",
                        id=ids.SBC_CLEAR,
                        size="sm",
                        color="link",
                        n_clicks=0,
                        disabled=True,
                    ),  # fmt: skip
                ],
                className="mb-2",
            ),
            dcc.Loading(html.Div(id=ids.SBC_SUMMARY, className="mb-2"), delay_show=300),
            dbc.RadioItems(
                id=ids.SBC_KPI,
                value="sales_amount",
                inline=True,
                options=[{"label": v, "value": k} for k, v in BAR_KPIS.items()],
            ),  # fmt: skip
            chart(ids.SBC_BAR, "customers-by-kpi"),
            dbc.Row(
                [
                    dbc.Col(html.H2("Matrix", className="h5 mb-0"), width="auto"),
                    dbc.Col(
                        dbc.RadioItems(
                            id=ids.SBC_COLUMNS,
                            value="kpis",
                            inline=True,
                            options=[{"label": v, "value": k} for k, v in MATRIX_MODES.items()],
                        ),
                        width="auto",
                    ),  # fmt: skip
                    dbc.Col(
                        dbc.Button(
                            "Export CSV", id=ids.SBC_CSV, size="sm", color="secondary", outline=True
                        ),
                        width="auto",
                        className="ms-auto",
                    ),  # fmt: skip
                ],
                className="align-items-center g-3 mt-2 mb-1",
            ),
            html.P(
                "☐ picks a customer (as clicking its bar does); ▸ shows the items they bought.",
                className="text-muted small mb-1",
            ),  # fmt: skip
            dcc.Store(id=ids.SBC_EXPANDED, data=[]),
            html.Div(id=ids.SBC_EMPTY),
            dag.AgGrid(
                id=ids.SBC_MATRIX,
                rowData=[],
                columnDefs=[],
                defaultColDef=DEFAULT_COLUMN,
                dashGridOptions={
                    "animateRows": False,
                    "getRowId": {"function": "params.data.row_id"},
                },
                getRowId="params.data.row_id",
                csvExportParams={"fileName": "sales-by-customer.csv"},
                style={"height": "520px"},
            ),
        ],
        fluid=True,
    )


def chips(selected: list[tuple[str, str]]) -> list:
    """A removable chip per picked customer (id, name)."""
    if not selected:
        return [html.Span("Click bars or ☐ in the matrix to pick customers.",
                          className="text-muted small")]  # fmt: skip
    return [
        html.Span("Picked: ", className="text-muted small me-1"),
        *[
            dbc.Badge(
                [name, html.Span(" ×", className="ms-1")],
                id={"type": ids.SBC_CHIP, "customer": customer},
                color="primary",
                pill=True,
                className="me-1 chip",
                style={"cursor": "pointer"},
                n_clicks=0,
            )
            for customer, name in selected
        ],  # fmt: skip
    ]
