"""Sales by User's event sums from the event rollup (customer_event_sums) against the lines.

On a DuckDB file, `--build` first makes the table if the file lacks it and sums its rows from
every line and payment (data.rollups' INSERT for DuckDB, the other rollups left as they are),
then marks the rollups current for the file's data version, as `flask rebuild-rollups` does,
and prints the rows, the time and the table's size in the file. Then it asks SqlEngine with the
rollups and without them (rollups=False: the lines) the event sums of a period for whoever
sees everything and for a manager, checks the answers equal (the same salespeople, money to the
cent) and prints the median of --repeat runs after one warm-up, taken in turns:

    PYTHONPATH=. python -m bench.events --url duckdb:////tmp/demo-50m.duckdb [--build] \
        [--start 2025-11-22 --end 2026-11-21] [--repeat 3]
"""

from __future__ import annotations

import argparse
import statistics
import time
from datetime import date

import numpy as np

from bench.questions import EVERYONE, NORTH, load_text, timed
from data.models import CustomerEventSums
from data.rollups import insert_sql
from data.sql_engine import Database, SqlEngine
from metrics.commission import EVENTS
from metrics.filters import Filters

TYPES = {"String": "VARCHAR", "Integer": "BIGINT", "Float": "DOUBLE", "Date": "DATE"}
TABLE = CustomerEventSums.__table__


def build(path: str) -> None:
    import duckdb

    start = time.perf_counter()
    with duckdb.connect(path) as conn:
        columns = ", ".join(f"{c.name} {TYPES[type(c.type).__name__]}" for c in TABLE.columns)
        conn.execute(f"CREATE TABLE IF NOT EXISTS {TABLE.name} ({columns})")
        conn.execute(f"DELETE FROM {TABLE.name}")
        conn.execute(insert_sql("duckdb", TABLE.name, some=False))
        conn.execute("DELETE FROM rollup_state")
        conn.execute("INSERT INTO rollup_state SELECT 1, version FROM data_version WHERE id = 1")
        conn.execute("CHECKPOINT")
        rows = conn.execute(f"SELECT COUNT(*) FROM {TABLE.name}").fetchone()[0]
        blocks = conn.execute("SELECT COUNT(DISTINCT block_id) FROM pragma_storage_info(?)"
                              " WHERE block_id >= 0", [TABLE.name]).fetchone()[0]  # fmt: skip
        size = blocks * conn.execute("SELECT block_size FROM pragma_database_size()").fetchone()[0]
    print(f"{TABLE.name}: {rows:,} rows in {time.perf_counter() - start:.0f} s, "
          f"{size / 1e9:.2f} GB in the file ({load_text()})")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True, help="duckdb:///path (ANALYTICS_URL)")
    parser.add_argument("--build", action="store_true", help="sum the table first")
    parser.add_argument("--start", type=date.fromisoformat, default=date(2025, 11, 22))
    parser.add_argument("--end", type=date.fromisoformat, default=date(2026, 11, 21))
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    if args.build:
        build(args.url.removeprefix("duckdb:///"))
    database = Database(args.url)
    if not database.rollups_current():
        raise SystemExit("the rollups are not current: run with --build first")
    filters = Filters(start=args.start, end=args.end)
    print(f"bench/events.py, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, "
          f"{args.start} to {args.end}, median of {args.repeat} runs after one warm-up "
          f"({load_text()})")  # fmt: skip
    print(f"{'event sums':<24} {'rows':>5} {'rollup ms':>10} {'lines ms':>9}  equal")
    for name, scope in (("leadership", EVERYONE), ("manager North", NORTH)):
        engines = [SqlEngine(database, scope), SqlEngine(database, scope, rollups=False)]
        answers = [engine.event_sums(filters) for engine in engines]  # the warm-up
        same = list(answers[0]["salesperson"]) == list(answers[1]["salesperson"]) and np.allclose(
            answers[0][list(EVENTS)], answers[1][list(EVENTS)], rtol=0, atol=0.005
        )
        if not same:
            raise AssertionError(f"{name}: the rollup differs from the lines\n{answers}")
        times = [[], []]
        for _ in range(args.repeat):
            for n, engine in enumerate(engines):
                times[n].append(timed(engine.event_sums, filters)[0])
        rollup, lines = (statistics.median(t) for t in times)
        print(f"{name:<24} {len(answers[0]):>5} {rollup:>10,.0f} {lines:>9,.0f}  yes")
    print(f"({load_text()})")


if __name__ == "__main__":
    main()
