"""The rollups the database keeps for SALES_ENGINE=sql (data.rollups): their rows by hand, kept
by writes and imports in their transaction, never used stale after an outside write, and
rebuilt by `flask rebuild-rollups`; which questions read the (month, customer, item) sums. Every
test runs on SQLite and on PostgreSQL (the questions on a DuckDB file too)."""

import os
import shutil
import threading
from dataclasses import replace
from datetime import date

import pandas as pd
import pytest
from sqlalchemy import create_engine, text

from data import rollups
from data.access import Scope
from data.db import make_engine, normal_url, read_version, write_tables
from data.sql_engine import Database, SqlEngine
from metrics.engine import MADE_TO_ORDER_ROW
from metrics.filters import Filters
from tests.cli import flask
from tests.conftest import until
from tests.dbtools import external_sql
from tests.factory import make_tables
from tests.servers import postgres_database

EVERYONE = Scope("leadership")
LINES = [
    # 2026-05-01, C1: O1 2 × 10 at cost 4 and a cancelled line; O2 1 × 10, cost unknown; O3 a
    # draft of 1 × 30
    {"order_id": "O1", "order_date": "2026-05-01", "quantity": 2.0, "unit_cost": 4.0},
    {"order_id": "O1", "order_date": "2026-05-01", "status": "cancelled"},
    {"order_id": "O2", "order_date": "2026-05-01"},
    {"order_id": "O3", "order_date": "2026-05-01", "unit_price": 30.0, "order_status": "draft"},
    # 2026-05-02, C2: O4 3 × 10 at half price, cost 2 each
    {"order_id": "O4", "order_date": "2026-05-02", "customer_id": "C2", "quantity": 3.0,
     "discount_pct": 0.5, "unit_cost": 2.0},
]  # fmt: skip
COLUMNS = ["day", "customer_id", "sales_amount", "sales_quantity", "cost_amount", "cost_non_inv",
           "known_sales", "known_non_inv", "known_quantity", "known_lines", "revenue_lines",
           "confirmed_orders", "draft_orders", "confirmed_amount", "draft_amount"]  # fmt: skip
BY_HAND = [
    # sales 20 + 10; quantity 3; cost 8 (O1 only); known sales 20, quantity 2, one known line of
    # two revenue lines; O1 and O2 confirmed, O3 a draft; confirmed amount 30, draft 30
    ["2026-05-01", "C1", 30.0, 3.0, 8.0, 0.0, 20.0, 0.0, 2.0, 1.0, 2.0, 1 + 1, 1, 30.0, 30.0],
    # 3 × 10 × 0.5 = 15, cost 3 × 2 = 6
    ["2026-05-02", "C2", 15.0, 3.0, 6.0, 0.0, 15.0, 0.0, 3.0, 1.0, 1.0, 1, 0, 15.0, 0.0],
]


def stored_rows(url: str) -> list[list]:
    """daily_customer_sums, read with plain SQL."""
    with make_engine(url).connect() as conn:
        rows = conn.execute(text(f"SELECT {', '.join(COLUMNS)} FROM daily_customer_sums"
                                 " ORDER BY day, customer_id")).all()  # fmt: skip
    return [[str(row[0]), *row[1:]] for row in rows]


def sales_amount(url: str) -> float:
    return SqlEngine(Database(url), EVERYONE).sums(Filters())["sales_amount"].iloc[0]


def test_rol001_a_write_keeps_the_rollups_with_the_sums_by_hand(database_url):
    write_tables(make_engine(database_url), make_tables(LINES), replace=True)
    assert stored_rows(database_url) == BY_HAND
    assert Database(database_url).rollups_current()
    with make_engine(database_url).connect() as conn:  # orders with a revenue line: O1, O2; O4
        orders = conn.execute(text("SELECT orders FROM daily_customer_sums ORDER BY day")).all()
    assert [row[0] for row in orders] == [2, 1]


def test_rol002_after_an_outside_write_the_lines_are_read_until_the_rollups_are_rebuilt(
    database_url,
):
    engine = make_engine(database_url)
    write_tables(engine, make_tables(LINES), replace=True)
    assert sales_amount(database_url) == 45.0
    external_sql(database_url, "UPDATE order_lines SET unit_price = 20 WHERE order_id = 'O4'")
    assert not Database(database_url).rollups_current()
    assert stored_rows(database_url)[1][2] == 15.0  # stale, and not read:
    assert sales_amount(database_url) == 60.0  # 30 + 3 × 20 × 0.5

    result = flask(database_url, "rebuild-rollups")
    assert result.returncode == 0, result.stderr
    version = read_version(engine).version
    assert f"daily_customer_sums: 2 rows, current for data version {version}." in result.stdout
    assert f"monthly_customer_item_sums: 2 rows, current for data version {version}." in (
        result.stdout
    )
    assert Database(database_url).rollups_current()
    assert stored_rows(database_url)[1][2] == 30.0
    assert sales_amount(database_url) == 60.0


def test_rol003_an_import_keeps_the_rollups_of_the_days_it_writes(database_url, tmp_path):
    write_tables(make_engine(database_url), make_tables(LINES), replace=True)
    moved = tmp_path / "moved.csv"  # O4 corrected: 2026-05-03, 1 × 40; a new order O5
    moved.write_text(
        "order_id,order_date,customer_id,item_id,quantity,unit_price\n"
        "O4,2026-05-03,C2,I1,1,40\nO5,2026-05-03,C1,I1,1,5\n"
    )
    result = flask(database_url, "import-lines", str(moved))
    assert result.returncode == 0, result.stderr
    assert Database(database_url).rollups_current()
    rows = stored_rows(database_url)
    assert rows[0] == BY_HAND[0]  # a day the import did not touch
    assert [row[:3] for row in rows[1:]] == [["2026-05-03", "C1", 5.0], ["2026-05-03", "C2", 40.0]]
    engine = SqlEngine(Database(database_url), EVERYONE)
    by_day = engine.sums(Filters(start=date(2026, 5, 2), end=date(2026, 5, 3)), "customer")
    assert list(by_day["sales_amount"]) == [5.0, 40.0]  # C1, C2
    assert sales_amount(database_url) == 75.0  # 30 + 40 + 5


def test_rol004_both_ways_give_the_same_sums(database_url):
    """The rollups and the lines, the same question: equal (the frames engine is compared with
    both in tests/test_sql_engine.py)."""
    write_tables(make_engine(database_url), make_tables(LINES), replace=True)
    database = Database(database_url)
    for filters in (Filters(), Filters(start=date(2026, 5, 2)), Filters(customers=("C1",))):
        for by in (None, "customer", "month"):
            from_rollups = SqlEngine(database, EVERYONE).sums(filters, by)
            from_lines = SqlEngine(database, EVERYONE, rollups=False).sums(filters, by)
            pd.testing.assert_frame_equal(from_rollups, from_lines, check_dtype=False)


