"""Benchmark of the metric engine against DuckDB and Polars over the same data, in one run.

For each size N (order lines) it generates the demo company (seed 7, ending 2026-11-21), builds
the cached frames, then times, as the median of --repeat runs after one warm-up:

  (a) leaderboard()            2025, team North, categories Apparel + Home
  (b) leaderboard()            all data
  (c) customer_month_item()    the top customer, all data
  (d) top_customers_by_month() n=20, all data
  (e) leaderboard()            all data, category Apparel, channel web
  (f) sales_by_category()      team North, all data (the report of /reports/sales-by-category)

and the same six queries in DuckDB SQL and in Polars' lazy API, each twice: on the lines (the
lines frame, the orders, customers with team and items, as Parquet written once) and "with our
tables", given also the precomputed tables our frames hold: order_days (a customer's distinct
confirmed order dates with gaps: cadence in (a), (b), (e)), daily (sums per day and customer:
(b) and (d); customer_months, its sums per month, over whole months), customer_month_items (sums
per customer, month and item: (c) over whole months, no line filter) and customer_lines (each
customer's line positions: (c) otherwise), used where our engine uses them; "–" where none
applies ((f)).

DuckDB and Polars each run in a spawned child of their own, loaded one after the other, with
--threads threads each (POLARS_MAX_THREADS set before Polars is imported); ours runs on one core
in this process. The runs of one query are taken in turns (ours, then each competitor and
variant, round after round), so that the load other people put on this shared machine falls on
every engine alike; each run is timed where it runs. Every result is checked against ours (same
rows, same order, every column equal within 1e-6) before a figure is printed. The demo is
generated, the frames built and written as Parquet in another spawned child, which hands the
frames over; this process's peak RSS while the queries run (mark reset just before) is
interpreter + frames + our engine; each competitor reports its own peak (VmHWM).

    PYTHONPATH=. python bench/engine.py [--sizes 1000000 10000000] [--repeat 9] [--threads 2]
"""

from __future__ import annotations

import argparse
import ctypes
import gc
import multiprocessing as mp
import os
import resource
import statistics
import tempfile
import time
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import numpy as np
import pandas as pd

from data.demo import generate
from data.frames import Frames, build_frames
from metrics.amounts import AMOUNT_COLUMNS
from metrics.customers import leaderboard
from metrics.filters import Filters, period_of
from metrics.matrix import customer_month_item, top_customers_by_month
from metrics.reports import REPORT_COLUMNS, sales_by_category

END = date(2026, 11, 21)
TOP_N = 20
COMPETITORS = ("DuckDB", "Polars")
VARIANTS = ("lines", "tables")
# Short names of the per-customer sums, and the daily table's column that holds each.
DAILY_AS = {
    "cc": "confirmed_orders",
    "dc": "draft_orders",
    "ca": "confirmed_amount",
    "da": "draft_amount",
    "s": "sales_amount",
    "q": "sales_quantity",
    "c": "cost_amount",
    "ni": "cost_non_inv",
    "ks": "known_sales",
    "kni": "known_non_inv",
    "kq": "known_quantity",
    "rl": "revenue_lines",
    "kl": "known_lines",
}
# The line sums among them: what customer_month_items holds per (customer, month, item).
LINE_SUMS_AS = {
    short: DAILY_AS[short] for short in ("s", "q", "c", "ni", "ks", "kni", "kq", "rl", "kl")
}
LEADERBOARD_AMOUNTS = tuple(c for c in AMOUNT_COLUMNS if c != "average_cost_price")


@dataclass(frozen=True)
class Query:
    """One benchmark query, in terms each engine can take: `kind` (leaderboard, month_item, top,
    by_category), our filters, and what they resolve to (period as day numbers; the customer's
    code for month_item; the period's months, year*12+month-1, for top)."""

    kind: str
    filters: Filters
    start_day: int
    end_day: int
    customer_id: str = ""
    customer_code: int = -1
    months: tuple[int, ...] = ()

    @property
    def whole_months(self) -> bool:
        """All data (no start or end of its own): every month of the period is whole."""
        return self.filters.start is None and self.filters.end is None

    @property
    def line_filtered(self) -> bool:
        """A filter narrows the lines themselves, so per-customer sums need the lines."""
        return bool(self.filters.categories or self.filters.channels)

    @property
    def month_item_table(self) -> bool:
        """customer_month_items answers a month × item breakdown: whole months, no line filter."""
        return self.whole_months and not self.line_filtered

    def uses_tables(self) -> bool:
        """Whether a precomputed table of ours applies (else "with our tables" = on the lines)."""
        return self.kind in ("leaderboard", "month_item") or (
            self.kind == "top" and not self.line_filtered
        )


