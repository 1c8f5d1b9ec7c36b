"""Benchmark of the metric engine against DuckDB SQL over the same cached frames.

For each size N (order lines) it generates the demo company (seed 7, ending 2026-11-21), builds
the cached frames, then times, as the median of --repeat runs after one warm-up:

  filtered leaderboard   leaderboard() for 2025, team North, categories Apparel + Home
  leaderboard            leaderboard() over all data
  customer month×item    customer_month_item() of the top customer, all data
  top 20 × months        top_customers_by_month(n=20), all data

and the same four queries written in DuckDB SQL over the same frames (lines, orders, customers
with team, items, order_days loaded into DuckDB tables from Parquet). Every DuckDB result is
checked against ours (same rows, same order, every column equal within 1e-6) before a figure is
printed. Memory: the demo is generated and the frames built in a spawned child, which hands the
frames over; this process's peak RSS while our queries run (mark reset once the frames are in)
is then interpreter + frames + our engine. DuckDB runs in another spawned child afterwards and
reports its own peak (VmHWM).

    PYTHONPATH=. python bench/engine.py [--sizes 1000000 10000000] [--repeat 9] [--duckdb-threads 2]
"""

from __future__ import annotations

import argparse
import ctypes
import gc
import multiprocessing as mp
import resource
import statistics
import tempfile
import time
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from data.demo import generate
from data.frames import Frames, build_frames
from metrics.customers import leaderboard
from metrics.filters import Filters, period_of
from metrics.matrix import customer_month_item, top_customers_by_month

END = date(2026, 11, 21)
FILTERED = Filters(
    start=date(2025, 1, 1), end=date(2025, 12, 31), teams=("North",), categories=("Apparel", "Home")
)
QUERIES = ("filtered leaderboard", "leaderboard", "customer month×item", "top 20 × months")


def timed(run, repeat: int) -> tuple[float, object]:
    """Median milliseconds of `repeat` runs after one warm-up, and the warm-up's result."""
    result = run()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), result


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


# ---- DuckDB: the same queries in SQL ------------------------------------------------------


def _amount_aggregates(revenue: str) -> str:
    """Σs over revenue lines, split by known cost, for the SPEC §3 amounts (see metrics.amounts).
    CASE, not FILTER: measured ~10% faster in DuckDB here."""
    known = f"{revenue} AND cost_amount IS NOT NULL"
    return f"""
        sum(CASE WHEN {revenue} THEN sales_amount END) AS s,
        sum(CASE WHEN {revenue} THEN quantity END) AS q,
        sum(CASE WHEN {revenue} THEN cost_amount END) AS c,
        sum(CASE WHEN {revenue} THEN cost_non_inv END) AS ni,
        sum(CASE WHEN {known} THEN sales_amount END) AS ks,
        sum(CASE WHEN {known} THEN cost_non_inv END) AS kni,
        sum(CASE WHEN {known} THEN quantity END) AS kq,
        count(CASE WHEN {revenue} THEN 1 END) AS rl, count(CASE WHEN {known} THEN 1 END) AS kl"""


AMOUNTS_SQL = """
    coalesce(s, 0) AS sales_amount, coalesce(q, 0) AS sales_quantity,
    CASE WHEN kl = 0 AND rl > 0 THEN NULL ELSE coalesce(c, 0) END AS cost_amount,
    coalesce(ni, 0) AS cost_amount_non_inv,
    CASE WHEN kl = 0 AND rl > 0 THEN NULL ELSE coalesce(ks, 0) - coalesce(c, 0) - coalesce(kni, 0)
    END AS gross_profit,
    (ks - c - kni) / nullif(ks, 0) AS gross_profit_margin,
    coalesce(ks, 0) / nullif(coalesce(s, 0), 0) AS cost_coverage"""


def _in(values: tuple[str, ...]) -> str:
    return ", ".join("'" + v.replace("'", "''") + "'" for v in values)


