"""Database access: engine, bulk writes of table frames, reads back in chunks, and the data version.

The data version is one row (`data_version`, id 1) that every write of sales data bumps: imports
call `bump_data_version` inside their transaction, and database triggers (PostgreSQL and SQLite)
bump it on any INSERT, UPDATE or DELETE of a sales table by any other program. Servers read that
row (one primary-key lookup) to know when to reload.
"""

from __future__ import annotations

import itertools
import os
import queue
import threading
import uuid
import weakref
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, suppress
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import adbc_driver_manager
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import (
    BigInteger,
    Date,
    DateTime,
    Engine,
    Float,
    Integer,
    String,
    Text,
    create_engine,
    event,
    func,
    select,
    text,
    union,
)
from sqlalchemy.engine import URL, Connection, make_url
from sqlalchemy.orm import Mapped, mapped_column

from data.models import (
    DATA_TABLES,
    ROLLUP_TABLES,
    Base,
    Customer,
    Item,
    Order,
    OrderLine,
    has_columns,
    upgrade_schema,
)

Tables = dict[str, pd.DataFrame]

DATE_COLUMNS = {
    "customers": ["created_on"],
    "orders": ["order_date"],
    "order_lines": ["delivered_on", "cancelled_on", "returned_on"],
    "payments": ["paid_on"],
}
BOOL_COLUMNS = {"items": ["made_to_order"], "order_lines": ["prices_include_vat"]}
READ_CHUNK_ROWS = 100_000  # rows per Arrow batch read: ~20 MB of order lines, few calls per column
CURSOR_CHUNK_ROWS = 20_000  # rows per fetch through a Python driver (a Python object per value)
ARROW = "sales_arrow"  # in Connection.info: the ADBC connections of snapshot_connection, or ()
READERS = 2  # ADBC connections reading one snapshot side by side: the builder has two cores
SNAPSHOT_ATTEMPTS = 20
_ISOLATION = "adbc.connection.transaction.isolation_level"
_REPEATABLE_READ = "adbc.connection.transaction.isolation.repeatable_read"
_SQLITE_BATCH_ROWS = "adbc.sqlite.query.batch_rows"
_PG_BATCH_BYTES = "adbc.postgresql.batch_size_hint_bytes"
_SQLITE_TYPED = {pa.large_string(): "''", pa.float64(): "0.0"}  # else a whole number
# the record batches of an answer from PostgreSQL (ADBC's default: 16 MB): answer_batches hands
# each on as it comes (a customer page's lines are made compact a batch at a time, README)
ANSWER_BATCH_BYTES = 4 << 20
T = TypeVar("T")


class DataVersion(Base):
    """The one row (id 1) that tells readers the sales data changed (see the module docstring)."""

    __tablename__ = "data_version"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Random per database: a recreated database never reuses an old database's snapshot files.
    database_id: Mapped[str] = mapped_column(String(36))
    version: Mapped[int] = mapped_column(BigInteger)
    changed_at: Mapped[str] = mapped_column(DateTime)  # UTC; text on SQLite


@dataclass(frozen=True)
class Version:
    """The data version as read from the database; `key` names its snapshot file."""

    database_id: str
    version: int
    changed_at: pd.Timestamp  # UTC

    @property
    def key(self) -> str:
        return f"{self.database_id}-{self.version}"

    @property
    def as_of(self) -> pd.Timestamp:
        """The as-of time the data of this version is shown with (to the second)."""
        return self.changed_at.floor("s")


def default_url(instance_path: str | os.PathLike) -> str:
    return f"sqlite:///{Path(instance_path) / 'sales.db'}"


