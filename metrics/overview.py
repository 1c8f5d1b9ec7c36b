"""The Overview's analyses (SPEC §4.1): top customers with their cumulative share, the monthly
trend, and the revenue bridge from the compared period to this one; `overview` computes all the
screen shows from one selection of each period over the frames, `overview_of` from an engine's
sums and order days (metrics.engine), on any engine."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from data.frames import Frames, month_of_days
from metrics.customers import lifecycle_of, lifecycle_of_days, summary_of
from metrics.engine import Engine
from metrics.filters import Filters, Period, period_of, with_period
from metrics.kpis import COMPARE_TO, Comparison, kpis_from, kpis_of_customers
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
    customers = frames.customers
    return top_table(customers["customer_id"].to_numpy(), customers["name"].to_numpy(), sales, n)


def top_table(
    customer_id: np.ndarray, customer_name: np.ndarray, sales: np.ndarray, n: int
) -> pd.DataFrame:
    """top_customers from each customer's ID, name and Sales Amount, by customer_id."""
    everyone = sales.sum()
    ranked = np.flatnonzero(sales > 0)
    top = ranked[np.argsort(-sales[ranked], kind="stable")[:n]]  # ties by customer_id
    share = sales[top] / everyone if everyone else np.zeros(len(top))
    return pd.DataFrame(
        {
            "customer_id": customer_id[top],
            "customer_name": customer_name[top],
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
    return monthly_table(selection.period, month, sales)


def monthly_table(period: Period, month: np.ndarray, sales: np.ndarray) -> pd.DataFrame:
    """monthly_sales of `period` from rows of a month (year*12 + month-1, in the period) and a
    Sales Amount each."""
    first, last = month_of_days(np.array([period.start_day, period.end_day]))
    totals = np.bincount(month.astype(np.intp) - first, weights=sales, minlength=last - first + 1)
    months = (np.arange(first, last + 1) - 1970 * 12).astype("datetime64[M]")
    month_start, next_month = months.astype("datetime64[D]"), (months + 1).astype("datetime64[D]")
    first_day = np.maximum(month_start, np.datetime64(period.start, "D"))
    last_day = np.minimum(next_month - 1, np.datetime64(period.end, "D"))
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


def overview_of(
    engine: Engine, frames: Frames, filters: Filters, compare_to: str, n: int = 20
) -> Overview:
    """overview from an engine's sums and order days (metrics.engine), on any engine: each
    period's sums per customer (the KPIs, the top customers, the bridge) and per month (the
    trend), and the order days of this period's customers (the lifecycle). `frames` close an
    open period as compare does and name the customers (the cached customer list; a customer
    missing from it is named by its ID)."""
    period = period_of(frames, filters)
    earlier = COMPARE_TO[compare_to](period)
    now_filters, before_filters = with_period(filters, period), with_period(filters, earlier)
    now, before = engine.sums(now_filters, "customer"), engine.sums(before_filters, "customer")
    comparison = Comparison(
        kpis_of_customers(now, engine.average_reorder_days(now_filters)),
        kpis_of_customers(before, engine.average_reorder_days(before_filters)),
        period,
        earlier,
    )
    customers = frames.customers
    names = pd.Series(customers["name"].to_numpy(object), index=customers["customer_id"])
    ids = now["customer"].to_numpy(object)
    named = names.reindex(ids).to_numpy(object, na_value=None)
    sales = now["sales_amount"].to_numpy()
    return Overview(
        comparison=comparison,
        top=top_table(ids, np.where(pd.isna(named), ids, named), sales, n),
        months=engine_months(engine, now_filters, period),
        compared_months=engine_months(engine, before_filters, earlier),
        lifecycle=lifecycle_of_days(engine.order_days(now_filters), period),
        bridge=engine_bridge(now, before),
    )


def engine_months(engine: Engine, filters: Filters, period: Period) -> pd.DataFrame:
    """monthly_sales of `period` (the filters') from the engine's sums by month."""
    by_month = engine.sums(filters, "month")
    month = [int(label[:4]) * 12 + int(label[5:7]) - 1 for label in by_month["month"]]
    sales = by_month["sales_amount"].to_numpy()
    return monthly_table(period, np.array(month, dtype=np.int64), sales)


def engine_bridge(now: pd.DataFrame, before: pd.DataFrame) -> Bridge:
    """bridge_of from the engine's sums by customer of each period (a customer kept in one
    period only, e.g. by a customer status, has no sales in the other)."""
    customers = np.union1d(now["customer"].to_numpy(str), before["customer"].to_numpy(str))

    def sales(sums: pd.DataFrame) -> np.ndarray:
        per_customer = pd.Series(sums["sales_amount"].to_numpy(), index=sums["customer"])
        return per_customer.reindex(customers, fill_value=0.0).to_numpy()

    return bridge_of(sales(now), sales(before))
