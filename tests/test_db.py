"""The data version around an import on SQLite: the import bumps it once and drops the row
triggers only inside its own transaction; an outside writer is counted per row before and after."""

import sqlite3

import pytest
from sqlalchemy import text

from data.db import bump_data_version, make_engine
from data.importer import import_lines

HEADER = "order_id,order_date,customer_id,item_id,quantity,unit_price\n"


def write_lines(path, count: int) -> None:
    path.write_text(
        HEADER + "".join(f"O{i},2026-05-01,C1,I1,1,10\n" for i in range(count)), encoding="utf-8"
    )


def triggers(db) -> list[str]:
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' ORDER BY name")
        return [name for (name,) in rows]


def version(db) -> int:
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT version FROM data_version WHERE id = 1").fetchone()[0]


def outside_insert(db, order_id: str) -> None:
    with sqlite3.connect(db) as conn:  # another program: one order and its two lines
        conn.execute(
            "INSERT INTO orders (order_id, document_type, status, order_date, customer_id) "
            f"VALUES ('{order_id}', 'invoice', 'confirmed', '2026-05-02', 'C1')"
        )
        for line in (1, 2):
            conn.execute(
                "INSERT INTO order_lines (order_id, line_no, item_id, quantity, unit_price, "
                "discount_pct, vat_rate, prices_include_vat, cost_non_inv, status) "
                f"VALUES ('{order_id}', {line}, 'I1', 1, 5.0, 0, 0, 0, 0, 'delivered')"
            )


@pytest.fixture
def db(tmp_path):
    path = tmp_path / "sales.db"
    make_engine(f"sqlite:///{path}").dispose()
    return path


def test_db001_an_import_bumps_the_version_once_and_keeps_the_triggers(db, tmp_path):
    engine = make_engine(f"sqlite:///{db}")
    names = triggers(db)
    assert len(names) == 21  # 7 sales tables × insert, update, delete
    start = version(db)
    write_lines(tmp_path / "lines.csv", 300)
    result = import_lines(engine, tmp_path / "lines.csv", replace=True)
    assert result.problems == []
    # 300 orders, 300 lines, a customer, an item: one bump, not one per row
    assert version(db) == start + 1
    assert triggers(db) == names
    outside_insert(db, "EXT1")  # 3 rows, each bumps: the triggers are back
    assert version(db) == start + 4


def test_db002_a_rolled_back_write_leaves_the_triggers_and_version(db):
    engine = make_engine(f"sqlite:///{db}")
    names, start = triggers(db), version(db)
    with pytest.raises(RuntimeError), engine.begin() as conn:
        bump_data_version(conn)
        count = conn.execute(text("SELECT count(*) FROM sqlite_master WHERE type = 'trigger'"))
        assert count.scalar_one() == 0  # dropped inside the transaction
        raise RuntimeError("the import fails half-way")
    assert triggers(db) == names
    assert version(db) == start
    outside_insert(db, "EXT1")
    assert version(db) == start + 3


def test_db003_other_connections_never_see_the_triggers_missing(db):
    engine = make_engine(f"sqlite:///{db}")
    names, start = triggers(db), version(db)
    with engine.begin() as conn:
        bump_data_version(conn)
        assert triggers(db) == names  # another connection, while the import writes
        conn.execute(text("DELETE FROM order_lines"))
    assert triggers(db) == names
    assert version(db) == start + 1


def test_db004_a_dry_run_changes_nothing(db, tmp_path):
    engine = make_engine(f"sqlite:///{db}")
    names, start = triggers(db), version(db)
    write_lines(tmp_path / "lines.csv", 5)
    result = import_lines(engine, tmp_path / "lines.csv", dry_run=True)
    assert result.problems == [] and result.changes["order_lines"]["added"] == 5
    assert (triggers(db), version(db)) == (names, start)
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM order_lines").fetchone() == (0,)


def test_db005_missing_values_are_stored_as_null_flags_as_integers(db, tmp_path):
    """What an import writes, as a plain SQL reader sees it: blanks are NULL (not '' or NaN),
    flags 0/1, dates ISO text; a line's channel is NULL where it is its order's (web: 2 of 3)."""
    (tmp_path / "lines.csv").write_text(
        "order_id,order_date,customer_id,item_id,quantity,unit_price,unit_cost,"
        "prices_include_vat,channel,delivered_on\n"
        "O1,2026-05-01,C1,I1,2,10,,true,web,2026-05-03\n"
        "O1,2026-05-01,C1,I2,1,5.5,3,no,web,\n"
        "O1,2026-05-01,C1,I1,1,10,4,yes,phone,2026-05-04\n",
        encoding="utf-8",
    )
    result = import_lines(make_engine(f"sqlite:///{db}"), tmp_path / "lines.csv")
    assert result.problems == []
    with sqlite3.connect(db) as conn:
        lines = conn.execute(
            "SELECT line_no, quantity, unit_price, unit_cost, typeof(unit_cost), "
            "prices_include_vat, typeof(prices_include_vat), channel, typeof(channel), "
            "delivered_on, typeof(delivered_on), typeof(supplier) FROM order_lines ORDER BY line_no"
        ).fetchall()
        order = conn.execute("SELECT channel, order_date FROM orders").fetchall()
    assert lines == [
        (1, 2.0, 10.0, None, "null", 1, "integer", None, "null", "2026-05-03", "text", "null"),
        (2, 1.0, 5.5, 3.0, "real", 0, "integer", None, "null", None, "null", "null"),
        (3, 1.0, 10.0, 4.0, "real", 1, "integer", "phone", "text", "2026-05-04", "text", "null"),
    ]
    assert order == [("web", "2026-05-01")]


def test_db006_the_import_settings_end_with_the_import(db, tmp_path):
    """The connection an import wrote with goes back to the pool with SQLite's usual settings."""
    engine = make_engine(f"sqlite:///{db}")
    pragmas = ("foreign_keys", "cache_size", "temp_store")

    def settings():
        with engine.connect() as conn:  # one pooled connection: the one the import used
            return [conn.exec_driver_sql(f"PRAGMA {p}").scalar_one() for p in pragmas]

    assert settings() == [1, -2000, 0]  # SQLite's defaults; foreign keys on (make_engine)
    write_lines(tmp_path / "lines.csv", 5)
    assert import_lines(engine, tmp_path / "lines.csv").problems == []
    assert settings() == [1, -2000, 0]
    assert engine.pool.checkedin() == 1
