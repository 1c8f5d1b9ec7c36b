"""A reload after an import merges the import's orders into the previous snapshot
(data.increment, data.change_log): the merged frames equal, frame by frame, those a full build
of the same data gives; whatever the merge cannot follow makes a full build. On SQLite and on
PostgreSQL."""

import dataclasses

import pandas as pd
import pytest

from data import increment
from data.db import make_engine, read_version, snapshot_connection, write_tables
from data.demo import generate
from data.frames import Frames, read_frames
from data.snapshot import build_snapshot, map_snapshot
from tests.cli import flask
from tests.conftest import DEMO_END
from tests.dbtools import external_sql
from tests.test_frames import assert_same_frames

HEADER = (
    "order_id,order_date,customer_id,customer_name,item_id,quantity,unit_price,unit_cost,"
    "status,order_status,channel,salesperson\n"
)


def full_build(engine) -> Frames:
    """The frames of the database's current data, read from every row."""
    engine.dispose()
    with snapshot_connection(engine) as conn:
        version = read_version(conn)
        frames = read_frames(conn, version.changed_at.floor("s"))
    engine.dispose()
    return frames


@pytest.fixture
def shop(database_url, tmp_path):
    """A demo company of 4,000 lines, its snapshot built in full, and what the import reuses."""
    engine = make_engine(database_url)
    write_tables(engine, generate(lines=4_000, seed=11, end=DEMO_END), replace=True)
    first = build_snapshot(engine, tmp_path / "snapshots")
    assert "merged_from" not in map_snapshot(first).meta
    with engine.connect() as conn:
        orders = pd.read_sql("SELECT order_id, customer_id, order_date FROM orders "
                             "WHERE status = 'confirmed' ORDER BY order_id", conn)  # fmt: skip
        items = pd.read_sql("SELECT item_id FROM items ORDER BY item_id", conn)["item_id"]
    return engine, database_url, tmp_path, orders, items


def import_file(url: str, path, text: str) -> None:
    path.write_text(HEADER + text)
    result = flask(url, "import-lines", str(path))
    assert result.returncode == 0, result.stderr + result.stdout


@pytest.mark.parametrize("runs", ["written one by one", "copied in blocks"])
def test_inc001_an_import_merged_into_the_snapshot_equals_a_full_build(shop, runs, monkeypatch):
    """`runs`: each merged frame's runs of rows go to the file one by one, or a block of 7 rows
    at a time (how a merge writes frames of short runs; the commission's daily sums too are
    then summed a few days at a time)."""
    if runs == "written one by one":
        monkeypatch.setattr(increment, "SHORT_RUNS", 0)
    else:
        monkeypatch.setattr(increment, "SHORT_RUNS", 10**9)
        monkeypatch.setattr(increment, "BLOCK_ROWS", 7)
    engine, url, tmp_path, orders, items = shop
    mid, late = orders.iloc[len(orders) // 2], orders.iloc[-1]
    rows = [
        # an existing order rewritten: one line of another item, one cancelled line
        f"{mid.order_id},{mid.order_date},{mid.customer_id},,{items.iloc[3]},2,10.5,4,delivered,"
        "confirmed,Web,SP01",
        f"{mid.order_id},{mid.order_date},{mid.customer_id},,{items.iloc[4]},1,99,,cancelled,"
        "confirmed,Web,SP01",
        # a new order of an existing customer on the last order's day, in a new channel
        f"ZZ-NEW-1,{late.order_date},{late.customer_id},,{items.iloc[0]},3,7.25,2,delivered,"
        "confirmed,Kiosk,SP02",
        # a new customer's order, a new item, an older day; and a draft
        "AA-NEW-2,2025-03-04,CNEW,New Customer Ltd,ITEM-NEW,1,50,20,delivered,confirmed,Web,",
        f"AA-NEW-3,2025-03-04,CNEW,New Customer Ltd,{items.iloc[1]},5,3,,,draft,Web,SP01",
    ]
    import_file(url, tmp_path / "import.csv", "\n".join(rows) + "\n")

    path = build_snapshot(engine, tmp_path / "snapshots")
    merged = map_snapshot(path)
    assert merged.meta["merged_from"] == merged.meta["version"] - 1
    expected = full_build(engine)
    assert len(expected.lines) == len(map_snapshot(path).frames.lines)
    assert "CNEW" in set(expected.customers["customer_id"])
    assert "Kiosk" in set(expected.lines["channel"].astype(object))
    assert_same_frames(merged.frames, dataclasses.replace(expected, as_of=merged.frames.as_of))

    # a second import merges into the merged snapshot
    import_file(url, tmp_path / "again.csv",
                f"{late.order_id},{late.order_date},{late.customer_id},,{items.iloc[2]},1,1,1,"
                "delivered,confirmed,Web,SP01\n")  # fmt: skip
    again = map_snapshot(build_snapshot(engine, tmp_path / "snapshots"))
    assert again.meta["merged_from"] == merged.meta["version"]
    expected = full_build(engine)
    assert_same_frames(again.frames, dataclasses.replace(expected, as_of=again.frames.as_of))


def test_inc002_what_the_merge_cannot_follow_is_built_in_full(shop):
    engine, url, tmp_path, orders, items = shop
    first = orders.iloc[0]
    # a write by another program: its version is not recorded
    external_sql(url, f"UPDATE order_lines SET quantity = quantity + 1 "
                      f"WHERE order_id = '{first.order_id}'")  # fmt: skip
    path = build_snapshot(engine, tmp_path / "snapshots")
    assert "merged_from" not in map_snapshot(path).meta
    expected = full_build(engine)
    assert_same_frames(map_snapshot(path).frames,
                       dataclasses.replace(expected, as_of=map_snapshot(path).frames.as_of))  # fmt: skip

    # an import that gives an item another category: the lines it did not write, which
    # leave the category to their item, get the old one written on them (data.importer)
    import_file(url, tmp_path / "items.csv",
                f"{first.order_id},{first.order_date},{first.customer_id},,{items.iloc[0]},1,1,1,"
                "delivered,confirmed,Web,SP01\n")  # fmt: skip
    merged = map_snapshot(build_snapshot(engine, tmp_path / "snapshots"))
    assert merged.meta.get("merged_from") == merged.meta["version"] - 1
    (tmp_path / "category.csv").write_text(
        "order_id,order_date,customer_id,item_id,quantity,unit_price,category\n"
        f"{first.order_id},{first.order_date},{first.customer_id},{items.iloc[5]},2,1,Changed\n"
    )
    result = flask(url, "import-lines", str(tmp_path / "category.csv"))
    assert result.returncode == 0, result.stderr + result.stdout
    rebuilt = map_snapshot(build_snapshot(engine, tmp_path / "snapshots"))
    assert "merged_from" not in rebuilt.meta
    expected = full_build(engine)
    assert "Changed" in set(expected.items["category"].astype(object))
    assert_same_frames(rebuilt.frames, dataclasses.replace(expected, as_of=rebuilt.frames.as_of))
