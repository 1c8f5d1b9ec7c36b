"""A screen's table (views.tables.Table) as an AG Grid: column definitions with the one
formatter, rows as JSON records (or as columns, views.tables.grid_columns, that the browser makes
into records: callbacks.grids), and the grid state of the view."""

from __future__ import annotations

import dash_ag_grid as dag
from dash import no_update

from layouts.formatting import grid_formatter
from views.grid import column_state
from views.tables import Table, records
from views.view import View

# Every grid column: sortable, filterable, resizable, headers that wrap instead of cutting.
DEFAULT_COLUMN = {
    "sortable": True,
    "filter": True,
    "resizable": True,
    "wrapHeaderText": True,
    "autoHeaderHeight": True,
    "minWidth": 110,
}
CELL_TYPES = {"text": "text", "date": "dateString"}  # numbers: "number"
LINK = "CustomerLink"  # assets/dashAgGridComponentFunctions.js: a link to params.data.href


def column_defs(table: Table, widths: dict | None = None) -> list[dict]:
    """AG Grid columns of `table`: the kind's formatter and filter, numbers right-aligned, the
    table's link field as a link to the row's href; `widths`: extra settings by field."""
    widths = widths or {}
    out = []
    for column in table.columns:
        spec = {
            "field": column.field,
            "colId": column.field,
            "headerName": column.header,
            "cellDataType": "number" if column.numeric else CELL_TYPES.get(column.kind, "text"),
        }
        formatter = grid_formatter(column.kind)
        if formatter:
            spec.update(valueFormatter=formatter, type="numericColumn")
        if column.field == table.link:
            spec.update(cellRenderer=LINK, pinned="left", minWidth=200)
        spec.update(widths.get(column.field, {}))
        out.append(spec)
    return out


def grid_state(table: Table, view: View) -> tuple[list[dict], dict]:
    """columnState and filterModel of the grid for the view."""
    return column_state(table, view.grid), view.grid.filter_model


def grid_outputs(table: Table, view: View, widths: dict | None = None) -> tuple:
    """(rowData, columnDefs, columnState, filterModel): what a table callback sets."""
    return records(table), column_defs(table, widths), *grid_state(table, view)


def unless_shown(defs: list, state: list, model: dict, shown: tuple) -> tuple:
    """(columnDefs, columnState, filterModel), each no_update when the grid holds it already
    (`shown`: the grid's own three): a columnState or filterModel set again comes back to the
    server as a change of the grid's state (callbacks.filter_bar's keep), for nothing."""
    shown_defs, shown_state, shown_model = shown
    same_state = len(state) == len(shown_state or []) and all(
        all(held.get(key) == value for key, value in column.items())
        for column, held in zip(state, shown_state or [], strict=True)
    )  # the grid's state has more keys (width, pinned...): those we set must match
    return (
        no_update if defs == shown_defs else defs,
        no_update if same_state else state,
        no_update if model == (shown_model or {}) else model,
    )


def table_grid(
    grid_id, height: int | None = 520, row_id: str | None = None, **options
) -> dag.AgGrid:
    """An empty grid that a callback fills (rowData, columnDefs, columnState, filterModel);
    "Loading…" until its first rows, "No sales match" when a result is empty. `row_id`: the
    JavaScript expression of a row's ID (e.g. "params.data.customer_id"); `height` None: as tall
    as its rows (AG Grid's autoHeight), so the page scrolls instead of a box inside it."""
    return dag.AgGrid(
        id=grid_id,
        getRowId=row_id,
        rowData=None,
        columnDefs=[],
        defaultColDef=DEFAULT_COLUMN,
        dashGridOptions={
            "animateRows": False,
            "suppressFieldDotNotation": True,
            "localeText": {
                "loadingOoo": "Loading…",
                "noRowsToShow": "No sales match these filters.",
            },
            **({"domLayout": "autoHeight"} if height is None else {}),
            **options,
        },
        style={"height": None if height is None else f"{height}px"},
    )