def test_rol005_a_database_with_sales_before_its_rollups_gets_them_from_the_rebuild_only(
    database_url, tmp_path
):
    """Sales written before the rollups existed (here: their state row removed): an import
    does not sum some days and call the rest current; the lines are read until the rebuild."""
    write_tables(make_engine(database_url), make_tables(LINES), replace=True)
    external_sql(database_url, "DELETE FROM rollup_state")
    new = tmp_path / "new.csv"
    new.write_text("order_id,order_date,customer_id,item_id,quantity,unit_price\n"
                   "O5,2026-05-03,C1,I1,1,5\n")  # fmt: skip
    assert flask(database_url, "import-lines", str(new)).returncode == 0
    assert not Database(database_url).rollups_current()
    assert [row[0] for row in stored_rows(database_url)] == ["2026-05-01", "2026-05-02"]
    assert sales_amount(database_url) == 50.0  # 45 + 5, from the lines
    assert flask(database_url, "rebuild-rollups").returncode == 0
    assert Database(database_url).rollups_current()
    assert [row[0] for row in stored_rows(database_url)][-1] == "2026-05-03"
    assert sales_amount(database_url) == 50.0


def test_rol006_an_import_waiting_for_an_outside_write_does_not_call_the_sums_current(tmp_path):
    """PostgreSQL: another program's transaction has changed a price (its trigger holds the
    data version's row) when an import starts; the import waits for it, and its commit comes
    first. The import must not then mark sums current that lack that change."""
    with postgres_database("rollups") as url:
        write_tables(make_engine(url), make_tables(LINES), replace=True)
        outside = create_engine(normal_url(url))
        new = tmp_path / "new.csv"
        new.write_text("order_id,order_date,customer_id,item_id,quantity,unit_price\n"
                       "O5,2026-05-03,C1,I1,1,5\n")  # fmt: skip
        with outside.connect() as conn:
            conn.execute(text("UPDATE order_lines SET unit_price = 20 WHERE order_id = 'O4'"))
            importing = threading.Thread(target=flask, args=(url, "import-lines", str(new)))
            importing.start()
            until(lambda: waiting_for_a_lock(outside), timeout=60)  # the import's bump waits
            conn.commit()
        importing.join(120)
        assert not Database(url).rollups_current()
        assert sales_amount(url) == 65.0  # 30 + 3 × 20 × 0.5 + 5, from the lines


def waiting_for_a_lock(engine) -> bool:
    with engine.connect() as conn:
        return bool(conn.execute(text("SELECT count(*) FROM pg_locks WHERE NOT granted")).scalar())


# Two items, two months: O1 and O2 hold both items (O2's I1 line cancelled), O3 a draft in June
ITEM_LINES = [
    {"order_id": "O1", "order_date": "2026-05-01", "quantity": 2.0, "unit_cost": 4.0},
    {"order_id": "O1", "order_date": "2026-05-01", "item_id": "I2"},
    {"order_id": "O2", "order_date": "2026-05-20", "status": "cancelled"},
    {"order_id": "O2", "order_date": "2026-05-20", "item_id": "I2", "unit_price": 5.0},
    {"order_id": "O3", "order_date": "2026-06-02", "unit_price": 30.0, "order_status": "draft"},
    {"order_id": "O4", "order_date": "2026-05-02", "customer_id": "C2", "quantity": 3.0,
     "discount_pct": 0.5, "unit_cost": 2.0},
]  # fmt: skip
ITEM_COLUMNS = ["month", "customer_id", "item_id", *COLUMNS[2:], "orders"]
MAY, JUNE = 2026 * 12 + 4, 2026 * 12 + 5
ITEMS_BY_HAND = [
    # O1's 2 × 10 at cost 4; O2's cancelled line: in confirmed orders, not in the amounts; one
    # order with a revenue line
    [MAY, "C1", "I1", 20.0, 2.0, 8.0, 0.0, 20.0, 0.0, 2.0, 1.0, 1.0, 2, 0, 20.0, 0.0, 1],
    # O1's 10 and O2's 5, cost unknown: two orders with a revenue line
    [MAY, "C1", "I2", 15.0, 2.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 2.0, 2, 0, 15.0, 0.0, 2],
    # O4: 3 × 10 × 0.5 = 15, cost 3 × 2 = 6
    [MAY, "C2", "I1", 15.0, 3.0, 6.0, 0.0, 15.0, 0.0, 3.0, 1.0, 1.0, 1, 0, 15.0, 0.0, 1],
    # O3, a draft of 30
    [JUNE, "C1", "I1", 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0, 1, 0.0, 30.0, 0],
]
ITEM_ROLLUP = "monthly_customer_item_sums"


def item_rows(url: str) -> list[list]:
    """monthly_customer_item_sums, read with plain SQL."""
    with make_engine(url).connect() as conn:
        rows = conn.execute(text(f"SELECT {', '.join(ITEM_COLUMNS)} FROM {ITEM_ROLLUP}"
                                 " ORDER BY month, customer_id, item_id")).all()  # fmt: skip
    return [list(row) for row in rows]


def reads_item_rollup(engine: SqlEngine, filters: Filters, by) -> bool:
    """Whether the engine's SQL for report_sums and sums by `by` reads the item rollup (both
    or neither)."""
    by = by if isinstance(by, tuple) else (by,)
    sqls = [engine.sql(engine.report_sums_expression(filters, by, rollups=True)),
            engine.sql(engine.sums_expression(filters, by, rollups=True))]  # fmt: skip
    assert (ITEM_ROLLUP in sqls[0]) == (ITEM_ROLLUP in sqls[1])
    return ITEM_ROLLUP in sqls[0]


def test_rol007_a_write_keeps_the_item_rollup_with_the_sums_by_hand(database_url):
    write_tables(make_engine(database_url), make_tables(ITEM_LINES), replace=True)
    assert item_rows(database_url) == ITEMS_BY_HAND
    engine = SqlEngine(Database(database_url), EVERYONE)
    may = Filters(start=date(2026, 5, 1), end=date(2026, 5, 31))
    # per item: I1's orders with a revenue line are O1 and O4 (2 customers), I2's O1 and O2 (1)
    by_item = engine.report_sums(may, "item")
    assert by_item[["item", "sales_amount", "orders", "customers"]].values.tolist() == [
        ["I1", 35.0, 2, 2],
        ["I2", 15.0, 2, 1],
    ]
    # in all: three orders, not the cells' 2 + 2: the total reads the lines
    assert not reads_item_rollup(engine, may, ())
    assert engine.report_sums(may)[["orders", "customers"]].values.tolist() == [[3, 2]]


