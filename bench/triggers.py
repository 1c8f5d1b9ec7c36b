"""What the data-version triggers cost a bulk write: 1M demo lines written with and without them.

Generates the demo company once (`generate(lines=N, seed=7, end=2026-11-21)`), then writes it
into fresh databases in three ways, in turn, --repeat times each, and prints the median wall
time of each and the difference to "off":
  import   data.db.write_tables as every import writes: bump_data_version first, so the
           triggers stay quiet (PostgreSQL: a transaction setting; SQLite: dropped in the
           transaction, created again just before its commit)
  outside  the same inserts without bump_data_version, as another program would write: every
           SQLite row fires its trigger; PostgreSQL bumps once per transaction
  off      the same inserts with the triggers dropped right after make_engine
SQLite always; PostgreSQL too when --postgres names a server URL on which the script may create
and drop databases.

    PYTHONPATH=. python bench/triggers.py [--lines 1000000] [--repeat 3] [--postgres URL]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
import uuid
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from data.db import _trigger_names, delete_all_data, insert_frame, make_engine, write_tables
from data.demo import generate
from data.models import DATA_TABLES


def drop_triggers(engine) -> None:
    with engine.begin() as conn:
        for (table, _), name in _trigger_names(engine.dialect.name).items():
            if engine.dialect.name == "postgresql":
                conn.execute(text(f"DROP TRIGGER IF EXISTS {name} ON {table}"))
            else:
                conn.execute(text(f"DROP TRIGGER IF EXISTS {name}"))


def timed_write(url: str, tables, how: str) -> float:
    engine = make_engine(url)
    if how == "off":
        drop_triggers(engine)
    start = time.perf_counter()
    if how == "import":
        write_tables(engine, tables, replace=True)
    else:
        with engine.begin() as conn:  # write_tables without bump_data_version
            delete_all_data(conn)
            for table in DATA_TABLES:
                if table.name in tables:
                    insert_frame(conn, table.name, tables[table.name])
    seconds = time.perf_counter() - start
    engine.dispose()
    return seconds


def sqlite_urls(folder: Path):
    while True:
        path = folder / f"{uuid.uuid4().hex}.db"
        yield f"sqlite:///{path}"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)


def postgres_urls(server: str):
    admin = create_engine(
        make_url(server).set(drivername="postgresql+psycopg"), isolation_level="AUTOCOMMIT"
    )
    while True:
        name = f"bench_{uuid.uuid4().hex[:10]}"
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        yield (
            make_url(server)
            .set(drivername="postgresql+psycopg", database=name)
            .render_as_string(hide_password=False)
        )
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))


def measure(label: str, urls, tables, repeat: int) -> None:
    runs = {"import": [], "outside": [], "off": []}
    for _ in range(repeat):
        for how, times in runs.items():
            times.append(timed_write(next(urls), tables, how))
    next(urls)  # drops the last database
    off = statistics.median(runs["off"])
    print(f"{label}: triggers off {off:.2f} s (runs {[round(s, 1) for s in runs['off']]})")
    for how in ("import", "outside"):
        median = statistics.median(runs[how])
        print(
            f"  {how:<8} {median:6.2f} s   cost {median - off:+.2f} s "
            f"({(median / off - 1) * 100:+.0f}%)   runs {[round(s, 1) for s in runs[how]]}"
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--postgres", help="server URL (a role that may create databases)")
    args = parser.parse_args()
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"bench/triggers.py, {datetime.now():%Y-%m-%d %H:%M}; load average {load}")
    tables = generate(lines=args.lines, seed=7, end=date(2026, 11, 21))
    rows = sum(len(t) for t in tables.values())
    print(f"{len(tables['order_lines']):,} order lines, {rows:,} rows in all tables")
    with tempfile.TemporaryDirectory(prefix="bench-triggers-") as tmp:
        measure("SQLite", sqlite_urls(Path(tmp)), tables, args.repeat)
    if args.postgres:
        measure("PostgreSQL", postgres_urls(args.postgres), tables, args.repeat)


if __name__ == "__main__":
    main()
