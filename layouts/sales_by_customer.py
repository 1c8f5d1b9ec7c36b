"""Sales by Customer (the Business Central report): customers ranked by a KPI, and a matrix of
customers (expandable to items) by KPIs, months or categories, cross-filtered by selection."""

from __future__ import annotations

import dash_bootstrap_components as dbc
import numpy as np
import pandas as pd
from dash import dcc, html

from layouts import ids
from layouts.components import LOADING_STATE, chart, export_button, page_header
from layouts.grids import column_defs, table_grid
from views.screens import BAR_KPIS
from views.tables import Table, grid_columns
from views.view import View

MATRIX_MODES = {"kpis": "KPIs", "months": "Months", "categories": "Categories"}
UI_COLUMNS = ("pick", "expand")  # the matrix's own columns, not data
PICK_COLUMNS = [
    {"field": "pick", "headerName": "", "width": 52, "minWidth": 52, "sortable": False,
     "filter": False, "pinned": "left", "headerTooltip": "Pick (ticks add up)"},
    {"field": "expand", "headerName": "", "width": 52, "minWidth": 52, "sortable": False,
     "filter": False, "pinned": "left", "headerTooltip": "Show the items"},
]  # fmt: skip


def matrix_columns(table: Table) -> list[dict]:
    """The matrix grid's columns: the pick box and the expand arrow, then the table's."""
    return PICK_COLUMNS + column_defs(table, widths={"customer_name": {"flex": 2}})


def matrix_rows(table: Table, selected, items: dict[str, pd.DataFrame]) -> dict[str, list]:
    """The matrix grid's rows as columns: each customer of `table` with its pick box (ticked
    when `selected`) and expand arrow, and under each customer of `items` (customer ID -> its
    items as screens.matrix_items gives them) the rows of its items."""
    columns = grid_columns(table)
    customer = np.asarray(columns["customer_id"], dtype=object)
    picked = np.isin(customer, list(selected))
    opened = np.isin(customer, list(items))
    columns.update(row_id=columns["customer_id"], level=[0] * len(customer),
                   is_picked=picked.tolist(), pick=np.where(picked, "☑", "☐").tolist(),
                   expand=np.where(opened, "▾", "▸").tolist())  # fmt: skip
    if not opened.any():
        return columns
    rows = {field: [] for field in columns}
    start = 0
    for at in np.flatnonzero(opened).tolist():
        under = _item_rows(table, customer[at], items[customer[at]])
        count = len(under["row_id"])
        for field, values in rows.items():
            values += columns[field][start : at + 1]
            values += under.get(field, [None] * count)
        start = at + 1
    for field, values in rows.items():
        values += columns[field][start:]
    return rows


def _item_rows(table: Table, customer: str, bought: pd.DataFrame) -> dict[str, list]:
    """The rows (as columns) of a customer's items under it in the matrix: named "  ↳ item",
    no pick box, arrow or link."""
    columns = grid_columns(Table("", table.columns, bought))
    count = len(bought)
    return {
        **columns,
        "customer_name": [f"  ↳ {name}" for name in columns["customer_name"]],
        "row_id": [f"{customer}/{item}" for item in columns["customer_id"]],
        "level": [1] * count, "is_picked": [False] * count, "pick": [""] * count,
        "expand": [""] * count, "href": [None] * count,
    }  # fmt: skip


def layout(filter_bar: html.Div, view: View) -> dbc.Container:
    """The page."""
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
            dcc.Store(id=ids.SBC_MATRIX_ROWS),
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
