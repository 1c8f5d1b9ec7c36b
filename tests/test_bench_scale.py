"""bench/scale.py: a DuckDB file of N copies of a demo database (the 50M-line benchmark's data),
checked on the hand-made shop of tests/test_sql_engine.py copied three times: every copy of a
customer has the source customer's sums for every scope (the frames engine over the source is
the reference, tested by hand elsewhere), the rollups are current and read, and an existing
file is refused. The shop is tiny: the test takes about a second."""

from __future__ import annotations

import duckdb
import numpy as np
import pytest

from bench.scale import build
from data.access import Scope, scoped
from data.db import make_engine, read_tables, write_tables
from data.frames import build_frames
from data.sql_engine import Database, SqlEngine
from metrics.engine import AS_SOLD, REPORT_SUMS, SUMS, FramesEngine
from metrics.filters import Filters
from tests.test_sql_engine import shop_tables

SCOPES = [Scope("leadership"), Scope("manager", team="North"),
          Scope("salesperson", salesperson="SP1")]  # fmt: skip
SUFFIXES = ("", "-x2", "-x3")  # copy 1 keeps the source's IDs


@pytest.fixture(scope="module")
def copied(tmp_path_factory):
    """(the shop's tables and frames, the DuckDB file of three copies of it)."""
    folder = tmp_path_factory.mktemp("bench-scale")
    source = folder / "shop.db"
    engine = make_engine(f"sqlite:///{source}")
    write_tables(engine, shop_tables(), replace=True)
    tables = read_tables(engine)
    engine.dispose()
    target = folder / "shop-x3.duckdb"
    build(source, target, copies=3, chunk=4, memory="1GB")  # 4 rows a slice: several slices
    return tables, build_frames(tables), target


def test_scale001_three_copies_of_every_customer_with_the_same_sums(copied):
    _, frames, target = copied
    database = Database(f"duckdb:///{target}")
    assert database.rollups_current()
    for scope in SCOPES:
        expected = FramesEngine(scoped(frames, scope)).sums(Filters(), "customer")
        got = SqlEngine(database, scope).sums(Filters(), "customer").set_index("customer")
        assert len(got) == 3 * len(expected), scope
        for suffix in SUFFIXES:
            rows = got.loc[[c + suffix for c in expected["customer"]]]
            for name in SUMS:
                assert np.allclose(rows[name], expected[name], rtol=0, atol=0.005), (scope, name)


def test_scale004_the_rollup_by_attribute_built_one_attribute_at_a_time_holds_three_copies(copied):
    """The reports by an attribute as sold (read from the rollup by attribute, which the file
    gets one attribute at a time) for each scope: three times the source's sums, orders and
    customers per value."""
    _, frames, target = copied
    database = Database(f"duckdb:///{target}")
    assert database.rollups_current()  # else the reports read the lines
    for scope in SCOPES:
        for by in AS_SOLD:  # every attribute of the rollup but the product (Sell Through's)
            expected = FramesEngine(scoped(frames, scope)).report_sums(Filters(), by)
            got = SqlEngine(database, scope).report_sums(Filters(), by)
            assert got[by].tolist() == expected[by].tolist(), (scope, by)
            for name in REPORT_SUMS:
                assert np.allclose(got[name], 3 * expected[name], rtol=0, atol=0.005), (scope, by)


def test_scale002_the_file_holds_three_times_the_rows_and_the_same_items(copied):
    tables, _, target = copied
    with duckdb.connect(str(target), read_only=True) as conn:
        count = {t: conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0]
                 for t in ("customers", "orders", "order_lines", "items", "salespeople")}  # fmt: skip
        dates = conn.execute("SELECT typeof(order_date) FROM orders LIMIT 1").fetchone()[0]
        names = conn.execute("SELECT name FROM customers WHERE customer_id = 'C1-x2'").fetchone()
    for name in ("customers", "orders", "order_lines"):
        assert count[name] == 3 * len(tables[name]), name
    assert count["items"] == len(tables["items"])
    assert count["salespeople"] == len(tables["salespeople"])
    assert dates == "DATE"
    assert names == ("Aster (2)",)  # the shop's C1


def test_scale003_an_existing_file_is_refused_and_left_alone(copied):
    _, _, target = copied
    size = target.stat().st_size
    with pytest.raises(SystemExit, match="exists"):
        build(target.with_name("shop.db"), target, copies=2, chunk=4, memory="1GB")
    assert target.stat().st_size == size
