"""Additive sums of the selected lines, per group: the base of every amount and count.

When no filter narrows the lines themselves (a period and customer-level filters only), they come
from the frames' precomputed tables: per customer from the daily (day, customer) table; per value
of an item dimension from the monthly table for the period's whole months, plus the lines of its
partial months. Otherwise from the lines.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np

from data.frames import DAILY_SUMS, LINE_AMOUNTS, LINE_DIMENSIONS, MONTHLY_SUMS, revenue_sums
from metrics.lookup import distinct

if TYPE_CHECKING:
    from metrics.selection import Selection

Sums = dict[str, np.ndarray]


def line_sums(selection: Selection, group: np.ndarray | None = None, groups: int = 1) -> Sums:
    """Revenue-line sums per group (`group`: a code in 0..groups-1 per selected line; None = one).

    sales_amount, sales_quantity, cost_non_inv, revenue_lines: over revenue lines (confirmed
    orders, lines neither cancelled nor returned); cost_amount, known_sales, known_non_inv,
    known_quantity, known_lines: over the revenue lines with a unit cost.
    """
    revenue = selection.values("revenue")
    if group is None:
        key = np.zeros(int(revenue.sum()), dtype=np.intp)
    else:
        key = group.astype(np.intp, copy=False)[revenue]
    selection = selection.keep(revenue)
    lines = {c: selection.values(c) for c in LINE_AMOUNTS}
    return revenue_sums(lines, key, groups)


def order_sums(selection: Selection, group: np.ndarray, groups: int) -> Sums:
    """Per group: confirmed_orders and draft_orders (distinct orders with a selected line), and
    confirmed_amount and draft_amount (Σ Sales Amount of their non-cancelled, non-returned
    selected lines). `group` must be constant within an order (e.g. the customer)."""
    from metrics.selection import category_code

    frames = selection.frames
    order = selection.values("order")
    first = np.r_[True, order[1:] != order[:-1]] if len(order) else np.zeros(0, bool)
    # one count and one sum over (group, status) cells: 0 confirmed, 1 draft, 2 any other
    status = np.full(len(frames.lines["order_status"].cat.categories) + 1, 2, dtype=np.intp)
    for position, name in enumerate(("confirmed", "draft")):
        code = category_code(frames, "order_status", name)
        if code >= 0:
            status[code + 1] = position
    key = group.astype(np.intp) * 3
    key += status[selection.codes("order_status").astype(np.intp) + 1]
    counted = selection.values("in_order_amount")
    amount = np.where(counted, selection.values("sales_amount"), 0.0)
    orders = np.bincount(key[first], minlength=3 * groups).reshape(groups, 3).astype(float)
    amounts = np.bincount(key, weights=amount, minlength=3 * groups).reshape(groups, 3)
    amounts = amounts.astype(float)  # an empty bincount comes back as int
    return {
        "confirmed_orders": orders[:, 0],
        "draft_orders": orders[:, 1],
        "confirmed_amount": amounts[:, 0],
        "draft_amount": amounts[:, 1],
    }


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


def dimension_sums(selection: Selection, column: str) -> Sums | None:
    """Per value of an item dimension (`column` of LINE_DIMENSIONS; codes of its line categories,
    then N/A last): the sums of line_sums, orders (distinct orders with a revenue line of the
    value) and customers (distinct customers with one). None when a filter narrows the lines
    themselves: then only the lines can tell."""
    if selection.line_filtered or selection.positions is not None or column not in LINE_DIMENSIONS:
        return None
    frames = selection.frames
    categories = frames.lines[column].cat.categories
    groups = len(categories) + 1
    whole = whole_months(frames.lines["month"].to_numpy(), selection.lo, selection.hi)
    sums: Sums = {name: np.zeros(groups) for name in MONTHLY_SUMS}
    pairs = []  # customer × groups + value, of every (customer, value) with a revenue line
    if whole is not None:
        rows = _monthly_rows(selection, LINE_DIMENSIONS.index(column), *whole)
        found = categories.get_indexer(frames.monthly["value"].cat.categories)
        to_group = np.append(np.where(found >= 0, found, groups - 1), groups - 1)
        group = to_group[rows["value"]]
        for name in MONTHLY_SUMS:
            sums[name] += np.bincount(group, weights=rows[name], minlength=groups)
        pairs.append(rows["customer"].astype(np.int64) * groups + group)
    lo, hi = (selection.lo, selection.hi) if whole is None else whole
    for start, end in ((selection.lo, lo), (hi, selection.hi)) if whole else ((lo, hi),):
        if start == end:
            continue
        mask = (
            None
            if selection.mask is None
            else selection.mask[start - selection.lo : end - selection.lo]
        )
        part = replace(selection, lo=start, hi=end, mask=mask).where("revenue")
        codes = part.codes(column).astype(np.intp)
        group = np.where(codes < 0, groups - 1, codes)
        for name, values in line_sums(part, group, groups).items():
            sums[name] += values
        orders = distinct(part.values("order").astype(np.int64) * groups + group)
        sums["orders"] += np.bincount(orders % groups, minlength=groups)
        pairs.append(part.values("customer").astype(np.int64) * groups + group)
    customer_value = distinct(
        np.concatenate([np.zeros(0, np.int64), *pairs]), len(frames.customers) * groups
    )
    sums["customers"] = np.bincount(customer_value % groups, minlength=groups).astype(np.float64)
    return sums


def total(sums: Sums) -> Sums:
    """The sums of all groups together, as one group."""
    return {name: np.array([values.sum()]) for name, values in sums.items()}


def _daily_rows(selection: Selection) -> dict[str, np.ndarray]:
    """Rows of the daily table's columns (customer, month, DAILY_SUMS) over the period, for the
    customers the selection keeps: its whole months from customer_months, the days of its
    partial months from daily."""
    frames = selection.frames
    daily = frames.daily
    day = daily["day"].to_numpy()
    lo = int(np.searchsorted(day, day.dtype.type(selection.period.start_day), "left"))
    hi = int(np.searchsorted(day, day.dtype.type(selection.period.end_day), "right"))
    whole = whole_months(daily["month"].to_numpy(), lo, hi)
    parts = [(daily, lo, hi)]
    if whole is not None:
        month = daily["month"].to_numpy()
        by_month = frames.customer_months
        months = by_month["month"].to_numpy()
        first = int(np.searchsorted(months, month[whole[0]], "left"))
        last = int(np.searchsorted(months, month[whole[1] - 1], "right"))
        parts = [(by_month, first, last), (daily, lo, whole[0]), (daily, whole[1], hi)]
    parts = [part for part in parts if part[2] > part[1]] or parts[:1]

    def column(name: str) -> np.ndarray:  # a view when one part holds every row
        pieces = [frame[name].to_numpy()[a:b] for frame, a, b in parts]
        return pieces[0] if len(pieces) == 1 else np.concatenate(pieces)

    columns = {name: column(name) for name in ("customer", "month", *DAILY_SUMS)}
    keep = selection.customers[columns["customer"]]
    if keep.all():
        return columns
    rows = np.flatnonzero(keep)  # a gather per column beats a mask
    return {name: values.take(rows) for name, values in columns.items()}


def whole_months(month: np.ndarray, lo: int, hi: int) -> tuple[int, int] | None:
    """Positions lo:hi, within rows sorted by date with their `month`, of the calendar months
    whose rows all lie in lo:hi (months are runs of rows); None when there is no such month."""
    if lo >= hi:
        return None
    if lo > 0 and month[lo - 1] == month[lo]:  # the period starts within a month
        lo = int(np.searchsorted(month, month[lo], "right"))
    if hi < len(month) and month[hi] == month[hi - 1]:  # it ends within one
        hi = int(np.searchsorted(month, month[hi - 1], "left"))
    return (lo, hi) if lo < hi else None


def _monthly_rows(selection: Selection, dimension: int, lo: int, hi: int) -> dict[str, np.ndarray]:
    """The monthly table's rows of one dimension for the months of lines lo:hi, for the customers
    the selection keeps: customer, value (codes) and MONTHLY_SUMS."""
    monthly = selection.frames.monthly
    dim = monthly["dimension"].to_numpy()
    start = int(np.searchsorted(dim, dim.dtype.type(dimension), "left"))
    end = int(np.searchsorted(dim, dim.dtype.type(dimension), "right"))
    line_month = selection.frames.lines["month"].to_numpy()
    month = monthly["month"].to_numpy()[start:end]
    end = start + int(np.searchsorted(month, line_month[hi - 1], "right"))
    start += int(np.searchsorted(month, line_month[lo], "left"))
    columns = {
        "customer": monthly["customer"].to_numpy()[start:end],
        "value": monthly["value"].array.codes[start:end],
        **{name: monthly[name].to_numpy()[start:end] for name in MONTHLY_SUMS},
    }
    keep = selection.customers[columns["customer"]]
    if keep.all():
        return columns
    rows = np.flatnonzero(keep)
    return {name: values.take(rows) for name, values in columns.items()}
