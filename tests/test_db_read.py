"""data.db reads SQLite and PostgreSQL through ADBC into Arrow columns: every table comes back as
the pandas-and-SQLAlchemy read gives it, values and dtypes alike, and every read of a snapshot
connection sees one snapshot."""

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import func, select, text

from data import db
from data.demo import generate
from data.models import DATA_TABLES, OrderLine
from tests.conftest import DEMO_END
from tests.dbtools import external_sql


def through_pandas(conn, query, table_name: str) -> pd.DataFrame:
    chunks = [db._typed(table_name, c) for c in db._pandas_chunks(conn, query, 997)]
    return pd.concat(chunks, ignore_index=True)


def assert_same(mine: pd.DataFrame, expected: pd.DataFrame, name: str) -> None:
    pd.testing.assert_frame_equal(mine, expected, obj=name)
    assert dict(mine.dtypes) == dict(expected.dtypes), name


def test_dbr001_every_table_reads_as_pandas_reads_it(database_url):
    """Missing values of every kind (text, float, date), flags, as-sold values, text with a comma,
    reading in chunks of 997 rows."""
    tables = generate(lines=3_000, seed=5, end=DEMO_END)
    lines = tables["order_lines"]
    rng = np.random.default_rng(3)
    some = rng.random(len(lines)) < 0.3
    lines.loc[some, "unit_cost"] = np.nan
    lines.loc[some, "delivered_on"] = pd.NaT
    lines.loc[~some, "category"] = "Zeta"
    lines.loc[some, "customisation"] = "Engraved, gold"
    tables["customers"].loc[:9, "created_on"] = pd.NaT
    engine = db.make_engine(database_url)
    db.write_tables(engine, tables, replace=True)
    mine = db.read_tables(engine, chunk_rows=997)
    engine.dispose()  # the builder child's read (ADBC on SQLite too) shares the file with no one
    with db.snapshot_connection(engine, own_process=True) as conn:
        arrow = {table.name: db.read_table(conn, table, chunk_rows=997) for table in DATA_TABLES}
    engine.dispose()
    with engine.connect() as conn:
        for table in DATA_TABLES:
            expected = through_pandas(conn, select(table), table.name)
            assert_same(mine[table.name], expected, table.name)
            assert_same(arrow[table.name], expected, f"{table.name} (builder child)")
        counts = select(OrderLine.order_id, func.count().label("lines"))
        counts = counts.group_by(OrderLine.order_id)
        expected = through_pandas(conn, counts, "order_lines")
        assert db.line_counts(conn).tolist() == expected["lines"].tolist()
    assert mine["order_lines"]["unit_cost"].isna().sum() >= some.sum()
    assert mine["order_lines"]["delivered_on"].isna().sum() >= some.sum()
    assert (mine["order_lines"]["customisation"] == "Engraved, gold").sum() == some.sum()
    assert mine["order_lines"]["prices_include_vat"].dtype == bool
    engine.dispose()


@pytest.mark.parametrize("own_process", [False, True], ids=["worker", "builder-child"])
def test_dbr002_a_snapshot_connection_sees_no_write_made_after_it_began(database_url, own_process):
    """Another program commits a new salesperson and deletes lines (its triggers bump the data
    version) while a snapshot connection is open: neither the version nor any table read
    through it shows it."""
    engine = db.make_engine(database_url)
    db.write_tables(engine, generate(lines=300, seed=5, end=DEMO_END), replace=True)
    with engine.connect() as plain:
        stored = plain.execute(text("SELECT count(*) FROM order_lines")).scalar_one()
    with db.snapshot_connection(engine, own_process) as conn:
        before = db.read_version(conn)
        external_sql(  # another process: sqlite3 or psql
            database_url,
            "BEGIN; INSERT INTO salespeople (code, name, commission_rate, commission_basis) "
            "VALUES ('SPX', 'New', 0.1, 'items_sold'); DELETE FROM order_lines WHERE line_no = 1; "
            "COMMIT;",
        )
        people = db.read_table(conn, db.Base.metadata.tables["salespeople"])
        lines = pd.concat(db.lines_by_order(conn, ["order_id", "line_no"]), ignore_index=True)
        assert db.read_version(conn) == before
    assert "SPX" not in set(people["code"]) and len(lines) == stored
    engine.dispose()  # (with own_process, its SQLite connections shared the file with ADBC's)
    assert db.read_version(engine).version > before.version
    assert "SPX" in set(db.read_tables(engine)["salespeople"]["code"])
    engine.dispose()


def test_dbr003_the_lines_read_side_by_side_come_once_each_in_line_order(database_url):
    """The builder child reads the lines on two ADBC connections at once, one range of order_ids
    each, their chunks as they come: every line exactly once (as plain SQL lists them), each
    order's lines in line_no order; a read left early stops its readers and leaves the snapshot
    usable, and one left unclosed is stopped before the connections close."""
    engine = db.make_engine(database_url)
    db.write_tables(engine, generate(lines=3_000, seed=5, end=DEMO_END), replace=True)
    with engine.connect() as plain:
        expected = plain.execute(
            text("SELECT order_id, line_no FROM order_lines ORDER BY order_id, line_no")
        ).all()
    engine.dispose()
    with db.snapshot_connection(engine, own_process=True) as conn:
        assert len(conn.info[db.ARROW]) == 2
        chunks = list(db.lines_by_order(conn, ["order_id", "line_no"], chunk_rows=97))
        early = db.lines_by_order(conn, ["order_id", "line_no"], chunk_rows=97)
        assert len(next(early)) > 0
        early.close()
        version = db.read_version(conn)
        dropped = db.lines_by_order(conn, ["order_id", "line_no"], chunk_rows=97)
        next(dropped)  # left unclosed: the snapshot's end stops its readers
    engine.dispose()
    del dropped
    lines = pd.concat(chunks, ignore_index=True)
    assert sorted(lines.itertuples(index=False, name=None)) == [tuple(row) for row in expected]
    assert (lines.groupby("order_id")["line_no"].diff().dropna() > 0).all()  # as they came
    assert version == db.read_version(engine)
    engine.dispose()


def test_dbr004_the_lines_text_columns_no_line_fills_are_found(database_url):
    """empty_columns names the columns without a value on any line: here brand and campaign, not
    category (one line has one) nor customisation (every line), through ADBC and without it."""
    tables = generate(lines=300, seed=5, end=DEMO_END)
    lines = tables["order_lines"]
    lines["category"] = None
    lines.loc[lines.index[-1], "category"] = "Zeta"
    lines["customisation"] = "Engraved"
    lines["brand"] = lines["campaign"] = None
    engine = db.make_engine(database_url)
    db.write_tables(engine, tables, replace=True)
    columns = ["category", "brand", "customisation", "campaign"]
    for own_process in (False, True):
        engine.dispose()
        with db.snapshot_connection(engine, own_process) as conn:
            assert db.empty_columns(conn, columns) == {"brand", "campaign"}
    engine.dispose()
