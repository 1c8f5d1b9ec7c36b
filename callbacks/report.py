"""The report pages' callback: the report for the URL's view, with its chart, rows and links."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from dash import Dash, Input, Output, State

from callbacks.common import user_frames
from callbacks.filter_bar import view_state
from callbacks.guards import PAGES, role_required
from callbacks.url_state import ViewState, to_query
from data.frames import Frames
from layouts import figures, ids
from layouts.components import MONEY_CELL
from layouts.report import AMOUNT_COLUMNS, TITLES
from metrics.reports import (
    REPORT_COLUMNS,
    SALES_REPORTS,
    accepted_filters,
    matching_customers,
    matching_products,
    row_filters,
)

ROLES = PAGES[r"/reports/[a-z-]+"][1]
# where a report's rows lead (SPEC §5); a row of every report also lists its products and customers
NEXT = {
    "sales-by-date": "sales-by-channel",
    "sales-by-channel": "sales-by-category",
    "sales-by-category": "sales-by-brand",
    "sales-by-brand": "sales-by-collection",
    "sales-by-collection": "sell-through",
    "sales-by-supplier": "sales-by-brand",
    "sales-by-user": "sales-by-category",
    "made-to-order": "sell-through",
    "sell-through": "matching-customers",
}
PAGES_BY_NAME = {**SALES_REPORTS, "matching-products": matching_products,
                 "matching-customers": matching_customers}  # fmt: skip
CHART_ROWS = 30


def run_report(frames: Frames, name: str, state: ViewState, by: str, options: list) -> pd.DataFrame:
    """The report `name` for the view (only the filters it accepts), with its options."""
    filters = (
        state.filters if name.startswith("matching") else accepted_filters(name, state.filters)
    )
    extra = dict(state.row)
    if name == "sales-by-date":
        extra["by"] = by
    if name == "sell-through":
        extra.update(combine_variants="combine" in options, include_unsold="unsold" in options)
    return PAGES_BY_NAME[name](frames, filters, **extra)


def show(search: str | None, by: str | None, options: list | None, name: str):
    frames = user_frames()
    state = view_state(search, frames)
    by, options = by or "day", options or []
    table = run_report(frames, name, state, by, options)
    labels = [c for c in table.columns if c not in REPORT_COLUMNS]
    rows = _rows(frames, name, state, table, labels, by, options)
    total = table["sales_amount"].sum() if len(table) else 0.0
    note = f"{len(table):,} rows · Sales Amount £{total:,.2f}"
    csv = f"/export/{name}.csv{to_query(state)}"
    return (
        _figure(name, table, labels[0] if labels else None),
        rows,
        _columns(name, labels, table),
        note,
        csv,
    )


def _rows(frames, name, state, table, labels, by, options) -> list[dict]:
    records = table.astype(object).where(table.notna(), None).to_dict("records")
    target = NEXT.get(name)
    for record in records:
        if name.startswith("matching"):
            continue
        filters, row = row_filters(frames, name, record, state.filters,
                                   **({"by": by} if name == "sales-by-date" else {}))  # fmt: skip
        query = to_query(ViewState(filters, state.compare_to, row=tuple(row.items())))
        record["href"] = f"/reports/{target}{query}" if target else None
        record["links"] = (f"[Products](/reports/matching-products{query}) · "
                           f"[Customers](/reports/matching-customers{query})")  # fmt: skip
    return records


def _columns(name: str, labels: list[str], table: pd.DataFrame) -> list[dict]:
    columns = []
    for i, label in enumerate(labels):
        column = {
            "field": label,
            "headerName": label.replace("_", " ").capitalize(),
            "minWidth": 120,
        }
        if i == 0:
            column.update(cellRenderer="CustomerLink", pinned="left", minWidth=170)
        if pd.api.types.is_numeric_dtype(table[label]):
            column.update(type="numericColumn", valueFormatter=MONEY_CELL if label in (
                "sold", "cancelled", "returned", "delivered", "paid", "refunded", "adjusted_sales",
                "commission") else None)  # fmt: skip
        columns.append(column)
    columns += [{**c, "type": "numericColumn", "minWidth": 110} for c in AMOUNT_COLUMNS
                if c["field"] in table.columns]  # fmt: skip
    if not name.startswith("matching"):
        columns.append({"field": "links", "headerName": "Matching", "cellRenderer": "markdown",
                        "minWidth": 170, "sortable": False, "filter": False})  # fmt: skip
    return columns


def _figure(name: str, table: pd.DataFrame, label: str | None) -> go.Figure:
    title = f"{TITLES[name]}: Sales Amount"
    if table.empty or label is None or table["sales_amount"].sum() == 0:
        return figures.empty(title)
    shown = table if name == "sales-by-date" else table.head(CHART_ROWS)
    names = shown["name"] if "name" in shown and label in ("item", "product") else shown[label]
    figure = go.Figure(go.Bar(x=np.asarray(names, dtype=object).astype(str), y=shown["sales_amount"],
                              marker_color=figures.BLUE,
                              hovertemplate="%{x}<br>£%{y:,.2f}<extra></extra>"))  # fmt: skip
    figure.update_layout(**figures.LAYOUT, title=title, xaxis=dict(tickangle=-40, automargin=True),
                         yaxis=dict(tickprefix="£", tickformat=",.0f"))  # fmt: skip
    return figure


def register(app: Dash) -> None:
    app.callback(
        Output(ids.REPORT_CHART, "figure"),
        Output(ids.REPORT_GRID, "rowData"),
        Output(ids.REPORT_GRID, "columnDefs"),
        Output(ids.REPORT_NOTE, "children"),
        Output(ids.REPORT_CSV, "href"),
        Input(ids.FILTER_URL, "search"),
        Input(ids.REPORT_BY, "value"),
        Input(ids.REPORT_OPTIONS, "value"),
        State(ids.REPORT_NAME, "data"),
    )(role_required(*ROLES)(show))
