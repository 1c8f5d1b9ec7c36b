"""Database access: engine, bulk writes of table frames, reads back, and a cheap data-version check."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
from sqlalchemy import Engine, create_engine, event, func, select
from sqlalchemy.engine import Connection

from data.models import DATA_TABLES, Base, Customer, OrderLine, upgrade_schema

Tables = dict[str, pd.DataFrame]

DATE_COLUMNS = {
    "customers": ["created_on"],
    "orders": ["order_date"],
    "order_lines": ["delivered_on", "cancelled_on", "returned_on"],
    "payments": ["paid_on"],
}
BOOL_COLUMNS = {"items": ["made_to_order"], "order_lines": ["prices_include_vat"]}


def default_url(instance_path: str | os.PathLike) -> str:
    return f"sqlite:///{Path(instance_path) / 'sales.db'}"


def make_engine(url: str) -> Engine:
    engine = create_engine(url)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    Base.metadata.create_all(engine)
    with engine.begin() as conn:
        upgrade_schema(conn)
    return engine


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.close()


def is_empty(engine: Engine) -> bool:
    with engine.connect() as conn:
        customers = conn.execute(select(func.count()).select_from(Customer)).scalar_one()
        lines = conn.execute(select(func.count()).select_from(OrderLine)).scalar_one()
    return customers == 0 and lines == 0


def delete_all_data(conn: Connection) -> None:
    for table in reversed(DATA_TABLES):
        conn.execute(table.delete())


def insert_frame(conn: Connection, table_name: str, frame: pd.DataFrame) -> None:
    """Insert every row of `frame` (columns named as the table's) with one executemany."""
    if frame.empty:
        return
    table = Base.metadata.tables[table_name]
    frame = frame.copy()
    for column in table.columns:  # the model's defaults, for columns a file left out or empty
        if column.default is not None and column.default.is_scalar:
            if column.name in frame:
                frame[column.name] = frame[column.name].fillna(column.default.arg)
            else:
                frame[column.name] = column.default.arg
    columns = [c.name for c in table.columns if c.name in frame.columns]
    values = frame[columns].astype(object).where(frame[columns].notna(), None)
    for col in DATE_COLUMNS.get(table_name, []):
        if col in values:
            values[col] = [v.date() if v is not None else None for v in values[col]]
    rows = list(values.itertuples(index=False, name=None))
    cursor = conn.connection.driver_connection.cursor()
    marks = ", ".join(_placeholder(conn, c) for c in columns)
    cursor.executemany(f"INSERT INTO {table_name} ({', '.join(columns)}) VALUES ({marks})", rows)
    cursor.close()


def bulk_insert(conn: Connection, table_name: str, batch) -> None:
    """Insert a pyarrow Table (columns named as the table's, values as stored: dates as date32,
    missing = null) in the connection's transaction, the fastest way the database offers:
    PostgreSQL COPY (psycopg 3), else one executemany of a prepared INSERT."""
    import pyarrow as pa
    import pyarrow.csv as pa_csv

    if batch.num_rows == 0:
        return
    columns = ", ".join(batch.column_names)
    driver = conn.connection.driver_connection
    if conn.dialect.name == "postgresql":
        text = pa.BufferOutputStream()
        pa_csv.write_csv(batch, text, pa_csv.WriteOptions(include_header=False))
        sql = f"COPY {table_name} ({columns}) FROM STDIN (FORMAT csv)"
        with driver.cursor() as cursor, cursor.copy(sql) as copy:
            copy.write(text.getvalue().to_pybytes())
        return
    if batch.num_rows > 1:  # columns left out are stored as NULL: fewer values to bind
        empty = [n for n, c in zip(batch.column_names, batch.columns, strict=True)
                 if c.null_count == batch.num_rows]  # fmt: skip
        batch = batch.drop_columns(empty)
        columns = ", ".join(batch.column_names)
    values = []
    for column in batch.columns:
        if pa.types.is_date(column.type) or pa.types.is_timestamp(column.type):
            column = column.cast(pa.date32()).cast(pa.string())
        if pa.types.is_string(column.type) or column.null_count:
            values.append(column.to_pylist())
        else:
            values.append(column.to_numpy().tolist())
    cursor = driver.cursor()
    marks = ", ".join(_placeholder(conn, c) for c in batch.column_names)
    cursor.executemany(
        f"INSERT INTO {table_name} ({columns}) VALUES ({marks})", zip(*values, strict=True)
    )
    cursor.close()


def _placeholder(conn: Connection, column: str) -> str:
    style = conn.dialect.paramstyle
    return {"qmark": "?", "format": "%s", "pyformat": "%s", "numeric": ":1"}.get(style, "?")


def write_tables(engine: Engine, tables: Tables, replace: bool) -> None:
    """Write the table frames in one transaction; with `replace`, delete all sales data first."""
    with engine.begin() as conn:
        if replace:
            delete_all_data(conn)
        for table in DATA_TABLES:
            if table.name in tables:
                insert_frame(conn, table.name, tables[table.name])


def read_tables(engine: Engine) -> Tables:
    """Read every sales-data table into a frame; dates become datetime64, flags bool."""
    tables: Tables = {}
    with engine.connect() as conn:
        for table in DATA_TABLES:
            frame = pd.read_sql_query(select(table), conn)
            for col in DATE_COLUMNS.get(table.name, []):
                frame[col] = pd.to_datetime(frame[col], format="ISO8601").astype("datetime64[s]")
            for col in BOOL_COLUMNS.get(table.name, []):
                frame[col] = frame[col].fillna(False).astype(bool)
            tables[table.name] = frame
    return tables


def data_version(engine: Engine) -> tuple:
    """A value that changes whenever any program writes to the database; cheap enough per request.

    SQLite: size and modification time of the file and its write-ahead log.
    Other databases: row counts of the order tables (one small query).
    """
    path = engine.url.database
    if engine.dialect.name == "sqlite" and path and path != ":memory:":
        stats = []
        for name in (path, path + "-wal"):
            try:
                st = os.stat(name)
                stats.append((st.st_mtime_ns, st.st_size))
            except FileNotFoundError:
                stats.append(None)
        return tuple(stats)
    with engine.connect() as conn:
        return tuple(
            conn.execute(select(func.count()).select_from(t)).scalar_one() for t in DATA_TABLES
        )


def data_modified_at(engine: Engine) -> pd.Timestamp | None:
    """When the data last changed, where the database can tell (SQLite file times)."""
    path = engine.url.database
    if engine.dialect.name != "sqlite" or not path or path == ":memory:":
        return None
    times = [os.stat(p).st_mtime for p in (path, path + "-wal") if os.path.exists(p)]
    return pd.Timestamp(max(times), unit="s").tz_localize("UTC") if times else None
