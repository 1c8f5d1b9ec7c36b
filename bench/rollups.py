"""The sql engine's questions by item from the (month, customer, item) rollup against the lines.

On a database whose rollups (data.rollups) are current (run `flask rebuild-rollups` first), it
prints the rows of each rollup table, then asks SqlEngine with the rollups and without them
(rollups=False: the lines) two questions by item and checks the answers equal (same rows,
counts exact, money to the cent) before it prints the median of --repeat runs after one warm-up,
taken in turns:

  Sell Through  report_sums by item, the last 12 whole months before the data's last month
  (c)           sums by (month, item) of the top customer (Sales Amount, all data)

    PYTHONPATH=. python -m bench.rollups --url sqlite:////tmp/demo-1m.db [--repeat 5]
"""

from __future__ import annotations

import argparse
import statistics
import time
from datetime import timedelta

import numpy as np
import pandas as pd
from sqlalchemy import func, select

from bench.questions import COUNTS, EVERYONE, load_text, timed
from data.db import make_engine
from data.models import ROLLUP_TABLES
from data.sql_engine import Database, SqlEngine
from metrics.filters import Filters


def last_whole_months(database: Database, months: int = 12) -> Filters:
    """The `months` calendar months before the month of the data's last order."""
    last = database.run("SELECT MAX(order_date) AS last FROM orders")["last"].iloc[0]
    first_of_last = pd.Timestamp(last).date().replace(day=1)
    start = (pd.Timestamp(first_of_last) - pd.DateOffset(months=months)).date()
    return Filters(start=start, end=first_of_last - timedelta(days=1))


def differences(expected: pd.DataFrame, got: pd.DataFrame) -> list[str]:
    if list(expected.columns) != list(got.columns) or len(expected) != len(got):
        return [f"shape {expected.shape} != {got.shape}"]
    found = []
    for name in expected.columns:
        e, g = expected[name].to_numpy(), got[name].to_numpy()
        numeric = pd.api.types.is_numeric_dtype(expected[name])
        if not numeric or name in (*COUNTS, "orders", "customers"):
            equal = np.array_equal(e, g)
        else:
            equal = np.allclose(e, g, rtol=0, atol=0.005)
        found += [] if equal else [name]
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True, help="the app's database (DATABASE_URL)")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    print(f"bench/rollups.py, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, median of "
          f"{args.repeat} runs after one warm-up ({load_text()})")  # fmt: skip
    with make_engine(args.url).connect() as conn:
        for table in ROLLUP_TABLES:
            rows = conn.execute(select(func.count()).select_from(table)).scalar_one()
            print(f"{table.name}: {rows:,} rows")
    database = Database(args.url)
    if not database.rollups_current():
        raise SystemExit("the rollups are not current: run `flask rebuild-rollups` first")
    engines = {"rollups": SqlEngine(database, EVERYONE),
               "lines": SqlEngine(database, EVERYONE, rollups=False)}  # fmt: skip
    totals = engines["rollups"].sums(Filters(), "customer")
    top = totals.sort_values(["sales_amount", "customer"], ascending=[False, True])
    top = top["customer"].iat[0]
    months = last_whole_months(database)
    questions = {
        f"Sell Through by item, {months.start:%Y-%m} to {months.end:%Y-%m}": (
            lambda e: e.report_sums(months, "item")),
        f"(c) month x item, {top}": (
            lambda e: e.sums(Filters(customers=(top,)), ("month", "item"))),
    }  # fmt: skip
    print(f"{'question':<44} {'rows':>6} {'rollups ms':>11} {'lines ms':>10}  equal")
    for question, ask in questions.items():
        answers = {key: ask(engine) for key, engine in engines.items()}  # the warm-up
        found = differences(answers["lines"], answers["rollups"])
        if found:
            raise AssertionError(f"{question}: the rollups differ from the lines: {found}")
        times = {key: [] for key in engines}
        for _ in range(args.repeat):
            for key, engine in engines.items():
                times[key].append(timed(ask, engine)[0])
        medians = [statistics.median(times[key]) for key in engines]
        print(f"{question:<44} {len(answers['lines']):>6,} {medians[0]:>11,.0f} "
              f"{medians[1]:>10,.0f}  yes")  # fmt: skip
    print(f"({load_text()})")


if __name__ == "__main__":
    main()
