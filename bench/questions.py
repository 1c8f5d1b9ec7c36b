"""What bench/spark.py and bench/sql.py ask both engines, and how they check the answers equal:
the queries of bench/engine.py through the engine interface (metrics.engine) and the KPI export.

  (a) sums by customer            2025, team North, categories Apparel + Home
  (b) sums by customer            all data
  (c) sums by (month, item)       the top customer of (b), all data
  (d) sums by customer, then by (customer, month) for the top 20 of them, all data
  and the KPI export: the CSV of /export/kpis.csv (views.exports.csv_text) for the all-data view,
  as leadership and as the manager of North, and the average reorder time in it.

Equal: same rows, counts exact, money to the cent, ratios to 1e-9, Unknown where Unknown.
"""

from __future__ import annotations

import csv
import io
import math
import os
import statistics
import time
from datetime import date

import numpy as np
import pandas as pd

from data.access import Scope, scoped
from data.sql_engine import Database, SqlEngine
from metrics.amounts import AMOUNT_COLUMNS, amount_columns
from metrics.engine import SUMS, FramesEngine
from metrics.filters import Filters
from views.exports import csv_text
from views.view import all_data_period, parse

TOP_N = 20
COUNTS = ("known_lines", "revenue_lines", "confirmed_orders", "draft_orders")
EVERYONE = Scope("leadership")
NORTH = Scope("manager", team="North")
RATIOS = ("gross_profit_margin", "cost_coverage", "average_reorder_days")


def load_text() -> str:
    return "load average " + " ".join(f"{x:.2f}" for x in os.getloadavg())


def top_by_month(engine, filters: Filters) -> pd.DataFrame:
    """(d): the top 20 customers by Sales Amount (ties by customer), then their sums by month."""
    ranking = engine.sums(filters, "customer")
    ranking = ranking[ranking["sales_amount"] != 0]
    ranking = ranking.sort_values(["sales_amount", "customer"], ascending=[False, True])
    top = tuple(ranking["customer"].head(TOP_N))
    return engine.sums(Filters(customers=top), ("customer", "month"))


def kpi_export(engine, mine) -> str:
    """The KPI CSV of the all-data view (as `flask export kpis` writes it with no --view) over
    the frames of the user's scope (`mine`: the server keeps them, hence worked out once)."""
    view = parse("headers=fields", mine, "overview", all_data_period(mine))
    return csv_text(mine, view, engine)


def top_customer(engine) -> str:
    """(c)'s customer: the top one by Sales Amount over all data (ties by customer)."""
    totals = engine.sums(Filters(), "customer")
    return totals.sort_values(["sales_amount", "customer"], ascending=[False, True])[
        "customer"
    ].iat[0]


def questions(mine: dict, top: str) -> dict:
    """name -> (scope, ask(engine) -> a frame or CSV text); `mine`: the names (the frames, or the
    lists of a sql server: data.lists) of EVERYONE and NORTH; `top`: (c)'s customer."""
    everything = Filters()
    north_2025 = Filters(start=date(2025, 1, 1), end=date(2025, 12, 31), teams=("North",),
                         categories=("Apparel", "Home"))  # fmt: skip
    return {
        "(a) by customer, 2025 North 2 cat.": (
            EVERYONE, lambda e: e.sums(north_2025, "customer")),
        "(b) by customer, all data": (EVERYONE, lambda e: e.sums(everything, "customer")),
        f"(c) month x item, {top}": (
            EVERYONE, lambda e: e.sums(Filters(customers=(top,)), ("month", "item"))),
        "(d) top 20 x month": (EVERYONE, lambda e: top_by_month(e, everything)),
        "KPI export, leadership": (EVERYONE, lambda e: kpi_export(e, mine[EVERYONE])),
        "KPI export, manager North": (NORTH, lambda e: kpi_export(e, mine[NORTH])),
    }  # fmt: skip