def timed_together(runs: dict, repeat: int) -> dict:
    """{key: (median ms of `repeat` runs after one warm-up, the warm-up's result)} of runs
    taken in turns, one of each per round, so that the load other people put on the machine
    falls on every engine alike. Each run(warm) times one call itself and returns (ms, result
    if warm else None)."""
    results = {key: run(True)[1] for key, run in runs.items()}
    times: dict = {key: [] for key in runs}
    for _ in range(repeat):
        for key, run in runs.items():
            times[key].append(run(False)[0])
    return {key: (statistics.median(times[key]), results[key]) for key in runs}


def time_once(call, warm: bool) -> tuple[float, object]:
    """(ms, result if warm else None) of one call."""
    start = time.perf_counter()
    result = call()
    ms = (time.perf_counter() - start) * 1000
    return ms, result if warm else None


def rss_mb(field: str = "VmRSS") -> float:
    """VmRSS (now) or VmHWM (peak) of this process. ru_maxrss would do for the peak, but in a
    spawned child it also counts the parent's pages held between fork and exec."""
    try:
        status = Path("/proc/self/status").read_text()
        return int(status.split(f"{field}:")[1].split()[0]) / 1024
    except (OSError, IndexError):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def reset_peak_rss() -> bool:
    """Hand freed heap back to the OS, then restart the kernel's peak-RSS mark (Linux >= 4.0)."""
    gc.collect()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def load_text() -> str:
    return "load average " + " ".join(f"{x:.2f}" for x in os.getloadavg())


# ---- ours ---------------------------------------------------------------------------------


def run_ours(frames: Frames, query: Query) -> pd.DataFrame:
    if query.kind == "leaderboard":
        return leaderboard(frames, query.filters)
    if query.kind == "month_item":
        return customer_month_item(frames, query.filters, query.customer_id)
    if query.kind == "top":
        return top_customers_by_month(frames, query.filters, TOP_N)
    return sales_by_category(frames, query.filters)


# ---- DuckDB: the same queries in SQL ------------------------------------------------------


def _in(values: tuple[str, ...]) -> str:
    return ", ".join("'" + v.replace("'", "''") + "'" for v in values)


def _line_sums_sql(revenue: str = "revenue") -> str:
    """Σs over revenue lines, split by known cost, for the SPEC §3 amounts (see metrics.sums).
    CASE, not FILTER: measured ~10% faster in DuckDB here."""
    known = f"{revenue} AND cost_amount IS NOT NULL"
    return f"""
        sum(CASE WHEN {revenue} THEN sales_amount END) AS s,
        sum(CASE WHEN {revenue} THEN quantity END) AS q,
        sum(CASE WHEN {known} THEN cost_amount END) AS c,
        sum(CASE WHEN {revenue} THEN cost_non_inv END) AS ni,
        sum(CASE WHEN {known} THEN sales_amount END) AS ks,
        sum(CASE WHEN {known} THEN cost_non_inv END) AS kni,
        sum(CASE WHEN {known} THEN quantity END) AS kq,
        count(CASE WHEN {revenue} THEN 1 END) AS rl, count(CASE WHEN {known} THEN 1 END) AS kl"""


AMOUNT_SQL = {  # over the sums' short names, NULL where a group has no line
    "sales_amount": "coalesce(s, 0)",
    "sales_quantity": "coalesce(q, 0)",
    "cost_amount": "CASE WHEN kl = 0 AND rl > 0 THEN NULL ELSE coalesce(c, 0) END",
    "cost_amount_non_inv": "coalesce(ni, 0)",
    "gross_profit": "CASE WHEN kl = 0 AND rl > 0 THEN NULL "
    "ELSE coalesce(ks, 0) - coalesce(c, 0) - coalesce(kni, 0) END",
    "gross_profit_margin": "(ks - c - kni) / nullif(ks, 0)",
    "cost_coverage": "coalesce(ks, 0) / nullif(coalesce(s, 0), 0)",
    "average_cost_price": "c / nullif(kq, 0)",
    "orders": "orders",
    "customers": "customers",
}


def _amounts_sql(names: tuple[str, ...]) -> str:
    return ", ".join(f"{AMOUNT_SQL[name]} AS {name}" for name in names)


def _lines_where_sql(query: Query, revenue_only: bool = False) -> str:
    """The lines the query selects: period, line filters, the kept customers (CTE `kept`)."""
    f = query.filters
    where = [f"day BETWEEN {query.start_day} AND {query.end_day}"]
    where += ["revenue"] if revenue_only else []
    where += [f"category IN ({_in(f.categories)})"] if f.categories else []
    where += [f"channel IN ({_in(f.channels)})"] if f.channels else []
    where += ["customer IN (SELECT customer FROM kept)"] if f.teams else []
    return " AND ".join(where)


