"""Tables of the command-line (and later on-screen) exports: frames with the export's columns."""

from __future__ import annotations

import pandas as pd

from data.frames import Frames
from metrics.customers import LEADERBOARD_COLUMNS, leaderboard
from metrics.filters import Filters
from metrics.kpis import kpis
from metrics.matrix import matrix
from metrics.reports import SALES_REPORTS
from metrics.team import team_performance


def kpis_table(frames: Frames, filters: Filters) -> pd.DataFrame:
    """One row: every KPI of SPEC §3 (margins and coverage as fractions; Unknown as empty)."""
    return pd.DataFrame([kpis(frames, filters).as_dict()])


def leaderboard_table(frames: Frames, filters: Filters) -> pd.DataFrame:
    """The leaderboard's export columns, Last Order as YYYY-MM-DD."""
    table = leaderboard(frames, filters)[list(LEADERBOARD_COLUMNS)]
    table["last_order"] = pd.Series(table["last_order"]).dt.strftime("%Y-%m-%d")
    return table


# The sales reports of SPEC §5 with their default options (Sales by Date by day, Sell Through by
# item without unsold items, Made to Order over made-to-order lines); first column = row label.
def sales_by_customer_table(frames: Frames, filters: Filters) -> pd.DataFrame:
    """The Sales by Customer matrix (KPI columns), one row per customer with sales."""
    table = matrix(frames, filters, "kpis")
    return table.rename(columns={"key": "customer_id", "name": "customer_name"})


REPORTS = {
    "kpis": kpis_table,
    "leaderboard": leaderboard_table,
    "sales-by-customer": sales_by_customer_table,
    "team": team_performance,
    **SALES_REPORTS,
}


def to_csv(table: pd.DataFrame) -> str:
    """CSV text; amounts rounded to 6 decimals to drop floating-point noise, missing as empty."""
    return table.round(6).to_csv(index=False, lineterminator="\n")
