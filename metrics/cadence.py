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
    """Cadence of every customer from confirmed orders dated on or before `as_of_day`."""
    n = len(frames.customers)
    od = frames.order_days
    customer = od["customer"].to_numpy()
    day = od["day"].to_numpy()
    upto = day <= as_of_day

    rows = np.flatnonzero(upto)
    last_order_day = np.full(n, -1, dtype=np.int64)
    if len(rows):
        c = customer[rows]
        ends = rows[np.r_[c[1:] != c[:-1], True]]  # rows sorted by customer then day
        last_order_day[customer[ends]] = day[ends]
    confirmed_orders = np.bincount(
        customer[upto], weights=od["orders"].to_numpy()[upto], minlength=n
    ).astype(np.int64)

    median_gap = _median_gap(frames, upto, n)
    days_since = np.where(last_order_day >= 0, as_of_day - last_order_day, np.nan)
    with np.errstate(invalid="ignore"):
        at_risk = (
            (confirmed_orders >= AT_RISK_MIN_ORDERS)
            & (days_since > AT_RISK_GAP_FACTOR * median_gap)
            & (days_since >= AT_RISK_MIN_DAYS)
        )
    return Cadence(as_of_day, last_order_day, confirmed_orders, median_gap, days_since, at_risk)


def _median_gap(frames: Frames, upto: np.ndarray, n: int) -> np.ndarray:
    """Median gap per customer over the gap rows in `upto`, using the by-gap order of order_days."""
    od = frames.order_days
    by_gap = od["by_gap"].to_numpy()  # row positions sorted by customer, then gap (NaN last)
    gap = od["gap"].to_numpy()
    rows = by_gap[upto[by_gap]]
    rows = rows[~np.isnan(gap[rows])]
    result = np.full(n, np.nan)
    if not len(rows):
        return result
    customer = od["customer"].to_numpy()[rows]
    values = gap[rows]
    starts = np.flatnonzero(np.r_[True, customer[1:] != customer[:-1]])
    counts = np.diff(np.r_[starts, len(rows)])
    low = values[starts + (counts - 1) // 2]
    high = values[starts + counts // 2]
    result[customer[starts]] = (low + high) / 2.0
    return result


def status_labels(active: np.ndarray, at_risk: np.ndarray) -> np.ndarray:
    """'at_risk' first (it can be active in a long period yet overdue now), then active/inactive."""
    return np.where(at_risk, "at_risk", np.where(active, "active", "inactive"))