def leaderboard_sql(start: int, end: int, teams=(), categories=()) -> str:
    """The columns of metrics.customers.leaderboard, computed the same way."""
    team = f"team IN ({_in(teams)})" if teams else "TRUE"
    category = f"category IN ({_in(categories)})" if categories else "TRUE"
    return f"""
    WITH kept AS (SELECT customer, customer_id, name, owner FROM customers WHERE {team}),
    agg AS (
        SELECT customer,
            count(DISTINCT CASE WHEN order_status = 'confirmed' THEN "order" END) AS cc,
            count(DISTINCT CASE WHEN order_status = 'draft' THEN "order" END) AS dc,
            sum(CASE WHEN in_order_amount AND order_status = 'confirmed' THEN sales_amount END) AS ca,
            sum(CASE WHEN in_order_amount AND order_status = 'draft' THEN sales_amount END) AS da,
            {_amount_aggregates("revenue")}
        FROM lines
        WHERE day BETWEEN {start} AND {end} AND {category}
            AND customer IN (SELECT customer FROM kept)
        GROUP BY customer),
    cad AS (
        SELECT customer, max(day) AS last_day, sum(orders) AS n, median(gap) AS median_gap
        FROM order_days WHERE day <= {end} GROUP BY customer),
    base AS (
        SELECT kept.customer_id, kept.name AS customer_name,
            coalesce(cc, 0) + coalesce(dc, 0) AS total_order_count,
            coalesce(ca, 0) + coalesce(da, 0) AS total_order_amount,
            coalesce(cc, 0) AS confirmed_order_count, coalesce(ca, 0) AS confirmed_order_amount,
            coalesce(da, 0) AS draft_order_amount, DATE '1970-01-01' + last_day AS last_order,
            {end} - last_day AS days_since_last_order, median_gap, owner,
            n >= 3 AND {end} - last_day > 2 * median_gap AND {end} - last_day >= 14 AS at_risk,
            {AMOUNTS_SQL}
        FROM kept LEFT JOIN agg USING (customer) LEFT JOIN cad USING (customer))
    SELECT customer_id, customer_name, total_order_count, total_order_amount,
        confirmed_order_count, confirmed_order_amount, draft_order_amount, last_order,
        total_order_amount / nullif(total_order_count, 0) AS average_order_amount,
        days_since_last_order, sales_amount, sales_quantity, cost_amount, cost_amount_non_inv,
        gross_profit, gross_profit_margin, cost_coverage,
        CASE WHEN at_risk THEN 'at_risk' WHEN confirmed_order_count > 0 THEN 'active'
            ELSE 'inactive' END AS status,
        days_since_last_order - median_gap AS overdue_days, owner
    FROM base ORDER BY sales_amount DESC, customer_id"""


def month_item_sql(start: int, end: int, customer: int) -> str:
    return f"""
    WITH agg AS (
        SELECT month, item, {_amount_aggregates("TRUE")} FROM lines
        WHERE customer = {customer} AND day BETWEEN {start} AND {end} AND revenue
        GROUP BY month, item)
    SELECT make_date(month // 12, month % 12 + 1, 1) AS month, item_id, name AS item_name,
        {AMOUNTS_SQL}, c / nullif(kq, 0) AS average_cost_price
    FROM agg JOIN items USING (item) ORDER BY month, sales_amount DESC, item_id"""


def top_sql(start: int, end: int, n: int, months: list[int]) -> str:
    """Columns named "year*12+month-1" (renamed to Timestamps before the check)."""
    return f"""
    WITH cm AS (
        SELECT customer, month, sum(sales_amount) AS s FROM lines
        WHERE revenue AND day BETWEEN {start} AND {end} GROUP BY customer, month),
    top AS (
        SELECT customer, customer_id, name AS customer_name, sum(s) AS total
        FROM cm JOIN customers USING (customer) GROUP BY ALL
        ORDER BY total DESC, customer_id LIMIT {n}),
    wide AS (
        PIVOT (SELECT customer_id, customer_name, total, month, s FROM top JOIN cm USING (customer))
        ON month IN ({", ".join(map(str, months))}) USING coalesce(sum(s), 0)
        GROUP BY customer_id, customer_name, total)
    SELECT customer_id, customer_name, {", ".join(f'"{m}"' for m in months)}, total
    FROM wide ORDER BY total DESC, customer_id"""


def run_duckdb(folder: str, queries: dict[str, str], repeat: int, threads: int | None):
    """In the child process: load the Parquet files, time each query; results and own peak RSS."""
    import duckdb

    con = duckdb.connect()
    if threads:
        con.execute(f"SET threads = {threads}")
    start = time.perf_counter()
    for table in ("lines", "orders", "customers", "items", "order_days"):
        con.execute(
            f"CREATE TABLE {table} AS SELECT * FROM read_parquet('{folder}/{table}.parquet')"
        )
    load_s = time.perf_counter() - start
    out = {
        name: timed(lambda sql=sql: con.execute(sql).df(), repeat) for name, sql in queries.items()
    }
    used_threads = con.execute("SELECT current_setting('threads')").fetchone()[0]
    return out, load_s, rss_mb("VmHWM"), used_threads


def export(frames: Frames, folder: Path) -> None:
    """The frames as Parquet (NaN costs become NULL; categoricals become dictionary strings)."""
    frames.lines.to_parquet(folder / "lines.parquet", index=False)
    frames.orders.rename_axis("order").reset_index().to_parquet(folder / "orders.parquet")
    customers = frames.customers[["customer_id", "name", "team", "owner"]].rename_axis("customer")
    customers.reset_index().to_parquet(folder / "customers.parquet")
    items = frames.items[["item_id", "name"]].rename_axis("item")
    items.reset_index().to_parquet(folder / "items.parquet")
    frames.order_days[["customer", "day", "orders", "gap"]].to_parquet(
        folder / "order_days.parquet"
    )


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


