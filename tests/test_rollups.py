"""The rollups the database keeps for SALES_ENGINE=sql (data.rollups): their rows by hand, kept
by writes and imports in their transaction, never used stale after an outside write, and
rebuilt by `flask rebuild-rollups`. Every test runs on SQLite and on PostgreSQL."""

import threading
from datetime import date

import pandas as pd
from sqlalchemy import create_engine, text

from data.access import Scope
from data.db import make_engine, normal_url, read_version, write_tables
from data.sql_engine import Database, SqlEngine
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
