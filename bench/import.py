"""Benchmark of the order-lines import (SPEC §7: a 1M-line CSV in under 60 s and under 2 GB).

Generates the demo company (`data.demo.generate(lines=N, seed=7, end=2026-11-21)`), flattens it
to an order-lines CSV with the SPEC §7 columns, then imports it with the CLI's function
(`data.importer.import_lines`) into a fresh SQLite file, in a spawned child process, and prints
the import's wall time and the child's peak RSS (VmHWM of /proc/self/status).

    PYTHONPATH=. python bench/import.py [--lines 1000000] [--keep DIR]
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import tempfile
import time
from datetime import date
from pathlib import Path


def write_csv(path: Path, lines: int) -> int:
    from data.demo import generate

    tables = generate(lines=lines, seed=7, end=date(2026, 11, 21))
    orders = tables["orders"].rename(columns={"status": "order_status"})
    items = tables["items"].drop(columns=["name", "item_type", "made_to_order"])
    flat = (
        tables["order_lines"]
        .rename(columns={"status": "line_status"})
        .drop(columns=["line_no", "sku"])
        .merge(orders, on="order_id", how="left")
        .merge(items, on="item_id", how="left")
        .merge(
            tables["salespeople"][["code", "team"]].rename(columns={"code": "salesperson"}),
            on="salesperson",
            how="left",
        )  # fmt: skip
    )
    flat["order_date"] = flat["order_date"].dt.strftime("%Y-%m-%d")
    for column in ("delivered_on", "cancelled_on", "returned_on"):
        flat[column] = flat[column].dt.strftime("%Y-%m-%d")
    flat.to_csv(path, index=False)
    return len(flat)


def _import(path: str, url: str, queue) -> None:
    from data.db import make_engine
    from data.importer import import_lines

    engine = make_engine(url)
    start = time.perf_counter()
    result = import_lines(engine, path, replace=True)
    seconds = time.perf_counter() - start
    peak = next(
        line.split(":")[1].strip()
        for line in Path("/proc/self/status").read_text().splitlines()
        if line.startswith("VmHWM")
    )
    queue.put((seconds, peak, result.problems[:5], result.counts))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--keep", help="Directory for the CSV and database (default: a temp dir).")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(args.keep or tmp)
        folder.mkdir(parents=True, exist_ok=True)
        csv_path, db_path = folder / "lines.csv", folder / "import.db"
        db_path.unlink(missing_ok=True)
        start = time.perf_counter()
        rows = write_csv(csv_path, args.lines)
        print(f"CSV: {rows:,} lines, {csv_path.stat().st_size / 1e6:.0f} MB, "
              f"written in {time.perf_counter() - start:.1f} s")  # fmt: skip
        context = mp.get_context("spawn")
        queue = context.Queue()
        child = context.Process(target=_import, args=(str(csv_path), f"sqlite:///{db_path}", queue))
        child.start()
        seconds, peak, problems, counts = queue.get()
        child.join()
        if problems:
            raise SystemExit(f"import refused: {problems}")
        print(f"Import: {seconds:.1f} s, peak RSS {peak} (VmHWM of the importing process)")
        print("Rows: " + ", ".join(f"{n:,} {t}" for t, n in counts.items()))


if __name__ == "__main__":
    main()