def make_frames(lines: int) -> tuple[Frames, float, float, float]:
    """In a child process, so that the generator's leftover heap stays out of our RSS."""
    start = time.perf_counter()
    tables = generate(lines=lines, seed=7, end=END)
    generate_s = time.perf_counter() - start
    start = time.perf_counter()
    frames = build_frames(tables)
    return frames, generate_s, time.perf_counter() - start, rss_mb("VmHWM")


def bench_size(lines: int, repeat: int, threads: int | None) -> None:
    with mp.get_context("spawn").Pool(1) as pool:
        frames, generate_s, build_s, build_peak = pool.apply(make_frames, (lines,))
    frames_mb = sum(
        getattr(frames, f).memory_usage(deep=True).sum()
        for f in ("lines", "orders", "customers", "items", "order_days")
    )
    reset = reset_peak_rss()
    loaded = rss_mb()  # interpreter + libraries + frames

    everything = Filters()
    top_customer = leaderboard(frames, everything)["customer_id"].iat[0]
    ours_runs = {
        QUERIES[0]: lambda: leaderboard(frames, FILTERED),
        QUERIES[1]: lambda: leaderboard(frames, everything),
        QUERIES[2]: lambda: customer_month_item(frames, everything, top_customer),
        QUERIES[3]: lambda: top_customers_by_month(frames, everything, 20),
    }
    ours = {name: timed(run, repeat) for name, run in ours_runs.items()}
    engine_peak = rss_mb("VmHWM")  # interpreter + frames + the queries' working memory

    filtered, whole = period_of(frames, FILTERED), period_of(frames, everything)
    customer_code = int(np.flatnonzero(frames.customers["customer_id"] == top_customer)[0])
    month = frames.lines["month"]
    months = list(range(int(month.iat[0]), int(month.iat[-1]) + 1))  # the whole-data period
    sql = {
        QUERIES[0]: leaderboard_sql(
            filtered.start_day, filtered.end_day, FILTERED.teams, FILTERED.categories
        ),
        QUERIES[1]: leaderboard_sql(whole.start_day, whole.end_day),
        QUERIES[2]: month_item_sql(whole.start_day, whole.end_day, customer_code),
        QUERIES[3]: top_sql(whole.start_day, whole.end_day, 20, months),
    }
    with tempfile.TemporaryDirectory() as folder:
        export(frames, Path(folder))
        with mp.get_context("spawn").Pool(1) as pool:
            duck, load_s, duck_peak, used_threads = pool.apply(
                run_duckdb, (folder, sql, repeat, threads)
            )

    for name in QUERIES:
        theirs = duck[name][1]
        if name == QUERIES[3]:  # month columns are named "year*12+month-1" in SQL
            month_start = {str(m): pd.Timestamp(m // 12, m % 12 + 1, 1) for m in months}
            check_same(name, ours[name][1].reset_index(), theirs.rename(columns=month_start))
        elif name == QUERIES[2]:  # items with equal sales in a month may tie in either order
            key = ["month", "item_id"]
            check_same(
                name, *(t.sort_values(key).reset_index(drop=True) for t in (ours[name][1], theirs))
            )
        else:
            check_same(name, ours[name][1], theirs)

    print(
        f"\n== {lines:,} lines requested: {len(frames.lines):,} lines, {len(frames.orders):,} "
        f"orders, {len(frames.customers):,} customers, {len(frames.items):,} items"
    )
    print(
        f"generate {generate_s:.2f} s, build_frames {build_s:.2f} s; "
        f"DuckDB load from Parquet {load_s:.2f} s ({used_threads} threads; ours: 1)"
    )
    print(f"{'query':<22} {'rows':>5} {'ours ms':>9} {'DuckDB ms':>10} {'ours/DuckDB':>12}")
    for name in QUERIES:
        (mine, table), theirs = ours[name], duck[name][0]
        print(f"{name:<22} {len(table):>5} {mine:>9.1f} {theirs:>10.1f} {mine / theirs:>12.2f}")
    print("results identical to DuckDB's (rows, order, values within 1e-6): yes")
    print(
        f"our process: RSS {loaded:,.0f} MB with the frames loaded (frames "
        f"{frames_mb / 2**20:,.0f} MB), peak {engine_peak:,.0f} MB while querying"
        f"{'' if reset else ' (mark not reset: includes receiving the frames)'}; "
        f"generate + build (child) peak {build_peak:,.0f} MB"
    )
    print(f"DuckDB child: peak RSS {duck_peak:,.0f} MB (interpreter + tables + queries)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000_000])
    parser.add_argument("--repeat", type=int, default=9)
    parser.add_argument("--duckdb-threads", type=int, default=None, help="default: all cores")
    args = parser.parse_args()
    print(f"bench/engine.py {date.today()}: median of {args.repeat} runs after a warm-up")
    for size in args.sizes:
        bench_size(size, args.repeat, args.duckdb_threads)


if __name__ == "__main__":
    main()