def differences(expected, got) -> list[str]:
    """How two answers differ (none: equal as the module says)."""
    if isinstance(expected, str):
        (e,), (g,) = csv.DictReader(io.StringIO(expected)), csv.DictReader(io.StringIO(got))
        found = [name for name in e if not same_value(name, e[name], g[name])]
        return [f"{name}: {e[name]} != {g[name]}" for name in found]
    if list(expected.columns) != list(got.columns) or len(expected) != len(got):
        return [f"shape {expected.shape} != {got.shape}"]
    found = [f"rows of {c}" for c in expected.columns if c not in SUMS
             and list(expected[c]) != list(got[c])]  # fmt: skip
    for name in SUMS:
        e, g = expected[name].to_numpy(), got[name].to_numpy()
        equal = np.array_equal(e, g) if name in COUNTS else np.allclose(e, g, rtol=0, atol=0.005)
        found += [] if equal else [name]
    derived = [amount_columns({n: frame[n].to_numpy() for n in SUMS}) for frame in (expected, got)]
    for name in AMOUNT_COLUMNS:
        e, g = (frame[name].to_numpy() for frame in derived)
        if not np.array_equal(np.isnan(e), np.isnan(g)) or not np.allclose(
            e, g, rtol=1e-9, atol=0.005, equal_nan=True
        ):
            found.append(name)
    return found


def same_value(name: str, expected: str, got: str) -> bool:
    """One KPI of the CSV: text equal, or numbers equal to the cent (ratios to 1e-9); Unknown
    (empty) only where Unknown."""
    if expected == got:
        return True
    if not expected or not got:
        return False
    e, g = float(expected), float(got)
    if name in RATIOS:
        return math.isclose(e, g, rel_tol=1e-9, abs_tol=1e-12)
    return abs(e - g) < 0.005


def timed(call, *args) -> tuple[float, object]:
    start = time.perf_counter()
    result = call(*args)
    return (time.perf_counter() - start) * 1000, result


def compare(frames, database: Database, name: str, repeat: int) -> None:
    """Ask every question of the frames engine over `frames` and of the sql engine over
    `database` (called `name`), check each answer equal (AssertionError, naming what differs,
    else), and print the rows and the median ms of `repeat` runs after the warm-up, taken in
    turns, each with a new engine (FramesEngine keeps the last filters' sums)."""
    print(f"{'query':<36} {'rows':>6} {'frames ms':>10} {name + ' ms':>12}  equal")
    mine = {EVERYONE: frames, NORTH: scoped(frames, NORTH)}
    engines = {"frames": lambda scope: FramesEngine(mine[scope]),
               name: lambda scope: SqlEngine(database, scope)}  # fmt: skip
    for question, (scope, ask) in questions(mine, top_customer(FramesEngine(frames))).items():
        answers = {key: ask(make(scope)) for key, make in engines.items()}  # the warm-up
        found = differences(answers["frames"], answers[name])
        if found:
            raise AssertionError(f"{question}: {name} differs from frames: {found}")
        times = {key: [] for key in engines}
        for _ in range(repeat):
            for key, make in engines.items():
                times[key].append(timed(ask, make(scope))[0])
        answer = answers["frames"]
        rows = 1 if isinstance(answer, str) else len(answer)
        medians = [statistics.median(times[key]) for key in engines]
        print(f"{question:<36} {rows:>6,} {medians[0]:>10,.1f} {medians[1]:>12,.0f}  yes")


def time_sql(database: Database, name: str, repeat: int, as_of: pd.Timestamp) -> None:
    """Ask every question of the sql engine only (no frames: at a size they cannot be built;
    the names the KPI export needs are the scope's lists, as a sql server reads them) and print
    the rows and the median ms of `repeat` runs after a warm-up, each with a new engine. Nothing
    is compared: the equality is bench.sql's check on a database the frames fit."""
    print(f"{'query':<36} {'rows':>6} {name + ' ms':>12}")
    mine = {scope: SqlEngine(database, scope).lists(as_of) for scope in (EVERYONE, NORTH)}
    for question, (scope, ask) in questions(
        mine, top_customer(SqlEngine(database, EVERYONE))
    ).items():
        answer = ask(SqlEngine(database, scope))  # the warm-up
        times = [timed(ask, SqlEngine(database, scope))[0] for _ in range(repeat)]
        rows = 1 if isinstance(answer, str) else len(answer)
        print(f"{question:<36} {rows:>6,} {statistics.median(times):>12,.0f}", flush=True)
