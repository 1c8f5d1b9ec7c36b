"""The sql engine on an existing database against the frames engine over the same data.

It reads the cached frames from the database at --url (data.frames.read_frames, one consistent
snapshot, as a server builds them), then asks both engines the questions of bench/questions.py
((a)-(d) of bench/engine.py through the engine interface, and the KPI export as leadership and
as the manager of North): the sql engine runs them on --analytics (ANALYTICS_URL; default the
--url database itself: PostgreSQL or SQLite; `duckdb:///path` for a DuckDB file holding the same
tables). Each answer is checked equal on both engines before a time is printed (same rows,
counts exact, money to the cent, ratios to 1e-9, Unknown where Unknown): the median of --repeat
runs after one warm-up, taken in turns. The sql times include building and compiling the Ibis
expression, the database's planning and the transfer of the aggregates. Whether the database's
rollups (data.rollups) are current is printed: (b), (c) and (d) read them when they are.

    PYTHONPATH=. python -m bench.sql --url postgresql://USER:PASSWORD@HOST:5432/DB [--repeat 5]
    PYTHONPATH=. python -m bench.sql --sql-only --analytics duckdb:///PATH/demo-50m.duckdb

With --sql-only the frames are not read (at 50M lines they do not fit): only the sql engine is
asked, on --analytics (or --url), with the lists of a sql server for the KPI export's names,
and nothing is compared (run it without on a database the frames fit for the equality).

(As a module: run as a file, bench/reports.py would hide the reports package that the KPI
export imports.)
"""

from __future__ import annotations

import argparse
import time

import pandas as pd

from bench.questions import compare, load_text, time_sql
from data.db import make_engine, read_version, snapshot_connection
from data.frames import read_frames
from data.sql_engine import Database


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="the app's database (DATABASE_URL; not read with --sql-only)")
    parser.add_argument("--analytics", help="where the sql engine runs (default: --url)")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--sql-only", action="store_true", help="no frames: the sql engine only")
    args = parser.parse_args()
    if not (args.url or args.analytics) or not (args.url or args.sql_only):
        parser.error("--url is needed (or --sql-only with --analytics)")
    print(f"bench/sql.py, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, median of "
          f"{args.repeat} runs after one warm-up ({load_text()})")  # fmt: skip
    if args.sql_only:
        database = Database(args.analytics or args.url)
        as_of = pd.Timestamp(database.run("SELECT changed_at FROM data_version")["changed_at"][0])
        print(f"sql engine only on {database.dialect}, rollups "
              f"{'current' if database.rollups_current() else 'not current'}")  # fmt: skip
        time_sql(database, database.dialect, args.repeat, as_of.floor("s"))
        print(f"({load_text()})")
        return
    start = time.perf_counter()
    with snapshot_connection(make_engine(args.url)) as conn:
        frames = read_frames(conn, as_of=read_version(conn).changed_at.floor("s"))
    read_s = time.perf_counter() - start
    database = Database(args.analytics or args.url)
    rollups = "current" if database.rollups_current() else "not current (the lines are read)"
    print(f"{len(frames.lines):,} order lines ({len(frames.orders):,} orders, "
          f"{len(frames.customers):,} customers); frames read in {read_s:.1f} s; sql engine on "
          f"{database.dialect}, rollups {rollups}")  # fmt: skip
    compare(frames, database, database.dialect, args.repeat)
    print(f"({load_text()})")


if __name__ == "__main__":
    main()
