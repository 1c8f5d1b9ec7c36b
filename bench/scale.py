"""A DuckDB file of N copies of a demo database, for the sql engine at scale (e.g. 50M lines).

The frames cannot be built at that size and `init-demo` holds the whole company in memory
(10M lines peaked at 11.8 GB), so this copies an existing demo instead: the SQLite file's sales
tables are read in slices of --chunk rows into a new DuckDB file (the tables of data/models.py
under the same names and columns, dates as DATE), then --copies − 1 more copies of the
customers, their fields, orders, lines and payments are made inside DuckDB with SQL, each with
its own IDs (customer and order IDs suffixed `-x2`, `-x3`, …; payment IDs offset; the customer's
name suffixed ` (2)`, …), the same items and salespeople (so the same teams and owners). Copy 1
keeps the source's IDs. Then the rollups are built as data.rollups does (its INSERT compiled for
DuckDB, every row; the rollup by attribute one attribute at a time), the order lines a
second time by customer (the customer page's), all marked current for the file's data version and marked current for the file's data version, and plain SQL checks the
counts: lines, orders and customers ×copies, every sum of the rollups ×copies.

    PYTHONPATH=. python -m bench.scale --source /tmp/cb10m/demo-10m.db \
        --target /work/bench-data/demo-50m.duckdb [--copies 5] [--memory 6GB]

The file is written next to its final name and renamed at the end; an existing --target is
refused (remove it first). The sums compared are those of the whole data (SUMS of
metrics.engine, from the lines as the engine's INSERT sums them): each must be --copies times
the source's within 1e-6 relative (float sums in another order), counts exactly.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import time
import uuid
from pathlib import Path

import duckdb
import pandas as pd

from data.db import DataVersion
from data.models import DATA_TABLES, ROLLUP_TABLES, RollupState
from data.rollups import ROLLUPS, insert_sql
from data.sql_engine import LINES_BY_CUSTOMER, LINES_BY_CUSTOMER_STATE, SCHEMAS
from metrics.engine import SUMS

TYPES = {"String": "VARCHAR", "Text": "VARCHAR", "Integer": "BIGINT", "BigInteger": "BIGINT",
         "Float": "DOUBLE", "Boolean": "BOOLEAN", "Date": "DATE", "DateTime": "TIMESTAMP"}  # fmt: skip
TABLES = [*DATA_TABLES, *ROLLUP_TABLES, RollupState.__table__, DataVersion.__table__]
COPIED = ("customers", "customer_fields", "orders", "order_lines", "payments")
SUFFIXED = {"customer_id", "order_id"}  # the IDs each copy suffixes, wherever they appear


def load_text() -> str:
    return "load average " + " ".join(f"{x:.2f}" for x in os.getloadavg())


def create_tables(conn: duckdb.DuckDBPyConnection) -> None:
    for table in TABLES:
        columns = ", ".join(f"{c.name} {TYPES[type(c.type).__name__]}" for c in table.columns)
        conn.execute(f"CREATE TABLE {table.name} ({columns})")


def copy_source(conn: duckdb.DuckDBPyConnection, source: Path, chunk: int) -> None:
    """The sales tables of the SQLite file, in slices of `chunk` rows, cast to the models' types."""
    lite = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    for table in DATA_TABLES:
        start, names = time.perf_counter(), [c.name for c in table.columns]
        cursor = lite.execute(f"SELECT {', '.join(names)} FROM {table.name}")
        casts = ", ".join(f"CAST({c.name} AS {TYPES[type(c.type).__name__]})"
                          for c in table.columns)  # fmt: skip
        rows = 0
        while batch := cursor.fetchmany(chunk):
            frame = pd.DataFrame.from_records(batch, columns=names)
            conn.register("slice", frame)
            conn.execute(f"INSERT INTO {table.name} SELECT {casts} FROM slice")
            conn.unregister("slice")
            rows += len(batch)
        print(f"  {table.name}: {rows:,} rows in {time.perf_counter() - start:.1f} s", flush=True)
    lite.close()


def add_copies(conn: duckdb.DuckDBPyConnection, copies: int) -> None:
    """Copies 2..copies of the customers' side of the data, from copy 1 (the source's rows)."""
    for table in (t for t in DATA_TABLES if t.name in COPIED):
        start = time.perf_counter()
        offset = conn.execute("SELECT COALESCE(MAX(payment_id), 0) FROM payments").fetchone()[0]
        values = []
        for column in table.columns:
            if column.name in SUFFIXED:
                values.append(f"{column.name} || '-x' || k")
            elif table.name == "customers" and column.name == "name":
                values.append("name || ' (' || k || ')'")
            elif column.name == "payment_id":
                values.append(f"payment_id + {offset} * (k - 1)")
            else:
                values.append(column.name)
        # one statement: its SELECT reads the table as it was before it (copy 1 only)
        conn.execute(f"INSERT INTO {table.name} SELECT {', '.join(values)} FROM {table.name},"
                     f" range(2, {copies + 1}) AS copies(k)")  # fmt: skip
        rows = conn.execute(f"SELECT COUNT(*) FROM {table.name}").fetchone()[0]
        print(f"  {table.name}: {rows:,} rows after the copies, {time.perf_counter() - start:.1f} s",
              flush=True)  # fmt: skip


