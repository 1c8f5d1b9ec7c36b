"""Matrices of the Sales by Customer screen (SPEC §4.2): one customer's months × items, and the
top customers × months.

Both read revenue lines only (confirmed orders; lines neither cancelled nor returned), dated by
the order date, over the filters' period.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from data.frames import Frames
from metrics.amounts import AMOUNT_COLUMNS, amounts
from metrics.filters import Filters
from metrics.selection import Selection, select
from metrics.sums import revenue_rows

CUSTOMER_MONTH_ITEM_COLUMNS = ("month", "item_id", "item_name", *AMOUNT_COLUMNS)
DENSE_CELLS = 1 << 22  # customers × months up to which the top matrix is built in one pass


def customer_month_item(frames: Frames, filters: Filters, customer_id: str) -> pd.DataFrame:
    """One customer's sales per (month, item) in the filters' period.

    In: the cached frames, the filter state (every filter applies; when `filters.customers` is
    set and leaves this customer out, the result is empty) and a customer ID.
    Out: one row per (month, item) with at least one revenue line: month (first day of the
    month, datetime64), item_id, item_name, then AMOUNT_COLUMNS of metrics.amounts (Sales Amount
    = Σ net line amount; cost, profit and margin over the lines with a known cost, NaN where
    none has one). Sorted by month, then Sales Amount descending, then item_id.
    Raises ValueError for an unknown customer ID.
    """
    ids = frames.customers["customer_id"]
    code = int(ids.searchsorted(customer_id))  # customers are sorted by customer_id
    if code >= len(ids) or ids.iat[code] != customer_id:
        raise ValueError(f"unknown customer {customer_id!r}")
    if filters.customers and customer_id not in filters.customers:
        return _empty_month_item()
    selection = select(frames, filters)
    period = selection.period
    if not selection.customers[code]:  # left out by the customer-level filters
        return _empty_month_item()
    # The customer's lines by comparing codes: cheaper than select()'s per-line table lookup.
    part = frames.lines["customer"].to_numpy()[selection.lo : selection.hi] == code
    keep = np.zeros(len(frames.customers), dtype=bool)
    keep[code] = True
    mask = part if selection.mask is None else selection.mask & part
    selection = Selection(frames, selection.period, selection.lo, selection.hi, mask, keep)

    # (month, item) pairs of this customer only: a compact group code, whatever the catalogue size.
    items = len(frames.items)
    first_month, last_month = _month_numbers(np.array([period.start_day, period.end_day]))
    key = selection.values("month").astype(np.int64)
    key -= first_month
    key *= items
    key += selection.values("item")
    if not len(key):
        return _empty_month_item()
    pairs, group = _distinct(key, int(last_month - first_month + 1) * items)
    sums = amounts(selection, group, len(pairs))
    has_revenue = np.bincount(group[selection.values("revenue")], minlength=len(pairs)) > 0
    pair_month, pair_item = np.divmod(pairs, items)
    pair_month += first_month
    # Item codes follow item_id order, so sorting on codes sorts ties by item_id.
    sales = sums["sales_amount"].to_numpy()
    order = np.lexsort((pair_item, -sales, pair_month))
    order = order[has_revenue[order]]
    item = pair_item[order]
    return pd.DataFrame(
        {
            "month": _month_starts(pair_month[order]),
            "item_id": frames.items["item_id"].array.take(item),
            "item_name": frames.items["name"].array.take(item),
            **{c: sums[c].to_numpy()[order] for c in AMOUNT_COLUMNS},
        }
    )


def top_customers_by_month(frames: Frames, filters: Filters, n: int = 20) -> pd.DataFrame:
    """The top `n` customers by Sales Amount in the filters' period, month by month.

    In: the cached frames, the filter state, n.
    Out: index customer_id (rank order: Sales Amount descending, ties by customer_id), columns
    customer_name, one column per month of the period (label: the month's first day, a pandas
    Timestamp; value: Σ Sales Amount of the customer's revenue lines dated in that month, 0.0
    where none), then total (Σ of the months). Only customers kept by the filters with a
    non-zero Sales Amount in the period are ranked, so there may be fewer than n rows.
    """
    selection = select(frames, filters)
    period = selection.period
    first_month, last_month = (
        int(m) for m in _month_numbers(np.array([period.start_day, period.end_day]))
    )
    months = last_month - first_month + 1
    customers = len(frames.customers)
    customer, month, sales = revenue_rows(selection)

    def cells_of(row: np.ndarray, rows: int) -> np.ndarray:
        """Σ sales per (row, month): a rows × months matrix."""
        key = row.astype(np.int64)  # a copy: the in-place steps never touch the frames
        key *= months
        key += month
        key -= first_month
        return np.bincount(key, weights=sales, minlength=rows * months).reshape(rows, months)

    dense = customers * months <= DENSE_CELLS
    if dense:  # one pass: every customer × month, then the top rows
        cells = cells_of(customer, customers)
        total = cells.sum(axis=1)
    else:  # many customers × months: total per customer first, then the top customers' cells
        total = np.bincount(customer, weights=sales, minlength=customers)
    ranked = np.flatnonzero(total != 0)
    # Codes follow customer_id order, so a stable sort on -total breaks ties by customer_id.
    top = ranked[np.argsort(-total[ranked], kind="stable")[:n]]
    if dense:
        cells = cells[top]
    else:
        rank = np.full(customers, len(top), dtype=np.int64)  # row len(top): everyone else
        rank[top] = np.arange(len(top))
        cells = cells_of(rank[customer], len(top) + 1)[:-1]

    labels = pd.DatetimeIndex(_month_starts(np.arange(first_month, last_month + 1)))
    ids = frames.customers["customer_id"].array.take(top)
    table = pd.DataFrame(cells, columns=list(labels), index=pd.Index(ids, name="customer_id"))
    table.insert(0, "customer_name", frames.customers["name"].array.take(top))
    table["total"] = total[top]
    return table


def _distinct(key: np.ndarray, cells: int) -> tuple[np.ndarray, np.ndarray]:
    """np.unique(key, return_inverse=True) for ints in 0..cells-1, without a sort when the
    cells are few compared with the keys."""
    if cells > max(4 * len(key), 1 << 16):
        return np.unique(key, return_inverse=True)
    present = np.bincount(key, minlength=cells) > 0
    return np.flatnonzero(present), (np.cumsum(present) - 1)[key]


def _month_numbers(days: np.ndarray) -> np.ndarray:
    """year*12 + month-1 of day numbers (days since 1970-01-01), as in frames.lines["month"]."""
    return days.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64) + 1970 * 12


def _month_starts(months: np.ndarray) -> np.ndarray:
    """datetime64 first days of year*12+month-1 numbers."""
    return (
        (np.asarray(months, dtype=np.int64) - 1970 * 12)
        .astype("datetime64[M]")
        .astype("datetime64[ns]")
    )


def _empty_month_item() -> pd.DataFrame:
    table = pd.DataFrame({c: pd.Series(dtype=np.float64) for c in CUSTOMER_MONTH_ITEM_COLUMNS})
    return table.astype({"month": "datetime64[ns]", "item_id": "str", "item_name": "str"})
