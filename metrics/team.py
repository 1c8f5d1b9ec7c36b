"""Team performance (SPEC §4.5): the leaderboard rolled up per salesperson (the customers'
owner), with new customers acquired and commission (SPEC §5, each salesperson's basis)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from data.frames import Frames, month_of_days
from metrics.commission import EVENTS, commission, commission_of
from metrics.customers import first_order_day, leaderboard
from metrics.engine import Engine
from metrics.filters import NOT_AVAILABLE, Filters, period_of
from metrics.selection import select
from metrics.sums import customer_sums

TEAM_COLUMNS = (
    "salesperson",
    "salesperson_name",
    "team",
    "sales_amount",
    "gross_profit",
    "gross_profit_margin",
    "confirmed_order_count",
    "average_order_amount",
    "new_customers",
    "customers",
    "active_customers",
    "at_risk_customers",
    "commission_basis",
    "commission",
)


def team_performance(frames: Frames, filters: Filters) -> pd.DataFrame:
    """One row per salesperson in the frames kept by the salesperson / team filters
    (TEAM_COLUMNS), by Sales Amount descending.

    Sums over the customers each owns: margin = Σ gross profit / Σ Sales Amount of lines with a
    cost (NaN = Unknown; a salesperson with no sales has 0); average order amount = confirmed
    order amount / confirmed orders; new_customers = owned customers whose first confirmed
    order ever falls in the period; commission = the salesperson's rate × adjusted sales of the
    period on their basis, from the dated events of the orders they took (metrics.commission).
    """
    board = leaderboard(frames, filters)
    people = frames.salespeople
    if filters.salespeople:
        people = people[people["code"].isin(filters.salespeople)]
    if filters.teams:
        people = people[people["team"].isin(filters.teams)]
    people = people.reset_index(drop=True)
    n = len(people)
    slot = pd.Index(people["code"]).get_indexer(board["owner"])  # -1: not one of `people`
    mine = slot >= 0
    slot = slot[mine]

    def total(values) -> np.ndarray:
        return np.bincount(slot, weights=np.asarray(values, np.float64)[mine], minlength=n)

    def count(flags) -> np.ndarray:
        return np.bincount(slot[np.asarray(flags)[mine]], minlength=n).astype(np.int64)

    period = period_of(frames, filters)
    first = first_order_day(frames)
    is_new = (first >= period.start_day) & (first <= period.end_day)  # per customer code
    code = pd.Index(frames.customers["customer_id"]).get_indexer(board["customer_id"])
    sales = total(board["sales_amount"])
    profit = board["gross_profit"].to_numpy(np.float64)
    known_profit = ~np.isnan(profit)
    gross_profit = total(np.where(known_profit, profit, 0.0))
    # Unknown where no owned customer has a known profit, unless there are no sales at all
    gross_profit[(count(known_profit) == 0) & (sales != 0)] = np.nan
    known_sales = total(board["sales_amount"] * board["cost_coverage"].fillna(0.0))
    orders = total(board["confirmed_order_count"]).astype(np.int64)
    amount = total(board["confirmed_order_amount"])
    pay = commission(frames.daily_events, people, period.start_day, period.end_day)
    counts = {
        "new_customers": count(is_new[code]),
        "customers": np.bincount(slot, minlength=n).astype(np.int64),
        "active_customers": count(board["confirmed_order_count"] > 0),
        "at_risk_customers": count(board["status"] == "at_risk"),
    }
    return _table(people, sales, gross_profit, known_sales, orders, amount, counts, pay)


def _table(people, sales, gross_profit, known_sales, orders, amount, counts, pay) -> pd.DataFrame:
    """TEAM_COLUMNS from the totals per salesperson of `people` (both engines' paths): the
    margin over the sales with a known cost, the average order, `counts` (new, owned, active and
    at-risk customers) and the commission `pay`; by Sales Amount descending, then code."""
    with np.errstate(invalid="ignore", divide="ignore"):
        margin = np.where(known_sales > 0, gross_profit / known_sales, np.nan)
        average_order = np.where(orders > 0, amount / orders, np.nan)
    table = pd.DataFrame(
        {
            "salesperson": people["code"],
            "salesperson_name": people["name"],
            "team": people["team"],
            "sales_amount": sales,
            "gross_profit": gross_profit,
            "gross_profit_margin": margin,
            "confirmed_order_count": orders,
            "average_order_amount": average_order,
            **counts,
            "commission_basis": pay["commission_basis"].to_numpy(),
            "commission": pay["commission"].to_numpy(),
        }
    )
    order = np.lexsort((people["code"].to_numpy(), -sales))  # Sales Amount desc, then code
    return table.iloc[order].reset_index(drop=True)


def team_report(engine: Engine, filters: Filters, by_month: pd.DataFrame) -> pd.DataFrame:
    """team_performance from the engine (start and end given), the same numbers: the
    salespeople of the scope that the salesperson / team filters keep, each with the owner_sums
    of the customers they own, the new customers of `by_month` (new_customers_of for the same
    filters) and the commission of the period's event_sums (the scope's, whatever the other
    filters, as team_performance has it). Columns TEAM_COLUMNS, by Sales Amount descending."""
    people = engine.salespeople()
    if filters.salespeople:
        people = people[people["code"].isin(filters.salespeople)]
    if filters.teams:
        people = people[people["team"].isin(filters.teams)]
    people = people.reset_index(drop=True)
    codes = people["code"]
    owned = engine.owner_sums(filters).set_index("owner").reindex(codes, fill_value=0.0)
    sums = {name: owned[name].to_numpy(np.float64) for name in owned.columns}
    new = by_month.groupby("salesperson")["new_customers"].sum()
    events = engine.event_sums(Filters(start=filters.start, end=filters.end))
    by_event = events.set_index("salesperson").reindex(codes, fill_value=0.0)[list(EVENTS)]
    pay = commission_of(by_event.to_numpy(np.float64), people)
    sales, known_sales = sums["sales_amount"], sums["known_sales"]
    gross_profit = known_sales - sums["cost_amount"] - sums["known_non_inv"]
    # Unknown where no owned customer has a known profit, unless there are no sales at all
    known_profit = sums["customers"] - sums["unknown_cost_customers"]
    gross_profit[(known_profit == 0) & (sales != 0)] = np.nan
    orders = sums["confirmed_orders"].astype(np.int64)
    counts = {
        "new_customers": new.reindex(codes, fill_value=0).to_numpy(np.int64),
        **{name: sums[name].astype(np.int64)
           for name in ("customers", "active_customers", "at_risk_customers")},
    }  # fmt: skip
    amount = sums["confirmed_amount"]
    return _table(people, sales, gross_profit, known_sales, orders, amount, counts, pay)


def sales_of(engine: Engine, filters: Filters) -> pd.DataFrame:
    """sales_by_salesperson from the engine's owner_sums (start and end given)."""
    owned = engine.owner_sums(filters)
    owned = owned[owned["owner"] != NOT_AVAILABLE]
    return pd.DataFrame({"salesperson": owned["owner"].to_numpy(object),
                         "sales_amount": owned["sales_amount"].to_numpy()})  # fmt: skip