def normal_url(url: str) -> str:
    """`postgresql://…` (no driver named) means psycopg 3, the driver this project ships."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def make_engine(url: str) -> Engine:
    """An engine for `url` with the schema, the data-version row and its triggers in place.

    Connections are checked before use (a restarted database server costs one retry, not an
    error page) and a forked child (a gunicorn worker) drops the pool it inherited: two
    processes must never share one database socket.
    """
    url = normal_url(url)
    is_sqlite = url.startswith("sqlite")
    engine = create_engine(url, pool_pre_ping=not is_sqlite)
    if is_sqlite:
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "commit", _end_quiet_triggers)
        event.listen(engine, "rollback", _forget_quiet_triggers)
    dispose_after_fork(engine)
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":  # workers starting together: one sets up at a time
            conn.execute(text("SELECT pg_advisory_xact_lock(7424711)"))
        missing = [t for t in ROLLUP_TABLES if not has_columns(conn, t)]
        Base.metadata.create_all(conn)
        upgrade_schema(conn)
        if missing:
            # a rollup (or a rollup's column) new to a database with sales holds none of them:
            # not current until `flask rebuild-rollups` (data.rollups)
            conn.execute(text("DELETE FROM rollup_state WHERE EXISTS (SELECT 1 FROM orders)"))
        _install_data_version(conn)
    return engine


def dispose_after_fork(engine: Engine) -> None:
    """In a forked child, forget (without closing) the connections inherited from the parent."""
    ref = weakref.ref(engine)

    def after_fork() -> None:
        alive = ref()
        if alive is not None:
            alive.dispose(close=False)

    os.register_at_fork(after_in_child=after_fork)


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.close()


# PostgreSQL: one statement-level trigger per table and operation; the function bumps once per
# transaction (a transaction-local setting remembers it), so a bulk import costs one update.
_PG_FUNCTION = """
CREATE OR REPLACE FUNCTION sales_bump_data_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF current_setting('sales.data_version_bumped', true) IS DISTINCT FROM 'on' THEN
    PERFORM set_config('sales.data_version_bumped', 'on', true);
    UPDATE data_version SET version = version + 1,
      changed_at = clock_timestamp() AT TIME ZONE 'UTC' WHERE id = 1;
  END IF;
  RETURN NULL;
END $$
"""
_PG_TRIGGER = """
CREATE TRIGGER {name} AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table}
FOR EACH STATEMENT
WHEN (current_setting('sales.data_version_bumped', true) IS DISTINCT FROM 'on')
EXECUTE FUNCTION sales_bump_data_version()
"""
_PG_BUMP = """
UPDATE data_version SET version = version + 1,
  changed_at = clock_timestamp() AT TIME ZONE 'UTC' WHERE id = 1
"""
# SQLite has row triggers only: each row an outside program changes bumps the version. An import
# (bump_data_version) drops them in its transaction and creates them again just before its commit
# (DDL is transactional in SQLite: no other connection sees them missing), so that its rows cost
# nothing (README, Import performance).
_SQLITE_NOW = "strftime('%Y-%m-%d %H:%M:%f', 'now')"
_SQLITE_TRIGGER = """
CREATE TRIGGER IF NOT EXISTS {name} AFTER {op} ON {table}
BEGIN UPDATE data_version SET version = version + 1, changed_at = {now} WHERE id = 1; END
"""
_QUIET = "sales_quiet_triggers"  # in Connection.info: this transaction dropped the triggers


def _install_data_version(conn: Connection) -> None:
    """The data-version row and the triggers, where missing (cheap when all are there)."""
    dialect = conn.dialect.name
    now = {"postgresql": "clock_timestamp() AT TIME ZONE 'UTC'", "sqlite": _SQLITE_NOW}
    row = conn.execute(text("SELECT 1 FROM data_version WHERE id = 1")).first()
    if row is None:
        conn.execute(
            text(
                "INSERT INTO data_version (id, database_id, version, changed_at) "
                f"VALUES (1, :db, 1, {now.get(dialect, 'CURRENT_TIMESTAMP')})"
            ),
            {"db": uuid.uuid4().hex[:16]},
        )
        if conn.execute(text("SELECT 1 FROM orders LIMIT 1")).first() is None:
            # no sales yet: the (empty) rollups are current (data.rollups)
            conn.execute(text("INSERT INTO rollup_state (id, version) VALUES (1, 1)"))
    if dialect == "postgresql":
        names = _trigger_names("postgresql")
        present = set(
            conn.execute(
                text("SELECT tgname FROM pg_trigger WHERE tgname LIKE 'sales_data_version_%'")
            ).scalars()
        )
        if not set(names) <= present:
            conn.execute(text(_PG_FUNCTION))
        for (table, _), name in names.items():
            if name not in present:
                conn.execute(text(_PG_TRIGGER.format(name=name, table=table)))
    elif dialect == "sqlite":
        for statement in _sqlite_triggers():
            conn.exec_driver_sql(statement)


def _sqlite_triggers() -> list[str]:
    return [
        _SQLITE_TRIGGER.format(name=name, op=op, table=table, now=_SQLITE_NOW)
        for (table, op), name in _trigger_names("sqlite").items()
    ]


def _trigger_names(dialect: str) -> dict[tuple[str, str], str]:
    ops = ("ANY",) if dialect == "postgresql" else ("INSERT", "UPDATE", "DELETE")
    return {
        (t.name, op): f"sales_data_version_{t.name}" + ("" if op == "ANY" else f"_{op.lower()}")
        for t in DATA_TABLES
        for op in ops
    }


def bump_data_version(conn: Connection) -> None:
    """Mark the sales data as changed, inside the caller's transaction (every import calls it,
    best at the start): the version goes up by one, and the triggers stay quiet for the rest of
    the transaction (PostgreSQL: a transaction-local setting; SQLite: dropped, and created again
    just before the commit by make_engine's listener; a rollback brings them back by itself)."""
    dialect = conn.dialect.name
    if dialect == "postgresql":
        conn.execute(text("SELECT set_config('sales.data_version_bumped', 'on', true)"))
        conn.execute(text(_PG_BUMP))
        return
    now = _SQLITE_NOW if dialect == "sqlite" else "CURRENT_TIMESTAMP"
    # DML first: it opens the driver's transaction, so the DROPs below are part of it
    conn.execute(
        text(f"UPDATE data_version SET version = version + 1, changed_at = {now} WHERE id = 1")
    )
    if dialect == "sqlite" and event.contains(conn.engine, "commit", _end_quiet_triggers):
        for name in _trigger_names("sqlite").values():
            conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name}")
        conn.info[_QUIET] = True


