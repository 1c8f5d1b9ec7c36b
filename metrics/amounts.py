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
from metrics.sums import Sums, line_sums

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
    """AMOUNT_COLUMNS per group (`group`: a code in 0..groups-1 per selected line; None = one row)."""
    return amount_columns(line_sums(selection, group, groups))


def amount_columns(sums: Sums) -> pd.DataFrame:
    """AMOUNT_COLUMNS from the sums of metrics.sums (see amount_values)."""
    return pd.DataFrame(amount_values(sums))


def amount_values(sums: Sums) -> dict[str, np.ndarray]:
    """AMOUNT_COLUMNS from the sums of metrics.sums, as arrays by name.

    Sales Amount = Σ net line amount; Cost Amount = Σ quantity × unit_cost over lines with a cost;
    Gross Profit = Σ (sales − cost − cost_non_inv) over lines with a cost; margin = Gross Profit /
    Sales Amount of lines with a cost; cost coverage = that Sales Amount / Sales Amount;
    Average Cost Price = Cost Amount / quantity of lines with a cost.
    """
    sales_amount = sums["sales_amount"]
    known_sales = sums["known_sales"]
    cost_amount = sums["cost_amount"]
    unknown = (sums["known_lines"] == 0) & (sums["revenue_lines"] > 0)
    gross_profit = known_sales - cost_amount - sums["known_non_inv"]
    with np.errstate(invalid="ignore", divide="ignore"):
        margin = np.where(known_sales != 0, gross_profit / known_sales, np.nan)
        coverage = np.where(sales_amount != 0, known_sales / sales_amount, np.nan)
        average_cost = np.where(
            sums["known_quantity"] != 0, cost_amount / sums["known_quantity"], np.nan
        )
    return {
        "sales_amount": sales_amount,
        "sales_quantity": sums["sales_quantity"],
        "cost_amount": np.where(unknown, np.nan, cost_amount),
        "cost_amount_non_inv": sums["cost_non_inv"],
        "gross_profit": np.where(unknown, np.nan, gross_profit),
        "gross_profit_margin": margin,
        "cost_coverage": coverage,
        "average_cost_price": average_cost,
    }


def amounts_by(selection: Selection, column: str) -> pd.DataFrame:
    """AMOUNT_COLUMNS per value of a categorical line column (e.g. category), by Sales Amount
    descending; lines missing the value form one row labelled N/A. The label column is named
    after `column`."""
    categories = selection.frames.lines[column].cat.categories
    codes = selection.codes(column).astype(np.int64)
    group = np.where(codes < 0, len(categories), codes)
    table = amounts(selection, group, len(categories) + 1)
    table.insert(0, column, [*map(str, categories), NOT_AVAILABLE])
    seen = np.bincount(group, minlength=len(categories) + 1)
    return (
        table[seen > 0]
        .sort_values(["sales_amount", column], ascending=[False, True], kind="stable")
        .reset_index(drop=True)
    )