def _daily_sql(query: Query) -> str:
    """FROM ... WHERE of the daily rows the query selects (period, the kept customers: CTE
    `kept`): customer_months' rows when every month of the period is whole."""
    kept = " AND customer IN (SELECT customer FROM kept)" if query.filters.teams else ""
    if query.whole_months:
        return f"FROM customer_months WHERE TRUE{kept}"
    return f"FROM daily WHERE day BETWEEN {query.start_day} AND {query.end_day}{kept}"


def _kept_sql(query: Query) -> str:
    teams = query.filters.teams
    where = f"team IN ({_in(teams)})" if teams else "TRUE"
    return f"kept AS (SELECT customer, customer_id, name, owner FROM customers WHERE {where})"


def _cadence_sql(end: int, tables: bool) -> str:
    """CTE `cad`: per customer last confirmed order day, confirmed orders and median gap between
    distinct order dates, up to `end`: from order_days, or worked out from the orders."""
    if tables:
        source = f"(SELECT * FROM order_days WHERE day <= {end})"
    else:
        source = f"""(
        SELECT customer, day, orders,
            (day - lag(day) OVER (PARTITION BY customer ORDER BY day))::DOUBLE AS gap
        FROM (SELECT customer, day, count(*) AS orders FROM orders
              WHERE status = 'confirmed' AND day <= {end} GROUP BY customer, day))"""
    return f"""cad AS (
        SELECT customer, max(day) AS last_day, sum(orders) AS n, median(gap) AS median_gap
        FROM {source} GROUP BY customer)"""


def leaderboard_sql(query: Query, tables: bool) -> str:
    """The columns of metrics.customers.leaderboard, computed the same way."""
    end = query.end_day
    if tables and not query.line_filtered:
        sums = ", ".join(f"sum({column}) AS {short}" for short, column in DAILY_AS.items())
        agg = f"SELECT customer, {sums} {_daily_sql(query)} GROUP BY customer"
    else:
        agg = f"""
        SELECT customer,
            count(DISTINCT CASE WHEN order_status = 'confirmed' THEN "order" END) AS cc,
            count(DISTINCT CASE WHEN order_status = 'draft' THEN "order" END) AS dc,
            sum(CASE WHEN in_order_amount AND order_status = 'confirmed' THEN sales_amount END) AS ca,
            sum(CASE WHEN in_order_amount AND order_status = 'draft' THEN sales_amount END) AS da,
            {_line_sums_sql()}
        FROM lines WHERE {_lines_where_sql(query)} GROUP BY customer"""
    return f"""
    WITH {_kept_sql(query)}, agg AS ({agg}), {_cadence_sql(end, tables)},
    base AS (
        SELECT kept.customer_id, kept.name AS customer_name, owner,
            coalesce(cc, 0) + coalesce(dc, 0) AS total_order_count,
            coalesce(ca, 0) + coalesce(da, 0) AS total_order_amount,
            coalesce(cc, 0) AS confirmed_order_count, coalesce(ca, 0) AS confirmed_order_amount,
            coalesce(da, 0) AS draft_order_amount, last_day, {end} - last_day AS days_since,
            median_gap, n, {_amounts_sql(LEADERBOARD_AMOUNTS)}
        FROM kept LEFT JOIN agg USING (customer) LEFT JOIN cad USING (customer))
    SELECT customer_id, customer_name, total_order_count, total_order_amount,
        confirmed_order_count, confirmed_order_amount, draft_order_amount,
        DATE '1970-01-01' + last_day AS last_order,
        total_order_amount / nullif(total_order_count, 0) AS average_order_amount,
        days_since AS days_since_last_order, {", ".join(LEADERBOARD_AMOUNTS)},
        CASE WHEN n >= 3 AND days_since > 2 * median_gap AND days_since >= 14 THEN 'at_risk'
            WHEN confirmed_order_count > 0 THEN 'active' ELSE 'inactive' END AS status,
        days_since - median_gap AS overdue_days, owner
    FROM base ORDER BY sales_amount DESC, customer_id"""


def month_item_sql(query: Query, tables: bool) -> str:
    """With our tables, the customer's rows of customer_month_items (one per month and item) when
    they apply, else the customer's lines are the rows (rowid = position) customer_lines lists."""
    code = query.customer_code
    if tables and query.month_item_table:
        sums = ", ".join(f"{column} AS {short}" for short, column in LINE_SUMS_AS.items())
        agg = f"SELECT month, item, {sums} FROM customer_month_items WHERE customer = {code}"
    else:
        mine = (
            f"rowid IN (SELECT line FROM customer_lines WHERE customer = {code})"
            if tables
            else f"customer = {code}"
        )
        agg = f"""
        SELECT month, item, {_line_sums_sql("TRUE")} FROM lines
        WHERE {mine} AND {_lines_where_sql(query, revenue_only=True)}
        GROUP BY month, item"""
    return f"""
    WITH {_kept_sql(query)},
    agg AS ({agg})
    SELECT make_date(month // 12, month % 12 + 1, 1) AS month, item_id, name AS item_name,
        {_amounts_sql(AMOUNT_COLUMNS)}
    FROM agg JOIN items USING (item) ORDER BY month, sales_amount DESC, item_id"""