def build_rollups(conn: duckdb.DuckDBPyConnection) -> None:
    """Every rollup table summed from every line (data.rollups' INSERT for DuckDB), current for
    the file's data version 1."""
    conn.execute("INSERT INTO data_version VALUES (1, ?, 1, CURRENT_TIMESTAMP::TIMESTAMP)",
                 [uuid.uuid4().hex[:16]])  # fmt: skip
    for rollup in ROLLUPS:
        start = time.perf_counter()
        # the rollup by attribute one attribute at a time, in the order its rows are stored (by
        # attribute first): all at once, DuckDB spilled past 36 GB of disk at 50M lines
        for attributes in [(a,) for a in sorted(rollup.attributes)] or [()]:
            conn.execute(insert_sql("duckdb", rollup.table.name, some=False, attributes=attributes))
        rows = conn.execute(f"SELECT COUNT(*) FROM {rollup.table.name}").fetchone()[0]
        print(f"  {rollup.table.name}: {rows:,} rows in {time.perf_counter() - start:.1f} s",
              flush=True)  # fmt: skip
    conn.execute("INSERT INTO rollup_state VALUES (1, 1)")


def build_lines_by_customer(conn: duckdb.DuckDBPyConnection) -> None:
    """The order lines a second time by customer (data.sql_engine.LINES_BY_CUSTOMER: each with
    its order's customer and date, stored by customer), for the file's data version: the
    customer page reads one customer's lines from a few row groups."""
    lines = ", ".join(f"l.{name}" for name in SCHEMAS["order_lines"])
    conn.execute(
        f"CREATE TABLE {LINES_BY_CUSTOMER} AS SELECT o.customer_id, o.order_date, {lines}"
        " FROM order_lines l JOIN orders o ON l.order_id = o.order_id"
        " ORDER BY o.customer_id, o.order_date, l.order_id, l.line_no"
    )
    conn.execute(f"CREATE TABLE {LINES_BY_CUSTOMER_STATE} AS SELECT version FROM data_version")


def totals(conn) -> dict[str, float]:
    """Counts of the sales tables and every sum of the rollups over the whole data."""
    found = {}
    for table in ("customers", "orders", "order_lines", "payments"):
        found[table] = conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
    sums = ", ".join(f"SUM({name})" for name in SUMS)
    row = conn.execute(f"SELECT {sums} FROM daily_customer_sums").fetchone()
    found.update(zip(SUMS, row, strict=True))
    return found


def check(conn: duckdb.DuckDBPyConnection, source: Path, copies: int) -> None:
    """The copies' counts and sums against the source's (its rollups, summed by its own SQL)."""
    lite = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    expected = totals(lite)
    lite.close()
    got = totals(conn)
    print(f"  {'':<20} {'source':>20} {'this file':>22}  ×{copies}")
    wrong = []
    for name, value in expected.items():
        ok = (got[name] == value * copies if name in ("customers", "orders", "order_lines",
              "payments") else abs(got[name] - value * copies) <= 1e-6 * abs(value * copies))  # fmt: skip
        wrong += [] if ok else [name]
        print(f"  {name:<20} {value:>20,.2f} {got[name]:>22,.2f}  {'yes' if ok else 'NO'}")
    if wrong:
        raise SystemExit(f"not {copies} times the source: {', '.join(wrong)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, required=True, help="a demo SQLite file")
    parser.add_argument("--target", type=Path, required=True, help="the DuckDB file to write")
    parser.add_argument("--copies", type=int, default=5)
    parser.add_argument("--chunk", type=int, default=500_000, help="rows per slice read")
    parser.add_argument("--memory", default="6GB", help="DuckDB's memory_limit")
    args = parser.parse_args()
    build(args.source, args.target, args.copies, args.chunk, args.memory)


def build(source: Path, target: Path, copies: int, chunk: int, memory: str) -> None:
    """Write `target` as the module says (SystemExit when it exists or the check fails)."""
    if target.exists():
        raise SystemExit(f"{target} exists: remove it first")
    print(f"bench/scale.py {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}: {source}"
          f" ×{copies} -> {target} ({load_text()})", flush=True)  # fmt: skip
    start = time.perf_counter()
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    with duckdb.connect(str(partial)) as conn:
        conn.execute(f"SET memory_limit = '{memory}'")
        create_tables(conn)
        copy_source(conn, source, chunk)
        add_copies(conn, copies)
        build_rollups(conn)
        start = time.perf_counter()
        build_lines_by_customer(conn)
        print(f"  {LINES_BY_CUSTOMER}: {time.perf_counter() - start:.1f} s", flush=True)
        conn.execute("CHECKPOINT")
        check(conn, source, copies)
    partial.rename(target)
    size = target.stat().st_size / 2**30
    print(f"written {target}: {size:.1f} GiB in {time.perf_counter() - start:.0f} s"
          f" ({load_text()})")  # fmt: skip


if __name__ == "__main__":
    main()