def _end_quiet_triggers(conn: Connection) -> None:
    """Before the commit of a transaction that dropped the triggers: create them again, in it."""
    if conn.info.pop(_QUIET, False):
        cursor = conn.connection.driver_connection.cursor()
        for statement in _sqlite_triggers():
            cursor.execute(statement)
        cursor.close()


def _forget_quiet_triggers(conn: Connection) -> None:
    conn.info.pop(_QUIET, None)  # the rollback brings the triggers back itself


def read_version(conn: Connection | Engine) -> Version:
    """The current data version (one primary-key lookup)."""
    if isinstance(conn, Engine):
        with conn.connect() as c:
            return read_version(c)
    database_id, version, changed_at = conn.execute(
        text("SELECT database_id, version, changed_at FROM data_version WHERE id = 1")
    ).one()
    stamp = pd.Timestamp(changed_at)
    stamp = stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")
    return Version(database_id, int(version), stamp)


def row_counts(engine: Engine) -> dict[str, int]:
    """The order lines, orders and customers of the database, counted as the frames count them
    (customers: those of the customer list and those seen only on orders), in one query."""
    seen = union(select(Customer.customer_id), select(Order.customer_id)).subquery()
    counts = select(
        select(func.count()).select_from(OrderLine).scalar_subquery().label("lines"),
        select(func.count()).select_from(Order).scalar_subquery().label("orders"),
        select(func.count()).select_from(seen).scalar_subquery().label("customers"),
    )
    with engine.connect() as conn:
        return dict(conn.execute(counts).one()._mapping)


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
    missing = null; in a nullable text column "" counts as missing too, as an import reads a
    blank) in the connection's transaction, the fastest way the database offers: PostgreSQL COPY
    (psycopg 3), else one executemany of a prepared INSERT."""
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
    table = Base.metadata.tables[table_name]
    values, marks = [], []
    for name, column in zip(batch.column_names, batch.columns, strict=True):
        value, mark = _sqlite_values(column, table.c[name].nullable)
        values.append(value)
        marks.append(mark)
    cursor = driver.cursor()
    cursor.executemany(
        f"INSERT INTO {table_name} ({columns}) VALUES ({', '.join(marks)})",
        zip(*values, strict=True),
    )
    cursor.close()


def _sqlite_values(column, nullable: bool) -> tuple[list, str]:
    """(a column's values as Python objects, its placeholder). Python's sqlite3 binds int, float
    and str at once but looks every None and bool up among its adapters (~0.25 µs a value): so a
    missing text goes in as "" (NULLIF makes it NULL), a missing number as NaN (SQLite stores
    NULL), a date as its ISO text (as SQLAlchemy stores it), a flag as 0 or 1."""
    if pa.types.is_date(column.type) or pa.types.is_timestamp(column.type):
        column = column.cast(pa.date32()).cast(pa.string())
    elif pa.types.is_boolean(column.type):
        column = column.cast(pa.int8())
    if pa.types.is_string(column.type):
        if not nullable:
            return column.to_pylist(), "?"
        return pc.fill_null(column, "").to_pylist(), "NULLIF(?, '')"
    if pa.types.is_floating(column.type) or not column.null_count:
        return column.to_numpy().tolist(), "?"
    return column.to_pylist(), "?"  # whole numbers with some missing


def _placeholder(conn: Connection, column: str) -> str:
    style = conn.dialect.paramstyle
    return {"qmark": "?", "format": "%s", "pyformat": "%s", "numeric": ":1"}.get(style, "?")


def write_tables(engine: Engine, tables: Tables, replace: bool) -> None:
    """Write the table frames in one transaction; with `replace`, delete all sales data first."""
    from data import (
        rollups,  # it builds its SQL with the engine of data.sql_engine, which needs this module
    )

    with engine.begin() as conn:
        bump_data_version(conn)
        keep_rollups = replace or rollups.were_current(conn)
        if replace:
            delete_all_data(conn)
        for table in DATA_TABLES:
            if table.name in tables:
                insert_frame(conn, table.name, tables[table.name])
        if replace:
            rollups.refresh(conn)
        elif keep_rollups:  # rows are only added here: the orders' keys as written (a
            # payment's too: its order's events)
            written = [tables[n]["order_id"] for n in ("orders", "order_lines", "payments")
                       if n in tables]  # fmt: skip
            keys = rollups.order_keys(conn, pd.concat(written).unique()) if written else set()
            rollups.refresh(conn, keys)


def read_tables(engine: Engine, chunk_rows: int = READ_CHUNK_ROWS) -> Tables:
    """Read every sales-data table into a frame; dates become datetime64, flags bool."""
    with snapshot_connection(engine) as conn:
        return {table.name: read_table(conn, table, chunk_rows) for table in DATA_TABLES}


@contextmanager
def snapshot_connection(engine: Engine, own_process: bool = False) -> Iterator[Connection]:
    """A connection whose reads all see one snapshot: REPEATABLE READ on PostgreSQL, a read
    transaction on SQLite (the driver opens none for SELECTs by itself). On PostgreSQL, and on
    SQLite (a file) with `own_process`, read_chunks reads through READERS ADBC connections held
    alongside (Arrow columns straight from the driver; side_by_side and lines_by_order read on
    them at once), each in a read transaction of its own on the same data version: every write
    bumps the version, so the same version is the same data.

    `own_process`: this process opens the SQLite file through no other connection before this
    one ends (the builder child). ADBC's driver brings its own copy of SQLite, and when one copy
    closes the file, the POSIX locks the other copy holds on it are gone (sqlite.org, "How To
    Corrupt"): a worker's pooled connections would go on reading a stale snapshot."""
    with engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            conn.execution_options(isolation_level="REPEATABLE READ")
        try:
            conn.info[ARROW] = _same_snapshot(conn, own_process)
            yield conn
        finally:
            for halt in list(conn.info.pop(_READING, ())):  # readers left running: stopped first
                halt()
            for arrow in conn.info.pop(ARROW, ()):
                arrow.close()
            conn.rollback()


def _same_snapshot(conn: Connection, own_process: bool) -> tuple[ArrowConnection, ...]:
    """Start the read transaction of `conn` and those of READERS ArrowConnections (none for
    SQLite unless `own_process`, and where ADBC has no driver) on one data version, starting
    them all again if a write came between them."""
    for _ in range(SNAPSHOT_ATTEMPTS):
        if conn.dialect.name == "sqlite":
            conn.exec_driver_sql("BEGIN")
            if not own_process:
                return ()
        arrows = []
        try:
            for _ in range(READERS):
                arrow = ArrowConnection.open(conn.engine.url)
                if arrow is None:
                    return ()
                arrows.append(arrow)
            ours = read_version(conn)
            same = all(arrow.version() == (ours.database_id, ours.version) for arrow in arrows)
        except Exception:
            for arrow in arrows:
                arrow.close()
            raise
        if same:
            return tuple(arrows)
        for arrow in arrows:
            arrow.close()
        conn.rollback()
    raise RuntimeError(f"the data changed {SNAPSHOT_ATTEMPTS} times while a snapshot began")


_READER: ContextVar[ArrowConnection | None] = ContextVar("sales_reader", default=None)
_READING = "sales_reading"  # in Connection.info: how to stop each _interleaved read under way


def side_by_side(conn: Connection, reads: dict[str, Callable[[Connection], object]]) -> dict:
    """{name: read(conn)} of `reads`, run at once on the snapshot's ADBC connections (each read
    on one of its own; taken in the order given: the longest first), else one after another."""
    arrows = conn.info.get(ARROW, ())
    if len(arrows) < 2:
        return {name: read(conn) for name, read in reads.items()}
    free = queue.SimpleQueue()
    for arrow in arrows:
        free.put(arrow)

    def run(read: Callable[[Connection], object]) -> object:
        arrow = free.get()
        token = _READER.set(arrow)
        try:
            return read(conn)
        finally:
            _READER.reset(token)
            free.put(arrow)

    with ThreadPoolExecutor(len(arrows)) as pool:
        return dict(zip(reads, pool.map(run, reads.values()), strict=True))


def _interleaved(conn: Connection, parts: list) -> Iterator[pd.DataFrame]:
    """The chunks of the read_chunks generators `parts` (functions of the connection), each
    read in a thread on an ADBC connection of its own, in the order they come; empty chunks
    dropped unless all are. A few chunks wait at most; leaving early stops the readers."""
    arrows = conn.info[ARROW]
    done = object()
    ready = queue.Queue(maxsize=2 * len(parts))
    stop = threading.Event()

    def put(item) -> None:
        while not stop.is_set():
            try:
                return ready.put(item, timeout=0.1)
            except queue.Full:
                continue

    def read(arrow: ArrowConnection, part) -> None:
        _READER.set(arrow)  # this thread's own context
        try:
            chunks = part(conn)
            try:
                for chunk in chunks:
                    if stop.is_set():
                        return
                    put(chunk)
            finally:
                chunks.close()
        except BaseException as error:  # raised again in the caller's thread
            put(error)
        finally:
            put(done)

    pool = ThreadPoolExecutor(len(parts))

    def halt() -> None:
        stop.set()
        pool.shutdown(wait=True)

    # a caller may drop this generator unclosed: snapshot_connection stops its readers then
    halts = conn.info.setdefault(_READING, set())
    halts.add(halt)
    first_empty, rows, running = None, False, len(parts)
    try:
        for arrow, part in zip(arrows, parts, strict=False):  # no more parts than connections
            pool.submit(read, arrow, part)
        while running:
            item = ready.get()
            if item is done:
                running -= 1
            elif isinstance(item, BaseException):
                raise item
            elif len(item):
                rows = True
                yield item
            elif first_empty is None:
                first_empty = item
    finally:
        halts.discard(halt)
        halt()
    if not rows:
        yield first_empty


class ArrowConnection:
    """An ADBC connection in a read transaction of its own (REPEATABLE READ on PostgreSQL),
    through the driver manager's own API (its DB-API layer imports polars where installed:
    30 MB more for the builder)."""

    def __init__(self, database, dialect: str) -> None:
        self.database = database
        self.connection = adbc_driver_manager.AdbcConnection(database)
        self.connection.set_autocommit(False)
        self.dialect = dialect
        self.statements = []

    @classmethod
    def open(cls, url: URL) -> ArrowConnection | None:
        """One to the database of `url`; None for other databases and in-memory SQLite."""
        if url.get_backend_name() == "postgresql":
            import adbc_driver_postgresql

            plain = url.set(drivername="postgresql").render_as_string(hide_password=False)
            arrow = cls(adbc_driver_postgresql.connect(plain), "postgresql")
            arrow.connection.set_options(**{_ISOLATION: _REPEATABLE_READ})
            return arrow
        if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
            import adbc_driver_sqlite

            return cls(adbc_driver_sqlite.connect(url.database), "sqlite")
        return None

    def query(self, sql: str, batch_rows: int | None = None) -> pa.RecordBatchReader:
        """The rows of `sql`, streamed as record batches (SQLite's of `batch_rows` rows)."""
        statement = adbc_driver_manager.AdbcStatement(self.connection)
        self.statements.append(statement)
        if batch_rows is not None and self.dialect == "sqlite":
            statement.set_options(**{_SQLITE_BATCH_ROWS: str(batch_rows)})
        statement.set_sql_query(sql)
        stream, _ = statement.execute_query()
        return pa.RecordBatchReader._import_from_c(stream.address)

    def answer(self, sql: str) -> pa.Table:
        """All the rows of `sql`, in a read transaction of their own, ended at once."""
        return self._answered(sql, pa.RecordBatchReader.read_all)

    def answer_batches(self, sql: str, each: Callable[[pa.RecordBatch], T]) -> list[T]:
        """`each` of every record batch of `sql`'s rows as they come (about ANSWER_BATCH_BYTES
        each from PostgreSQL), in a read transaction of their own: a batch is let go of once
        `each` has returned."""
        return self._answered(sql, lambda reader: [each(batch) for batch in reader])

    def _answered(self, sql: str, use: Callable[[pa.RecordBatchReader], T]) -> T:
        statement = adbc_driver_manager.AdbcStatement(self.connection)
        try:
            if self.dialect == "postgresql":
                statement.set_options(**{_PG_BATCH_BYTES: str(ANSWER_BATCH_BYTES)})
            statement.set_sql_query(str(sql))
            stream, _ = statement.execute_query()
            return use(pa.RecordBatchReader._import_from_c(stream.address))
        finally:
            statement.close()
            self.connection.rollback()

    def version(self) -> tuple[str, int]:
        """(database_id, version) of the data version this connection sees."""
        row = self.query("SELECT database_id, version FROM data_version WHERE id = 1").read_all()
        return row["database_id"][0].as_py(), row["version"][0].as_py()

    def close(self) -> None:
        for statement in self.statements:
            statement.close()
        self.connection.rollback()
        self.connection.close()
        self.database.close()


class ArrowPool:
    """ArrowConnections to one database (PostgreSQL), each lent to one question at a time and
    kept for the next. A forked process opens its own: its parent's stay the parent's."""

    def __init__(self, url: URL) -> None:
        self.url = url
        self._idle: queue.SimpleQueue = queue.SimpleQueue()
        self._pid = os.getpid()
        self._parents: list[queue.SimpleQueue] = []  # a parent's, never used nor closed here

    def answer(self, sql: str) -> pa.Table:
        """ArrowConnection.answer on an idle connection, or a new one."""
        return self._lent(lambda arrow: arrow.answer(sql))

    def answer_batches(self, sql: str, each: Callable[[pa.RecordBatch], T]) -> list[T]:
        """ArrowConnection.answer_batches on an idle connection, or a new one."""
        return self._lent(lambda arrow: arrow.answer_batches(sql, each))

    def _lent(self, use: Callable[[ArrowConnection], T]) -> T:
        """What `use` does with an idle connection, or a new one. One that fails is closed,
        not kept (e.g. the server restarted)."""
        if os.getpid() != self._pid:
            self._parents.append(self._idle)
            self._idle, self._pid = queue.SimpleQueue(), os.getpid()
        try:
            arrow = self._idle.get_nowait()
        except queue.Empty:
            arrow = ArrowConnection.open(self.url)
        try:
            answer = use(arrow)
        except BaseException:
            with suppress(Exception):  # a broken connection may fail to close: the first error
                arrow.close()
            raise
        self._idle.put(arrow)
        return answer

    def close(self) -> None:
        """Close the idle connections (a process about to fork, or done)."""
        while True:
            try:
                self._idle.get_nowait().close()
            except queue.Empty:
                return


def read_table(conn: Connection, table, chunk_rows: int = READ_CHUNK_ROWS) -> pd.DataFrame:
    """One table, fetched `chunk_rows` at a time (see read_chunks)."""
    chunks = list(read_chunks(conn, select(table), table.name, chunk_rows))
    if len(chunks) == 1:
        return chunks[0]
    # Column by column, each chunk's part dropped once copied: the peak is the table plus one
    # column, not twice the table.
    names = list(chunks[0].columns)
    columns = {}
    for name in names:
        columns[name] = pd.concat([chunk.pop(name) for chunk in chunks], ignore_index=True)
    return pd.DataFrame(columns, copy=False)


def read_chunks(
    conn: Connection, query, table_name: str, chunk_rows: int = READ_CHUNK_ROWS
) -> Iterator[pd.DataFrame]:
    """The rows of `query` (columns of table `table_name`) as frames of `chunk_rows` rows (read
    as Arrow record batches through the ADBC connection of snapshot_connection, else through
    SQLite's own cursor or pandas and a server-side cursor), each typed at once (text `str`, floats float64, dates
    datetime64, flags bool) so that only one chunk lives at a time. An empty result gives one
    empty frame."""
    if conn.info.get(ARROW):
        chunks = (batch.to_pandas() for batch in arrow_batches(conn, query, chunk_rows))
    elif conn.dialect.name == "sqlite":
        chunks = _sqlite_chunks(conn, query, min(chunk_rows, CURSOR_CHUNK_ROWS))
    else:
        chunks = _pandas_chunks(conn, query, chunk_rows)
    empty = True
    for chunk in chunks:
        empty = False
        yield _typed(table_name, chunk)
    if empty:  # no rows
        dtypes = _dtypes(query)
        names = [c.name for c in query.selected_columns]
        yield _typed(table_name, pd.DataFrame({n: pd.Series(dtype=dtypes.get(n)) for n in names}))


def _dtypes(query) -> dict[str, str]:
    """The pandas dtype of each text and float column of `query`."""
    dtypes = {}
    for column in query.selected_columns:
        if isinstance(column.type, String | Text):
            dtypes[column.name] = "str"
        elif isinstance(column.type, Float):
            dtypes[column.name] = "float64"
    return dtypes


def _pandas_chunks(conn: Connection, query, chunk_rows: int) -> Iterator[pd.DataFrame]:
    """read_chunks' frames, untyped dates and flags aside, through pandas and SQLAlchemy."""
    streaming = conn.execution_options(stream_results=True, max_row_buffer=chunk_rows)
    yield from pd.read_sql_query(query, streaming, chunksize=chunk_rows, dtype=_dtypes(query))


def _sqlite_chunks(conn: Connection, query, chunk_rows: int) -> Iterator[pd.DataFrame]:
    """_pandas_chunks' frames, read from SQLite's own cursor in the connection's transaction:
    Arrow turns each chunk's rows into typed columns in one pass, with none of SQLAlchemy's and
    pandas' per-value work (which took 4x the time of fetching the rows). Dates, stored as ISO
    text, become datetime64[s] (the date part, as SQLAlchemy reads a Date)."""
    compiled = query.compile(dialect=conn.dialect)
    params = [compiled.params[name] for name in compiled.positiontup or ()]
    names = [c.name for c in query.selected_columns]
    row = pa.struct([(c.name, _arrow_type(c.type)) for c in query.selected_columns])
    dates = [isinstance(c.type, Date) for c in query.selected_columns]
    cursor = conn.connection.driver_connection.cursor()
    try:
        cursor.execute(str(compiled), params)
        while rows := cursor.fetchmany(chunk_rows):
            columns = pa.array(rows, row).flatten()
            del rows
            for i, is_date in enumerate(dates):
                if is_date:
                    day = pc.utf8_slice_codeunits(columns[i], 0, 10).cast(pa.date32())
                    columns[i] = day.cast(pa.timestamp("s"))
            yield pa.RecordBatch.from_arrays(columns, names=names).to_pandas()
    finally:
        cursor.close()


def arrow_batches(conn: Connection, query, chunk_rows: int) -> Iterator[pa.RecordBatch]:
    """The rows of `query` as Arrow record batches of at most `chunk_rows` rows, read through
    the ADBC connection of snapshot_connection: the driver streams them column-wise, with no
    Python object per value. Columns in
    the types of _arrow_type, as both drivers give them alike (dates: the date part)."""
    sql = str(query.compile(dialect=conn.dialect, compile_kwargs={"literal_binds": True}))
    columns = list(query.selected_columns)
    if conn.dialect.name == "sqlite":
        # ADBC's SQLite driver types each column by the values of the first batch (a column
        # whose first values are all NULL would be typed wrongly): a first row of typed
        # values, dropped below, fixes the types. SQLite runs UNION ALL left to right.
        typed = ", ".join(f'{_SQLITE_TYPED.get(_arrow_type(c.type), "0")} AS "{c.name}"'
                          for c in columns)  # fmt: skip
        sql = f"SELECT {typed} UNION ALL SELECT * FROM ({sql})"
    skip = 1 if conn.dialect.name == "sqlite" else 0
    reader = (_READER.get() or conn.info[ARROW][0]).query(sql, batch_rows=chunk_rows)
    # The driver fetches the next batch in a thread (without the GIL) while this one is used:
    # reading and converting share the two cores. Leaving early waits for the fetch under way.
    with ThreadPoolExecutor(1) as fetcher:
        fetching = fetcher.submit(reader.read_next_batch)
        while True:
            try:
                batch = fetching.result()
            except StopIteration:
                return
            fetching = fetcher.submit(reader.read_next_batch)
            batch, skip = batch.slice(skip), 0
            for start in range(0, batch.num_rows, chunk_rows):
                yield _arrow_columns(columns, batch.slice(start, chunk_rows))


def _arrow_columns(columns: list, batch: pa.RecordBatch) -> pa.RecordBatch:
    """`batch` with each column in the Arrow type of _arrow_type (dates as timestamp[s]), in
    memory of its own: a batch from the driver is freed only once none of its columns is used,
    so a table kept whole (the orders) would keep every batch read (+250 MB at 10M lines)."""
    arrays = []
    for column, array in zip(columns, batch.columns, strict=True):
        if isinstance(column.type, Date):
            if pa.types.is_string(array.type):  # SQLite: ISO text, read as SQLAlchemy does
                array = pc.utf8_slice_codeunits(array, 0, 10).cast(pa.date32())
            array = array.cast(pa.timestamp("s"))
        else:
            array = pa.concat_arrays([array.cast(_arrow_type(column.type))])  # a copy
        arrays.append(array)
    return pa.RecordBatch.from_arrays(arrays, names=[c.name for c in columns])


def _arrow_type(kind) -> pa.DataType:
    """The Arrow type the values of an SQLAlchemy column type are read into: text and dates (on
    SQLite ISO text) as text, floats as float64, flags and whole numbers as int64 (floats,
    missing = NaN, when some are missing, as pandas reads them)."""
    if isinstance(kind, String | Text | Date):
        return pa.large_string()
    if isinstance(kind, Float):
        return pa.float64()
    return pa.int64()


def line_counts(conn: Connection) -> pd.Series:
    """The number of order lines of each order that has any (index: order_id)."""
    query = select(OrderLine.order_id, func.count().label("lines")).group_by(OrderLine.order_id)
    counts = pd.concat(read_chunks(conn, query, OrderLine.__tablename__), ignore_index=True)
    return pd.Series(counts["lines"].to_numpy(np.int64), index=pd.Index(counts["order_id"]))


def lines_by_order(
    conn: Connection, columns: list[str], chunk_rows: int = READ_CHUNK_ROWS
) -> Iterator[pd.DataFrame]:
    """`columns` of the order lines in chunks (read_chunks), each order's lines in line order:
    ordered by order_id then line_no; with the ADBC connections of snapshot_connection, one
    range of order_ids on each, read at once, their chunks as they come (an order's lines may
    span two chunks of its range with the other range's between: the builder's two cores fetch
    and convert side by side)."""
    table = OrderLine.__table__
    query = select(*(table.c[name] for name in columns)).order_by(table.c.order_id, table.c.line_no)
    bounds = _order_bounds(conn, len(conn.info.get(ARROW, ())))
    if not bounds:
        return read_chunks(conn, query, table.name, chunk_rows)
    order_id, ranges = table.c.order_id, []
    for low, high in itertools.pairwise([None, *bounds, None]):
        part = query if low is None else query.where(order_id >= low)
        ranges.append(part if high is None else part.where(order_id < high))
    return _interleaved(
        conn, [lambda c, q=q: read_chunks(c, q, table.name, chunk_rows) for q in ranges]
    )


def _order_bounds(conn: Connection, parts: int) -> list[str]:
    """The order_ids that cut the orders into `parts` ranges of as many orders (fewer bounds
    when there are few orders; none for one part)."""
    orders = conn.execute(select(func.count()).select_from(Order)).scalar_one() if parts > 1 else 0
    if orders < parts:
        return []
    at = select(Order.order_id).order_by(Order.order_id).limit(1)
    return sorted(
        {conn.execute(at.offset(orders * i // parts)).scalar_one() for i in range(1, parts)}
    )


def empty_columns(conn: Connection, columns: list[str]) -> set[str]:
    """Those of `columns` of the order lines with no value on any line (one pass over them): the
    attributes as sold are on few lines if any, and SQLite's driver takes about as long for a
    column of NULLs as for one of values (the builder leaves them out of the lines' read)."""
    table = OrderLine.__table__
    query = select(*(func.count(table.c[name]).label(name) for name in columns))
    counts = pd.concat(read_chunks(conn, query, table.name), ignore_index=True)
    return {name for name in columns if not counts[name].iat[0]}


def unlisted_item_lines(conn: Connection) -> pd.DataFrame:
    """item_id, item_name and sku of the order lines whose item is not in the items table
    (deleted since), in the table's stored order."""
    query = select(OrderLine.item_id, OrderLine.item_name, OrderLine.sku).where(
        OrderLine.item_id.not_in(select(Item.item_id))
    )
    return pd.concat(read_chunks(conn, query, OrderLine.__tablename__), ignore_index=True)


def _typed(table_name: str, frame: pd.DataFrame) -> pd.DataFrame:
    for col in DATE_COLUMNS.get(table_name, []):
        if col in frame:
            frame[col] = pd.to_datetime(frame[col], format="ISO8601").astype("datetime64[s]")
    for col in BOOL_COLUMNS.get(table_name, []):
        if col in frame:
            frame[col] = frame[col].fillna(False).astype(bool)
    return frame


def data_version(engine: Engine) -> tuple:
    """A value that changes whenever any program writes sales data (one primary-key lookup)."""
    version = read_version(engine)
    return version.database_id, version.version
