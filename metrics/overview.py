"""The Overview's analyses (SPEC §4.1): top customers with their cumulative share, the monthly
trend, and the revenue bridge from the compared period to this one; `overview` computes all the
screen shows from one selection of each period."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from data.frames import Frames, month_of_days
from metrics.customers import lifecycle_of, summary_of
from metrics.filters import Filters, Period, period_of
from metrics.kpis import COMPARE_TO, Comparison, kpis_from
from metrics.selection import Selection, select
from metrics.sums import customer_sums, revenue_rows


def top_customers(frames: Frames, filters: Filters, n: int = 20) -> pd.DataFrame:
    """The `n` customers with the highest Sales Amount (ties by customer_id), with
    cumulative_share = their running Sales Amount / the Sales Amount of everybody selected.
    Columns: customer_id, customer_name, sales_amount, share, cumulative_share. Customers without
    sales are left out."""
    return top_of(frames, customer_sums(select(frames, filters))["sales_amount"], n)


def top_of(frames: Frames, sales: np.ndarray, n: int) -> pd.DataFrame:
    """top_customers from the Sales Amount per customer code (customer_sums)."""
    everyone = sales.sum()
    ranked = np.flatnonzero(sales > 0)
    top = ranked[np.argsort(-sales[ranked], kind="stable")[:n]]  # codes follow customer_id
    share = sales[top] / everyone if everyone else np.zeros(len(top))
    return pd.DataFrame(
        {
            "customer_id": frames.customers["customer_id"].to_numpy()[top],
            "customer_name": frames.customers["name"].to_numpy()[top],
            "sales_amount": sales[top],
            "share": share,
            "cumulative_share": np.cumsum(share),
        }
    )


def monthly_sales(frames: Frames, filters: Filters, period: Period | None = None) -> pd.DataFrame:
    """Sales Amount per calendar month of the period (default: the filters'), zeros included.
    Columns: month (first day, datetime64), sales_amount, first_day and last_day (the days of the
    month the period covers, datetime64), partial (the period covers only part of the month, so
    its Sales Amount is not a whole month's)."""
    return monthly_of(select(frames, filters, period))


def monthly_of(selection: Selection) -> pd.DataFrame:
    """monthly_sales of a selection (its period's months)."""
    _, month, sales = revenue_rows(selection)
    start, end = selection.period.start_day, selection.period.end_day
    first, last = month_of_days(np.array([start, end]))
    totals = np.bincount(month.astype(np.intp) - first, weights=sales, minlength=last - first + 1)
    months = (np.arange(first, last + 1) - 1970 * 12).astype("datetime64[M]")
    month_start, next_month = months.astype("datetime64[D]"), (months + 1).astype("datetime64[D]")
    first_day = np.maximum(month_start, np.datetime64(selection.period.start, "D"))
    last_day = np.minimum(next_month - 1, np.datetime64(selection.period.end, "D"))
    return pd.DataFrame(
        {
            "month": months.astype("datetime64[s]"),
            "sales_amount": totals,
            "first_day": first_day.astype("datetime64[s]"),
            "last_day": last_day.astype("datetime64[s]"),
            "partial": (first_day > month_start) | (last_day < next_month - 1),
        }
    )


@dataclass(frozen=True)
class Bridge:
    """Sales Amount from the compared period to this one, split by customer movement:
    compared + new + grown − shrunk − lost = current (each of the four ≥ 0)."""

    compared: float
    new: float  # customers with sales now and none in the compared period
    grown: float  # increase of customers with sales in both, who sold more now
    shrunk: float  # decrease of customers with sales in both, who sold less now
    lost: float  # sales in the compared period of customers with none now
    current: float


def bridge_of(now: np.ndarray, before: np.ndarray) -> Bridge:
    """The bridge from the Sales Amount per customer code of the compared period (`before`) to
    this one's (`now`)."""
    both = (now > 0) & (before > 0)
    change = now - before
    return Bridge(
        compared=float(before.sum()),
        new=float(now[(now > 0) & (before <= 0)].sum()),
        grown=float(change[both & (change > 0)].sum()),
        shrunk=float(-change[both & (change < 0)].sum()),
        lost=float(before[(before > 0) & (now <= 0)].sum()),
        current=float(now.sum()),
    )


@dataclass(frozen=True)
class Overview:
    """All the Overview shows for one filter state: the KPIs against the compared period, the
    top customers (top_customers), the monthly Sales Amount of both periods (monthly_sales), the
    customers' lifecycle (metrics.customers.lifecycle) and the revenue bridge."""

    comparison: Comparison
    top: pd.DataFrame
    months: pd.DataFrame
    compared_months: pd.DataFrame
    lifecycle: pd.DataFrame
    bridge: Bridge


def overview(frames: Frames, filters: Filters, compare_to: str, n: int = 20) -> Overview:
    """The Overview for `filters` compared with the period COMPARE_TO[compare_to] of theirs:
    each period selected and summed per customer once, for every part (the same numbers as
    metrics.kpis.compare, top_customers, monthly_sales and lifecycle each on their own)."""
    period = period_of(frames, filters)
    earlier = COMPARE_TO[compare_to](period)
    now, before = select(frames, filters, period), select(frames, filters, earlier)
    now_sums, before_sums = customer_sums(now), customer_sums(before)
    comparison = Comparison(
        kpis_from(now_sums, summary_of(now, now_sums)),
        kpis_from(before_sums, summary_of(before, before_sums)),
        period,
        earlier,
    )
    return Overview(
        comparison=comparison,
        top=top_of(frames, now_sums["sales_amount"], n),
        months=monthly_of(now),
        compared_months=monthly_of(before),
        lifecycle=lifecycle_of(now),
        bridge=bridge_of(now_sums["sales_amount"], before_sums["sales_amount"]),
    )
