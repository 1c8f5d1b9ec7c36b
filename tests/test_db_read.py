"""data.db reads SQLite and PostgreSQL through ADBC into Arrow columns: every table comes back as
the pandas-and-SQLAlchemy read gives it, values and dtypes alike, and every read of a snapshot
connection sees one snapshot."""

import numpy as np
import pandas as pd
from sqlalchemy import func, select, text

from data import db
from data.demo import generate
from data.models import DATA_TABLES, OrderLine
from tests.conftest import DEMO_END


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
    with engine.connect() as conn:
        for table in DATA_TABLES:
            assert_same(
                mine[table.name], through_pandas(conn, select(table), table.name), table.name
            )
        counts = select(OrderLine.order_id, func.count().label("lines"))
        counts = counts.group_by(OrderLine.order_id)
        expected = through_pandas(conn, counts, "order_lines")
        assert db.line_counts(conn).tolist() == expected["lines"].tolist()
    assert mine["order_lines"]["unit_cost"].isna().sum() >= some.sum()
    assert mine["order_lines"]["delivered_on"].isna().sum() >= some.sum()
    assert (mine["order_lines"]["customisation"] == "Engraved, gold").sum() == some.sum()
    assert mine["order_lines"]["prices_include_vat"].dtype == bool
    engine.dispose()


def test_dbr002_a_snapshot_connection_sees_no_write_made_after_it_began(database_url):
    """Another connection commits a new salesperson (its trigger bumps the data version) while a
    snapshot connection is open: neither the version nor any table read through it shows it."""
    engine = db.make_engine(database_url)
    db.write_tables(engine, generate(lines=300, seed=5, end=DEMO_END), replace=True)
    with engine.connect() as plain:
        stored = plain.execute(text("SELECT count(*) FROM order_lines")).scalar_one()
    with db.snapshot_connection(engine) as conn:
        before = db.read_version(conn)
        with engine.begin() as other:
            other.execute(
                text(
                    "INSERT INTO salespeople (code, name, commission_rate, commission_basis) "
                    "VALUES ('SPX', 'New', 0.1, 'items_sold')"
                )
            )
            other.execute(text("DELETE FROM order_lines WHERE line_no = 1"))
        people = db.read_table(conn, db.Base.metadata.tables["salespeople"])
        lines = pd.concat(db.lines_by_order(conn, ["order_id", "line_no"]), ignore_index=True)
        assert db.read_version(conn) == before
    assert "SPX" not in set(people["code"]) and len(lines) == stored
    assert db.read_version(engine).version > before.version
    assert "SPX" in set(db.read_tables(engine)["salespeople"]["code"])
    engine.dispose()
