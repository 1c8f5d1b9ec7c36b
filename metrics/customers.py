"""Customer metrics of SPEC §3: the leaderboard, summary cards, at-risk accounts and lifecycle."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from data.frames import DAILY_SUMS, Frames
from metrics.amounts import AMOUNT_COLUMNS, amount_columns
from metrics.cadence import cadence, status_labels
from metrics.filters import Filters, Period, previous_period
from metrics.selection import Selection, select
from metrics.sums import Sums, customer_sums

if TYPE_CHECKING:  # metrics.engine reads this module's reorder time
    from metrics.engine import Engine

LEADERBOARD_COLUMNS = (
    "customer_id",
    "customer_name",
    "total_order_count",
    "total_order_amount",
    "confirmed_order_count",
    "confirmed_order_amount",
    "draft_order_amount",
    "last_order",
    "average_order_amount",
    "days_since_last_order",
    *[c for c in AMOUNT_COLUMNS if c != "average_cost_price"],
    "status",
)
# what leaderboard_of asks an engine for per customer (metrics.engine.CUSTOMER_FIGURES)
LEADERBOARD_FIGURES = (*DAILY_SUMS, "last_order_day", "days_since_last_order", "overdue_days",
                       "at_risk")  # fmt: skip


@dataclass(frozen=True)
class Summary:
    """The four summary cards of the Customer Report."""

    confirmed_order_amount: float
    total_customers: int
    active_customers: int
    average_reorder_days: float | None


def leaderboard(frames: Frames, filters: Filters) -> pd.DataFrame:
    """One row per customer the filters keep: LEADERBOARD_COLUMNS, then overdue_days (days past
    last order + median reorder gap) and owner; by Sales Amount descending.

    Total = confirmed + draft orders; Last Order = latest confirmed order up to the period end
    (all history); Average Order Amount = Total Order Amount / Total Order Count;
    days since last order = period end − Last Order.
    """
    selection = select(frames, filters)
    sums = customer_sums(selection)
    kept = np.flatnonzero(selection.customers)
    # by Sales Amount descending, then customer_id (codes follow customer_id order)
    rows = kept[np.lexsort((kept, -sums["sales_amount"][kept]))]
    cad = cadence(frames, selection.period.end_day)
    customers = frames.customers
    return _board(
        {c: customers[c].array.take(rows) for c in ("customer_id", "name", "owner")},
        {name: values[rows] for name, values in sums.items()},
        cad.last_order_day[rows],
        cad.days_since_last_order[rows],
        cad.overdue_days[rows],
        cad.at_risk[rows],
    )


def leaderboard_of(engine: Engine, filters: Filters, customers: pd.DataFrame) -> pd.DataFrame:
    """leaderboard from an engine's figures per customer (Engine.customers): the same rows on
    every engine. `customers`: the customer list (customer_id, name, owner) that names them (a
    customer missing from it is named by its ID)."""
    figures = engine.customers(filters, LEADERBOARD_FIGURES)
    figures = figures.sort_values(["sales_amount", "customer"], ascending=[False, True],
                                  kind="stable")  # fmt: skip
    ids = figures["customer"].to_numpy(object)
    listed = customers.set_index("customer_id").reindex(ids)
    names = listed["name"].to_numpy(object)
    names[pd.isna(names)] = ids[pd.isna(names)]
    named = {"customer_id": ids, "name": names, "owner": listed["owner"].to_numpy(object)}
    last = figures["last_order_day"].to_numpy()
    return _board(
        named,
        {name: figures[name].to_numpy() for name in DAILY_SUMS},
        np.where(np.isnan(last), -1, last).astype(np.int64),
        figures["days_since_last_order"].to_numpy(),
        figures["overdue_days"].to_numpy(),
        figures["at_risk"].to_numpy(bool),
    )


def _board(
    customers: dict,
    per_customer: Sums,
    last_order_day: np.ndarray,
    days_since_last_order: np.ndarray,
    overdue_days: np.ndarray,
    at_risk: np.ndarray,
) -> pd.DataFrame:
    """leaderboard's rows, in the order given: `customers` (customer_id, name, owner), their
    sums and cadence (last_order_day -1 = none; days since and overdue NaN = none)."""
    confirmed_count = per_customer["confirmed_orders"].astype(np.int64)
    confirmed_amount = per_customer["confirmed_amount"]
    draft_amount = per_customer["draft_amount"]
    amounts = amount_columns(per_customer)
    total_count = confirmed_count + per_customer["draft_orders"].astype(np.int64)
    total_amount = confirmed_amount + draft_amount
    with np.errstate(invalid="ignore", divide="ignore"):
        average_order = np.where(total_count > 0, total_amount / total_count, np.nan)
    return pd.DataFrame(
        {
            "customer_id": customers["customer_id"],
            "customer_name": customers["name"],
            "total_order_count": total_count,
            "total_order_amount": total_amount,
            "confirmed_order_count": confirmed_count,
            "confirmed_order_amount": confirmed_amount,
            "draft_order_amount": draft_amount,
            "last_order": _dates(last_order_day),
            "average_order_amount": average_order,
            "days_since_last_order": pd.array(days_since_last_order, dtype="Int64"),
            **{c: amounts[c].to_numpy() for c in LEADERBOARD_COLUMNS if c in amounts},
            "status": status_labels(confirmed_count > 0, at_risk),
            "overdue_days": overdue_days,
            "owner": customers["owner"],
        }
    )


def summary(frames: Frames, filters: Filters, period: Period | None = None) -> Summary:
    """Confirmed Order Amount, Total Customers (accounts kept, with or without orders),
    Active Customers (≥ 1 confirmed order in the period) and Average Reorder Time."""
    selection = select(frames, filters, period)
    return summary_of(selection, customer_sums(selection))


def summary_of(selection: Selection, per_customer: Sums) -> Summary:
    """The summary cards of a selection, given its customer_sums."""
    active = per_customer["confirmed_orders"] > 0
    reorder_days = average_reorder_days(selection.frames, selection.period, active)
    return summary_from(per_customer, int(selection.customers.sum()), reorder_days)


def summary_from(
    per_customer: Sums, total_customers: int, average_reorder_days: float | None
) -> Summary:
    """The summary cards from per-customer sums (confirmed_amount, confirmed_orders), the number
    of customers kept and the average reorder time (whichever engine computed them)."""
    return Summary(
        confirmed_order_amount=float(per_customer["confirmed_amount"].sum()),
        total_customers=total_customers,
        active_customers=int((per_customer["confirmed_orders"] > 0).sum()),
        average_reorder_days=average_reorder_days,
    )


def average_reorder_days(frames: Frames, period: Period, active: np.ndarray) -> float | None:
    """Mean days between consecutive confirmed order dates of `active` customers, over the gaps
    whose later order date falls in `period`; None when there is no such gap."""
    od = frames.order_days
    day = od["day"].to_numpy()
    gap = od["gap"].to_numpy()
    keep = (day >= period.start_day) & (day <= period.end_day) & ~np.isnan(gap)
    keep &= active[od["customer"].to_numpy()]
    return float(gap[keep].mean()) if keep.any() else None


def at_risk_customers(frames: Frames, filters: Filters) -> pd.DataFrame:
    """Customers at risk at the period end: customer_id, customer_name, last_order,
    days_since_last_order, median_reorder_days, overdue_days (days past last order + median gap)
    and trailing_12m_sales_amount (Sales Amount in the 365 days to the period end), most at stake first.
    """
    selection = select(frames, filters)
    end = selection.period.end_day
    cad = cadence(frames, end)
    keep = cad.at_risk & selection.customers
    t12m = customer_sums(select(frames, Filters(), Period(end - 364, end)))["sales_amount"]
    table = pd.DataFrame(
        {
            "customer_id": frames.customers["customer_id"].to_numpy(),
            "customer_name": frames.customers["name"].to_numpy(),
            "last_order": _dates(cad.last_order_day),
            "days_since_last_order": cad.days_since_last_order,
            "median_reorder_days": cad.median_gap,
            "overdue_days": cad.overdue_days,
            "trailing_12m_sales_amount": t12m,
        }
    )[keep]
    return table.sort_values(
        ["trailing_12m_sales_amount", "customer_id"], ascending=[False, True]
    ).reset_index(drop=True)


def lifecycle(frames: Frames, filters: Filters, lost_after_months: int = 6) -> pd.DataFrame:
    """Per customer kept by the filters: customer_id, new, returning, recovered, lost (bools).

    new: first confirmed order ever falls in the period; returning: ordered before the period
    and in it; recovered: ordered before the previous period, not in it, and in this one
    (a kind of returning); lost: became lost during the period, i.e. the day on which they had
    gone `lost_after_months` months without a confirmed order falls in the period.
    """
    return lifecycle_of(select(frames, filters), lost_after_months)


def lifecycle_of(selection: Selection, lost_after_months: int = 6) -> pd.DataFrame:
    """lifecycle of the customers a selection keeps, over its period."""
    frames = selection.frames
    period = selection.period
    prev = previous_period(period)
    od = frames.order_days
    customer = od["customer"].to_numpy()
    day = od["day"].to_numpy()
    n = len(frames.customers)

    def any_in(start: int, end: int) -> np.ndarray:
        return np.bincount(customer[(day >= start) & (day <= end)], minlength=n) > 0

    table = lifecycle_table(
        frames.customers["customer_id"].to_numpy(),
        first_order_day(frames),
        cadence(frames, period.end_day).last_order_day,
        any_in(period.start_day, period.end_day),
        any_in(prev.start_day, prev.end_day),
        period,
        lost_after_months,
    )
    return table[selection.customers].reset_index(drop=True)


def lifecycle_of_days(
    days: pd.DataFrame, period: Period, lost_after_months: int = 6
) -> pd.DataFrame:
    """lifecycle over `period` from an engine's order days (metrics.engine.Engine.order_days of
    that period: customer, first_order_day, last_order_day, last_order_day_before; NaN for
    none): ordered in the period = the latest order up to its end is in it; ordered in the
    previous period = the latest before its start is in that one."""
    first, last, before = (
        days[name].to_numpy(np.float64)
        for name in ("first_order_day", "last_order_day", "last_order_day_before")
    )
    prev = previous_period(period)
    with np.errstate(invalid="ignore"):  # NaN (none) compares False
        in_period, in_previous = last >= period.start_day, before >= prev.start_day
    return lifecycle_table(
        days["customer"].to_numpy(object),
        _day_numbers(first, none=np.iinfo(np.int64).max),
        _day_numbers(last, none=-1),
        in_period,
        in_previous,
        period,
        lost_after_months,
    )


def lifecycle_table(
    customer_id: np.ndarray,
    first_order: np.ndarray,
    last_order: np.ndarray,
    in_period: np.ndarray,
    in_previous: np.ndarray,
    period: Period,
    lost_after_months: int,
) -> pd.DataFrame:
    """lifecycle's table of customers: their first confirmed order day ever (the int64 maximum
    for none), latest up to the period's end (-1 for none), and whether they ordered in the
    period and in the previous one."""
    prev = previous_period(period)
    lost_on = _lost_on(last_order, lost_after_months)
    return pd.DataFrame(
        {
            "customer_id": customer_id,
            "new": (first_order >= period.start_day) & (first_order <= period.end_day),
            "returning": (first_order < period.start_day) & in_period,
            "recovered": (first_order < prev.start_day) & ~in_previous & in_period,
            "lost": (last_order >= 0) & (lost_on >= period.start_day) & (lost_on <= period.end_day),
        }
    )


def first_order_day(frames: Frames) -> np.ndarray:
    """Per customer code, the day number of their first confirmed order ever (the int64
    maximum for a customer with none)."""
    od = frames.order_days  # sorted by customer, then day
    customer, day = od["customer"].to_numpy(), od["day"].to_numpy()
    first = np.full(len(frames.customers), np.iinfo(np.int64).max)
    starts = np.r_[True, customer[1:] != customer[:-1]] if len(customer) else np.zeros(0, bool)
    first[customer[starts]] = day[starts]
    return first


def _day_numbers(days: np.ndarray, none: int) -> np.ndarray:
    """Day numbers (floats, NaN for none) as int64, `none` where NaN."""
    result = np.full(len(days), none, dtype=np.int64)
    known = ~np.isnan(days)
    result[known] = days[known].astype(np.int64)
    return result


def _dates(days: np.ndarray) -> np.ndarray:
    """datetime64 dates of day numbers, NaT where the day is -1 (none)."""
    return np.where(days >= 0, days, np.iinfo(np.int64).min).astype("datetime64[D]")


def _lost_on(last_order_day: np.ndarray, months: int) -> np.ndarray:
    """Day number `months` calendar months after each last order (-1 where none)."""
    has = last_order_day >= 0
    result = np.full(len(last_order_day), -1, dtype=np.int64)
    if has.any():
        later = pd.to_datetime(last_order_day[has], unit="D") + pd.DateOffset(months=months)
        result[has] = later.values.astype("datetime64[D]").astype(np.int64)
    return result
