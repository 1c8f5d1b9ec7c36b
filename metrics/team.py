"""Team performance (SPEC §4.5): the leaderboard rolled up per salesperson (the customers'
owner), with new customers acquired and commission (SPEC §5, each salesperson's basis)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from data.frames import Frames, month_of_days
from metrics.commission import commission
from metrics.customers import leaderboard, lifecycle
from metrics.filters import Filters, period_of
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
    cost (NaN = Unknown); average order amount = confirmed order amount / confirmed orders;
    new_customers = owned customers whose first confirmed order ever falls in the period;
    commission = the salesperson's rate × adjusted sales of the period on their basis, from the
    dated events of the orders they took (metrics.commission).
    """
    board = leaderboard(frames, filters)
    new = lifecycle(frames, filters).set_index("customer_id")["new"]
    board = board.assign(
        known_sales=board["sales_amount"] * board["cost_coverage"].fillna(0.0),
        active=board["confirmed_order_count"] > 0,
        at_risk=board["status"].eq("at_risk"),
        new=board["customer_id"].map(new).fillna(False).astype(bool),
    )
    grouped = board.groupby("owner", observed=True).agg(
        sales_amount=("sales_amount", "sum"),
        gross_profit=("gross_profit", lambda s: s.sum(min_count=1)),
        known_sales=("known_sales", "sum"),
        confirmed_order_count=("confirmed_order_count", "sum"),
        confirmed_order_amount=("confirmed_order_amount", "sum"),
        new_customers=("new", "sum"),
        customers=("customer_id", "size"),
        active_customers=("active", "sum"),
        at_risk_customers=("at_risk", "sum"),
    )
    people = frames.salespeople
    if filters.salespeople:
        people = people[people["code"].isin(filters.salespeople)]
    if filters.teams:
        people = people[people["team"].isin(filters.teams)]
    people = people.set_index("code")
    counts = (
        "confirmed_order_count",
        "new_customers",
        "customers",
        "active_customers",
        "at_risk_customers",
    )
    table = grouped.reindex(people.index)
    table = table.fillna({c: 0 for c in counts} | {"sales_amount": 0.0, "known_sales": 0.0,
                                                   "confirmed_order_amount": 0.0})  # fmt: skip
    table.loc[table["sales_amount"] == 0, "gross_profit"] = 0.0  # no sales: nothing unknown
    with np.errstate(invalid="ignore", divide="ignore"):
        table["gross_profit_margin"] = np.where(
            table["known_sales"] > 0, table["gross_profit"] / table["known_sales"], np.nan
        )
        table["average_order_amount"] = np.where(
            table["confirmed_order_count"] > 0,
            table["confirmed_order_amount"] / table["confirmed_order_count"],
            np.nan,
        )
    period = period_of(frames, filters)
    pay = commission(frames.events, frames.salespeople, period.start_day, period.end_day)
    pay = pay.set_index("salesperson")
    table = table.assign(
        salesperson_name=people["name"],
        team=people["team"],
        commission_basis=pay["commission_basis"],
        commission=pay["commission"],
    )
    table = table.rename_axis("salesperson").reset_index()
    table[list(counts)] = table[list(counts)].astype(np.int64)
    return (
        table[list(TEAM_COLUMNS)]
        .sort_values(["sales_amount", "salesperson"], ascending=[False, True], kind="stable")
        .reset_index(drop=True)
    )


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
    table = lifecycle(frames, filters)
    new_ids = set(table.loc[table["new"], "customer_id"])
    customers = frames.customers
    od = frames.order_days
    first = od.drop_duplicates("customer")  # sorted by customer then day: first orders
    codes = first["customer"].to_numpy()
    ids = customers["customer_id"].to_numpy()[codes]
    keep = np.isin(ids, list(new_ids))
    months = month_of_days(first["day"].to_numpy()[keep])
    out = pd.DataFrame({"month": months, "salesperson": customers["owner"].to_numpy()[codes][keep]})
    out = (
        out.groupby(["month", "salesperson"], dropna=False)
        .size()
        .rename("new_customers")
        .reset_index()
    )
    out["month"] = (
        (out["month"].to_numpy() - 1970 * 12).astype("datetime64[M]").astype("datetime64[s]")
    )
    return out


def top_and_others(by_month: pd.DataFrame, n: int) -> pd.DataFrame:
    """`by_month` (new_customers_by_month) with the `n` salespeople who acquired the most
    customers over the whole period kept (ties: by code) and the rest (other salespeople and
    customers without an owner) summed per month into one row whose salesperson is None.
    Columns: month, salesperson, new_customers, others (how many salespeople the row sums: 0 on
    a kept salesperson's rows). Kept salespeople first, by their total descending, then the
    others' rows; months ascending within each."""
    owned = by_month[by_month["salesperson"].notna()]
    totals = owned.groupby("salesperson")["new_customers"].sum()
    ranked = sorted(totals.items(), key=lambda item: (-item[1], item[0]))
    rank = {code: i for i, (code, _) in enumerate(ranked[:n])}
    is_kept = by_month["salesperson"].isin(list(rank))
    kept = by_month[is_kept].assign(others=0)
    kept = kept.assign(rank=kept["salesperson"].map(rank)).sort_values(["rank", "month"])
    others = (
        by_month[~is_kept]
        .groupby("month", as_index=False)["new_customers"]
        .sum()
        .assign(salesperson=None, others=len(ranked) - len(rank))
    )
    columns = ["month", "salesperson", "new_customers", "others"]
    out = pd.concat([kept[columns], others[columns]], ignore_index=True)
    return out.astype({"salesperson": by_month["salesperson"].dtype})
