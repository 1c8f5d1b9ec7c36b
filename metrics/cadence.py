"""Each customer's ordering cadence as of a day: last order, order count, median reorder gap, at-risk.

Cadence belongs to the customer relationship, so it reads all of the customer's confirmed orders
up to the day (dimension filters do not change it). Gaps are between consecutive distinct
confirmed order dates.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from data.frames import Frames

AT_RISK_MIN_ORDERS = 3
AT_RISK_GAP_FACTOR = 2.0
AT_RISK_MIN_DAYS = 14


@dataclass(frozen=True)
class Cadence:
    """Arrays indexed by customer code, as of `as_of_day`.

    last_order_day: day of the latest confirmed order (-1 = none); confirmed_orders: count;
    median_gap: median days between distinct order dates (NaN with fewer than two dates);
    days_since_last_order (NaN = never ordered); at_risk: bool (SPEC §3).
    """

    as_of_day: int
    last_order_day: np.ndarray
    confirmed_orders: np.ndarray
    median_gap: np.ndarray
    days_since_last_order: np.ndarray
    at_risk: np.ndarray

    @property
    def overdue_days(self) -> np.ndarray:
        """Days past the customer's usual next order (last order + median gap)."""
        return self.days_since_last_order - self.median_gap


def cadence(frames: Frames, as_of_day: int) -> Cadence:
    """Cadence of every customer from confirmed orders dated on or before `as_of_day`.

    order_days holds each customer's dates as one block, by day, so the dates up to the day are
    a prefix of the block; when no block goes past the day, every figure comes from the blocks'
    bounds, without a pass over the rows."""
    n = len(frames.customers)
    od = frames.order_days
    customer = od["customer"].to_numpy()
    day = od["day"].to_numpy()
    orders = od["orders"].to_numpy()
    start = np.searchsorted(customer, np.arange(n + 1, dtype=customer.dtype))
    has = start[1:] > start[:-1]
    firsts = start[:-1][has]  # first rows of the non-empty blocks: one segment each
    taken = np.diff(start)  # rows counted per block
    counted = orders
    if len(firsts) and day[start[1:][has] - 1].max() > as_of_day:  # some dates come later
        upto = day <= as_of_day
        taken[has] = np.add.reduceat(upto, firsts, dtype=np.int64)
        counted = np.where(upto, orders, 0)
    confirmed = np.zeros(n, dtype=np.int64)
    if len(firsts):
        confirmed[has] = np.add.reduceat(counted, firsts, dtype=np.int64)
    end = start[:-1] + taken
    ordered = taken > 0
    last_order_day = np.full(n, -1, dtype=np.int64)
    last_order_day[ordered] = day[end[ordered] - 1]

    median_gap = _median_gap(od, start, end)
    days_since = np.where(ordered, as_of_day - last_order_day, np.nan)
    with np.errstate(invalid="ignore"):
        at_risk = (
            (confirmed >= AT_RISK_MIN_ORDERS)
            & (days_since > AT_RISK_GAP_FACTOR * median_gap)
            & (days_since >= AT_RISK_MIN_DAYS)
        )
    return Cadence(as_of_day, last_order_day, confirmed, median_gap, days_since, at_risk)


def _median_gap(od, start: np.ndarray, end: np.ndarray) -> np.ndarray:
    """Median gap per customer over rows start[c]..end[c]-1 of each block of order_days, read
    through by_gap (a block's rows by gap, the first date's NaN gap last)."""
    by_gap = od["by_gap"].to_numpy()
    gap = od["gap"].to_numpy()
    taken = end - start[:-1]
    if (end == start[1:]).all():  # whole blocks: a customer's gaps are the first of its block
        base, rows = start[:-1], by_gap
    else:  # the counted rows, still by gap within each block, one block after the other
        rows = by_gap[by_gap < np.repeat(end, np.diff(start))]
        base = np.cumsum(taken) - taken
    result = np.full(len(taken), np.nan)
    gaps = taken - 1  # the first date of a block has no gap
    some = gaps > 0
    base, gaps = base[some], gaps[some]
    result[some] = (gap[rows[base + (gaps - 1) // 2]] + gap[rows[base + gaps // 2]]) / 2.0
    return result


def status_labels(active: np.ndarray, at_risk: np.ndarray) -> np.ndarray:
    """'at_risk' first (it can be active in a long period yet overdue now), then active/inactive."""
    return np.where(at_risk, "at_risk", np.where(active, "active", "inactive"))
