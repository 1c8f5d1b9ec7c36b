"""A screen's table as data: its columns (field, the screen's header, how values read) and its
rows, before the grid's own state. The screen's grid, the CSV and the PDF all start from it;
views.grid applies the grid's column filters, sort and visible columns the way AG Grid does.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from layouts.formatting import format_value, shown

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")  # OWASP: cells a spreadsheet would evaluate
NUMBER_KINDS = ("money", "percent", "count", "quantity", "days")


@dataclass(frozen=True)
class Column:
    """One column: `field` (the rows' column and the machine-readable header), `header` (what
    the screen shows), `kind` (layouts.formatting: money, percent, count, quantity, days, date,
    text)."""

    field: str
    header: str
    kind: str = "text"

    @property
    def numeric(self) -> bool:
        return self.kind in NUMBER_KINDS


@dataclass(frozen=True)
class Table:
    """`columns` in the screen's default order, `visible` the fields shown by default (None =
    all), `rows` one row per table row with a column per field (and maybe link fields such as
    href, which are never exported), `title` for the PDF, `link` the field whose cells link to
    the row's href."""

    title: str
    columns: tuple[Column, ...]
    rows: pd.DataFrame
    visible: tuple[str, ...] | None = None
    link: str | None = None

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.field == name)

    @property
    def fields(self) -> tuple[str, ...]:
        return tuple(c.field for c in self.columns)

    @property
    def default_columns(self) -> tuple[str, ...]:
        return self.visible if self.visible is not None else self.fields

    def with_rows(self, rows: pd.DataFrame) -> Table:
        return replace(self, rows=rows)


def to_csv(table: Table, columns: tuple[str, ...], headers: str = "screen") -> str:
    """The rows of `table` as CSV text, `columns` in that order: numbers unformatted at full
    precision, dates ISO, missing values empty, and text that a spreadsheet would evaluate as a
    formula (=, +, -, @, tab, carriage return first) written with a leading '."""
    chosen = [table.column(c) for c in columns]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")  # RFC 4180: a bare \r in a cell is quoted
    writer.writerow([c.field if headers == "fields" else c.header for c in chosen])
    values = [_csv_cells(table.rows[c.field], c) for c in chosen]
    writer.writerows(zip(*values, strict=True) if values else [])
    return out.getvalue()


def pdf_cells(table: Table, columns: tuple[str, ...]) -> list[list[str]]:
    """The rows of `table` as the screen writes them (layouts.formatting), `columns` in order."""
    chosen = [table.column(c) for c in columns]
    texts = [[format_value(c.kind, v) for v in _python(table.rows[c.field])] for c in chosen]
    return [list(row) for row in zip(*texts, strict=True)] if texts else []


def records(table: Table) -> list[dict]:
    """The rows as JSON-ready records (grid_columns, row by row)."""
    data = grid_columns(table)
    names = list(data)
    return [dict(zip(names, row, strict=True)) for row in zip(*data.values(), strict=True)]


def grid_columns(table: Table) -> dict[str, list]:
    """The rows as JSON-ready columns for the grid, field -> values: numbers as the screen
    shows them (grid_values), NaN as None, dates as ISO text. A grid's rows travel so (each
    field's name once, no per-row Python) and the browser makes them into records."""
    data = {}
    for name in table.rows.columns:
        column = grid_values(table, name)
        if column.dtype.kind == "M":
            data[name] = np.where(column.isna(), None, column.dt.strftime("%Y-%m-%d")).tolist()
        elif column.dtype.kind in "fc":
            values = column.to_numpy(np.float64)
            data[name] = values.tolist()
            for i in np.flatnonzero(np.isnan(values)).tolist():
                data[name][i] = None
        else:
            data[name] = _python(column)
    return data


def grid_values(table: Table, field: str) -> pd.Series:
    """A column as the grid holds it: a number column rounded to what it shows (money to the
    cent: layouts.formatting.shown), so the browser's sort and filters and the server's
    (views.grid, for exports) see the same values; other columns as they are."""
    column = table.rows[field]
    kind = next((c.kind for c in table.columns if c.field == field), "text")
    if column.dtype.kind != "f" or kind not in NUMBER_KINDS:
        return column
    return pd.Series(shown(kind, column.to_numpy(np.float64)), index=column.index, name=field)


def _python(column: pd.Series) -> list:
    """A column's values as Python objects (None for missing)."""
    if isinstance(column.dtype, np.dtype) and column.dtype.kind in "iub":
        return column.to_numpy().tolist()  # no missing values in these
    values = column.tolist()
    for i in np.flatnonzero(column.isna().to_numpy()).tolist():
        values[i] = None
    return values


def _csv_cells(column: pd.Series, spec: Column) -> list:
    if column.dtype.kind == "M":
        return [None if v is None else v.strftime("%Y-%m-%d") for v in _python(column)]
    if spec.numeric or column.dtype.kind in "iufb":
        return ["" if v is None else v for v in _python(column)]
    return [_safe(v) for v in _python(column)]


def _safe(value) -> str:
    if value is None:
        return ""
    text = format_value("text", value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text