def test_rol008_an_import_keeps_the_item_rollup_of_the_months_it_writes(database_url, tmp_path):
    """O2 moved to June as one I2 line of 40 and a new order O5 of C2's in May: C1's May and
    June rows are summed again (from O1; from O2 and O3), C2's May ones too (O4, O5)."""
    write_tables(make_engine(database_url), make_tables(ITEM_LINES), replace=True)
    moved = tmp_path / "moved.csv"
    moved.write_text(
        "order_id,order_date,customer_id,item_id,quantity,unit_price\n"
        "O2,2026-06-03,C1,I2,1,40\nO5,2026-05-31,C2,I2,2,5\n"
    )
    result = flask(database_url, "import-lines", str(moved))
    assert result.returncode == 0, result.stderr
    assert Database(database_url).rollups_current()
    assert item_rows(database_url) == [
        # O1 only: one confirmed order each
        [MAY, "C1", "I1", 20.0, 2.0, 8.0, 0.0, 20.0, 0.0, 2.0, 1.0, 1.0, 1, 0, 20.0, 0.0, 1],
        [MAY, "C1", "I2", 10.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 1, 0, 10.0, 0.0, 1],
        ITEMS_BY_HAND[2],
        [MAY, "C2", "I2", 10.0, 2.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 1, 0, 10.0, 0.0, 1],
        ITEMS_BY_HAND[3],
        [JUNE, "C1", "I2", 40.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 1, 0, 40.0, 0.0, 1],
    ]


def test_rol009_after_an_outside_write_questions_by_item_read_the_lines_until_the_rebuild(
    database_url,
):
    engine = make_engine(database_url)
    write_tables(engine, make_tables(ITEM_LINES), replace=True)
    external_sql(database_url, "UPDATE order_lines SET unit_price = 20 WHERE order_id = 'O4'")
    assert item_rows(database_url)[2][3] == 15.0  # stale, and not read:
    sql_engine = SqlEngine(Database(database_url), EVERYONE)
    assert list(sql_engine.report_sums(Filters(), "item")["sales_amount"]) == [50.0, 15.0]
    assert flask(database_url, "rebuild-rollups").returncode == 0
    assert item_rows(database_url)[2][3] == 30.0  # 3 × 20 × 0.5
    assert list(sql_engine.report_sums(Filters(), "item")["sales_amount"]) == [50.0, 15.0]


def test_rol010_a_database_made_before_the_item_rollup_gets_it_from_the_rebuild_only(
    database_url,
):
    """The item rollup is new to a database with sales and current daily sums: the tables are
    made, the rollups are not current (the new one is empty) until `flask rebuild-rollups`."""
    write_tables(make_engine(database_url), make_tables(ITEM_LINES), replace=True)
    external_sql(database_url, f"DROP TABLE {ITEM_ROLLUP}")
    assert item_rows(database_url) == []  # made again, empty
    assert not Database(database_url).rollups_current()
    assert flask(database_url, "rebuild-rollups").returncode == 0
    assert Database(database_url).rollups_current()
    assert item_rows(database_url) == ITEMS_BY_HAND


def test_rol016_a_daily_rollup_made_before_its_orders_column_counts_from_the_rebuild_only(
    database_url,
):
    """daily_customer_sums without `orders` (an earlier version's): the column is added, the
    rollups are not current (the lines are read) until `flask rebuild-rollups`."""
    write_tables(make_engine(database_url), make_tables(LINES), replace=True)
    external_sql(database_url, "ALTER TABLE daily_customer_sums DROP COLUMN orders")
    make_engine(database_url)  # as the app starts
    assert not Database(database_url).rollups_current()
    by_day = SqlEngine(Database(database_url), EVERYONE).report_sums(Filters(), "day")
    assert by_day[["day", "orders", "customers"]].values.tolist() == [
        ["2026-05-01", 2, 1],
        ["2026-05-02", 1, 1],
    ]
    assert flask(database_url, "rebuild-rollups").returncode == 0
    assert Database(database_url).rollups_current()
    engine = SqlEngine(Database(database_url), EVERYONE)
    sql = engine.sql(engine.report_sums_expression(Filters(), ("day",), rollups=True))
    assert "daily_customer_sums" in sql and "order_lines" not in sql
    assert engine.report_sums(Filters(), "day").equals(by_day)


def test_rol011_questions_by_item_over_whole_months_read_the_item_rollup_and_agree(
    database_url, tmp_path
):
    """The compiled SQL reads the item rollup by item (with customer, month) for periods of
    whole months (or ending at or after the data's last order date, starting at or before its
    first) and customer-level filters; by product, part of a month, a filter inside orders or
    no item, the lines. Every answer equals the lines' (on a DuckDB file too, for SQLite)."""
    write_tables(make_engine(database_url), make_tables(ITEM_LINES), replace=True)
    reads = [
        (Filters(), "item", True),
        (Filters(start=date(2026, 5, 1), end=date(2026, 5, 31)), ("month", "item"), True),
        (Filters(start=date(2026, 5, 1), customers=("C1",)), ("customer", "item"), True),
        (Filters(start=date(2026, 5, 1), end=date(2026, 6, 2)), "item", True),  # the last day
        (Filters(start=date(2026, 4, 20), end=date(2026, 5, 31)), "item", True),  # before it
        (Filters(start=date(2026, 5, 2), end=date(2026, 5, 31)), "item", False),
        (Filters(start=date(2026, 5, 1), end=date(2026, 5, 30)), "item", False),
        (Filters(channels=("web",)), "item", False),
        (Filters(), "product", False),
        (Filters(), ("item", "channel"), False),
        (Filters(), "month", False),
    ]
    analytics = [database_url]
    if database_url.startswith("sqlite"):
        from tests.test_sql_engine import write_duckdb

        analytics.append(write_duckdb(tmp_path / "sales.duckdb", database_url))
    for url in analytics:
        database = Database(url)
        rollups, lines = SqlEngine(database, EVERYONE), SqlEngine(database, EVERYONE, False)
        for filters, by, expected in reads:
            assert reads_item_rollup(rollups, filters, by) == expected, (url, filters, by)
            for question in ("sums", "report_sums"):
                pd.testing.assert_frame_equal(
                    getattr(rollups, question)(filters, by),
                    getattr(lines, question)(filters, by),
                    check_dtype=False,
                )


def test_rol012_a_temporary_table_left_by_a_failed_write_does_not_stop_the_next(database_url):
    """A write that failed after making the table of orders to sum again may leave it on a
    pooled connection: the next write on that connection sums its days all the same."""
    engine = make_engine(database_url)
    write_tables(engine, make_tables(LINES), replace=True)
    with engine.begin() as conn:
        conn.execute(text(f"CREATE TEMPORARY TABLE {rollups.ORDERS_TO_SUM} (order_id VARCHAR(10))"))
        conn.execute(text(f"INSERT INTO {rollups.ORDERS_TO_SUM} VALUES ('O4')"))
        conn.execute(text("UPDATE order_lines SET unit_price = 20 WHERE order_id = 'O4'"))
        rollups.refresh(conn, {(date(2026, 5, 2), "C2")})
    assert stored_rows(database_url)[1][2] == 30.0  # 3 × 20 × 0.5
    assert sales_amount(database_url) == 60.0


