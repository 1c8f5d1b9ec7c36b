"""The sql engine on Apache Spark in local mode against the frames engine, on the demo company.

For each size N (order lines) it generates the demo company (seed 7, ending 2026-11-21), builds
the cached frames, writes the tables of data.models as Parquet (one file per table, read by
Spark as temporary views: ANALYTICS_URL=spark://local[2]?parquet=FOLDER), starts a local Spark
session (local[2], --driver-memory, UI off, logs at ERROR) and asks both engines the questions
of bench/questions.py ((a)-(d) of bench/engine.py through the engine interface, and the KPI
export as leadership and as the manager of North).

The questions ask for the sums each of those tables is made of (the leaderboard's cadence
figures, Engine.customers, are not asked here). Each answer is checked equal on both engines (same rows,
counts exact, money to the cent, ratios to 1e-9, Unknown where Unknown) before a time is printed:
the median of --repeat runs after one warm-up, taken in turns (frames, then Spark), each with a
new engine (FramesEngine keeps the last filters' sums). Spark's times include building and
compiling the Ibis expression and Spark's own planning.

    python -m bench.spark [--sizes 100000 1000000] [--repeat 5] [--driver-memory 1g]

(As a module: run as a file, bench/reports.py would hide the reports package that the KPI
export imports.)
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from datetime import date
from pathlib import Path

from pyspark import SparkContext

from bench.questions import compare, load_text
from data.demo import generate
from data.frames import build_frames
from data.spark import write_parquet
from data.sql_engine import Database

END = date(2026, 11, 21)


def bench_size(lines: int, repeat: int, driver_memory: str) -> None:
    start = time.perf_counter()
    tables = generate(lines=lines, seed=7, end=END)
    generate_s = time.perf_counter() - start
    frames = build_frames(tables)
    with tempfile.TemporaryDirectory() as folder:
        start = time.perf_counter()
        write_parquet(tables, folder)
        parquet_s = time.perf_counter() - start
        parquet_mb = sum(f.stat().st_size for f in Path(folder).iterdir()) / 1e6
        del tables
        database = Database(
            f"spark://local[2]?parquet={folder}&spark.driver.memory={driver_memory}"
        )
        jvm = "started" if SparkContext._jvm is None else "session started (the JVM was up)"
        start = time.perf_counter()
        session = database.spark.start()
        start_s = time.perf_counter() - start
        print(f"\n{lines:,} order lines ({len(frames.orders):,} orders, "
              f"{len(frames.customers):,} customers): demo generated in {generate_s:.1f} s; "
              f"Parquet {parquet_mb:.1f} MB written in {parquet_s:.1f} s; Spark {session.version} "
              f"local[2], driver memory {driver_memory}, {jvm} in {start_s:.1f} s "
              f"({load_text()})")  # fmt: skip
        compare(frames, database, "Spark", repeat)
        print(f"({load_text()})")
        session.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--driver-memory", default="1g")
    args = parser.parse_args()
    print(f"bench/spark.py, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, "
          f"{os.cpu_count()} CPUs, median of {args.repeat} runs after one warm-up")  # fmt: skip
    for lines in args.sizes:
        bench_size(lines, args.repeat, args.driver_memory)


if __name__ == "__main__":
    main()