def new_customers_of(engine: Engine, filters: Filters) -> pd.DataFrame:
    """new_customers_by_month from the engine's new_customers (start and end given): month
    (first day), salesperson (None for customers without an owner), new_customers; by month,
    then salesperson (None last)."""
    new = engine.new_customers(filters)
    owner = new["owner"].to_numpy(object)
    table = pd.DataFrame(
        {
            "month": pd.to_datetime(new["month"], format="%Y-%m").to_numpy("datetime64[s]"),
            "salesperson": np.where(owner == NOT_AVAILABLE, None, owner),
            "new_customers": new["new_customers"].to_numpy(np.int64),
        }
    )
    order = np.lexsort((owner, owner == NOT_AVAILABLE, table["month"].to_numpy()))
    return table.iloc[order].reset_index(drop=True)


def sales_by_salesperson(frames: Frames, filters: Filters) -> pd.DataFrame:
    """Sales Amount per salesperson: the customers the filters keep, summed by owner (the
    team_performance column alone, for the compared period's bars). Columns: salesperson,
    sales_amount; owners with none of the kept customers are absent."""
    selection = select(frames, filters)
    sales = customer_sums(selection)["sales_amount"][selection.customers]
    owners = frames.customers["owner"].to_numpy(object)[selection.customers]
    table = pd.DataFrame({"salesperson": owners, "sales_amount": sales})
    return table.groupby("salesperson", as_index=False)["sales_amount"].sum()


