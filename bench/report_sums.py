"""Each sales report's report_sums on the sql engine, from the rollups, for one period.

On a database whose rollups (data.rollups) are current (a DuckDB file: duckdb:///path; any URL
the sql engine reads), it asks SqlEngine, for whoever sees everything, the report_sums behind
each report of SPEC §5 (the dimension reports, Sales by Date by day / week / month, Sales by
User's amounts, Sell Through by item and by product, Made to Order) over the period (default:
the 12 months up to the data's last order date, as the screens' default view), and prints the
median of --repeat runs (no warm-up) with the rows, the Sales Amount and the orders; --lines
asks the same from the lines (rollups=False) too.

    PYTHONPATH=. python -m bench.report_sums --url duckdb:////tmp/demo-50m.duckdb [--repeat 5]
"""

from __future__ import annotations

import argparse
import statistics
import time
from datetime import date

import pandas as pd

from bench.questions import EVERYONE, load_text, timed
from data.sql_engine import Database, SqlEngine
from metrics.engine import MADE_TO_ORDER_ROW
from metrics.filters import Filters
from metrics.reports import ENGINE_REPORTS

REPORTS = {
    **{f"Sales by {by.title()}": by for by in ENGINE_REPORTS.values()},
    **{f"Sales by Date by {by}": by for by in ("day", "week", "month")},
    "Sales by User (amounts)": "salesperson",
    "Sell Through by item": "item",
    "Sell Through by product": "product",
    "Made to Order": ("product", "customisation"),
}
ROWS = {"Made to Order": MADE_TO_ORDER_ROW}  # a report's row narrowing (metrics.reports)


def last_12_months(database: Database) -> Filters:
    """The 12 months up to the data's last order date (the day after that day a year before)."""
    last = pd.Timestamp(database.run("SELECT MAX(order_date) AS last FROM orders")["last"].iloc[0])
    return Filters(start=(last - pd.DateOffset(years=1, days=-1)).date(), end=last.date())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True, help="the analytics database (ANALYTICS_URL)")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--start", type=date.fromisoformat)
    parser.add_argument("--end", type=date.fromisoformat)
    parser.add_argument("--lines", action="store_true", help="from the lines too")
    args = parser.parse_args()
    database = Database(args.url)
    if not database.rollups_current():
        raise SystemExit("the rollups are not current: run `flask rebuild-rollups` first")
    period = last_12_months(database)
    period = Filters(start=args.start or period.start, end=args.end or period.end)
    print(f"bench/report_sums.py, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, "
          f"{period.start} to {period.end}, median of {args.repeat} runs ({load_text()})")  # fmt: skip
    engines = {"rollups": SqlEngine(database, EVERYONE)}
    if args.lines:
        engines["lines"] = SqlEngine(database, EVERYONE, rollups=False)
    for report, by in REPORTS.items():
        for key, engine in engines.items():
            row = ROWS.get(report)
            runs = [timed(engine.report_sums, period, by, row) for _ in range(args.repeat)]
            sums = runs[-1][1]
            print(f"{report:<28} {key:<8} {statistics.median(t for t, _ in runs) / 1000:6.2f} s"
                  f"  {len(sums):>4} rows  Sales Amount {sums['sales_amount'].sum():,.2f}"
                  f"  orders {sums['orders'].sum():,.0f}", flush=True)  # fmt: skip
    print(f"({load_text()})")


if __name__ == "__main__":
    main()
