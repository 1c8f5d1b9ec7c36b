"""The sales amounts of SPEC §3 over selected lines, in total or per group, with the missing-cost rules.

Only revenue lines count (confirmed orders; lines neither cancelled nor returned). Lines without a
unit cost are left out of Cost Amount, Gross Profit, margin and Average Cost Price; Cost coverage
tells how much of the Sales Amount has a known cost. Where no revenue line of a row has a cost,
cost, profit and margin are NaN (shown as Unknown, never 0).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from metrics.filters import NOT_AVAILABLE
from metrics.selection import Selection

AMOUNT_COLUMNS = (
    "sales_amount",
    "sales_quantity",
    "cost_amount",
    "cost_amount_non_inv",
    "gross_profit",
    "gross_profit_margin",
    "cost_coverage",
    "average_cost_price",
)


def amounts(selection: Selection, group: np.ndarray | None = None, groups: int = 1) -> pd.DataFrame:
    """AMOUNT_COLUMNS per group.

    group: an int code in 0..groups-1 per selected line (None = one row for everything).
    Sales Amount = Σ net line amount; Cost Amount = Σ quantity × unit_cost over lines with a cost;
    Gross Profit = Σ (sales − cost − cost_non_inv) over lines with a cost; margin = Gross Profit /
    Sales Amount of lines with a cost; cost coverage = that Sales Amount / Sales Amount;
    Average Cost Price = Cost Amount / quantity of lines with a cost.
    """
    revenue = selection.values("revenue")
    key = (np.zeros(len(revenue), dtype=np.int64) if group is None else group)[revenue]
    sales = selection.values("sales_amount")[revenue]
    quantity = selection.values("quantity")[revenue]
    cost = selection.values("cost_amount")[revenue]
    non_inv = selection.values("cost_non_inv")[revenue]
    known = ~np.isnan(cost)
    known_key = key[known]

    def total(weights: np.ndarray | None, by: np.ndarray = key) -> np.ndarray:
        return np.bincount(by, weights=weights, minlength=groups).astype(np.float64)

    sales_amount = total(sales)
    known_lines = total(None, known_key)
    known_sales = total(sales[known], known_key)
    cost_amount = total(cost[known], known_key)
    known_non_inv = total(non_inv[known], known_key)
    known_quantity = total(quantity[known], known_key)
    revenue_lines = total(None)

    unknown = (known_lines == 0) & (revenue_lines > 0)
    gross_profit = known_sales - cost_amount - known_non_inv
    with np.errstate(invalid="ignore", divide="ignore"):
        margin = np.where(known_sales != 0, gross_profit / known_sales, np.nan)
        coverage = np.where(sales_amount != 0, known_sales / sales_amount, np.nan)
        average_cost = np.where(known_quantity != 0, cost_amount / known_quantity, np.nan)
    return pd.DataFrame(
        {
            "sales_amount": sales_amount,
            "sales_quantity": total(quantity),
            "cost_amount": np.where(unknown, np.nan, cost_amount),
            "cost_amount_non_inv": total(non_inv),
            "gross_profit": np.where(unknown, np.nan, gross_profit),
            "gross_profit_margin": margin,
            "cost_coverage": coverage,
            "average_cost_price": average_cost,
        }
    )


def amounts_by(selection: Selection, column: str) -> pd.DataFrame:
    """AMOUNT_COLUMNS per value of a categorical line column (e.g. category), by Sales Amount
    descending; lines missing the value form one row labelled N/A. The label column is named
    after `column`."""
    categories = selection.frames.lines[column].cat.categories
    codes = selection.codes(column).astype(np.int64)
    table = amounts(selection, np.where(codes < 0, len(categories), codes), len(categories) + 1)
    table.insert(0, column, [*map(str, categories), NOT_AVAILABLE])
    seen = np.bincount(np.where(codes < 0, len(categories), codes), minlength=len(categories) + 1)
    return (
        table[seen > 0]
        .sort_values(["sales_amount", column], ascending=[False, True], kind="stable")
        .reset_index(drop=True)
    )