# Channels by order: C1's O1 (web, two items) and O2 (phone) in May, C2's O4 (web) in May and
# O5 (phone) in June; I1 in category Home, I2 in Garden
ATTRIBUTE_LINES = [
    {"order_id": "O1", "order_date": "2026-05-01", "quantity": 2.0, "category": "Home"},
    {"order_id": "O1", "order_date": "2026-05-01", "item_id": "I2", "category": "Garden"},
    {"order_id": "O2", "order_date": "2026-05-20", "item_id": "I2", "unit_price": 5.0,
     "channel": "phone", "category": "Garden"},
    {"order_id": "O4", "order_date": "2026-05-02", "customer_id": "C2", "quantity": 3.0,
     "discount_pct": 0.5, "category": "Home"},
    {"order_id": "O5", "order_date": "2026-06-10", "customer_id": "C2", "channel": "phone",
     "category": "Home"},
]  # fmt: skip
ATTRIBUTE_ROLLUP = "monthly_customer_attribute_sums"


def attribute_rows(url: str, attribute: str) -> list[list]:
    """month, customer_id, value, sales_amount, revenue_lines, confirmed_orders and orders of
    one attribute's rows of monthly_customer_attribute_sums, read with plain SQL."""
    with make_engine(url).connect() as conn:
        rows = conn.execute(
            text(
                "SELECT month, customer_id, value, sales_amount, revenue_lines, confirmed_orders,"
                f" orders FROM {ATTRIBUTE_ROLLUP} WHERE attribute = :attribute"
                " ORDER BY month, customer_id, value"
            ),
            {"attribute": attribute},
        ).all()
    return [list(row) for row in rows]


def test_rol013_a_write_keeps_the_attribute_rollup_with_the_sums_by_hand(database_url):
    write_tables(make_engine(database_url), make_tables(ATTRIBUTE_LINES), replace=True)
    assert attribute_rows(database_url, "channel") == [
        [MAY, "C1", "phone", 5.0, 1.0, 1, 1],  # O2
        [MAY, "C1", "web", 30.0, 2.0, 1, 1],  # O1: 2 × 10 + 10, one order
        [MAY, "C2", "web", 15.0, 1.0, 1, 1],  # O4: 3 × 10 × 0.5
        [JUNE, "C2", "phone", 10.0, 1.0, 1, 1],  # O5
    ]
    assert attribute_rows(database_url, "category") == [
        [MAY, "C1", "Garden", 15.0, 2.0, 2, 2],  # O1's 10 and O2's 5: two orders
        [MAY, "C1", "Home", 20.0, 1.0, 1, 1],
        [MAY, "C2", "Home", 15.0, 1.0, 1, 1],
        [JUNE, "C2", "Home", 10.0, 1.0, 1, 1],
    ]
    assert attribute_rows(database_url, "source") == [  # none: N/A, stored as NULL
        [MAY, "C1", None, 35.0, 3.0, 2, 2],
        [MAY, "C2", None, 15.0, 1.0, 1, 1],
        [JUNE, "C2", None, 10.0, 1.0, 1, 1],
    ]
    # rebuilt: the same rows (the writes sum the rows of their (month, customer) again)
    assert flask(database_url, "rebuild-rollups").returncode == 0
    assert attribute_rows(database_url, "channel")[1] == [MAY, "C1", "web", 30.0, 2.0, 1, 1]


def test_rol014_an_import_keeps_the_attribute_rollup_of_the_months_it_writes(
    database_url, tmp_path
):
    """O2 moved to June and sold on the web: C1's May and June rows are summed again."""
    write_tables(make_engine(database_url), make_tables(ATTRIBUTE_LINES), replace=True)
    moved = tmp_path / "moved.csv"
    moved.write_text(
        "order_id,order_date,customer_id,item_id,quantity,unit_price,channel\n"
        "O2,2026-06-03,C1,I2,1,40,web\n"
    )
    result = flask(database_url, "import-lines", str(moved))
    assert result.returncode == 0, result.stderr
    assert Database(database_url).rollups_current()
    assert attribute_rows(database_url, "channel") == [
        [MAY, "C1", "web", 30.0, 2.0, 1, 1],
        [MAY, "C2", "web", 15.0, 1.0, 1, 1],
        [JUNE, "C1", "web", 40.0, 1.0, 1, 1],
        [JUNE, "C2", "phone", 10.0, 1.0, 1, 1],
    ]


def reads(engine: SqlEngine, filters: Filters, by) -> tuple[bool, bool]:
    """Whether the engine's SQL for report_sums by `by` reads a monthly rollup, and the lines."""
    sql = engine.sql(engine.report_sums_expression(filters, by, rollups=True))
    return (ATTRIBUTE_ROLLUP in sql or ITEM_ROLLUP in sql), "order_lines" in sql


def test_rol015_partial_months_read_their_days_from_the_lines_and_agree(database_url, tmp_path):
    """By an attribute or by item, a period's whole months come from the monthly rollups and
    the days of its partial months from the lines; the distinct orders of both parts add up,
    the customers are counted once. By hand, and equal to the lines' for every question (on a
    DuckDB file too, for SQLite)."""
    write_tables(make_engine(database_url), make_tables(ATTRIBUTE_LINES), replace=True)
    may_15_to_june = Filters(start=date(2026, 5, 15), end=date(2026, 6, 30))
    may_2_to_june_5 = Filters(start=date(2026, 5, 2), end=date(2026, 6, 5))
    engine = SqlEngine(Database(database_url), EVERYONE)
    # May 15-31 from the lines (O2, phone, C1), June from the rollup (O5, phone, C2)
    assert reads(engine, may_15_to_june, ("channel",)) == (True, True)
    got = engine.report_sums(may_15_to_june, "channel")
    assert got[["channel", "sales_amount", "orders", "customers"]].values.tolist() == [
        ["phone", 15.0, 2, 2]
    ]
    # May 2-31 and June 1-5 from the lines, no whole month: O4 (web) and O2 (phone)
    assert reads(engine, may_2_to_june_5, ("channel",)) == (False, True)
    got = engine.report_sums(may_2_to_june_5, "channel")
    assert got[["channel", "sales_amount", "orders", "customers"]].values.tolist() == [
        ["phone", 5.0, 1, 1],
        ["web", 15.0, 1, 1],
    ]
    # category Home from May 2: O4 (lines) and O5 (June, the data's last month: whole)
    from_may_2 = Filters(start=date(2026, 5, 2))
    assert reads(engine, from_may_2, ("category",)) == (True, True)
    got = engine.report_sums(from_may_2, "category")
    assert got[["category", "sales_amount", "orders", "customers"]].values.tolist() == [
        ["Garden", 5.0, 1, 1],
        ["Home", 25.0, 2, 1],
    ]
    questions = [
        (may_15_to_june, ("channel",)),
        (may_15_to_june, ("customer", "category")),
        (may_15_to_june, ("month", "item")),
        (may_2_to_june_5, ("category",)),
        (from_may_2, ("product",)),
        (from_may_2, ("customer", "month", "channel")),
        (Filters(start=date(2026, 5, 15), customers=("C1",)), ("source",)),
        (Filters(end=date(2026, 5, 19)), ("item",)),
        (Filters(start=date(2026, 5, 2), end=date(2026, 5, 20)), ("document_type",)),
    ]
    analytics = [database_url]
    if database_url.startswith("sqlite"):
        from tests.test_sql_engine import write_duckdb

        analytics.append(write_duckdb(tmp_path / "sales.duckdb", database_url))
    for url in analytics:
        database = Database(url)
        rollups, lines = SqlEngine(database, EVERYONE), SqlEngine(database, EVERYONE, False)
        for filters, by in questions:
            for question in ("sums", "report_sums"):
                pd.testing.assert_frame_equal(
                    getattr(rollups, question)(filters, by),
                    getattr(lines, question)(filters, by),
                    check_dtype=False,
                )