def top_sql(query: Query, tables: bool) -> str:
    """Columns named "year*12+month-1" (renamed to Timestamps before the check)."""
    if tables:  # daily's sales_amount is over revenue lines already
        cm = _daily_sql(query)
    else:
        cm = f"FROM lines WHERE {_lines_where_sql(query, revenue_only=True)}"
    months = query.months
    return f"""
    WITH {_kept_sql(query)},
    cm AS (SELECT customer, month, sum(sales_amount) AS s {cm} GROUP BY customer, month),
    top AS (
        SELECT customer, customer_id, name AS customer_name, sum(s) AS total
        FROM cm JOIN customers USING (customer) GROUP BY ALL HAVING total <> 0
        ORDER BY total DESC, customer_id LIMIT {TOP_N}),
    wide AS (
        PIVOT (SELECT customer_id, customer_name, total, month, s FROM top JOIN cm USING (customer))
        ON month IN ({", ".join(map(str, months))}) USING coalesce(sum(s), 0)
        GROUP BY customer_id, customer_name, total)
    SELECT customer_id, customer_name, {", ".join(f'"{m}"' for m in months)}, total
    FROM wide ORDER BY total DESC, customer_id"""


def by_category_sql(query: Query) -> str:
    """metrics.reports.sales_by_category: REPORT_COLUMNS per category, N/A for none."""
    return f"""
    WITH {_kept_sql(query)},
    agg AS (
        SELECT coalesce(category, 'N/A') AS category, count(DISTINCT "order") AS orders,
            count(DISTINCT customer) AS customers, {_line_sums_sql("TRUE")}
        FROM lines WHERE {_lines_where_sql(query, revenue_only=True)} GROUP BY 1)
    SELECT category, {_amounts_sql(REPORT_COLUMNS)}
    FROM agg ORDER BY sales_amount DESC, category"""


def duckdb_query(query: Query, tables: bool) -> str:
    if query.kind == "leaderboard":
        return leaderboard_sql(query, tables)
    if query.kind == "month_item":
        return month_item_sql(query, tables)
    if query.kind == "top":
        return top_sql(query, tables)
    return by_category_sql(query)


# ---- Polars: the same queries in its lazy API ---------------------------------------------


