"""Matrices of the Sales by Customer screen (SPEC §4.2): one customer's months × items, and the
top customers × months.

Both read revenue lines only (confirmed orders; lines neither cancelled nor returned), dated by
the order date, over the filters' period.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from data.frames import Frames
from metrics.amounts import AMOUNT_COLUMNS, amounts
from metrics.filters import Filters
from metrics.selection import select

CUSTOMER_MONTH_ITEM_COLUMNS = ("month", "item_id", "item_name", *AMOUNT_COLUMNS)


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
    ids = frames.customers["customer_id"].to_numpy()
    code = int(np.searchsorted(ids, customer_id))  # customers are sorted by customer_id
    if code >= len(ids) or ids[code] != customer_id:
        raise ValueError(f"unknown customer {customer_id!r}")
    if filters.customers and customer_id not in filters.customers:
        return _empty_month_item()
    selection = select(frames, replace(filters, customers=(customer_id,)))
    if not len(selection):
        return _empty_month_item()

    # (month, item) pairs of this customer only: a compact group code, whatever the catalogue size.
    month = selection.values("month").astype(np.int64)
    item = selection.values("item").astype(np.int64)
    pairs, group = np.unique(month * len(frames.items) + item, return_inverse=True)
    groups = len(pairs)
    sums = amounts(selection, group, groups)
    has_revenue = np.bincount(group[selection.values("revenue")], minlength=groups) > 0

    pair_month, pair_item = np.divmod(pairs, len(frames.items))
    table = pd.DataFrame(
        {
            "month": _month_starts(pair_month),
            "item_id": frames.items["item_id"].to_numpy()[pair_item],
            "item_name": frames.items["name"].to_numpy()[pair_item],
            **{c: sums[c].to_numpy() for c in AMOUNT_COLUMNS},
        }
    )[has_revenue]
    return table.sort_values(
        ["month", "sales_amount", "item_id"], ascending=[True, False, True], kind="stable"
    ).reset_index(drop=True)


def top_customers_by_month(frames: Frames, filters: Filters, n: int = 20) -> pd.DataFrame:
    """The top `n` customers by Sales Amount in the filters' period, month by month.

    In: the cached frames, the filter state, n.
    Out: index customer_id (rank order: Sales Amount descending, ties by customer_id), columns
    customer_name, one column per month of the period (label: the month's first day, a pandas
    Timestamp; value: Σ Sales Amount of the customer's revenue lines dated in that month, 0.0
    where none), then total (Σ Sales Amount in the period). Only customers kept by the filters
    with at least one revenue line in the period are ranked, so there may be fewer than n rows.
    """
    selection = select(frames, filters)
    period = selection.period
    first_month, last_month = (
        int(m) for m in _month_numbers(np.array([period.start_day, period.end_day]))
    )
    months = last_month - first_month + 1
    labels = list(pd.DatetimeIndex(_month_starts(np.arange(first_month, last_month + 1))))
    customers = len(frames.customers)

    revenue = selection.values("revenue")
    customer = selection.values("customer")[revenue]
    sales = selection.values("sales_amount")[revenue]
    total = np.bincount(customer, weights=sales, minlength=customers)
    ranked = np.flatnonzero(np.bincount(customer, minlength=customers) > 0)
    # Codes follow customer_id order, so a stable sort on -total breaks ties by customer_id.
    top = ranked[np.argsort(-total[ranked], kind="stable")[:n]]

    rank = np.full(customers, -1, dtype=np.int64)
    rank[top] = np.arange(len(top))
    line_rank = rank[customer]
    kept = line_rank >= 0
    month = selection.values("month")[revenue][kept].astype(np.int64) - first_month
    cells = np.bincount(
        line_rank[kept] * months + month, weights=sales[kept], minlength=len(top) * months
    ).reshape(len(top), months)

    table = pd.DataFrame(cells, columns=labels)
    table.insert(0, "customer_name", frames.customers["name"].to_numpy()[top])
    table["total"] = total[top]
    table.index = pd.Index(frames.customers["customer_id"].to_numpy()[top], name="customer_id")
    return table


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
