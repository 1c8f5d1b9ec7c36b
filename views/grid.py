"""A grid's own state (column filters, sort, visible columns) applied on the server as AG Grid
applies it in the browser, so an export holds exactly the rows and columns the screen shows; and
that state read from and written to AG Grid's columnState / filterModel.

AG Grid's rules mirrored here: text filters ignore case, and a missing value passes only
"blank", "notEqual" and "notContains"; number and date filters pass a missing value only for
"blank"; "inRange" excludes both ends; numbers are compared as the grid holds them (rounded to
what it shows); sorting puts missing values first when ascending (last when descending),
compares text by character codes, and keeps the rows' order among equals.
"""

from __future__ import annotations

import json
from datetime import date

import numpy as np
import pandas as pd

from views.tables import Table, grid_values
from views.view import Grid, ViewError, _filter_model


def apply(table: Table, grid: Grid) -> tuple[Table, tuple[str, ...]]:
    """(the table with the grid's filters and sort applied, the visible columns in order).
    ViewError for columns the table does not have."""
    known = set(table.fields)
    unknown = [c for c in (*grid.columns, *(c for c, _ in grid.sort), *grid.filter_model)
               if c not in known]  # fmt: skip
    if unknown:
        raise ViewError(
            [f"This table has no column {c!r} (its columns: {', '.join(table.fields)})."
             for c in dict.fromkeys(unknown)]
        )  # fmt: skip
    rows = table.rows
    # the values the grid holds: numbers rounded to what it shows (views.tables.grid_values)
    held = {c: grid_values(table, c) for c in (*grid.filter_model, *(c for c, _ in grid.sort))}
    keep = np.ones(len(rows), dtype=bool)
    for column, spec in grid.filter_model.items():
        keep &= _passes(held[column], spec)
    rows = rows[keep]
    if grid.sort:
        rows = rows.iloc[_sort_order(pd.DataFrame(held)[keep], grid.sort)]
    return table.with_rows(rows.reset_index(drop=True)), grid.columns or table.default_columns


def column_state(table: Table, grid: Grid) -> list[dict]:
    """AG Grid columnState for the view: the visible columns in order first, the rest hidden;
    sort and its priority."""
    shown = grid.columns or table.default_columns
    order = [*shown, *(c for c in table.fields if c not in shown)]
    sorts = {c: (d, i) for i, (c, d) in enumerate(grid.sort)}
    return [
        {"colId": c, "hide": c not in shown, "sort": sorts.get(c, (None,))[0],
         "sortIndex": sorts[c][1] if c in sorts else None}
        for c in order
    ]  # fmt: skip


def from_grid(table_fields: tuple[str, ...], default: tuple[str, ...], state, model) -> Grid:
    """The Grid of AG Grid's columnState and filterModel (columns the table does not export,
    such as a pick box, are left out; columns equal to `default` are written as ())."""
    state = [c for c in state or [] if c.get("colId") in table_fields]
    shown = tuple(c["colId"] for c in state if not c.get("hide"))
    if not state or shown == tuple(default):
        shown = ()
    ranked = sorted(
        (c for c in state if c.get("sort") in ("asc", "desc")),
        key=lambda c: (c.get("sortIndex") is None, c.get("sortIndex") or 0),
    )
    model = {k: v for k, v in (model or {}).items() if k in table_fields}
    messages: list[str] = []
    text = _filter_model(json.dumps(model), messages) if model else ""
    return Grid(shown, tuple((c["colId"], c["sort"]) for c in ranked), text)


# --- filters -------------------------------------------------------------------------------------


def _passes(values: pd.Series, spec: dict) -> np.ndarray:
    conditions = spec.get("conditions") or [spec]
    results = [_condition(values, spec["filterType"], c) for c in conditions]
    if spec.get("operator") == "OR":
        return np.logical_or.reduce(results)
    return np.logical_and.reduce(results)


def _condition(values: pd.Series, kind: str, condition: dict) -> np.ndarray:
    kind_of = condition.get("type")
    missing = values.isna().to_numpy()
    if kind == "text":
        missing = missing | (values.astype(object) == "").to_numpy()
    if kind_of == "blank":
        return missing
    if kind_of == "notBlank":
        return ~missing
    if kind == "text":
        text = values.astype(object).where(~missing, "").astype(str).str.lower().to_numpy()
        wanted = str(condition.get("filter") or "").lower()
        tests = {
            "equals": lambda: text == wanted,
            "notEqual": lambda: text != wanted,
            "contains": lambda: np.char.find(text.astype(str), wanted) >= 0,
            "notContains": lambda: np.char.find(text.astype(str), wanted) < 0,
            "startsWith": lambda: np.char.startswith(text.astype(str), wanted),
            "endsWith": lambda: np.char.endswith(text.astype(str), wanted),
        }
        result = tests[kind_of]()
        return np.where(missing, kind_of in ("notEqual", "notContains"), result)
    if kind == "number":
        number = pd.to_numeric(values, errors="coerce").to_numpy(np.float64)
        low, high = _number(condition.get("filter")), _number(condition.get("filterTo"))
    else:
        number = _days(values)
        low, high = _day(condition.get("dateFrom")), _day(condition.get("dateTo"))
    with np.errstate(invalid="ignore"):
        tests = {
            "equals": lambda: number == low,
            "notEqual": lambda: number != low,
            "greaterThan": lambda: number > low,
            "greaterThanOrEqual": lambda: number >= low,
            "lessThan": lambda: number < low,
            "lessThanOrEqual": lambda: number <= low,
            "inRange": lambda: (number > low) & (number < high),
        }
        return np.where(missing, False, tests[kind_of]())


def _number(value) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return np.nan


def _day(value) -> float:
    if not value:
        return np.nan
    return float(date.fromisoformat(str(value)[:10]).toordinal())


def _days(values: pd.Series) -> np.ndarray:
    dates = pd.to_datetime(values, errors="coerce")
    out = np.full(len(values), np.nan)
    ok = dates.notna().to_numpy()
    out[ok] = [d.toordinal() for d in dates[ok]]
    return out


# --- sort ----------------------------------------------------------------------------------------


def _sort_order(rows: pd.DataFrame, sort: tuple[tuple[str, str], ...]) -> np.ndarray:
    """Row positions in the grid's order: stable, missing values lowest."""
    keys = []
    for column, direction in reversed(sort):  # np.lexsort: the last key is the primary one
        values = rows[column]
        missing = values.isna().to_numpy()
        rank = values.rank(method="dense").to_numpy(np.float64)
        rank = np.where(missing, 0.0, rank)  # missing sorts lowest
        keys.append(rank if direction == "asc" else -rank)
    return np.lexsort(keys) if keys else np.arange(len(rows))