def test_rol017_the_item_rows_keep_their_lines_first_order_id(database_url):
    """monthly_customer_item_sums' first_order: the lowest order ID among a row's lines, of any
    status (an item missing from the catalogue is named by its first line, read by that ID)."""
    write_tables(make_engine(database_url), make_tables(ITEM_LINES), replace=True)
    with make_engine(database_url).connect() as conn:
        rows = conn.execute(text(f"SELECT month, customer_id, item_id, first_order FROM"
                                 f" {ITEM_ROLLUP} ORDER BY month, customer_id, item_id")).all()  # fmt: skip
    # C1's May I1: O1 and O2's cancelled line; I2: O1, O2; C2's: O4; June: O3
    assert [list(row) for row in rows] == [
        [MAY, "C1", "I1", "O1"],
        [MAY, "C1", "I2", "O1"],
        [MAY, "C2", "I1", "O4"],
        [JUNE, "C1", "I1", "O3"],
    ]


# Made to Order: I2 is made to order; a customisation makes any line made to order
MADE_LINES = [
    {"order_id": "O1", "order_date": "2026-05-01", "quantity": 2.0},  # I1 plain: not in it
    {"order_id": "O1", "order_date": "2026-05-01", "customisation": "Engraved"},
    {"order_id": "O1", "order_date": "2026-05-01", "item_id": "I2"},
    {"order_id": "O2", "order_date": "2026-05-20", "item_id": "I2", "unit_price": 5.0,
     "customisation": "Engraved"},
    {"order_id": "O2", "order_date": "2026-05-20", "item_id": "I2", "unit_price": 5.0,
     "status": "cancelled"},
    {"order_id": "O3", "order_date": "2026-06-02", "customer_id": "C2", "item_id": "I2",
     "unit_price": 30.0},
    {"order_id": "O4", "order_date": "2026-05-02", "customer_id": "C2"},  # I1 plain
]  # fmt: skip
MADE_ROLLUP = "monthly_customer_made_to_order_sums"


def made_tables() -> dict:
    tables = make_tables([{k: v for k, v in line.items() if k != "customisation"}
                          for line in MADE_LINES])  # fmt: skip
    tables["items"]["made_to_order"] = tables["items"]["item_id"] == "I2"
    texts = [line.get("customisation") for line in MADE_LINES]
    tables["order_lines"] = tables["order_lines"].assign(customisation=texts)
    return tables


def made_rows(url: str) -> list[list]:
    """month, customer_id, product, customisation, sales_amount, revenue_lines,
    confirmed_orders and orders of monthly_customer_made_to_order_sums, with plain SQL."""
    with make_engine(url).connect() as conn:
        rows = conn.execute(text("SELECT month, customer_id, product, customisation, sales_amount,"
                                 f" revenue_lines, confirmed_orders, orders FROM {MADE_ROLLUP}")).all()  # fmt: skip
    return sorted((list(row) for row in rows), key=lambda row: [str(v) for v in row[:4]])


def test_rol018_the_made_to_order_rollup_holds_those_lines_by_hand_and_answers_made_to_order(
    database_url, tmp_path
):
    write_tables(make_engine(database_url), made_tables(), replace=True)
    assert made_rows(database_url) == [
        [MAY, "C1", "I1", "Engraved", 10.0, 1.0, 1, 1],  # O1's customised I1
        [MAY, "C1", "I2", "Engraved", 5.0, 1.0, 1, 1],  # O2's
        [MAY, "C1", "I2", None, 10.0, 1.0, 2, 1],  # O1's; O2's cancelled line: no revenue
        [JUNE, "C2", "I2", None, 30.0, 1.0, 1, 1],  # O3
    ]
    engine = SqlEngine(Database(database_url), EVERYONE)
    by = ("product", "customisation")
    may_to_june = Filters(start=date(2026, 5, 1), end=date(2026, 6, 30))
    may_15_to_june = Filters(start=date(2026, 5, 15), end=date(2026, 6, 30))
    sql = engine.sql(engine.report_sums_expression(may_to_june, by, True, MADE_TO_ORDER_ROW))
    assert MADE_ROLLUP in sql and "order_lines" not in sql
    got = engine.report_sums(may_to_june, by, MADE_TO_ORDER_ROW)
    assert got[[*by, "sales_amount", "orders", "customers"]].values.tolist() == [
        ["I1", "Engraved", 10.0, 1, 1],
        ["I2", "Engraved", 5.0, 1, 1],
        ["I2", "N/A", 40.0, 2, 2],  # O1 (C1), O3 (C2); N/A last
    ]
    # May 15-31 from the lines (O2), June from the rollup (O3)
    sql = engine.sql(engine.report_sums_expression(may_15_to_june, by, True, MADE_TO_ORDER_ROW))
    assert MADE_ROLLUP in sql and "order_lines" in sql
    got = engine.report_sums(may_15_to_june, by, MADE_TO_ORDER_ROW)
    assert got[[*by, "sales_amount", "orders", "customers"]].values.tolist() == [
        ["I2", "Engraved", 5.0, 1, 1],
        ["I2", "N/A", 30.0, 1, 1],
    ]
    # another row's narrowing, or by product alone (an order's two customisations of one
    # product are one order), reads the lines
    for row, question in ((MADE_TO_ORDER_ROW, ("product",)), ({"product": "I2"}, by)):
        sql = engine.sql(engine.report_sums_expression(may_to_june, question, True, row))
        assert MADE_ROLLUP not in sql
    # an import of a new order of I2 sums C2's June row again
    new = tmp_path / "new.csv"
    new.write_text("order_id,order_date,customer_id,item_id,quantity,unit_price\n"
                   "O5,2026-06-10,C2,I2,1,20\n")  # fmt: skip
    result = flask(database_url, "import-lines", str(new))
    assert result.returncode == 0, result.stderr
    assert Database(database_url).rollups_current()
    assert made_rows(database_url)[-1] == [JUNE, "C2", "I2", None, 50.0, 2.0, 2, 2]
    # the same answers as the lines', on a DuckDB file too (SQLite)
    analytics = [database_url]
    if database_url.startswith("sqlite"):
        from tests.test_sql_engine import write_duckdb

        analytics.append(write_duckdb(tmp_path / "sales.duckdb", database_url))
    for url in analytics:
        database = Database(url)
        rollups, lines = SqlEngine(database, EVERYONE), SqlEngine(database, EVERYONE, False)
        for filters in (may_to_june, may_15_to_june, Filters(end=date(2026, 5, 19)), Filters()):
            pd.testing.assert_frame_equal(
                rollups.report_sums(filters, by, MADE_TO_ORDER_ROW),
                lines.report_sums(filters, by, MADE_TO_ORDER_ROW),
                check_dtype=False,
            )


