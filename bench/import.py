"""Benchmark of the order-lines import (SPEC §7; issue: 1M lines in ≤ 15 s with a peak RSS ≤ 1 GB,
10M lines imported on this machine).

Writes an order-lines CSV of N lines as real exports have them: every SPEC §7 column, about 3.5
lines an order, items with the category, brand, collection, supplier and department on each line
(30% of the items under two suppliers), orders with their channel, source, device, campaign and
salesperson on each line (5% of the orders over two channels), drafts, quotes, cancelled and
returned lines, lines without cost, VAT included or not, and one column the format does not name
(`ship_mode`, ignored). The file is written in slices of 1M lines (numpy + pyarrow), so any size
fits in memory. Then it imports the file with the CLI's function (`data.importer.import_lines`,
replace=True) into a fresh SQLite file (or a PostgreSQL database with `--postgres`) in a spawned
child process, and prints the import's wall time and the child's peak RSS (VmHWM of
/proc/self/status) and CPU time (user + system: what the import costs whatever else the machine
runs), with the machine's load (`uptime`) before and after.

    PYTHONPATH=. python bench/import.py [--lines 1000000] [--keep DIR] [--postgres URL]
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import resource
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv

SLICE = 1_000_000
ITEMS, CUSTOMERS, SELLERS = 5_000, 20_000, 25
CHANNELS = np.array(["web", "phone", "Store London", "Store Leeds", "Amazon", "eBay"])


def write_csv(path: Path, lines: int, seed: int = 7) -> int:
    """The export described above, `lines` lines long (whole orders: a few more or fewer)."""
    rng = np.random.default_rng(seed)
    written = 0
    order_base = 0
    with pa_csv.CSVWriter(path, _schema()) as writer:
        while written < lines:
            batch, orders = _slice(rng, min(SLICE, lines - written), order_base)
            writer.write_table(batch)
            written += batch.num_rows
            order_base += orders
    return written


def _schema() -> pa.Schema:
    text = (
        "order_id", "order_date", "customer_id", "customer_name", "item_id", "item_name",
        "quantity", "unit_price", "discount_pct", "vat_rate", "prices_include_vat", "unit_cost",
        "cost_non_inv", "order_status", "line_status", "document_type", "salesperson", "team",
        "channel", "source", "device", "campaign", "category", "brand", "collection",
        "supplier", "department", "product_id", "variant", "delivered_on", "ship_mode",
    )  # fmt: skip
    return pa.schema([(name, pa.string()) for name in text])


def _slice(rng: np.random.Generator, n: int, order_base: int) -> tuple[pa.Table, int]:
    per_order = 1 + rng.poisson(2.5, n // 3 + 10)
    ends = np.cumsum(per_order)
    orders = int(np.searchsorted(ends, n)) + 1
    order = np.repeat(np.arange(orders), per_order[:orders])[:n]
    n_orders = int(order[-1]) + 1
    day = np.datetime64("2023-01-01") + rng.integers(0, 3 * 365, n_orders)
    customer = rng.integers(0, CUSTOMERS, n_orders)
    seller = rng.integers(0, SELLERS, n_orders)
    status = rng.choice(["confirmed", "draft", "quote", "abandoned"], n_orders,
                        p=[0.91, 0.035, 0.03, 0.025])  # fmt: skip
    first = rng.integers(0, len(CHANNELS), n_orders)
    two = rng.random(n_orders) < 0.05
    item = (rng.pareto(1.2, n) * 300).astype(np.int64) % ITEMS
    supplier = np.where((item % 10 < 3) & (rng.random(n) < 0.5), (item + 7) % 40, item % 40)
    line_channel = np.where(two[order] & (rng.random(n) < 0.5), (first[order] + 1) % 6,
                            first[order])  # fmt: skip
    price = np.round(5 + (item % 97) * 1.37, 2)
    cost = np.where(rng.random(n) < 0.02, np.nan, np.round(price * 0.62, 2))
    line_status = rng.choice(["delivered", "cancelled", "returned", "open"], n,
                             p=[0.93, 0.03, 0.02, 0.02])  # fmt: skip
    ids = order + order_base
    columns = {
        "order_id": _text("SO", ids, 8),
        "order_date": np.datetime_as_string(day[order]),
        "customer_id": _text("C", customer[order], 6),
        "customer_name": _text("Customer ", customer[order], 6),
        "item_id": _text("SKU-", item, 5),
        "item_name": _text("Item ", item, 5),
        "quantity": (1 + rng.poisson(3, n)).astype(str),
        "unit_price": price.astype(str),
        "discount_pct": rng.choice(["0", "0.05", "0.1"], n, p=[0.8, 0.12, 0.08]),
        "vat_rate": np.where(item % 9 == 0, "0.05", "0.2"),
        "prices_include_vat": np.where(line_channel < 4, "true", "false"),
        "unit_cost": np.where(np.isnan(cost), "", cost.astype(str)),
        "cost_non_inv": np.where(rng.random(n) < 0.05, "12.5", "0"),
        "order_status": status[order],
        "line_status": line_status,
        "document_type": np.where(first[order] >= 2, "receipt", "invoice"),
        "salesperson": _text("SP", seller[order] + 1, 2),
        "team": np.array(["North", "South", "East", "West"])[seller[order] % 4],
        "channel": CHANNELS[line_channel],
        "source": np.array(["direct", "google", "email", "referral"])[order % 4],
        "device": np.array(["desktop", "mobile", "pos", ""])[order % 4],
        "campaign": np.where(order % 11 == 0, "Spring Sale", ""),
        "category": _text("Category ", item % 12, 2),
        "brand": pc.if_else(pa.array(item % 10 == 9), "", _text("Brand ", item % 30, 2)),
        "collection": _text("Collection ", item % 8, 1),
        "supplier": _text("Supplier ", supplier, 2),
        "department": _text("Department ", item % 5, 1),
        "product_id": _text("P", item // 3, 5),
        "variant": np.array(["S", "M", "L"])[item % 3],
        "delivered_on": np.datetime_as_string(day[order] + 3),
        "ship_mode": np.array(["Air", "Rail", "Road"])[order % 3],
    }
    columns["delivered_on"] = np.where(line_status == "open", "", columns["delivered_on"])
    table = pa.table(
        {k: v if isinstance(v, pa.Array) else pa.array(v, pa.string()) for k, v in columns.items()}
    )
    return table, n_orders


def _text(prefix: str, numbers: np.ndarray, width: int) -> pa.Array:
    digits = pc.utf8_lpad(pc.cast(pa.array(numbers), pa.string()), width=width, padding="0")
    return pc.binary_join_element_wise(prefix, digits, "")


def _import(path: str, url: str, queue) -> None:
    from data.db import make_engine
    from data.importer import import_lines

    engine = make_engine(url)
    start, used = time.perf_counter(), resource.getrusage(resource.RUSAGE_SELF)
    result = import_lines(engine, path, replace=True)
    seconds = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_SELF)
    cpu = (after.ru_utime - used.ru_utime) + (after.ru_stime - used.ru_stime)
    peak = next(
        line.split(":")[1].strip()
        for line in Path("/proc/self/status").read_text().splitlines()
        if line.startswith("VmHWM")
    )
    queue.put((seconds, cpu, peak, result.problems[:5], result.counts, result.notes))


def _uptime() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--keep", help="Directory for the CSV and database (default: a temp dir).")
    parser.add_argument("--reuse", action="store_true", help="Reuse the CSV in --keep if there.")
    parser.add_argument("--postgres", help="Import into this PostgreSQL URL instead of SQLite.")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(args.keep or tmp)
        folder.mkdir(parents=True, exist_ok=True)
        csv_path, db_path = folder / f"lines-{args.lines}.csv", folder / "import.db"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db_path}{suffix}").unlink(missing_ok=True)
        start = time.perf_counter()
        if not (args.reuse and csv_path.exists()):
            write_csv(csv_path, args.lines)
        with open(csv_path, "rb") as f:
            rows = sum(block.count(b"\n") for block in iter(lambda: f.read(1 << 24), b"")) - 1
        print(f"CSV: {rows:,} lines, {csv_path.stat().st_size / 1e6:.0f} MB, "
              f"ready in {time.perf_counter() - start:.1f} s")  # fmt: skip
        url = args.postgres or f"sqlite:///{db_path}"
        print(f"Before: {_uptime()}")
        context = mp.get_context("spawn")
        queue = context.Queue()
        child = context.Process(target=_import, args=(str(csv_path), url, queue))
        child.start()
        seconds, cpu, peak, problems, counts, notes = queue.get()
        child.join()
        print(f"After:  {_uptime()}")
        if problems:
            raise SystemExit(f"import refused: {problems}")
        database = "PostgreSQL (COPY)" if args.postgres else "SQLite"
        print(f"Import into {database}: {seconds:.1f} s wall, {cpu:.1f} s CPU (user + system of "
              f"the importing process), peak RSS {peak} (its VmHWM)")  # fmt: skip
        print("Rows: " + ", ".join(f"{n:,} {t}" for t, n in counts.items()))
        for note in notes:
            print(f"Note: {note}")


if __name__ == "__main__":
    main()