def new_customers_by_month(frames: Frames, filters: Filters) -> pd.DataFrame:
    """Customers acquired per salesperson per month of the period: their first confirmed order
    ever falls in that month. Columns: month (first day), salesperson, new_customers."""
    selection = select(frames, filters)
    period = selection.period
    first = first_order_day(frames)
    keep = selection.customers & (first >= period.start_day) & (first <= period.end_day)
    months = month_of_days(first[keep]).astype(np.int64)
    # counted per (month, owner) cell in numpy: owners sorted, missing last, as a groupby sorts
    owner, owners = pd.factorize(frames.customers["owner"][keep], sort=True)
    missing = len(owners)  # the owner code of customers without one
    first_month = int(months.min()) if len(months) else 0
    key = (months - first_month) * (missing + 1) + np.where(owner < 0, missing, owner)
    cells, counts = np.unique(key, return_counts=True)
    month, code = np.divmod(cells, missing + 1)
    month += first_month - 1970 * 12
    salespeople = owners.take(np.where(code == missing, -1, code), allow_fill=True)
    return pd.DataFrame(
        {
            "month": month.astype("datetime64[M]").astype("datetime64[s]"),
            "salesperson": pd.array(salespeople, dtype=frames.customers["owner"].dtype),
            "new_customers": counts.astype(np.int64),
        }
    )


def top_and_others(by_month: pd.DataFrame, n: int) -> pd.DataFrame:
    """`by_month` (new_customers_by_month) with the `n` salespeople who acquired the most
    customers over the whole period kept (ties: by code) and the rest (other salespeople and
    customers without an owner) summed per month into one row whose salesperson is None.
    Columns: month, salesperson, new_customers, others (how many salespeople the row sums: 0 on
    a kept salesperson's rows). Kept salespeople first, by their total descending, then the
    others' rows; months ascending within each."""
    months = by_month["month"].to_numpy()
    codes = by_month["salesperson"].to_numpy(object)
    counts = by_month["new_customers"].to_numpy(np.int64)
    owned = pd.notna(codes)
    totals: dict[str, int] = {}
    for code, count in zip(codes[owned], counts[owned], strict=True):  # a row per month × seller
        totals[code] = totals.get(code, 0) + int(count)
    ranked = sorted(totals.items(), key=lambda item: (-item[1], item[0]))
    rank = {code: i for i, (code, _) in enumerate(ranked[:n])}
    is_kept = np.array([code in rank for code in codes], dtype=bool)
    kept = np.flatnonzero(is_kept)
    kept = kept[np.lexsort((months[kept], [rank[c] for c in codes[kept]]))] if len(kept) else kept
    other_months, slot = np.unique(months[~is_kept], return_inverse=True)
    out = pd.DataFrame(
        {
            "month": np.concatenate([months[kept], other_months]),
            "salesperson": [*codes[kept], *[None] * len(other_months)],
            "new_customers": np.concatenate(
                [counts[kept], np.bincount(slot, weights=counts[~is_kept]).astype(np.int64)]
            ),
            "others": np.r_[np.zeros(len(kept), np.int64),
                            np.full(len(other_months), len(ranked) - len(rank), np.int64)],
        }
    )  # fmt: skip
    return out.astype({"month": by_month["month"].dtype,
                       "salesperson": by_month["salesperson"].dtype})  # fmt: skip