def test_rol020_a_duckdb_file_renamed_over_is_seen_by_the_same_database(tmp_path):
    """Database keeps a DuckDB file open and its rollups_current while the file is unchanged: a
    new file renamed over it (a price, and the data version as a writer bumps it) is read by
    the next question."""
    import duckdb

    from tests.test_sql_engine import write_duckdb

    url = f"sqlite:///{tmp_path / 'sales.db'}"
    write_tables(make_engine(url), make_tables(LINES), replace=True)
    database = Database(write_duckdb(tmp_path / "sales.duckdb", url))
    assert database.rollups_current() and database.rollups_current()
    shutil.copy(tmp_path / "sales.duckdb", tmp_path / "next.duckdb")
    with duckdb.connect(str(tmp_path / "next.duckdb")) as conn:
        conn.execute("UPDATE order_lines SET unit_price = 20 WHERE order_id = 'O4'")
        conn.execute("UPDATE data_version SET version = version + 1")
    os.replace(tmp_path / "next.duckdb", tmp_path / "sales.duckdb")
    assert not database.rollups_current()
    assert SqlEngine(database, EVERYONE).sums(Filters())["sales_amount"].iloc[0] == 60.0


def test_rol026_a_duckdb_file_is_read_by_threads_side_by_side_and_by_a_forked_child(tmp_path):
    """One Database on a DuckDB file: four threads ask at once, each gets the sums; a child
    forked after the parent opened the file asks through a connection of its own."""
    from tests.test_sql_engine import write_duckdb

    url = f"sqlite:///{tmp_path / 'sales.db'}"
    write_tables(make_engine(url), make_tables(LINES), replace=True)
    engine = SqlEngine(Database(write_duckdb(tmp_path / "sales.duckdb", url)), EVERYONE)
    answers = []

    def ask() -> None:
        answers.append(engine.sums(Filters())["sales_amount"].iloc[0])

    threads = [threading.Thread(target=ask) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert answers == [45.0] * 4  # by hand: BY_HAND, 30 + 15
    child = os.fork()
    if child == 0:  # the child: exit code 0 when its answer is right
        try:
            os._exit(0 if engine.sums(Filters())["sales_amount"].iloc[0] == 45.0 else 1)
        finally:
            os._exit(2)
    assert os.waitpid(child, 0)[1] == 0
    assert engine.sums(Filters())["sales_amount"].iloc[0] == 45.0


def test_rol027_a_duckdb_urls_query_is_duckdbs_settings_and_a_wrong_one_is_refused(tmp_path):
    """ANALYTICS_URL=duckdb:///path?memory_limit=...&threads=...: the file is read with those
    settings (and answers by hand); a setting DuckDB does not know is refused when the Database
    is made, naming it, before any question."""
    from tests.test_sql_engine import write_duckdb

    url = f"sqlite:///{tmp_path / 'sales.db'}"
    write_tables(make_engine(url), make_tables(LINES), replace=True)
    analytics = write_duckdb(tmp_path / "sales.duckdb", url)
    database = Database(f"{analytics}?memory_limit=100MB&threads=1")
    settings = database.run("SELECT current_setting('memory_limit') AS m, "
                            "current_setting('threads') AS t")  # fmt: skip
    assert settings.iloc[0].tolist() == ["95.3 MiB", 1]  # 100 MB as DuckDB says it
    assert SqlEngine(database, EVERYONE).sums(Filters())["sales_amount"].iloc[0] == 45.0
    with pytest.raises(ValueError, match="memory_limt"):
        Database(f"{analytics}?memory_limt=100MB")


# The events (metrics.commission.sales_events) of three orders: O1 on 2026-05-01 for C1 by SP1,
# its first line (2 × 10) delivered on 05-03, its second (10) cancelled on 05-02, its third (5),
# sold by SP2 as the line says, delivered on 05-04 and returned on 06-10 (after the order's
# month); paid 30 on 07-01 and refunded 5 on 07-15. O2 on 05-20 for C2: one line of price 0,
# delivered without a date (the order date), a payment of 0 (no event). O3, a draft paid 99.
EVENT_LINES = [
    {"order_id": "O1", "order_date": "2026-05-01", "quantity": 2.0, "delivered_on": "2026-05-03"},
    {"order_id": "O1", "order_date": "2026-05-01", "status": "cancelled",
     "cancelled_on": "2026-05-02"},
    {"order_id": "O1", "order_date": "2026-05-01", "unit_price": 5.0, "status": "returned",
     "delivered_on": "2026-05-04", "returned_on": "2026-06-10", "line_salesperson": "SP2"},
    {"order_id": "O2", "order_date": "2026-05-20", "customer_id": "C2", "unit_price": 0.0},
    {"order_id": "O3", "order_date": "2026-05-01", "order_status": "draft"},
]  # fmt: skip
EVENT_PAYMENTS = [("O1", "2026-07-01", 30.0), ("O1", "2026-07-15", -5.0),
                  ("O2", "2026-07-01", 0.0), ("O3", "2026-07-01", 99.0)]  # fmt: skip
EVENT_SALESPEOPLE = [
    {"code": code, "name": code, "team": team, "commission_rate": 0.1,
     "commission_basis": "items_sold"}
    for code, team in (("SP1", "North"), ("SP2", "South"))
]  # fmt: skip
MAY_1 = date(2026, 5, 1)
EVENT_COLUMNS = ["day", "customer_id", "salesperson", "event_day", "event", "amount", "events"]
EVENTS_BY_HAND = [  # (order day, customer, salesperson, event day, event, amount, events)
    ["2026-05-01", "C1", "SP1", "2026-05-01", "sold", 30.0, 2],  # 2 × 10 and 10
    ["2026-05-01", "C1", "SP1", "2026-05-02", "cancelled", 10.0, 1],
    ["2026-05-01", "C1", "SP1", "2026-05-03", "delivered", 20.0, 1],
    ["2026-05-01", "C1", "SP1", "2026-07-01", "paid", 30.0, 1],
    ["2026-05-01", "C1", "SP1", "2026-07-15", "refunded", 5.0, 1],
    ["2026-05-01", "C1", "SP2", "2026-05-01", "sold", 5.0, 1],
    ["2026-05-01", "C1", "SP2", "2026-05-04", "delivered", 5.0, 1],  # returned: delivered first
    ["2026-05-01", "C1", "SP2", "2026-06-10", "returned", 5.0, 1],
    ["2026-05-20", "C2", "SP1", "2026-05-20", "delivered", 0.0, 1],
    ["2026-05-20", "C2", "SP1", "2026-05-20", "sold", 0.0, 1],
]


def event_tables() -> dict:
    tables = make_tables(EVENT_LINES, salespeople=EVENT_SALESPEOPLE,
                         customers=[{"customer_id": c, "name": c, "owner": owner}
                                    for c, owner in (("C1", "SP1"), ("C2", "SP2"))])  # fmt: skip
    given = pd.DataFrame(EVENT_LINES)
    lines = tables["order_lines"]
    for column in ("delivered_on", "cancelled_on", "returned_on"):
        lines[column] = pd.to_datetime(given[column]).astype("datetime64[s]")
    lines["salesperson"] = (
        given["line_salesperson"].astype(object).where(given["line_salesperson"].notna(), None)
    )
    payments = pd.DataFrame(EVENT_PAYMENTS, columns=["order_id", "paid_on", "amount"])
    tables["payments"] = payments.assign(
        paid_on=pd.to_datetime(payments["paid_on"]).astype("datetime64[s]")
    )
    return tables


def event_rows(url: str) -> list[list]:
    with make_engine(url).connect() as conn:
        rows = conn.execute(text(f"SELECT {', '.join(EVENT_COLUMNS)} FROM customer_event_sums"
                                 " ORDER BY day, customer_id, salesperson, event_day, event")).all()  # fmt: skip
    return [[str(row[0]), row[1], row[2], str(row[3]), *row[4:]] for row in rows]


def event_sums(engine: SqlEngine, start: str, end: str) -> list[list]:
    got = engine.event_sums(Filters(start=date.fromisoformat(start), end=date.fromisoformat(end)))
    return got.values.tolist()


# (start, end) -> salesperson, sold, cancelled, returned, delivered, paid, refunded
EVENT_SUMS_BY_HAND = {
    ("2026-05-01", "2026-05-31"): [["SP1", 30.0, 10.0, 0.0, 20.0, 0.0, 0.0],
                                   ["SP2", 5.0, 0.0, 0.0, 5.0, 0.0, 0.0]],
    ("2026-06-01", "2026-06-30"): [["SP2", 0.0, 0.0, 5.0, 0.0, 0.0, 0.0]],  # the return alone
    ("2026-07-01", "2026-07-31"): [["SP1", 0.0, 0.0, 0.0, 0.0, 30.0, 5.0]],  # not O3's 99
    ("2026-05-20", "2026-05-20"): [["SP1", 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]],  # events of 0
    ("2026-08-01", "2026-08-31"): [],
}  # fmt: skip


def test_rol021_a_write_keeps_the_event_rollup_with_the_events_by_hand(database_url, tmp_path):
    """The rows by hand; Sales by User's event sums of a period by hand, from the rollup and
    from the lines (on a DuckDB file too, for SQLite); a manager's scope keeps the events of
    the team's customers only (C2 is South's: its order's events, by SP1)."""
    write_tables(make_engine(database_url), event_tables(), replace=True)
    assert event_rows(database_url) == EVENTS_BY_HAND
    analytics = [database_url]
    if database_url.startswith("sqlite"):
        from tests.test_sql_engine import write_duckdb

        analytics.append(write_duckdb(tmp_path / "sales.duckdb", database_url))
    for url in analytics:
        database = Database(url)
        assert database.rollups_current()
        engine = SqlEngine(database, EVERYONE)
        sql = engine.sql(engine.event_sums_expression(Filters(start=MAY_1, end=MAY_1), True))
        assert "customer_event_sums" in sql and "order_lines" not in sql
        for kept in (True, False):
            engine = SqlEngine(database, EVERYONE, kept)
            for (start, end), expected in EVENT_SUMS_BY_HAND.items():
                assert event_sums(engine, start, end) == expected, (url, kept, start)
            south = SqlEngine(database, Scope("manager", team="South"), kept)
            assert event_sums(south, "2026-05-01", "2026-05-31") == [
                ["SP1", 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]
            ]
    # an order filter (an attribute of the order's first line) reads the lines
    engine = SqlEngine(Database(database_url), EVERYONE)
    by_channel = Filters(start=MAY_1, end=date(2026, 5, 31), channels=("web",))
    assert "customer_event_sums" not in engine.sql(engine.event_sums_expression(by_channel, True))
    # rebuilt: the same rows
    assert flask(database_url, "rebuild-rollups").returncode == 0
    assert event_rows(database_url) == EVENTS_BY_HAND


def test_rol022_an_import_keeps_the_event_rollup_of_the_order_days_it_writes(
    database_url, tmp_path
):
    """O2 moved to C1's 2026-05-01 with a price of 40 (its payment of 0 stays none): C2's day is
    gone, C1's day is summed again whole, O1's later return and payments kept."""
    write_tables(make_engine(database_url), event_tables(), replace=True)
    moved = tmp_path / "moved.csv"
    moved.write_text("order_id,order_date,customer_id,item_id,quantity,unit_price,salesperson\n"
                     "O2,2026-05-01,C1,I1,1,40,SP1\n")  # fmt: skip
    result = flask(database_url, "import-lines", str(moved))
    assert result.returncode == 0, result.stderr
    assert Database(database_url).rollups_current()
    # O2 as imported (a delivered line, without a date: on its order date) with O1's events
    assert (
        event_rows(database_url)
        == [
            ["2026-05-01", "C1", "SP1", "2026-05-01", "delivered", 40.0, 1],
            ["2026-05-01", "C1", "SP1", "2026-05-01", "sold", 70.0, 3],  # 40 + O1's 30
            *EVENTS_BY_HAND[1:8],
        ]
    )
    engine = SqlEngine(Database(database_url), EVERYONE)
    assert event_sums(engine, "2026-05-20", "2026-05-20") == []
    lines = SqlEngine(Database(database_url), EVERYONE, rollups=False)
    for start, end in EVENT_SUMS_BY_HAND:
        assert event_sums(engine, start, end) == event_sums(lines, start, end)


def test_rol023_a_write_of_payments_alone_sums_their_orders_events_again(database_url):
    """A payment of 12 for O2 (C2's 2026-05-20) on 08-02, written alone: its order's day is
    summed again, and August's event sums hold it."""
    engine = make_engine(database_url)
    write_tables(engine, event_tables(), replace=True)
    paid = pd.DataFrame({"order_id": ["O2"], "paid_on": [pd.Timestamp("2026-08-02")],
                         "amount": [12.0]})  # fmt: skip
    write_tables(engine, {"payments": paid}, replace=False)
    assert Database(database_url).rollups_current()
    assert event_rows(database_url)[-1] == [
        "2026-05-20",
        "C2",
        "SP1",
        "2026-08-02",
        "paid",
        12.0,
        1,
    ]
    august = event_sums(SqlEngine(Database(database_url), EVERYONE), "2026-08-01", "2026-08-31")
    assert august == [["SP1", 0.0, 0.0, 0.0, 0.0, 12.0, 0.0]]


def order_day_rows(url: str) -> list[list]:
    """customer_order_days, read with plain SQL: customer, day, orders, gap."""
    with make_engine(url).connect() as conn:
        rows = conn.execute(text("SELECT customer_id, day, orders, gap FROM customer_order_days"
                                 " ORDER BY customer_id, day")).all()  # fmt: skip
    return [[row[0], str(row[1]), row[2], row[3]] for row in rows]


def test_rol024_the_writes_keep_each_customers_order_days_and_gaps_by_hand(database_url, tmp_path):
    """customer_order_days: a row per customer and day with a confirmed order (one without lines
    too, a draft not), its orders and the gap since the customer's previous day; an earlier day
    written later changes the next day's gap. The order days, the cadence, the reorder time and
    the new customers by hand, from the rollup and from the orders (on a DuckDB file too, for
    SQLite); the rebuild writes the same rows."""
    tables = make_tables(LINES)
    orders = tables["orders"]  # O0: C2's order of 30 April, without lines
    without_lines = orders[orders["order_id"] == "O4"].assign(
        order_id="O0", order_date=pd.Timestamp("2026-04-30")
    )
    tables["orders"] = pd.concat([orders, without_lines], ignore_index=True)
    engine = make_engine(database_url)
    write_tables(engine, tables, replace=True)
    assert order_day_rows(database_url) == [
        ["C1", "2026-05-01", 2, None],  # O1, O2 (O3 a draft)
        ["C2", "2026-04-30", 1, None],
        ["C2", "2026-05-02", 1, 2],
    ]
    # C1's O5 on 28 April (before its 1 May: that day's gap is 3 now) and O6 on 11 May
    added = make_tables([{"order_id": "O5", "order_date": "2026-04-28"},
                         {"order_id": "O6", "order_date": "2026-05-11"}])  # fmt: skip
    write_tables(engine, {n: added[n] for n in ("orders", "order_lines")}, replace=False)
    by_hand = [
        ["C1", "2026-04-28", 1, None],
        ["C1", "2026-05-01", 2, 3],
        ["C1", "2026-05-11", 1, 10],
        ["C2", "2026-04-30", 1, None],
        ["C2", "2026-05-02", 1, 2],
    ]
    assert order_day_rows(database_url) == by_hand
    analytics = [database_url]
    if database_url.startswith("sqlite"):
        from tests.test_sql_engine import write_duckdb

        analytics.append(write_duckdb(tmp_path / "sales.duckdb", database_url))
    may = Filters(start=date(2026, 5, 1), end=date(2026, 5, 31))
    day = {d: (date(2026, *d) - date(1970, 1, 1)).days for d in ((4, 28), (4, 30), (5, 1),
                                                                  (5, 2), (5, 11), (5, 31))}  # fmt: skip
    for url in analytics:
        database = Database(url)
        assert database.rollups_current()
        for from_rollup in (True, False):
            sql = SqlEngine(database, EVERYONE, from_rollup)
            reads = "customer_order_days" in sql.sql(sql.reorder_expression(may, from_rollup))
            assert reads == from_rollup
            # the gaps ending in May of its active customers: C1's 3 and 10, C2's 2
            assert sql.average_reorder_days(may) == 5.0
            days = sql.order_days(replace(may, start=date(2026, 5, 2)))
            assert days.values.tolist() == [
                ["C1", day[4, 28], day[5, 11], day[5, 1]],
                ["C2", day[4, 30], day[5, 2], day[4, 30]],
            ]
            cadence = sql.customers(may, ("last_order_day", "median_gap", "days_since_last_order"))
            assert cadence.values.tolist() == [
                ["C1", day[5, 11], 6.5, 20],  # the middle of 3 and 10
                ["C2", day[5, 2], 2.0, 29],
            ]
            april = replace(may, start=date(2026, 4, 1), end=date(2026, 4, 30))
            assert sql.new_customers(may)["new_customers"].sum() == 0
            assert sql.new_customers(april)["new_customers"].sum() == 2
    with engine.begin() as conn:
        rollups.rebuild(conn)
    assert order_day_rows(database_url) == by_hand


def test_rol025_an_import_that_changes_a_sold_items_product_leaves_the_rollups_to_the_rebuild(
    database_url, tmp_path
):
    """The attribute rollup holds I1's lines under product I1; an import giving I1 the product
    P1 (and a new order) changes that for every stored line of I1: the rollups are not current
    until rebuilt, and the questions by product read the lines meanwhile (all £50 under P1)."""
    write_tables(make_engine(database_url), make_tables(LINES), replace=True)
    new = tmp_path / "product.csv"
    new.write_text("order_id,order_date,customer_id,item_id,quantity,unit_price,product_id\n"
                   "O5,2026-05-03,C1,I1,1,5,P1\n")  # fmt: skip
    result = flask(database_url, "import-lines", str(new))
    assert result.returncode == 0, result.stderr
    assert not Database(database_url).rollups_current()
    by_product = SqlEngine(Database(database_url), EVERYONE).report_sums(Filters(), "product")
    assert list(by_product["product"]) == ["P1"]
    assert list(by_product["sales_amount"]) == [50.0]  # 30 + 15 + 5
    assert flask(database_url, "rebuild-rollups").returncode == 0
    assert Database(database_url).rollups_current()
    by_product = SqlEngine(Database(database_url), EVERYONE).report_sums(Filters(), "product")
    assert list(by_product["product"]) == ["P1"] and list(by_product["sales_amount"]) == [50.0]
