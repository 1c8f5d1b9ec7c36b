"""Additive sums of the selected lines, per group: the base of every amount and count.

Per customer they come from the frames' daily (day, customer) table when no filter narrows the
lines themselves (a period and customer-level filters only), else from the lines.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from data.frames import DAILY_SUMS

if TYPE_CHECKING:
    from metrics.selection import Selection

Sums = dict[str, np.ndarray]


def line_sums(selection: Selection, group: np.ndarray | None = None, groups: int = 1) -> Sums:
    """Revenue-line sums per group (`group`: a code in 0..groups-1 per selected line; None = one).

    sales_amount, sales_quantity, cost_non_inv, revenue_lines: over revenue lines (confirmed
    orders, lines neither cancelled nor returned); cost_amount, known_sales, known_non_inv,
    known_quantity, known_lines: over the revenue lines with a unit cost.
    """
    if group is None:
        key = np.zeros(int(selection.values("revenue").sum()), dtype=np.intp)
    else:
        key = group.astype(np.intp, copy=False)[selection.values("revenue")]
    selection = selection.where("revenue")
    sales = selection.values("sales_amount")
    quantity = selection.values("quantity")
    cost = selection.values("cost_amount")
    non_inv = selection.values("cost_non_inv")
    known = ~np.isnan(cost)
    known_key = key[known]

    def add(weights: np.ndarray | None, by: np.ndarray = key) -> np.ndarray:
        return np.bincount(by, weights=weights, minlength=groups).astype(np.float64)

    return {
        "sales_amount": add(sales),
        "sales_quantity": add(quantity),
        "cost_amount": add(cost[known], known_key),
        "cost_non_inv": add(non_inv),
        "known_sales": add(sales[known], known_key),
        "known_non_inv": add(non_inv[known], known_key),
        "known_quantity": add(quantity[known], known_key),
        "known_lines": add(None, known_key),
        "revenue_lines": add(None),
    }


def order_sums(selection: Selection, group: np.ndarray, groups: int) -> Sums:
    """Per group: confirmed_orders and draft_orders (distinct orders with a selected line), and
    confirmed_amount and draft_amount (Σ Sales Amount of their non-cancelled, non-returned
    selected lines). `group` must be constant within an order (e.g. the customer)."""
    from metrics.selection import category_code

    frames = selection.frames
    order = selection.values("order")
    first = np.r_[True, order[1:] != order[:-1]] if len(order) else np.zeros(0, bool)
    status = selection.codes("order_status")
    counted = selection.values("in_order_amount")
    sales = selection.values("sales_amount")
    key = group.astype(np.intp, copy=False)
    sums: Sums = {}
    for name in ("confirmed", "draft"):
        this = status == category_code(frames, "order_status", name)
        sums[f"{name}_orders"] = np.bincount(key[first & this], minlength=groups).astype(float)
        keep = this & counted
        amount = np.bincount(key[keep], weights=sales[keep], minlength=groups)
        sums[f"{name}_amount"] = amount.astype(float)  # an empty bincount comes back as int
    return sums


def customer_sums(selection: Selection) -> Sums:
    """DAILY_SUMS per customer code over the selection."""
    n = len(selection.frames.customers)
    if selection.line_filtered:
        customer = selection.values("customer")
        return {**line_sums(selection, customer, n), **order_sums(selection, customer, n)}
    rows = _daily_rows(selection)
    customer = rows["customer"].astype(np.intp)
    return {
        name: np.bincount(customer, weights=rows[name], minlength=n).astype(float)
        for name in DAILY_SUMS
    }


def revenue_rows(selection: Selection) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(customer, month, sales_amount) rows whose sums per customer and month are the selection's
    Sales Amount: the daily table's rows when the lines are not filtered, else the lines."""
    if selection.line_filtered:
        revenue = selection.values("revenue")
        return tuple(selection.values(c)[revenue] for c in ("customer", "month", "sales_amount"))
    rows = _daily_rows(selection)
    return rows["customer"], rows["month"], rows["sales_amount"]


def total(sums: Sums) -> Sums:
    """The sums of all groups together, as one group."""
    return {name: np.array([values.sum()]) for name, values in sums.items()}


def _daily_rows(selection: Selection) -> dict[str, np.ndarray]:
    """The daily table's columns over the period, for the customers the selection keeps."""
    daily = selection.frames.daily
    day = daily["day"].to_numpy()
    lo = int(np.searchsorted(day, day.dtype.type(selection.period.start_day), "left"))
    hi = int(np.searchsorted(day, day.dtype.type(selection.period.end_day), "right"))
    keep = selection.customers[daily["customer"].to_numpy()[lo:hi]]
    everyone = bool(keep.all())
    return {
        c: daily[c].to_numpy()[lo:hi] if everyone else daily[c].to_numpy()[lo:hi][keep]
        for c in ("customer", "month", *DAILY_SUMS)
    }
