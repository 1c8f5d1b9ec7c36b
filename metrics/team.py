"""Team performance: the leaderboard rolled up per salesperson (the customers' owner)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from data.frames import Frames
from metrics.customers import leaderboard
from metrics.filters import Filters

TEAM_COLUMNS = (
    "salesperson",
    "salesperson_name",
    "team",
    "sales_amount",
    "gross_profit",
    "gross_profit_margin",
    "confirmed_order_count",
    "customers",
    "active_customers",
    "at_risk_customers",
)


def team_performance(frames: Frames, filters: Filters) -> pd.DataFrame:
    """One row per salesperson in the frames (TEAM_COLUMNS), by Sales Amount descending.

    Sums over the customers each owns; margin = Σ gross profit / Σ Sales Amount of lines with a
    cost, as everywhere; gross profit is NaN (Unknown) when none of their sales has a cost.
    """
    board = leaderboard(frames, filters)
    board = board.assign(
        known_sales=board["sales_amount"] * board["cost_coverage"].fillna(0.0),
        active=board["confirmed_order_count"] > 0,
        at_risk=board["status"].eq("at_risk"),
    )
    grouped = board.groupby("owner", observed=True).agg(
        sales_amount=("sales_amount", "sum"),
        gross_profit=("gross_profit", lambda s: s.sum(min_count=1)),
        known_sales=("known_sales", "sum"),
        confirmed_order_count=("confirmed_order_count", "sum"),
        customers=("customer_id", "size"),
        active_customers=("active", "sum"),
        at_risk_customers=("at_risk", "sum"),
    )
    people = frames.salespeople.set_index("code")
    table = grouped.reindex(people.index).fillna(
        {"sales_amount": 0.0, "known_sales": 0.0, "confirmed_order_count": 0, "customers": 0,
         "active_customers": 0, "at_risk_customers": 0}
    )  # fmt: skip
    with np.errstate(invalid="ignore", divide="ignore"):
        table["gross_profit_margin"] = np.where(
            table["known_sales"] > 0, table["gross_profit"] / table["known_sales"], np.nan
        )
    table = table.assign(salesperson_name=people["name"], team=people["team"])
    table = table.rename_axis("salesperson").reset_index()
    return (
        table[list(TEAM_COLUMNS)]
        .sort_values(["sales_amount", "salesperson"], ascending=[False, True], kind="stable")
        .reset_index(drop=True)
    )
