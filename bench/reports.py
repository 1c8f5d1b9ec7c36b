"""Timings of the sales reports of SPEC §5 (metrics.reports) on the demo company.

For N order lines (default 1M) it generates the demo company (seed 7, ending 2026-11-21), builds
the cached frames and prints, per report, the median milliseconds of --repeat runs after one
warm-up, for all data and for one year with a channel and a brand filter.

    PYTHONPATH=. python bench/reports.py [--lines 1000000] [--repeat 9]
"""

from __future__ import annotations

import argparse
import statistics
import time
from datetime import date
from functools import partial

from data.demo import generate
from data.frames import build_frames
from metrics.filters import Filters
from metrics.reports import (
    made_to_order,
    matching_customers,
    matching_products,
    sales_by_brand,
    sales_by_category,
    sales_by_channel,
    sales_by_collection,
    sales_by_date,
    sales_by_department,
    sales_by_supplier,
    sales_by_user,
    sell_through,
)

END = date(2026, 11, 21)
FILTERED = Filters(
    start=date(2025, 1, 1), end=date(2025, 12, 31), channels=("web", "phone"), brands=("Quill",)
)
RUNS = {
    "sales_by_date(day)": sales_by_date,
    "sales_by_date(week)": partial(sales_by_date, by="week"),
    "sales_by_date(month)": partial(sales_by_date, by="month"),
    "sales_by_channel": sales_by_channel,
    "sales_by_category": sales_by_category,
    "sales_by_brand": sales_by_brand,
    "sales_by_collection": sales_by_collection,
    "sales_by_supplier": sales_by_supplier,
    "sales_by_user": sales_by_user,
    "sales_by_department": sales_by_department,
    "sell_through": sell_through,
    "sell_through(combine, unsold)": partial(
        sell_through, combine_variants=True, include_unsold=True
    ),
    "made_to_order": made_to_order,
    "made_to_order(all_products)": partial(made_to_order, all_products=True),
    "matching_customers(SP01)": partial(matching_customers, salesperson="SP01"),
    "matching_products(SP01)": partial(matching_products, salesperson="SP01"),
}


def median_ms(run, repeat: int) -> float:
    run()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=9)
    args = parser.parse_args()
    start = time.perf_counter()
    tables = generate(lines=args.lines, seed=7, end=END)
    frames = build_frames(tables)
    del tables
    print(
        f"{len(frames.lines):,} lines, {len(frames.orders):,} orders, "
        f"{len(frames.customers):,} customers, {len(frames.events):,} events "
        f"(generate + build {time.perf_counter() - start:.1f} s); median of {args.repeat}"
    )
    print(f"{'report':32} {'rows':>6} {'all ms':>8} {'rows':>6} {'filtered ms':>12}")
    for name, report in RUNS.items():
        everything = median_ms(partial(report, frames, Filters()), args.repeat)
        filtered = median_ms(partial(report, frames, FILTERED), args.repeat)
        rows = len(report(frames, Filters())), len(report(frames, FILTERED))
        print(f"{name:32} {rows[0]:6} {everything:8.1f} {rows[1]:6} {filtered:12.1f}")


if __name__ == "__main__":
    main()