class PolarsQuery:
    """One query as a Polars LazyFrame over the loaded tables (`pl`: the polars module, imported
    in the child once POLARS_MAX_THREADS is set; `tables`: with our precomputed tables)."""

    def __init__(self, pl, data: dict, query: Query, tables: bool):
        self.pl, self.data, self.query, self.tables = pl, data, query, tables
        col = pl.col
        self.revenue = col("revenue")
        self.known = col("revenue") & col("cost_amount").is_not_null()
        customers = data["customers"].lazy()
        teams = query.filters.teams
        self.kept = customers.filter(col("team").is_in(teams)) if teams else customers

    def lazy(self):
        return getattr(self, self.query.kind)()

    def total(self, column: str, where):
        """Σ column where the condition holds; when/then, not filter: ~2× faster in group_by."""
        return self.pl.when(where).then(self.pl.col(column)).otherwise(0.0).sum()

    def line_sums(self) -> list:
        revenue, known, total = self.revenue, self.known, self.total
        return [
            total("sales_amount", revenue).alias("s"),
            total("quantity", revenue).alias("q"),
            total("cost_amount", known).alias("c"),
            total("cost_non_inv", revenue).alias("ni"),
            total("sales_amount", known).alias("ks"),
            total("cost_non_inv", known).alias("kni"),
            total("quantity", known).alias("kq"),
            revenue.sum().alias("rl"),
            known.sum().alias("kl"),
        ]

    def amounts(self, names: tuple[str, ...]) -> list:
        pl, col = self.pl, self.pl.col
        s, c, ks, kni, kq, rl, kl = (col(x) for x in ("s", "c", "ks", "kni", "kq", "rl", "kl"))
        unknown = (kl == 0) & (rl > 0)
        exprs = {
            "sales_amount": s,
            "sales_quantity": col("q"),
            "cost_amount": pl.when(unknown).then(None).otherwise(c),
            "cost_amount_non_inv": col("ni"),
            "gross_profit": pl.when(unknown).then(None).otherwise(ks - c - kni),
            "gross_profit_margin": pl.when(ks != 0).then((ks - c - kni) / ks),
            "cost_coverage": pl.when(s != 0).then(ks / s),
            "average_cost_price": pl.when(kq != 0).then(c / kq),
            "orders": col("orders"),
            "customers": col("customers"),
        }
        return [exprs[name].alias(name) for name in names]

    def lines(self, revenue_only: bool = False, source=None):
        """The lines (of `source`, default all) the query selects: period, line filters, the kept
        customers."""
        col, query, f = self.pl.col, self.query, self.query.filters
        keep = [col("day").is_between(query.start_day, query.end_day)]
        keep += [self.revenue] if revenue_only else []
        keep += [col("category").is_in(f.categories)] if f.categories else []
        keep += [col("channel").is_in(f.channels)] if f.channels else []
        selected = (self.data["lines"].lazy() if source is None else source).filter(*keep)
        if not f.teams:
            return selected
        return selected.join(self.kept.select("customer"), on="customer", how="semi")

    def daily(self):
        """The daily rows the query selects (period, the kept customers): customer_months' rows
        when every month of the period is whole."""
        query = self.query
        if query.whole_months:
            daily = self.data["customer_months"].lazy()
        else:
            daily = self.data["daily"].lazy()
            daily = daily.filter(self.pl.col("day").is_between(query.start_day, query.end_day))
        if not query.filters.teams:
            return daily
        return daily.join(self.kept.select("customer"), on="customer", how="semi")

    def customer_sums(self):
        """Per kept customer: the sums' short names (DAILY_AS), from daily where it applies."""
        col, query = self.pl.col, self.query
        if self.tables and not query.line_filtered:
            return (
                self.daily()
                .group_by("customer")
                .agg(col(column).sum().alias(short) for short, column in DAILY_AS.items())
            )
        status, counted = col("order_status"), col("in_order_amount")
        return (
            self.lines()
            .group_by("customer")
            .agg(
                col("order").filter(status == "confirmed").n_unique().alias("cc"),
                col("order").filter(status == "draft").n_unique().alias("dc"),
                self.total("sales_amount", counted & (status == "confirmed")).alias("ca"),
                self.total("sales_amount", counted & (status == "draft")).alias("da"),
                *self.line_sums(),
            )
        )

    def cadence(self):
        """Per customer last confirmed order day, confirmed orders and median gap between
        distinct order dates, up to the period end: from order_days, or from the orders."""
        pl, col, end = self.pl, self.pl.col, self.query.end_day
        if self.tables:
            dates = self.data["order_days"].lazy().filter(col("day") <= end)
        else:
            same_customer = col("customer") == col("customer").shift()
            dates = (
                self.data["orders"]
                .lazy()
                .filter((col("status") == "confirmed") & (col("day") <= end))
                .group_by("customer", "day")
                .agg(pl.len().alias("orders"))
                .sort("customer", "day")
                .with_columns(
                    pl.when(same_customer)
                    .then(col("day") - col("day").shift())
                    .cast(pl.Float64)
                    .alias("gap")
                )
            )
        return dates.group_by("customer").agg(
            col("day").max().alias("last_day"),
            col("orders").sum().alias("n"),
            col("gap").median().alias("median_gap"),
        )

    def leaderboard(self):
        pl, col = self.pl, self.pl.col
        days_since = pl.lit(self.query.end_day) - col("last_day")
        total_count, total_amount = col("cc") + col("dc"), col("ca") + col("da")
        at_risk = (col("n") >= 3) & (days_since > 2 * col("median_gap")) & (days_since >= 14)
        status = (
            pl.when(at_risk)
            .then(pl.lit("at_risk"))
            .when(col("cc") > 0)
            .then(pl.lit("active"))
            .otherwise(pl.lit("inactive"))
        )
        return (
            self.kept.join(self.customer_sums(), on="customer", how="left")
            .join(self.cadence(), on="customer", how="left")
            .with_columns(col(*DAILY_AS).fill_null(0))
            .select(
                "customer_id",
                col("name").alias("customer_name"),
                total_count.alias("total_order_count"),
                total_amount.alias("total_order_amount"),
                col("cc").alias("confirmed_order_count"),
                col("ca").alias("confirmed_order_amount"),
                col("da").alias("draft_order_amount"),
                col("last_day").cast(pl.Date).alias("last_order"),
                pl.when(total_count > 0)
                .then(total_amount / total_count)
                .alias("average_order_amount"),
                days_since.alias("days_since_last_order"),
                *self.amounts(LEADERBOARD_AMOUNTS),
                status.alias("status"),
                (days_since - col("median_gap")).alias("overdue_days"),
                "owner",
            )
            .sort(["sales_amount", "customer_id"], descending=[True, False])
        )

    def month_item(self):
        """With our tables, the customer's rows of customer_month_items when they apply, else
        the customer's lines gathered at the positions customer_lines lists (each slice found
        by binary search, as ours)."""
        pl, col, code = self.pl, self.pl.col, self.query.customer_code

        def rows_of(table: str):
            index = self.data[table]
            first, last = (
                index["customer"].search_sorted(code, side) for side in ("left", "right")
            )
            return index.slice(first, last - first)

        if self.tables and self.query.month_item_table:
            sums = (
                rows_of("customer_month_items")
                .lazy()
                .select(
                    "month",
                    "item",
                    *(col(column).alias(short) for short, column in LINE_SUMS_AS.items()),
                )
            )
        else:
            if self.tables:
                positions = rows_of("customer_lines")["line"]
                lines = self.data["lines"].lazy().select(pl.all().gather(positions))
                mine = self.lines(revenue_only=True, source=lines)
            else:
                mine = self.lines(revenue_only=True).filter(col("customer") == code)
            sums = mine.group_by("month", "item").agg(self.line_sums())
        return (
            sums.join(self.data["items"].lazy(), on="item")
            .select(
                pl.date(col("month") // 12, col("month") % 12 + 1, 1).alias("month"),
                "item_id",
                col("name").alias("item_name"),
                *self.amounts(AMOUNT_COLUMNS),
            )
            .sort(["month", "sales_amount", "item_id"], descending=[False, True, False])
        )

    def top(self):
        col, query = self.pl.col, self.query
        # daily's sales_amount is over revenue lines already
        source = self.daily() if self.tables else self.lines(revenue_only=True)
        cm = source.group_by("customer", "month").agg(col("sales_amount").sum().alias("s"))
        top = (
            cm.group_by("customer")
            .agg(col("s").sum().alias("total"))
            .filter(col("total") != 0)
            .join(self.kept.select("customer", "customer_id", "name"), on="customer")
            .sort(["total", "customer_id"], descending=[True, False])
            .head(TOP_N)
        )
        months = [str(m) for m in query.months]
        return (
            top.join(cm, on="customer")
            .group_by("customer_id", col("name").alias("customer_name"), "total")
            .agg(self.total("s", col("month") == int(m)).alias(m) for m in months)
            .sort(["total", "customer_id"], descending=[True, False])
            .select("customer_id", "customer_name", *months, "total")
        )

    def by_category(self):
        col = self.pl.col
        return (
            self.lines(revenue_only=True)
            .group_by(col("category").cast(self.pl.String).fill_null("N/A"))
            .agg(
                *self.line_sums(),
                col("order").n_unique().alias("orders"),
                col("customer").n_unique().alias("customers"),
            )
            .select("category", *self.amounts(REPORT_COLUMNS))
            .sort(["sales_amount", "category"], descending=[True, False])
        )


# ---- the competitors' child processes -----------------------------------------------------

TABLES = (
    "lines",
    "orders",
    "customers",
    "items",
    "order_days",
    "daily",
    "customer_months",
    "customer_lines",
    "customer_month_items",
)


_competitor: dict = {}  # in a competitor's child: its loaded data and query runners


def load_competitor(engine: str, folder: str, threads: int) -> None:
    """Pool initializer of a competitor's child: load the Parquet files into memory."""
    start = time.perf_counter()
    if engine == "DuckDB":
        import duckdb

        con = duckdb.connect()
        con.execute(f"SET threads = {threads}")
        for table in TABLES:
            con.execute(
                f"CREATE TABLE {table} AS SELECT * FROM read_parquet('{folder}/{table}.parquet')"
            )
        used = con.execute("SELECT current_setting('threads')").fetchone()[0]

        def runner(query: Query, tables: bool):
            sql = duckdb_query(query, tables)
            return lambda: con.execute(sql).df()
    else:
        os.environ["POLARS_MAX_THREADS"] = str(threads)  # read once, when polars is imported
        import polars as pl

        data = {table: pl.read_parquet(f"{folder}/{table}.parquet") for table in TABLES}
        used = pl.thread_pool_size()

        def runner(query: Query, tables: bool):
            lazy = PolarsQuery(pl, data, query, tables).lazy()
            return lambda: lazy.collect().to_pandas()

    _competitor.update(runner=runner, runs={}, load_s=time.perf_counter() - start, used=used)


def competitor_loaded() -> tuple[float, object]:
    """In the child: load seconds and threads used (waits for the initializer to finish)."""
    return _competitor["load_s"], _competitor["used"]


def competitor_run(query: Query, tables: bool, warm: bool) -> tuple[float, object]:
    """In the child: one timed run of the query, to a pandas DataFrame as ours returns."""
    runs = _competitor["runs"]
    if (query, tables) not in runs:
        runs[query, tables] = _competitor["runner"](query, tables)
    return time_once(runs[query, tables], warm)


def competitor_peak() -> float:
    return rss_mb("VmHWM")


def export(frames: Frames, folder: Path) -> None:
    """The frames as Parquet (NaN costs become NULL; categoricals become dictionary strings);
    codes as int32 on every side of a join."""
    code = np.int32
    frames.lines.to_parquet(folder / "lines.parquet", index=False)
    orders = frames.orders.rename_axis("order").reset_index().astype({"order": code})
    orders.to_parquet(folder / "orders.parquet", index=False)
    customers = frames.customers[["customer_id", "name", "team", "owner"]].rename_axis("customer")
    customers.reset_index().astype({"customer": code}).to_parquet(
        folder / "customers.parquet", index=False
    )
    items = frames.items[["item_id", "name"]].rename_axis("item").reset_index()
    items.astype({"item": code}).to_parquet(folder / "items.parquet", index=False)
    frames.order_days[["customer", "day", "orders", "gap"]].to_parquet(
        folder / "order_days.parquet", index=False
    )
    frames.daily.to_parquet(folder / "daily.parquet", index=False)
    frames.customer_months.to_parquet(folder / "customer_months.parquet", index=False)
    frames.customer_lines.to_parquet(folder / "customer_lines.parquet", index=False)
    frames.customer_month_items.to_parquet(folder / "customer_month_items.parquet", index=False)


# ---- checking and reporting ---------------------------------------------------------------


def comparable(query: Query, ours: pd.DataFrame, theirs: pd.DataFrame):
    """Both results in the same shape: the top table's months as Timestamps; month × item
    rows by (month, item) (items with equal sales in a month may tie in either order)."""
    if query.kind == "top":
        starts = {str(m): pd.Timestamp(m // 12, m % 12 + 1, 1) for m in query.months}
        return ours.reset_index(), theirs.rename(columns=starts)
    if query.kind == "month_item":
        key = ["month", "item_id"]
        return tuple(t.sort_values(key).reset_index(drop=True) for t in (ours, theirs))
    return ours, theirs


def check_same(name: str, ours: pd.DataFrame, theirs: pd.DataFrame) -> None:
    """Same rows in the same order and every column equal (numbers within 1e-6, NaN = NULL)."""
    assert list(ours.columns) == list(theirs.columns), (name, ours.columns, theirs.columns)
    assert len(ours) == len(theirs), (name, len(ours), len(theirs))
    for col in ours.columns:
        a, b = ours[col], theirs[col]
        if a.dtype.kind == "M" or b.dtype.kind == "M":
            a, b = (pd.to_datetime(x).to_numpy("datetime64[D]").astype(np.int64) for x in (a, b))
            assert np.array_equal(a, b), (name, col)
        elif a.dtype.kind in "fiub":
            a, b = (x.to_numpy(np.float64, na_value=np.nan) for x in (a, b))
            assert np.allclose(a, b, rtol=1e-9, atol=1e-6, equal_nan=True), (name, col)
        else:
            assert list(a.astype(object)) == list(b.astype(object)), (name, col)


def make_frames(lines: int, folder: str) -> tuple[Frames, float, float, float]:
    """In a child process, so that the generator's leftover heap (and the Parquet writer's)
    stays out of our RSS: generate, build the frames, write them as Parquet into `folder`."""
    start = time.perf_counter()
    tables = generate(lines=lines, seed=7, end=END)
    generate_s = time.perf_counter() - start
    start = time.perf_counter()
    frames = build_frames(tables)
    build_s = time.perf_counter() - start
    export(frames, Path(folder))
    return frames, generate_s, build_s, rss_mb("VmHWM")


def benchmark_queries(frames: Frames) -> dict[str, Query]:
    everything = Filters()
    whole = period_of(frames, everything)
    top = leaderboard(frames, everything)["customer_id"].iat[0]
    month = frames.lines["month"]
    months = tuple(range(int(month.iat[0]), int(month.iat[-1]) + 1))  # the whole-data period

    def query(kind: str, filters: Filters, **more) -> Query:
        period = period_of(frames, filters)
        return Query(kind, filters, period.start_day, period.end_day, **more)

    north_2025 = Filters(
        start=date(2025, 1, 1),
        end=date(2025, 12, 31),
        teams=("North",),
        categories=("Apparel", "Home"),
    )
    top_code = int(np.flatnonzero(frames.customers["customer_id"] == top)[0])
    assert whole.start_day == frames.first_day
    return {
        "(a) leaderboard 2025 North 2 cat.": query("leaderboard", north_2025),
        "(b) leaderboard": query("leaderboard", everything),
        "(c) customer month×item": query(
            "month_item", everything, customer_id=top, customer_code=top_code
        ),
        "(d) top 20 × months": query("top", everything, months=months),
        "(e) leaderboard Apparel, web": query(
            "leaderboard", Filters(categories=("Apparel",), channels=("web",))
        ),
        "(f) by category, North": query("by_category", Filters(teams=("North",))),
    }


def bench_size(lines: int, repeat: int, threads: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        with mp.get_context("spawn").Pool(1) as pool:
            frames, generate_s, build_s, build_peak = pool.apply(make_frames, (lines, folder))
        frames_mb = sum(  # every table of the frames
            frame.memory_usage(deep=True).sum()
            for frame in vars(frames).values()
            if isinstance(frame, pd.DataFrame)
        )
        queries = benchmark_queries(frames)

        with ExitStack() as stack:
            pools, loads = {}, {}
            for engine in COMPETITORS:  # one after the other, each loaded before the next starts
                pools[engine] = stack.enter_context(
                    mp.get_context("spawn").Pool(1, load_competitor, (engine, folder, threads))
                )
                loads[engine] = pools[engine].apply(competitor_loaded)
            reset = reset_peak_rss()
            loaded = rss_mb()  # interpreter + libraries + frames
            timings = {}
            for name, query in queries.items():
                runs = {"ours": lambda warm, q=query: time_once(lambda: run_ours(frames, q), warm)}
                for engine, pool in pools.items():
                    for variant in VARIANTS if query.uses_tables() else VARIANTS[:1]:
                        args = (query, variant == "tables")
                        runs[engine, variant] = lambda warm, pool=pool, args=args: pool.apply(
                            competitor_run, (*args, warm)
                        )
                timings[name] = timed_together(runs, repeat)
            engine_peak = rss_mb("VmHWM")  # interpreter + frames + the queries' working memory
            peaks = {engine: pool.apply(competitor_peak) for engine, pool in pools.items()}

    for name, query in queries.items():
        ours = timings[name]["ours"][1]
        for key, (_, result) in timings[name].items():
            if key != "ours":
                check_same(f"{' '.join(key)} {name}", *comparable(query, ours, result))

    print(
        f"\n== {lines:,} lines requested: {len(frames.lines):,} lines, {len(frames.orders):,} "
        f"orders, {len(frames.customers):,} customers, {len(frames.items):,} items; "
        f"daily table {len(frames.daily):,} rows"
    )
    load_times = "; ".join(
        f"{engine} load from Parquet {load_s:.2f} s ({used} threads)"
        for engine, (load_s, used) in loads.items()
    )
    print(
        f"generate {generate_s:.2f} s, build_frames {build_s:.2f} s; {load_times}; ours: 1 thread"
    )
    keys = [(engine, variant) for engine in COMPETITORS for variant in VARIANTS]
    heads = [" ".join(key) for key in keys]
    print(f"{'query':<34} {'rows':>5} {'ours ms':>8} " + " ".join(f"{h:>14}" for h in heads)
          + f" {'ours/best':>9}")  # fmt: skip
    for name, timing in timings.items():
        mine, table = timing["ours"]
        figures = [timing.get(key, (None,))[0] for key in keys]
        cells = " ".join(f"{'–' if ms is None else f'{ms:.1f}':>14}" for ms in figures)
        best = min(ms for ms in figures if ms is not None)
        print(f"{name:<34} {len(table):>5} {mine:>8.1f} {cells} {mine / best:>9.2f}")
    print(
        "results identical to ours for every engine and variant "
        "(rows, order, values within 1e-6): yes"
    )
    print(
        f"our process: RSS {loaded:,.0f} MB with the frames loaded (frames "
        f"{frames_mb / 2**20:,.0f} MB), peak {engine_peak:,.0f} MB while querying"
        f"{'' if reset else ' (mark not reset: includes receiving the frames)'}; "
        f"generate + build + Parquet (child) peak {build_peak:,.0f} MB"
    )
    for engine, peak in peaks.items():
        print(f"{engine} child: peak RSS {peak:,.0f} MB (interpreter + tables + queries)")
    print(f"{datetime.now():%H:%M}; {load_text()} ({os.cpu_count()} cores)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000_000])
    parser.add_argument("--repeat", type=int, default=9)
    parser.add_argument("--threads", type=int, default=2, help="DuckDB's and Polars' (default 2)")
    args = parser.parse_args()
    print(
        f"bench/engine.py {datetime.now():%Y-%m-%d %H:%M}: median of {args.repeat} runs after a "
        f"warm-up; at start: {load_text()} ({os.cpu_count()} cores)"
    )
    for size in args.sizes:
        bench_size(size, args.repeat, args.threads)


if __name__ == "__main__":
    main()
