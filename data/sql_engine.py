"""The engine interface (metrics.engine) pushed down to the database: each question is ONE Ibis
expression over unbound tables, compiled to the target's SQL dialect (SQLite, PostgreSQL, DuckDB,
Spark; Trino... compile the same way) and run by that database's own driver. Only the
aggregates come back.

The user's scope is a WHERE on the customers' owner / team inside every query, set when the
engine is made: no question can be asked without it.
"""

from __future__ import annotations

import functools
import operator
import os
import threading
import time
from calendar import monthrange
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import date, timedelta

import ibis
import ibis.expr.operations as ops
import ibis.expr.types as ir
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    Float,
    Integer,
    String,
    Text,
    create_engine,
    inspect,
    text,
)
from sqlalchemy.engine import make_url

from data.access import Scope
from data.db import ArrowPool, T, dispose_after_fork, normal_url
from data.frames import (
    CUSTOMER_COLUMNS,
    PAGE_LINE_COLUMNS,
    REVENUE_SUMS,
    SPARSE_COLUMNS,
    Frames,
    from_day,
    item_list,
    page_frames,
    to_day,
    with_custom_fields,
)
from data.lists import VALUE_COLUMNS, Lists
from data.memory import release_free_memory
from data.models import (
    DATA_TABLES,
    ROLLUP_ATTRIBUTES,
    ROLLUP_TABLES,
    CustomerEventSums,
    CustomerOrderDays,
    DailyCustomerSums,
    MonthlyCustomerAttributeSums,
    MonthlyCustomerItemSums,
    MonthlyCustomerMadeToOrderSums,
)
from data.spark import Spark, is_spark
from metrics.cadence import AT_RISK_GAP_FACTOR, AT_RISK_MIN_DAYS, AT_RISK_MIN_ORDERS
from metrics.commission import EVENTS
from metrics.customer_page import YEAR_DAYS
from metrics.engine import (
    CADENCE,
    DATES,
    MADE_TO_ORDER_ROW,
    ORDER_DAYS,
    OWNER_SUMS,
    REPORT_SUMS,
    SALESPEOPLE_COLUMNS,
    SUMS,
    By,
    Row,
    dimensions_of,
    figures_of,
    finish,
    finish_customers,
    finish_days,
    finish_events,
    labelled,
    order_days_of,
    row_of,
)
from metrics.filters import LINE_FILTERS, NOT_AVAILABLE, Filters
from metrics.selection import ORDER_FILTERS

# The stored tables (data.models) as Ibis schemas: every column, so that a query never reads
# "*" of a table believed narrower than it is.
TYPES = {String: "string", Text: "string", Integer: "int64", BigInteger: "int64",
         Float: "float64", Boolean: "boolean", Date: "date"}  # fmt: skip
SCHEMAS = {
    table.name: {column.name: TYPES[type(column.type)] for column in table.columns}
    for table in [*DATA_TABLES, *ROLLUP_TABLES]
}
# SQLAlchemy's name of a database -> Ibis's of its SQL (trino: the `trino` package's dialect)
DIALECTS = {"sqlite": "sqlite", "postgresql": "postgres", "trino": "trino"}
ORDER_ATTRIBUTES = ("channel", "source", "device", "campaign", "salesperson")
ITEM_ATTRIBUTES = ("category", "brand", "collection", "supplier", "department")
# a report row's keywords whose N/A means none (an item and a product always have an ID)
ROW_OPTIONAL = ("salesperson", "customisation")
# the dialects whose MEDIAN (Ibis's median: QUANTILE_CONT, PERCENTILE_CONT) interpolates between
# the middle two values, as metrics.cadence's median does (Trino's is approximate, SQLite has none)
EXACT_MEDIAN = ("duckdb", "postgres")
# a DuckDB file's order lines kept a second time by customer, and the data version they reflect
# (Database.lines_by_customer_current)
LINES_BY_CUSTOMER, LINES_BY_CUSTOMER_STATE = (
    "order_lines_by_customer",
    "order_lines_by_customer_state",
)
LINES_BY_CUSTOMER_SCHEMA = {**SCHEMAS["order_lines"], "customer_id": "string", "order_date": "date"}
# a flag counted as 1 or 0 (PostgreSQL casts no boolean to bigint)
ONE, ZERO = ibis.literal(1, "int64"), ibis.literal(0, "int64")
DayRange = tuple[date, date]  # first and last day
BATCH_ROWS = 65_536  # Database.each_batch's rows per batch (but PostgreSQL's)


class Database:
    """Where the analytics run: a SQLAlchemy URL (SQLite, PostgreSQL, Trino), duckdb:///path (a
    DuckDB file, kept open read-only: DuckDbFile) or a Spark (spark://..., sc://...: data.spark).
    `run` executes SQL of the database's dialect."""

    def __init__(self, url: str) -> None:
        self._stored: set[tuple[str, str]] | None = None  # (table, column) of the database
        self._stored_at: tuple | None = None  # a DuckDB file's stamp when they were read
        self._answers: dict[str, tuple] = {}  # _asked's: question -> (file stamp, answer)
        self.arrow: ArrowPool | None = None  # PostgreSQL's answers as Arrow (below)
        if is_spark(url):
            from ibis.backends.pyspark import Backend  # only Spark deployments load pyspark

            Backend.register_options()  # the Spark compiler reads them
            self.dialect, self.spark = "pyspark", Spark(url)
            return
        parsed = make_url(url)
        if parsed.drivername == "duckdb":
            self.dialect, self.path = "duckdb", parsed.database
            # the URL's query is DuckDB's settings, e.g. ?memory_limit=500MB&threads=2
            self.file = DuckDbFile(self.path, dict(parsed.query))
            return
        self.engine = create_engine(normal_url(url))  # reads only: no schema set-up here
        dispose_after_fork(self.engine)
        name = self.engine.dialect.name
        if name not in DIALECTS:
            raise ValueError(f"ANALYTICS_URL: the sql engine does not run on {name}; use "
                             "SQLite, PostgreSQL, Trino, DuckDB or Spark")  # fmt: skip
        self.dialect = DIALECTS[name]
        # PostgreSQL's answers come as Arrow (ADBC): pandas' read_sql makes Python objects of
        # every value (a customer's 357,046 lines: 5.6 s, 600 MB)
        self.arrow = ArrowPool(self.engine.url) if name == "postgresql" else None

    def run(self, sql: str) -> pd.DataFrame:
        if self.dialect == "pyspark":
            return self.spark.run(sql)
        if self.dialect == "duckdb":
            return _pandas(self.file.cursor().sql(sql).to_arrow_table())
        if self.arrow is not None:
            return _pandas(self.arrow.answer(sql))
        with self.engine.connect() as conn:
            return pd.read_sql(text(sql), conn)

    def each_batch(self, sql: str, each: Callable[[pa.RecordBatch], T]) -> list[T]:
        """`each` of every record batch of `sql`'s rows as they come, each batch let go of once
        `each` has returned: from DuckDB, batches of BATCH_ROWS rows; from PostgreSQL, of
        about data.db.ANSWER_BATCH_BYTES; from the others (SQLite, Trino, Spark), `run`'s
        whole frame first, then in batches (no memory saved there)."""
        if self.dialect == "duckdb":
            cursor = self.file.cursor()
            return [each(batch) for batch in cursor.sql(sql).to_arrow_reader(BATCH_ROWS)]
        if self.arrow is not None:
            return self.arrow.answer_batches(sql, each)
        rows = pa.Table.from_pandas(self.run(sql), preserve_index=False)
        return [each(batch) for batch in rows.to_batches(BATCH_ROWS)]

    def close(self) -> None:
        """Let go of the connections opened so far (a process about to fork its workers, which
        would otherwise each inherit them and the memory they hold)."""
        if self.dialect == "duckdb":
            self.file.close()
        elif self.dialect != "pyspark":
            self.engine.dispose()
            if self.arrow is not None:
                self.arrow.close()

    def rollups_current(self) -> bool:
        """Whether the database keeps the rollups (data.rollups) for its current data version;
        if not (none kept, or a program other than the imports wrote since), the engine reads
        the lines."""
        if self.dialect == "pyspark":  # the imports keep them in the app's database only
            return False
        # every rollup with every column (a DuckDB file copied before one was added has not),
        # and the state
        wanted = {(t.name, column.name) for t in ROLLUP_TABLES for column in t.columns}
        wanted |= {("rollup_state", "version"), ("data_version", "version")}
        if not wanted <= self._tables():
            return False
        return self._asked(
            "SELECT COUNT(*) AS n FROM rollup_state r JOIN data_version d"
            " ON r.id = 1 AND d.id = 1 AND r.version = d.version"
        )

    def lines_by_customer_current(self) -> bool:
        """Whether a DuckDB file keeps its order lines a second time by customer for its
        current data version: LINES_BY_CUSTOMER (every line with its order's customer and date,
        stored by customer, so that one customer's lines lie in a few row groups) and its
        state, the data version it was written for (bench/scale.py writes both). Only a
        DuckDB file: elsewhere the lines' index on order_id finds a customer's lines."""
        wanted = {(LINES_BY_CUSTOMER, c) for c in LINES_BY_CUSTOMER_SCHEMA}
        wanted.add((LINES_BY_CUSTOMER_STATE, "version"))
        if self.dialect != "duckdb" or not wanted <= self._tables():
            return False
        return self._asked(
            f"SELECT COUNT(*) AS n FROM {LINES_BY_CUSTOMER_STATE} s JOIN data_version d"
            " ON d.id = 1 AND s.version = d.version"
        )

    def _tables(self) -> set[tuple[str, str]]:
        """(table, column) of every table, read once (tables are not dropped under a running
        server), and again for a DuckDB file renamed over or written in place."""
        if self.dialect == "duckdb":
            stamp = _file_stamp(self.path)
            if self._stored is None or self._stored_at != stamp:
                stored = self.run("SELECT table_name, column_name FROM information_schema.columns")
                self._stored = set(zip(stored["table_name"], stored["column_name"], strict=True))
                self._stored_at = stamp
        elif self._stored is None:
            inspector = inspect(self.engine)
            self._stored = {
                (name, column["name"])
                for name in inspector.get_table_names()
                for column in inspector.get_columns(name)
            }
        return self._stored

    def _asked(self, count_sql: str) -> bool:
        """Whether `count_sql` (a COUNT(*) AS n) counts a row. A DuckDB file's answer is kept
        while neither the file nor its write-ahead log changes (stamped before the question, so
        a write meanwhile makes the next call ask again; a file written in the last 2 s is asked
        every time: a second write within the clock's tick may leave its time and size as they
        were)."""
        stamp = _file_stamp(self.path) if self.dialect == "duckdb" else None
        fresh = stamp and max(written for _, written, *_ in stamp) > time.time_ns() - 2 * 10**9
        kept = self._answers.get(count_sql)
        if stamp is None or kept is None or kept[0] != stamp or fresh:
            kept = self._answers[count_sql] = (stamp, bool(self.run(count_sql)["n"].iloc[0]))
        return kept[1]


class DuckDbFile:
    """A DuckDB file opened read-only once per process (an opening costs 20-35 ms and starts
    with a cold cache), asked by each thread through a cursor of its own. Opened again when the
    file or its write-ahead log changes (_file_stamp: a new file renamed over it, or a write in
    place) and in a forked child (the parent's connection is kept, never closed there: its
    threads are not the child's). An open file holds DuckDB's lock: a writer in another process
    cannot open it in place, it writes a new file and renames it over (bench/scale.py).
    `settings`: DuckDB's, from the URL's query (e.g. memory_limit, threads)."""

    def __init__(self, path: str, settings: dict[str, str] | None = None) -> None:
        import duckdb  # only deployments with a DuckDB file need it loaded

        self.path = path
        self.settings = settings or {}
        try:  # a setting DuckDB does not take says so now, not at the first question
            duckdb.connect(config=self.settings).close()
        except duckdb.Error as error:
            raise ValueError(
                f"ANALYTICS_URL: DuckDB does not take {self.settings}: {error}"
            ) from None
        self._lock = threading.Lock()
        self._opened: tuple | None = None  # (pid, stamp, connection)
        self._cursors = threading.local()  # each thread's (opened, cursor)
        self._inherited: list = []  # a forked child's connections and cursors of the parent

    def cursor(self):
        """This thread's cursor on the file as it is now."""
        stamp, pid = _file_stamp(self.path), os.getpid()
        with self._lock:
            if self._opened is not None and self._opened[0] != pid:
                self._inherited += [self._opened, self._cursors]
                self._opened, self._cursors = None, threading.local()
            if self._opened is None or self._opened[1] != stamp:
                self._opened = (pid, stamp, self._open())
            opened, mine = self._opened, self._cursors
            if getattr(mine, "opened", None) is not opened:
                mine.opened, mine.cursor = opened, opened[2].cursor()
                mine.cursor.execute("USE sales")  # a cursor starts in the connection's memory
            return mine.cursor

    def close(self) -> None:
        """Close this process's connection (and this thread's cursor); the next cursor opens
        the file again. Other threads must not be asking meanwhile."""
        with self._lock:
            if self._opened is None or self._opened[0] != os.getpid():
                return
            mine = self._cursors
            if getattr(mine, "opened", None) is self._opened:
                mine.cursor.close()
            self._opened[2].close()
            self._opened, self._cursors = None, threading.local()

    def _open(self):
        import duckdb  # only deployments with a DuckDB file need it loaded

        # attached to a connection in memory: duckdb.connect(path) would hand back the instance
        # a connection of this process still holds on the path, the file renamed over included;
        # what a question spills goes where DuckDB puts a file's (not the working directory)
        conn = duckdb.connect(config={"temp_directory": f"{self.path}.tmp", **self.settings})
        path = self.path.replace("'", "''")
        conn.execute(f"ATTACH '{path}' AS sales (READ_ONLY)")
        return conn


class SqlEngine:
    """metrics.engine.Engine computed by the database, for one scope."""

    def __init__(self, database: Database, scope: Scope, rollups: bool = True) -> None:
        self.database = database
        self.scope = scope
        self.rollups = rollups  # read data.rollups when the database keeps them current
        schemas = {**SCHEMAS, LINES_BY_CUSTOMER: LINES_BY_CUSTOMER_SCHEMA}
        self.tables = {name: ibis.table(schema, name=name) for name, schema in schemas.items()}

    def sums(self, filters: Filters, by: By = None) -> pd.DataFrame:
        names = dimensions_of(by)
        rollups = self.rollups and self.database.rollups_current()
        return finish(self._run(self.sums_expression(filters, names, rollups)), names)

    def report_sums(self, filters: Filters, by: By = None, row: Row | None = None) -> pd.DataFrame:
        names = dimensions_of(by)
        rollups = self.rollups and self.database.rollups_current()
        expression = self.report_sums_expression(filters, names, rollups, row)
        return finish(self._run(expression), names, REPORT_SUMS)

    def event_sums(self, filters: Filters) -> pd.DataFrame:
        rollups = self.rollups and self.database.rollups_current()
        return finish_events(self._run(self.event_sums_expression(filters, rollups)))

    def salespeople(self) -> pd.DataFrame:
        people = self.tables["salespeople"]
        if self.scope.role == "salesperson":
            people = people.filter(people.code == self.scope.salesperson)
        elif not self.scope.sees_everything:
            people = people.filter(people.team == self.scope.team)
        return self._run(people.select(*SALESPEOPLE_COLUMNS).order_by("code"))

    def average_reorder_days(self, filters: Filters) -> float | None:
        rollups = self.rollups and self.database.rollups_current()
        result = self._run(self.reorder_expression(filters, rollups))["average"].iloc[0]
        return None if pd.isna(result) else float(result)

    def customers(self, filters: Filters, names: tuple[str, ...]) -> pd.DataFrame:
        names = figures_of(names)
        rollups = self.rollups and self.database.rollups_current()
        expression = self.customers_expression(filters, names, rollups)
        return finish_customers(self._run(expression), names)

    def lists(self, as_of: pd.Timestamp) -> Lists:
        """The scope's data.lists.Lists, read from the database: its customers with their custom
        fields (_customer_list), every item (_item_list), its salespeople, the values of
        values_expression, and the whole data's first and last order date with a line
        (_span)."""
        rollups = self.rollups and self.database.rollups_current()
        customers = self._customer_list()
        values = self._run(self.values_expression(rollups))
        span = self._run(self._span(rollups))
        first_day, last_day = (
            None if pd.isna(day) else to_day(day) for day in span.iloc[0][["first", "last"]]
        )
        return Lists(
            customers=customers,
            items=self._item_list(rollups),
            salespeople=self.salespeople(),
            custom_fields=tuple(customers.columns[len(CUSTOMER_COLUMNS) + 1 :]),
            values={
                c: tuple(sorted(values["value"][values["attribute"] == c].astype(str)))
                for c in VALUE_COLUMNS
            },
            as_of=as_of,
            first_day=first_day,
            last_day=last_day,
        )

    def customer_frames(self, customer_id: str, lists: Lists) -> Frames:
        """metrics.engine.Engine.customer_frames: the customer's rows only, read with the
        scope's WHERE (the customer row and custom fields, its orders, their lines and
        payments), built into Frames with the lists' item list, salespeople, span, as-of time
        and custom fields."""
        people = self._everyone(CUSTOMER_COLUMNS[1:])
        mine = people.filter(self._scope(people), people.customer_id == customer_id)
        return self._frames_of(mine, None, lists, f"unknown customer {customer_id!r}")

    def order_frames(self, order_id: str, lists: Lists) -> Frames:
        """metrics.engine.Engine.order_frames: the order (when its customer is in the scope),
        its lines and its customer, as customer_frames builds them."""
        people = self._everyone(CUSTOMER_COLUMNS[1:])
        orders = self.tables["orders"]
        orders = orders.filter(orders.order_id == order_id)
        mine = people.filter(self._scope(people)).semi_join(orders, "customer_id")
        return self._frames_of(mine, order_id, lists, f"unknown order {order_id!r}")

    def _frames_of(
        self, customers: ir.Table, order_id: str | None, lists: Lists, missing: str
    ) -> Frames:
        """A page's Frames (data.frames.page_frames) of `customers` (of the scope:
        _everyone's columns) and their orders (only `order_id`, when given) and those orders'
        lines; ValueError(`missing`) when there is no customer. The other questions name the
        customers found: the database reads their rows only (through an index, or the lines kept
        by customer)."""
        found = _as_stored(self._run(customers.select(*CUSTOMER_COLUMNS)), "customers")
        if not len(found):
            raise ValueError(missing)
        ids = found["customer_id"].tolist()
        t = self.tables

        def theirs(rows: ir.Table) -> ir.Table:  # rows of those customers (and that order)
            order = [rows.order_id == order_id] if order_id is not None else []
            return _where(rows, [rows.customer_id.isin(ids), *order])

        orders, lines = theirs(t["orders"]), t["order_lines"]
        if self.database.lines_by_customer_current():  # the customers' lines lie together there
            lines = theirs(t[LINES_BY_CUSTOMER])
        elif order_id is not None:
            lines = lines.filter(lines.order_id == order_id)
        else:
            lines = lines.semi_join(orders, "order_id")
        lines = lines.select(*PAGE_LINE_COLUMNS).order_by("order_id", "line_no")
        fields = t["customer_fields"]
        read = {
            "orders": orders.select(*SCHEMAS["orders"]),
            "customer_fields": fields.filter(fields.customer_id.isin(ids)).select(
                *SCHEMAS["customer_fields"]
            ),
        }
        with ThreadPoolExecutor(1) as pool:  # the others, meanwhile
            others = pool.submit(lambda: {n: _as_stored(self._run(q), n) for n, q in read.items()})
            chunks = self.database.each_batch(self.sql(lines), _compact_lines)
            tables = others.result()
        counts = _line_counts(chunks)
        items = lists.items  # the catalogue, and the items seen only on lines under their names
        listed = items["in_catalogue"].to_numpy(bool)
        gone = items[~listed]
        sold = pd.DataFrame({"item_id": gone["item_id"], "item_name": gone["name"], "sku": None})
        catalogue = items[listed].drop(columns="in_catalogue")
        tables |= {"customers": found, "items": catalogue, "salespeople": lists.salespeople}
        frames = page_frames(tables, counts, _drained(chunks), sold, lists.as_of)
        del tables
        fields = list(lists.custom_fields)  # the scope's, as the frames have them
        return replace(
            frames,
            customers=frames.customers.reindex(columns=[*CUSTOMER_COLUMNS, "team", *fields]),
            custom_fields=lists.custom_fields,
            first_day=lists.first_day,
            last_day=lists.last_day,
        )

    def group_purchases(self, customer_id: str, as_of_day: int) -> pd.DataFrame:
        people = self._everyone(("owner", "customer_group"), strays=False)
        mine = people.filter(self._scope(people), people.customer_id == customer_id)
        groups = self._run(mine.select("customer_group"))["customer_group"].dropna()
        group = str(groups.iloc[0]) if len(groups) else None
        rollups = self.rollups and self.database.rollups_current()
        purchases = self._run(
            self.group_purchases_expression(customer_id, group, as_of_day, rollups)
        )
        purchases = purchases.sort_values(["product_id", "item_id"], kind="stable")
        return purchases.astype({"buyers": "int64", "group_customers": "int64",
                                 "median_spend": "float64"}).reset_index(drop=True)  # fmt: skip

    def _customer_list(self) -> pd.DataFrame:
        """The scope's customers as data.frames has them: CUSTOMER_COLUMNS, team, then one
        column per custom field, by customer_id (whoever sees everything: every field, as the
        frames; a scope: those its customers have)."""
        everyone = self._everyone(CUSTOMER_COLUMNS[1:])
        mine = everyone.filter(self._scope(everyone))
        customers = _as_stored(self._run(mine), "customers").sort_values("customer_id")
        customers["team"] = customers["team"].astype("str")
        fields = self.tables["customer_fields"]
        if not self.scope.sees_everything:
            fields = fields.semi_join(mine, "customer_id")
        fields = self._run(fields.select(*SCHEMAS["customer_fields"]))
        customers = with_custom_fields(
            customers.reset_index(drop=True), _as_stored(fields, "customer_fields")
        )
        if self.scope.sees_everything:
            return customers
        empty = [c for c in customers.columns[len(CUSTOMER_COLUMNS) + 1 :]
                 if customers[c].isna().all()]  # fmt: skip
        return customers.drop(columns=empty)

    def _item_list(self, rollups: bool = False) -> pd.DataFrame:
        """Every item as data.frames has them: the catalogue, and the items seen only on lines,
        each named by its first line by order ID and line number (the frames take its first
        line in the table's stored order). With `rollups` (current), those items and their
        lowest order ID are found in the (month, customer, item) sums (every item sold has rows
        there, each with its lines' lowest order ID), and only their lines of that order are
        read."""
        t = self.tables
        catalogue = _as_stored(self._run(t["items"].select(*SCHEMAS["items"])), "items")
        lines = t["order_lines"]
        if rollups:
            rows = t[MonthlyCustomerItemSums.__tablename__].anti_join(t["items"], "item_id")
            first = rows.group_by("item_id").aggregate(first_order=rows.first_order.min())
            unlisted = lines.join(
                first, (lines.item_id == first.item_id) & (lines.order_id == first.first_order)
            ).select(*lines.columns)
        else:
            unlisted = lines.anti_join(t["items"], "item_id")
        first = ibis.row_number().over(
            group_by=unlisted.item_id, order_by=[unlisted.order_id, unlisted.line_no]
        )
        sold = unlisted.mutate(position=first)
        sold = sold.filter(sold["position"] == 0).select("item_id", "item_name", "sku")
        return item_list(catalogue, _as_stored(self._run(sold), "order_lines"))

    def values_expression(self, rollups: bool = False) -> ir.Table:
        """attribute (one of data.lists.VALUE_COLUMNS), value: the distinct values of each
        attribute as sold on the scope's lines; for whoever sees everything, those of the orders
        and the items (each attribute is in one of them) and of the lines' own values, as the
        frames have them (with the categories of every order and item). Each table is read once
        for the distinct combinations of its values (few: most lines have none of their own),
        which are then split per attribute. For a scope, with `rollups` (current): the values
        of the (month, customer, attribute, value) sums of its customers (each line of theirs
        is in a row per attribute; VALUE_COLUMNS are all ROLLUP_ATTRIBUTES)."""
        t = self.tables
        if rollups and not self.scope.sees_everything:
            rows = t[MonthlyCustomerAttributeSums.name]
            rows = rows.filter(rows.attribute.isin(VALUE_COLUMNS), rows.value.notnull())
            return self._kept_rows(rows, Filters()).select("attribute", "value").distinct()
        if self.scope.sees_everything:
            lines = t["order_lines"]  # most lines have no value of their own: the others only
            own = [lines[c].notnull() for c in VALUE_COLUMNS if c in lines.columns]
            tables = [t["orders"], t["items"], lines.filter(functools.reduce(operator.or_, own))]
        else:
            tables = [self._selected_lines(Filters())]
        parts = []
        for table in tables:  # one pass each: the combinations of its values, then each's
            combinations = table.select(*(c for c in VALUE_COLUMNS if c in table.columns))
            combinations = combinations.distinct()
            parts += [
                combinations.select(attribute=ibis.literal(column), value=combinations[column])
                for column in combinations.columns
            ]
        values = ibis.union(*parts, distinct=True)
        return values.filter(values["value"].notnull())

    def owner_sums(self, filters: Filters) -> pd.DataFrame:
        rollups = self.rollups and self.database.rollups_current()
        return labelled(self._run(self.owner_sums_expression(filters, rollups)), ("owner",),
                        OWNER_SUMS)  # fmt: skip

    def new_customers(self, filters: Filters) -> pd.DataFrame:
        rollups = self.rollups and self.database.rollups_current()
        return labelled(self._run(self.new_customers_expression(filters, rollups)),
                        ("owner", "month"), ("new_customers",))  # fmt: skip

    def order_days(self, filters: Filters, names: tuple[str, ...] = ORDER_DAYS) -> pd.DataFrame:
        names = order_days_of(filters, names)
        rollups = self.rollups and self.database.rollups_current()
        return finish_days(self._run(self.order_days_expression(filters, names, rollups)), names)

    def sql(self, expression: ir.Table) -> str:
        return _compiled(expression.op(), self.database.dialect)

    def _run(self, expression: ir.Table) -> pd.DataFrame:
        return self.database.run(self.sql(expression))

    # --- the expressions ------------------------------------------------------------------------

    def sums_expression(self, filters: Filters, by: By, rollups: bool = False) -> ir.Table:
        """SUMS per value of `by` (per combination, for a tuple) over the lines the filters and
        the scope select (see metrics.engine.finish for what each sum is); with `rollups` (the
        database keeps them current), from the (day, customer) sums when the filters and `by`
        allow it, or from the monthly sums by item or by an attribute as sold (_cells)."""
        names = dimensions_of(by)
        if rollups and set(names) <= {"customer", "month", *DATES} and not _touches_lines(filters):
            rows = _dated(self._daily_rows(filters), names)
            sums = {name: rows[name].sum() for name in SUMS}
        elif rollups and (cells := self._cells(filters, names, SUMS)) is not None:
            rows = cells
            sums = {name: rows[name].sum() for name in SUMS}
        else:
            rows = _dated(self._selected_lines(filters, rollups=rollups), names)
            sums = line_sums(rows)
        if not names:
            return rows.aggregate(**sums)
        grouped = rows.group_by(list(names)).aggregate(**sums)
        if names != ("customer",):
            return grouped
        # every customer the filters keep, with or without lines
        kept = self._customers(filters, rollups).select(customer="customer_id")
        joined = kept.left_join(grouped, "customer").select(
            "customer", *[grouped[name].fill_null(0).name(name) for name in SUMS]
        )
        return joined

    def customers_expression(
        self, filters: Filters, names: tuple[str, ...], rollups: bool = False
    ) -> ir.Table:
        """customer and the figures `names` asks for (metrics.engine.CUSTOMER_FIGURES) of every
        customer the filters and the scope keep: SUMS as sums_expression has them; CADENCE as
        of the period's last day (_cadence; NULL where the customer has no confirmed order up
        to that day, or, for the median, fewer than two distinct dates)."""
        sums = [name for name in names if name in SUMS]
        if sums:
            rows = self.sums_expression(filters, "customer", rollups)
        else:
            rows = self._customers(filters, rollups).select(customer="customer_id")
        cadence = {}
        if set(names) & set(CADENCE):
            kept = self._customers(filters, rollups)
            known = self._cadence(self._unless_everyone(kept, filters), filters, rollups)
            known = known.alias("customers_cadence")
            rows = rows.left_join(known, rows.customer == known.customer_id)
            as_of = self._last_day(filters, rollups)
            since = as_of - rows.last_day
            cadence = {
                "last_order_day": rows.last_day,
                "days_since_last_order": since,
                "median_gap": rows.median_gap,
                "overdue_days": since - rows.median_gap,
                "at_risk": _at_risk(rows, as_of).ifelse(ONE, ZERO),  # NULL: not at risk
            }
        return rows.select("customer", *sums, **{n: cadence[n] for n in names if n in cadence})

    def report_sums_expression(
        self, filters: Filters, by: By, rollups: bool = False, row: Row | None = None
    ) -> ir.Table:
        """REPORT_SUMS per value of `by` (per combination, for a tuple) with a revenue line,
        over the revenue lines the filters, the scope and `row` (a report row's narrowing)
        select. Distinct orders add up across months, days and customers but not across items
        or values (an order has one customer and one date): when the rollups are current, a
        question not narrowed to a row reads the (day, customer) sums by total, customer, month,
        day or week, and the monthly ones by item or by an attribute as sold (_cells), with
        filters on the period and the customers only, and those narrowed to the lines made to
        order by (product, customisation) the monthly sums of those lines (Made to Order); any
        other reads the lines (`rollups`: a customer status may find the active customers from
        the (day, customer) sums)."""
        names = dimensions_of(by)
        cells = None
        if rollups and not row_of(row):
            if set(names) <= {"customer", "month", *DATES} and not _touches_lines(filters):
                cells = _dated(self._daily_rows(filters), names)
            else:
                cells = self._cells(filters, names, (*REVENUE_SUMS, "orders"))
        elif rollups and row_of(row) == row_of(MADE_TO_ORDER_ROW):
            cells = self._cells(filters, names, (*REVENUE_SUMS, "orders"), made_to_order=True)
        if cells is not None:
            revenue = cells.filter(cells.revenue_lines > 0)
            sums = {name: revenue[name].sum() for name in (*REVENUE_SUMS, "orders")}
        else:
            lines = _dated(self._selected_lines(filters, rollups=rollups, row=row), names)
            revenue = lines.filter(_revenue(lines))
            sums = line_sums(revenue)
            sums = {name: sums[name] for name in REVENUE_SUMS} | {"orders": revenue_orders(revenue)}
        sums["customers"] = revenue.customer.nunique()
        grouped = revenue.group_by(list(names)) if names else revenue
        return grouped.aggregate(**sums)

    def event_sums_expression(self, filters: Filters, rollups: bool = False) -> ir.Table:
        """EVENTS per salesperson with an event dated in the period (Engine.event_sums), as
        metrics.commission.sales_events dates them (_events). With `rollups` (the database keeps
        them current) and no filter on the orders (ORDER_FILTERS, an order amount), from the
        events summed per order day, customer, salesperson, event day and event
        (data.models.CustomerEventSums); else from every line and payment of the confirmed
        orders, whenever placed."""
        if filters.start is None or filters.end is None:
            raise ValueError("event sums need the period's first and last day")

        def dated(day: ir.DateValue) -> ir.BooleanValue:
            return day.between(ibis.date(filters.start), ibis.date(filters.end))

        by_order = any(getattr(filters, f) for f in ORDER_FILTERS) or _by_amount(filters)
        if rollups and not by_order:
            rows = self.tables[CustomerEventSums.__tablename__]
            rows = self._kept_rows(rows.filter(dated(rows.event_day)), filters)
            # summed per (salesperson, event) first: a group of one column, then a row per
            # salesperson from a few hundred
            rows = rows.group_by(["salesperson", "event"]).aggregate(amount=rows.amount.sum())
            return _by_salesperson(rows, {e: rows.event == e for e in EVENTS})
        orders = self.tables["orders"]
        orders = orders.filter(orders.status == "confirmed")
        if not self.scope.sees_everything or _restricts_customers(filters):
            kept = self._customers(filters, rollups)
            orders = orders.semi_join(kept, orders.customer_id == kept.customer_id)
        if by_order:
            orders = orders.semi_join(self._orders_passing(filters), "order_id")
        events = self._events(orders)
        events = events.filter(
            events.salesperson.notnull(),
            functools.reduce(operator.or_, (dated(events[e]) for e in EVENTS)),
        )
        return _by_salesperson(events, {e: dated(events[e]) for e in EVENTS})

    def event_rows_expression(self, only: ir.Table | None = None) -> ir.Table:
        """The rows of data.models.CustomerEventSums: the events (_events) of every confirmed
        order, or (`only`) of the orders in this table (order_id), with a salesperson, summed
        per order day, customer, salesperson, event day and event."""
        orders = self.tables["orders"]
        conditions = [orders.status == "confirmed"]
        if only is not None:
            conditions.append(orders.order_id.isin(only.order_id))
        events = self._events(orders.filter(*conditions))
        events = events.filter(events.salesperson.notnull())
        each = [
            events.filter(events[e].notnull()).select(
                "customer_id",
                "salesperson",
                "amount",
                day="order_date",
                event_day=events[e],
                event=ibis.literal(e),
            )  # fmt: skip
            for e in EVENTS
        ]
        rows = ibis.union(*each, distinct=False)
        keys = ["day", "customer_id", "salesperson", "event_day", "event"]
        return rows.group_by(keys).aggregate(amount=rows.amount.sum(), events=rows.count())

    def _events(self, orders: ir.Table) -> ir.Table:
        """One row per line and per payment of `orders` (confirmed orders): order_date,
        customer_id, salesperson (the line's as sold, else the order's; a payment's: the
        order's), amount (the line's Sales Amount, the payment's size) and the day of each of
        EVENTS (NULL: not this one), as metrics.commission.sales_events dates them: sold on the
        order date (every line), cancelled on cancelled_on, returned on returned_on (else
        delivered_on), delivered (a delivered or returned line) on delivered_on, a missing date
        falling back to the order date; paid / refunded (a negative payment) on paid_on."""
        t = self.tables
        orders = orders.select("order_id", "order_date", "customer_id", order_seller="salesperson")
        none = ibis.null("date")
        lines = t["order_lines"].join(orders, "order_id")
        sold_on, status = lines.order_date, lines.status
        delivered_on = lines.delivered_on.coalesce(sold_on)
        of_lines = lines.select(
            "order_date", "customer_id",
            salesperson=lines.salesperson.coalesce(lines.order_seller), amount=_net_sales(lines),
            sold=sold_on,
            cancelled=(status == "cancelled").ifelse(lines.cancelled_on.coalesce(sold_on), none),
            returned=(status == "returned").ifelse(lines.returned_on.coalesce(delivered_on), none),
            delivered=status.isin(["delivered", "returned"]).ifelse(delivered_on, none),
            paid=none, refunded=none,
        )  # fmt: skip
        payments = t["payments"].join(orders, "order_id")
        amount, paid_on = payments.amount, payments.paid_on
        of_payments = payments.select(
            "order_date", "customer_id", salesperson=payments.order_seller, amount=amount.abs(),
            **{e: none for e in EVENTS if e not in ("paid", "refunded")},
            paid=(amount > 0).ifelse(paid_on, none), refunded=(amount < 0).ifelse(paid_on, none),
        )  # fmt: skip
        return of_lines.union(of_payments)

    def group_purchases_expression(
        self, customer_id: str, group: str | None, as_of_day: int, rollups: bool = False
    ) -> ir.Table:
        """metrics.customer_page.PURCHASE_COLUMNS: per (product, item) that the other customers
        of the customer's group (`group`, the customer's customer_group; None: none) in the
        scope bought on revenue lines in the 365 days up to as_of_day, the product's buyers,
        median_spend (the median over the buyers of their Sales Amount of the product: _median)
        and group_customers (those of the group with a revenue line then). Only per-product
        figures come back, never a customer's. With `rollups` (current), from the (customer,
        month, item) sums of the year (_cells: its whole months from the item rollup, its
        partial months' days from the lines; only the Sales Amount and the revenue lines), a
        row with a revenue line standing for its lines."""
        # the group's customers, named by a constant: DuckDB joins the year's rows to them
        # alone, not to every customer first (a customer missing from the list has none)
        people = self._everyone(("owner", "customer_group"), strays=False)
        of_group = ibis.literal(False) if group is None else people.customer_group == group
        others = people.filter(self._scope(people), of_group, people.customer_id != customer_id)
        others = others.select("customer_id")
        year = Filters(
            start=from_day(as_of_day - YEAR_DAYS + 1).date(), end=from_day(as_of_day).date()
        )
        if rollups:
            cells = self._cells(year, ("customer", "item"), ("sales_amount", "revenue_lines"))
            revenue = cells.filter(cells.revenue_lines > 0)
            revenue = revenue.select("customer", "item", sales="sales_amount")
        else:
            lines = self._selected_lines(year)
            revenue = lines.filter(lines.counted, lines.order_status == "confirmed")
            revenue = revenue.select("customer", "item", "sales")
        # a join, not EXISTS: DuckDB then builds its hash table of the customers, not the rows
        revenue = revenue.join(others, revenue.customer == others.customer_id)
        items = self.tables["items"].select(item_code="item_id", item_product="product_id")
        revenue = revenue.left_join(items, revenue.item == items.item_code)
        revenue = revenue.mutate(product=_product(revenue.item_product, revenue.item))
        spend = revenue.group_by(["customer", "product"]).aggregate(spend=revenue.sales.sum())
        products = spend.group_by("product").aggregate(buyers=spend.count())
        products = products.join(_median(spend, "product", "spend", "median_spend"), "product")
        joined = revenue.select("product", "item").distinct().join(products, "product")
        return joined.select(
            product_id="product", item_id="item", buyers="buyers",
            group_customers=spend.customer.nunique().as_scalar(), median_spend="median_spend",
        )  # fmt: skip

    def owner_sums_expression(self, filters: Filters, rollups: bool = False) -> ir.Table:
        """OWNER_SUMS per owner of the customers the filters keep (Engine.owner_sums): their
        sums by customer (sums_expression), each customer's owner, and whether it is at risk
        on the period's last day (_at_risk, among the scope's customers)."""
        _needs_period(filters, "Team performance")
        per_customer = self.sums_expression(filters, "customer", rollups)
        listed = self.tables["customers"].select("customer_id", "owner")
        rows = per_customer.left_join(listed, per_customer.customer == listed.customer_id)
        everyone = self._unless_everyone(self._customers(Filters()), Filters())
        at_risk = self._at_risk(everyone, filters, rollups)
        flags = {  # per customer, 1 or 0
            "active_customers": rows.confirmed_orders > 0,
            "at_risk_customers": rows.customer.isin(at_risk.customer_id),
            "unknown_cost_customers": (rows.revenue_lines > 0) & (rows.known_lines == 0),
        }
        rows = rows.mutate(**{name: flag.ifelse(ONE, ZERO) for name, flag in flags.items()})
        return rows.group_by("owner").aggregate(
            **{name: rows[name].sum() for name in (*SUMS, *flags)}, customers=rows.count()
        )

    def new_customers_expression(self, filters: Filters, rollups: bool = False) -> ir.Table:
        """new_customers per owner and month (year*12 + month-1) of the first confirmed order
        ever of the customers the filters keep, when it falls in the period
        (Engine.new_customers)."""
        _needs_period(filters, "New customers")
        days = self._order_days(self._unless_everyone(self._customers(filters, rollups), filters),
                                rollups)  # fmt: skip
        firsts = days.group_by("customer_id").aggregate(first_day=days.date.min())
        new = firsts.filter(
            firsts.first_day.between(ibis.date(filters.start), ibis.date(filters.end))
        )
        listed = self.tables["customers"].select("customer_id", "owner")
        new = new.left_join(listed, "customer_id")
        new = new.select("owner", month=_month(new.first_day))
        return new.group_by(["owner", "month"]).aggregate(new_customers=new.count())

    def _orders_passing(self, filters: Filters) -> ir.Table:
        """order_id of the orders that pass the order-level filters (ORDER_FILTERS: the value
        as sold on the order's first line; the order amount: Σ Sales Amount of its lines
        neither cancelled nor returned), as metrics.selection does for the events."""
        t = self.tables
        lines = t["order_lines"]
        firsts = lines.group_by("order_id").aggregate(line_no=lines.line_no.min())
        orders = t["orders"].select(
            "order_id", "document_type", **{f"order_{a}": a for a in ORDER_ATTRIBUTES}
        )
        first = lines.join(firsts, ["order_id", "line_no"]).join(orders, "order_id")
        if _by_amount(filters):
            counted = ~lines.status.isin(["cancelled", "returned"])
            amounts = lines.group_by("order_id").aggregate(
                order_amount=counted.ifelse(_net_sales(lines), 0.0).sum()
            )
            first = first.join(amounts, "order_id")
        first = first.select(
            "order_id", "document_type",
            **{a: first[a].coalesce(first[f"order_{a}"]) for a in ORDER_ATTRIBUTES},
            order_amount=first.order_amount if _by_amount(filters) else ibis.literal(0.0),
        )  # fmt: skip
        conditions = [
            _matches(first[LINE_FILTERS[field]], getattr(filters, field))
            for field in ORDER_FILTERS
            if getattr(filters, field)
        ]
        if filters.order_amount_min is not None:
            conditions.append(first.order_amount >= filters.order_amount_min - 1e-9)
        if filters.order_amount_max is not None:
            conditions.append(first.order_amount <= filters.order_amount_max + 1e-9)
        return first.filter(*conditions).select("order_id")

    def reorder_expression(self, filters: Filters, rollups: bool = False) -> ir.Table:
        """One row, `average`: the mean gap in days between consecutive distinct confirmed order
        dates of the customers active in the selection, over the gaps ending in the period."""
        # the active customers kept before the gaps, by IN: after them, planners misjudge how
        # many gaps a period keeps (PostgreSQL then probed the active set once per gap), and
        # SQLite would run a correlated EXISTS once per gap
        days = self._order_days(self._active(filters, rollups), rollups)
        gaps = days.filter(days.gap.notnull(), *_period(days, filters, "date"))
        return gaps.aggregate(average=gaps.gap.mean())

    def order_days_expression(
        self, filters: Filters, names: tuple[str, ...], rollups: bool = False
    ) -> ir.Table:
        """customer, then `names` (ORDER_DAYS: day numbers, NULL for none) of every customer the
        scope and the filters keep, from all of their confirmed orders: the first ever, the
        latest up to the period's last day and the latest before its first day (the period
        closed as metrics.filters.period_of closes it: its end not before its start)."""
        kept = self._customers(filters, rollups)
        # day numbers of the days, then aggregated: SQLAlchemy's SQLite FLOOR fails on the
        # NULL of a customer without orders
        orders = self._order_days(self._unless_everyone(kept, filters), rollups)
        start = _day_of(filters.start)
        end = max(start, _day_of(filters.end))
        days = {
            "first_order_day": orders.day.min(),
            "last_order_day": orders.day.max(where=orders.day <= end),
            "last_order_day_before": orders.day.max(where=orders.day < start),
        }
        per_customer = orders.group_by("customer_id").aggregate(**{n: days[n] for n in names})
        joined = kept.left_join(per_customer, "customer_id")
        return joined.select(joined.customer_id.name("customer"), *names)

    def _active(self, filters: Filters, rollups: bool) -> ir.Table:
        """customer_id of the customers with a confirmed order among the lines the filters and
        the scope select (from the rollups when they are current and the filters allow it)."""
        if rollups and not _touches_lines(filters):
            rows = self._daily_rows(filters)
            return rows.filter(rows.confirmed_orders > 0).select("customer_id")
        lines = self._selected_lines(filters, rollups=rollups)
        return lines.filter(lines.order_status == "confirmed").select(customer_id="customer")

    def _at_risk(self, kept: ir.Table | None, filters: Filters, rollups: bool) -> ir.Table:
        """customer_id of the customers of `kept` (None: every customer) at risk on the period's
        last day (_cadence)."""
        cadence = self._cadence(kept, filters, rollups)
        at_risk = _at_risk(cadence, self._last_day(filters, rollups))
        return cadence.filter(at_risk).select("customer_id")

    def _cadence(self, kept: ir.Table | None, filters: Filters, rollups: bool) -> ir.Table:
        """customer_id, orders (confirmed orders), last_day (the latest one's day number) and
        median_gap (NULL with fewer than two distinct dates) of each customer of `kept` with a
        confirmed order up to the period's last day, as metrics.cadence has them. The median is
        the mean of the middle one or two gaps between its distinct dates: the database's own
        (EXACT_MEDIAN), else found by their rank within the customer's gaps (_median). The gaps
        up to a day are those of the days up to it."""
        days = self._order_days(kept, rollups)
        if filters.end is not None:  # on the stored dates: a DuckDB file skips later ones unread
            confirmed = days.filter(days.date <= ibis.date(filters.end))
        else:
            confirmed = days.filter(days.day <= self._last_day(filters, rollups))
        counts = confirmed.group_by("customer_id").aggregate(
            orders=confirmed.orders.sum(), last_day=confirmed.day.max()
        )
        gaps = confirmed.filter(confirmed.gap.notnull())
        if self.database.dialect in EXACT_MEDIAN:  # whole days: the middle two's mean is exact
            medians = gaps.group_by("customer_id").aggregate(median_gap=gaps.gap.median())
        else:
            medians = _median(gaps, "customer_id", "gap", "median_gap")
        return counts.left_join(medians, "customer_id").drop("customer_id_right")

    def _last_day(self, filters: Filters, rollups: bool) -> ir.IntegerValue:
        """The period's last day, a day number (metrics.filters.period_of): its end, else the
        last day with an order line in the data (all of it, as the frames keep it; the latest
        day of the (day, customer) sums when they are current), not before its start."""
        if filters.end is not None:
            return ibis.literal(_day_of(filters.end))
        t = self.tables
        if rollups:
            daily = t[DailyCustomerSums.__tablename__]
            dated = daily.select(day=_day_number(daily.day))
        else:
            dated = t["orders"].semi_join(t["order_lines"], "order_id")
            dated = dated.select(day=_day_number(dated.order_date))
        last = dated.alias("days_with_lines").day.max().as_scalar()  # a CTE, as in _customers
        return last if filters.start is None else ibis.greatest(last, _day_of(filters.start))

    def _order_days(self, kept: ir.Table | None, rollups: bool) -> ir.Table:
        """customer_id, date, day (its day number), orders and gap (confirmed_order_days) of the
        customers of `kept` (customer_id; None: every customer): from the rollup when it is
        current, else from the orders (the customers kept first: the gaps are their own)."""
        if rollups:
            days = self.tables[CustomerOrderDays.__tablename__]
            days = days if kept is None else days.filter(days.customer_id.isin(kept.customer_id))
        else:
            orders = self.tables["orders"]
            confirmed = [orders.status == "confirmed"]
            if kept is not None:
                confirmed.append(orders.customer_id.isin(kept.customer_id))
            days = confirmed_order_days(orders.filter(*confirmed))
        return days.mutate(date=days.day, day=_day_number(days.day))

    def _unless_everyone(self, kept: ir.Table, filters: Filters) -> ir.Table | None:
        """`kept` (customers the scope and `filters` keep), or None when that is every customer
        (the scope sees everything and the filters keep every customer): the customer list
        (and the customers of orders missing from it) is then not read."""
        return None if self.scope.sees_everything and not _restricts_customers(filters) else kept

    def _customers(self, filters: Filters, rollups: bool = False) -> ir.Table:
        """customer_id of every customer the scope and the customer filters keep (customers of
        orders missing from the customer list included, with no owner); with a customer status,
        only those of that status (metrics.selection.customer_status): at risk on the period's
        last day (_at_risk) first, else active (a confirmed order among the lines the other
        filters select: _active) or inactive."""
        t = self.tables
        customers = self._everyone()
        conditions = [self._scope(customers)]
        if filters.customers:
            conditions.append(customers.customer_id.isin(filters.customers))
        if filters.salespeople:
            conditions.append(_matches(customers.owner, filters.salespeople))
        if filters.teams:
            conditions.append(_matches(customers.team, filters.teams))
        fields = t["customer_fields"]
        for field, values in filters.custom:
            mine = fields.filter(fields.field == field, fields.value.notnull())
            wanted = customers.customer_id.isin(
                mine.filter(mine.value.isin([v for v in values if v != NOT_AVAILABLE])).customer_id
            )
            if NOT_AVAILABLE in values:
                wanted |= ~customers.customer_id.isin(mine.customer_id)
            conditions.append(wanted)
        kept = customers.filter(*conditions).select("customer_id")
        if not filters.customer_status:
            return kept
        # named CTEs (one of each per question): nested inside every query's customers, the
        # subqueries overflow SQLite's parser
        active = self._active(replace(filters, customer_status=()), rollups)
        active = active.alias("customers_active")
        unfiltered = replace(filters, customer_status=())
        at_risk = self._at_risk(self._unless_everyone(kept, unfiltered), filters, rollups)
        at_risk = at_risk.alias("customers_at_risk")
        status = ibis.cases(
            (kept.customer_id.isin(at_risk.customer_id), "at_risk"),
            (kept.customer_id.isin(active.customer_id), "active"),
            else_="inactive",
        )
        return kept.filter(status.isin(filters.customer_status))

    def _everyone(self, columns: tuple[str, ...] = ("owner",), strays: bool = True) -> ir.Table:
        """customer_id, `columns` of the customer list and team (the owner's) of every customer:
        for whoever sees everything, those of orders missing from the list too (unless not
        `strays`: for a question they cannot be part of), named by their ID, with nothing else.
        A scope's WHERE (_scope) never keeps those (no owner, no team), so for a scope they are
        not looked for: finding them reads every order (0.1-0.2 s per question at 50M lines)."""
        t = self.tables
        everyone = listed = t["customers"].select("customer_id", *columns)
        if self.scope.sees_everything and strays:
            unlisted = t["orders"].select("customer_id").distinct().anti_join(listed, "customer_id")
            types = listed.schema()
            unlisted = unlisted.select("customer_id", **{
                c: unlisted.customer_id if c == "name" else ibis.null(types[c]) for c in columns
            })  # fmt: skip
            everyone = listed.union(unlisted)
        sellers = t["salespeople"]
        return everyone.left_join(sellers, everyone.owner == sellers.code).select(
            "customer_id", *columns, "team"
        )

    def _daily_rows(self, filters: Filters) -> ir.Table:
        """The (day, customer) sums of the customers the scope and filters keep, in the period,
        with `customer` and `month` as _selected_lines has them."""
        daily = self.tables[DailyCustomerSums.__tablename__]
        rows = self._kept_rows(_where(daily, _period(daily, filters, "day")), filters)
        return rows.mutate(month=_month(rows.day))

    def _kept_rows(self, rows: ir.Table, filters: Filters) -> ir.Table:
        """The rows of a rollup (by customer_id) of the customers the scope and filters keep,
        with `customer`."""
        if not self.scope.sees_everything or _restricts_customers(filters):
            rows = rows.join(self._customers(filters, rollups=True), "customer_id")
        return rows.mutate(customer=rows.customer_id)

    def _cells(
        self,
        filters: Filters,
        names: tuple[str, ...],
        sums: tuple[str, ...],
        made_to_order: bool = False,
    ) -> ir.Table | None:
        """Per (customer, month, keys) the `sums` (of SUMS and `orders`, the distinct orders with
        a revenue line: the partial months' lines count only the distinct orders asked for)
        that answer a question by `names` (rollups current), or None when the monthly
        rollups cannot: by item or by one attribute of ROLLUP_ATTRIBUTES (the key), or with
        `made_to_order` (over the lines made to order only) by product and customisation, perhaps
        with customer and month, with filters on the period and the customers only. The
        period's whole months come from the (month, customer, item), (month, customer,
        attribute, value) or made-to-order (month, customer, product, customisation) sums, the
        days of its partial months (_period_parts) from the lines, grouped alike; the parts hold
        disjoint days, so an order's distinct counts add up across them as across months."""
        keys = tuple(name for name in names if name not in ("customer", "month"))
        if _touches_lines(filters):
            return None
        if made_to_order and set(keys) == {"product", "customisation"}:
            rows = self.tables[MonthlyCustomerMadeToOrderSums.name]
            columns = {"product": "product", "customisation": "customisation"}
        elif made_to_order or len(keys) != 1:
            return None
        elif keys == ("item",):
            rows, columns = self.tables[MonthlyCustomerItemSums.__tablename__], {"item": "item_id"}
        elif keys[0] in ROLLUP_ATTRIBUTES:
            rows = self.tables[MonthlyCustomerAttributeSums.name]
            rows, columns = rows.filter(rows.attribute == keys[0]), {keys[0]: "value"}
        else:
            return None
        row = MADE_TO_ORDER_ROW if made_to_order else None
        first, last, days = self._period_parts(filters)
        wanted = ["customer", "month", *columns, *sums]
        parts = []
        if first is None or last is None or first <= last:
            months = [rows.month >= first] if first is not None else []
            months += [rows.month <= last] if last is not None else []
            rows = self._kept_rows(_where(rows, months), filters)
            parts.append(rows.mutate(**{k: rows[c] for k, c in columns.items()}).select(*wanted))
        for some_days, ids in self._order_ids(days):
            lines = self._selected_lines(filters, rollups=True, row=row, days=some_days, ids=ids)
            every = line_sums(lines) | {"orders": revenue_orders(lines)}
            summed = {name: every[name] for name in sums}
            parts.append(lines.group_by(["customer", "month", *columns]).aggregate(**summed))
        if not parts:  # no whole month, and no order on the days: no rows
            rows = self._kept_rows(rows.filter(ibis.literal(False)), filters)
            parts.append(rows.mutate(**{k: rows[c] for k, c in columns.items()}).select(*wanted))
        return ibis.union(*parts, distinct=False) if len(parts) > 1 else parts[0]

    def _order_ids(self, days: list[DayRange]) -> list[tuple[DayRange, tuple[str, str]]]:
        """Each of the day ranges `days` that has orders, with the lowest and highest ID among
        them (one query for all): bounds on the lines' order_id that spare reading the lines
        of other orders wherever IDs grow with the order date, as document numbers do. Only
        the orders of the scope's customers, as in every question."""
        if not days:
            return []
        orders = self.tables["orders"]
        if not self.scope.sees_everything:
            orders = orders.semi_join(self._customers(Filters()), "customer_id")
        bounds = ibis.union(
            *(
                orders.filter(orders.order_date.between(ibis.date(a), ibis.date(b))).aggregate(
                    part=ibis.literal(n), low=orders.order_id.min(), high=orders.order_id.max()
                )
                for n, (a, b) in enumerate(days)
            ),
            distinct=False,
        )
        found = self._run(bounds).dropna().sort_values("part")
        return [(days[n], (low, high)) for n, low, high in found.itertuples(index=False)]

    def _period_parts(self, filters: Filters) -> tuple[int | None, int | None, list[DayRange]]:
        """(first, last, days): the period's whole months, from `first` to `last` (month
        numbers; None: no bound), and the day ranges of its partial months. A month is whole
        when the period holds all of it, or all of its days from the data's first order date
        or up to its last (one MIN / MAX over the indexed orders.order_date, asked only when a
        bound is not on a month's edge)."""
        start, end = filters.start, filters.end
        starts = start is None or start.day == 1
        ends = end is None or (end + timedelta(days=1)).day == 1
        if not (starts and ends):
            orders = self.tables["orders"]
            span = self._run(
                orders.aggregate(first=orders.order_date.min(), last=orders.order_date.max())
            )
            first_day, last_day = span.iloc[0]
            if pd.isna(first_day):  # no orders: nothing to read either way
                return None, None, []
            starts = starts or start <= pd.Timestamp(first_day).date()
            ends = ends or end >= pd.Timestamp(last_day).date()
        first = None if start is None else _month_of(start) + (0 if starts else 1)
        last = None if end is None else _month_of(end) - (0 if ends else 1)
        days = []
        if not starts:
            month_end = date(start.year, start.month, monthrange(start.year, start.month)[1])
            days.append((start, month_end if end is None else min(end, month_end)))
        if not ends:
            month_start = end.replace(day=1)
            if starts or month_start > start:  # else the start's range holds it
                days.append((month_start if start is None else max(start, month_start), end))
        return first, last, [(a, b) for a, b in days if a <= b]

    def _span(self, rollups: bool) -> ir.Table:
        """first, last: the first and last order date with a line in the whole data (with
        `rollups` current, the first and last day of the (day, customer) sums: every day with
        a line has rows there, and no other day)."""
        t = self.tables
        if rollups:
            days = t[DailyCustomerSums.__tablename__]
            return days.aggregate(first=days.day.min(), last=days.day.max())
        dated = t["orders"].semi_join(t["order_lines"], "order_id")
        return dated.aggregate(first=dated.order_date.min(), last=dated.order_date.max())

    def _scope(self, customers: ir.Table) -> ir.BooleanValue:
        """The scope's WHERE on a customers table with owner and team (data.access.Scope)."""
        if self.scope.sees_everything:
            return ibis.literal(True)
        if self.scope.role == "salesperson":
            return customers.owner == self.scope.salesperson
        return customers.team == self.scope.team

    def _selected_lines(
        self,
        filters: Filters,
        only: ir.Table | None = None,
        rollups: bool = False,
        row: Row | None = None,
        days: DayRange | None = None,
        ids: tuple[str, str] | None = None,
    ) -> ir.Table:
        """One row per selected line: its sales (net Sales Amount), cost (NULL = unknown),
        non_inv, quantity, unit_cost, counted (in its order's amount), order_id, order_status,
        customer, day, month (year*12 + month-1), item, product, customisation, made_to_order
        ("yes" / "no": metrics.engine.PRODUCTS) and the attributes as sold. `only`: the
        lines of the orders in this table (order_id) only: the rollups' upkeep; `rollups`: the
        rollups are current (a customer status may read them); `row`: a report row's narrowing
        (metrics.engine.row_of: the salesperson as sold, the item, the product, the
        customisation), one more condition on the lines, after the order amounts (which it does
        not change) and the customer status (found without it), as the frames apply it;
        `days`: the lines of the orders dated from its first to its last day instead of the
        period (a partial month of _cells: the customers, their status too, are still the
        filters'); `ids`: the lowest and highest order ID among those orders, a condition on the
        lines too (the same lines: it lets the database skip those of other orders unread)."""
        t = self.tables
        orders = t["orders"]
        if days is None:
            conditions = _period(orders, filters, "order_date")
        else:
            conditions = [orders.order_date.between(ibis.date(days[0]), ibis.date(days[1]))]
        if only is not None:
            conditions.append(orders.order_id.isin(only.order_id))
        orders = _where(orders, conditions).select(
            "order_id", "document_type", customer="customer_id", order_status="status",
            order_date="order_date", **{f"order_{a}": a for a in ORDER_ATTRIBUTES},
        )  # fmt: skip
        if not self.scope.sees_everything or _restricts_customers(filters):
            kept = self._customers(filters, rollups).alias(_kept_name(filters))
            # a join, not EXISTS: planners then read the customers once (each is in `kept` once)
            orders = orders.join(kept, orders.customer == kept.customer_id).drop("customer_id")
        items = t["items"].select(
            item_code="item_id", item_product="product_id", item_made="made_to_order",
            **{f"item_{a}": a for a in ITEM_ATTRIBUTES},
        )  # fmt: skip
        lines = t["order_lines"]
        if ids is not None:
            lines = lines.filter(lines.order_id.between(*ids))
        joined = lines.join(orders, "order_id").left_join(items, lines.item_id == items.item_code)
        counted = ~joined.status.isin(["cancelled", "returned"])
        made = joined.item_made.fill_null(False) | joined.customisation.notnull()
        selected = joined.select(
            "order_id", "order_status", "customer", "quantity", "unit_cost",
            sales=_net_sales(joined), cost=joined.quantity * joined.unit_cost,
            non_inv=joined.cost_non_inv.fill_null(0.0), counted=counted,
            day="order_date", month=_month(joined.order_date),
            item="item_id", document_type="document_type",
            product=_product(joined.item_product, joined.item_id),
            customisation="customisation", made_to_order=made.ifelse("yes", "no"),
            **{a: joined[a].coalesce(joined[f"order_{a}"]) for a in ORDER_ATTRIBUTES},
            **{a: joined[a].coalesce(joined[f"item_{a}"]) for a in ITEM_ATTRIBUTES},
        )  # fmt: skip
        if filters.order_amount_min is not None or filters.order_amount_max is not None:
            amounts = selected.group_by("order_id").aggregate(
                order_amount=selected.counted.ifelse(selected.sales, 0.0).sum()
            )
            if filters.order_amount_min is not None:
                amounts = amounts.filter(amounts.order_amount >= filters.order_amount_min - 1e-9)
            if filters.order_amount_max is not None:
                amounts = amounts.filter(amounts.order_amount <= filters.order_amount_max + 1e-9)
            selected = selected.semi_join(amounts, "order_id")
        conditions = [  # on the lines the order amounts keep: a condition names its relation
            _matches(selected[column], getattr(filters, field))
            for field, column in LINE_FILTERS.items()
            if getattr(filters, field)
        ]
        for keyword, values in row_of(row).items():  # N/A: none, for a salesperson or a text
            column = selected[keyword]
            conditions.append(_matches(column, values) if keyword in ROW_OPTIONAL
                              else column.isin(values))  # fmt: skip
        return _where(selected, conditions)


def _by_salesperson(rows: ir.Table, on: dict[str, ir.BooleanValue]) -> ir.Table:
    """EVENTS per salesperson of `rows` (each with a salesperson and an event in the period:
    every one of them appears, its events perhaps of amount 0): each event's Σ amount over the
    rows where `on` holds it."""
    amounts = rows.select("salesperson", **{e: on[e].ifelse(rows.amount, 0.0) for e in EVENTS})
    return amounts.group_by("salesperson").aggregate(**{e: amounts[e].sum() for e in EVENTS})


def _at_risk(cadence: ir.Table, as_of: ir.IntegerValue) -> ir.BooleanValue:
    """Whether a customer of SqlEngine._cadence is at risk on the day `as_of` (SPEC §3,
    metrics.cadence): at least AT_RISK_MIN_ORDERS confirmed orders, and days since the latest
    above AT_RISK_GAP_FACTOR × the median gap and at least AT_RISK_MIN_DAYS (NULL: not)."""
    since = as_of - cadence.last_day
    return (
        (cadence.orders >= AT_RISK_MIN_ORDERS)
        & (since > AT_RISK_GAP_FACTOR * cadence.median_gap)
        & (since >= AT_RISK_MIN_DAYS)
    )


def _median(rows: ir.Table, group: str, value: str, name: str) -> ir.Table:
    """`group` and `name`: the median of `value` per `group` of `rows`, the mean of the middle
    one or two values found by their rank (ROW_NUMBER / COUNT windows: no MEDIAN function, so
    every dialect runs it)."""
    ranked = rows.mutate(
        median_position=ibis.row_number().over(group_by=rows[group], order_by=rows[value]),
        median_count=rows[value].count().over(group_by=rows[group]),
    )
    # positions (count - 1) // 2 and count // 2, from 0: twice them lies in count - 2 .. count
    middle = ranked.filter(
        (2 * ranked.median_position).between(ranked.median_count - 2, ranked.median_count)
    )
    return middle.group_by(group).aggregate(**{name: middle[value].mean()})


@functools.lru_cache(maxsize=512)
def _compiled(question: ops.Node, dialect: str) -> str:
    """The SQL of a question (an expression's node: equal questions, built anew by each
    request, are equal nodes, hashed and compared in ~1 ms), compiled once per process: Ibis
    takes 50-150 ms per question. On one line: pretty-printing costs a fifth of the compile."""
    return ibis.to_sql(question.to_expr(), dialect=dialect, pretty=False)


def _file_stamp(path: str) -> tuple:
    """When and how big a DuckDB file and its write-ahead log (if any) were last written."""
    stamp = []
    for name in (path, f"{path}.wal"):
        try:
            found = os.stat(name)
        except FileNotFoundError:
            continue
        stamp.append((name, found.st_mtime_ns, found.st_size, found.st_ino))
    return tuple(stamp)


def _pandas(table: pa.Table) -> pd.DataFrame:
    """A DuckDB or PostgreSQL answer as pandas, through Arrow: text straight into pandas'
    Arrow-backed str columns (DuckDB's own conversion makes a Python object of every value
    first: 4x slower on a big customer's lines). Dates as datetime64 and decimals (e.g. a SUM
    of integers; PostgreSQL's numeric comes as its text) as float64, as DuckDB's conversion
    gives them."""
    for i, kind in enumerate(table.schema.types):
        column = table.column(i)
        if isinstance(kind, pa.OpaqueType) and kind.type_name == "numeric":
            column = pa.chunked_array([c.storage for c in column.chunks], kind.storage_type)
        elif not pa.types.is_decimal(kind):
            continue
        table = table.set_column(i, table.column_names[i], column.cast(pa.float64()))
    return table.to_pandas(date_as_object=False)


def _compact_lines(batch: pa.RecordBatch) -> pd.DataFrame:
    """A batch of a page's order lines typed as _as_stored types them, but each text column a
    categorical (Arrow's dictionary encoding: no Python string per value), and the attributes
    as sold that none of its lines has left out (data.frames reads a missing one as no value):
    about half the batch's Arrow size, so that a big customer's lines are never all held as
    Arrow or as text (README)."""
    texts, others = {}, []
    for name, column in zip(batch.schema.names, batch.columns, strict=True):
        if SCHEMAS["order_lines"][name] != "string":
            others.append(name)
        elif name not in SPARSE_COLUMNS or column.null_count < len(column):
            if not (pa.types.is_string(column.type) or pa.types.is_large_string(column.type)):
                column = column.cast(pa.string())  # NULLs only (no type), or string views
            coded = pc.dictionary_encode(column)
            texts[name] = pd.Categorical.from_codes(
                pc.fill_null(coded.indices, -1).to_numpy(), pd.Index(coded.dictionary, "str")
            )
    lines = _as_stored(_pandas(pa.Table.from_batches([batch.select(others)])), "order_lines")
    return lines.assign(**texts)


def _line_counts(chunks: list[pd.DataFrame]) -> pd.Series:
    """The number of lines of each order in _compact_lines' `chunks` (index: order_id), an
    order whose lines span two chunks counted in two parts."""
    orders = [chunk["order_id"].cat for chunk in chunks]
    counts = [np.bincount(o.codes, minlength=len(o.categories)) for o in orders]
    ids = [o.categories.to_series() for o in orders]
    return pd.Series(
        np.concatenate([np.zeros(0, np.int64), *counts]),
        index=pd.Index(pd.concat(ids) if ids else [], dtype="str"),
    )


def _drained(chunks: list[pd.DataFrame]) -> Iterator[pd.DataFrame]:
    """The chunks in their order, each dropped from the list once handed over; then the
    memory freed meanwhile is handed back, before the rest of the page is built on top."""
    chunks.reverse()
    while chunks:
        yield chunks.pop()
    release_free_memory()


def _as_stored(frame: pd.DataFrame, table: str) -> pd.DataFrame:
    """`frame`'s columns of `table` typed as data.db reads them for the frames (text as str,
    flags as bool, dates as datetime64[s], floats as float64), whatever the driver answered."""
    for name, kind in SCHEMAS[table].items():
        if name not in frame:
            continue
        if kind == "string":
            frame[name] = frame[name].astype("str")
        elif kind == "boolean":
            frame[name] = frame[name].fillna(False).astype(bool)
        elif kind == "date":
            frame[name] = pd.to_datetime(frame[name]).astype("datetime64[s]")
        elif kind == "float64":  # a column of NULLs only comes back as objects
            frame[name] = frame[name].astype("float64")
    return frame


def _needs_period(filters: Filters, what: str) -> None:
    if filters.start is None or filters.end is None:
        raise ValueError(f"{what} needs the period's first and last day")


def _where(table: ir.Table, conditions: list[ir.BooleanValue]) -> ir.Table:
    return table.filter(*conditions) if conditions else table


def _product(product_id: ir.StringValue, item_id: ir.StringValue) -> ir.StringValue:
    """An item's product: the catalogue's product_id, else the item itself (metrics.engine)."""
    return product_id.coalesce(item_id)


def _revenue(lines: ir.Table) -> ir.BooleanValue:
    """Whether a selected line (SqlEngine._selected_lines) is a revenue line: of a confirmed
    order, neither cancelled nor returned."""
    return lines.counted & (lines.order_status == "confirmed")


def revenue_orders(lines: ir.Table) -> ir.IntegerValue:
    """The distinct orders with a revenue line among selected lines (REPORT_SUMS' orders)."""
    return lines.order_id.nunique(where=_revenue(lines))


def line_sums(lines: ir.Table) -> dict[str, ir.Value]:
    """SUMS over selected lines (SqlEngine._selected_lines), by name (metrics.engine.finish)."""
    revenue = _revenue(lines)
    known = revenue & lines.unit_cost.notnull()
    confirmed = lines.order_status == "confirmed"
    draft = lines.order_status == "draft"

    def total(value, where) -> ir.Value:
        return where.ifelse(value, 0.0).sum()

    return {
        "sales_amount": total(lines.sales, revenue),
        "sales_quantity": total(lines.quantity, revenue),
        "cost_amount": total(lines.cost, known),
        "cost_non_inv": total(lines.non_inv, revenue),
        "known_sales": total(lines.sales, known),
        "known_non_inv": total(lines.non_inv, known),
        "known_quantity": total(lines.quantity, known),
        "known_lines": total(1.0, known),
        "revenue_lines": total(1.0, revenue),
        "confirmed_orders": lines.order_id.nunique(where=confirmed),
        "draft_orders": lines.order_id.nunique(where=draft),
        "confirmed_amount": total(lines.sales, lines.counted & confirmed),
        "draft_amount": total(lines.sales, lines.counted & draft),
    }


def _kept_name(filters: Filters) -> str:
    """The name of the CTE of the customers a query's lines join (one per customer status: a
    status's active customers are found among the lines of the customers kept without it).
    Nested instead, with an order amount filter the subqueries overflow SQLite's parser."""
    return "customers_kept_by_status" if filters.customer_status else "customers_kept"


def _net_sales(lines: ir.Table) -> ir.FloatingValue:
    """Each order line's Sales Amount (SPEC §3): quantity × unit_price × (1 − discount_pct),
    net of VAT."""
    vat = lines.prices_include_vat.ifelse(1.0 + lines.vat_rate.fill_null(0.0), 1.0)
    return lines.quantity * lines.unit_price * (1.0 - lines.discount_pct.fill_null(0.0)) / vat


def _by_amount(filters: Filters) -> bool:
    return filters.order_amount_min is not None or filters.order_amount_max is not None


def _restricts_customers(filters: Filters) -> bool:
    """Whether the filters keep only some customers (else every order's customer is kept)."""
    return bool(
        filters.customers
        or filters.salespeople
        or filters.teams
        or filters.custom
        or filters.customer_status
    )


def _touches_lines(filters: Filters) -> bool:
    """Whether the filters look inside orders (attributes as sold, order amounts): the
    (day, customer) sums cannot answer them."""
    return any(getattr(filters, field) for field in LINE_FILTERS) or (
        filters.order_amount_min is not None or filters.order_amount_max is not None
    )


def _month(day: ir.DateValue) -> ir.IntegerValue:
    return day.year() * 12 + day.month() - 1


def _month_of(day: date) -> int:
    """A date's month as _month numbers it."""
    return day.year * 12 + day.month - 1


def _dated(rows: ir.Table, names: tuple[str, ...]) -> ir.Table:
    """`rows` (with `day`, a date) with `day` as a day number and `week`, its Monday's, when
    `names` group by either."""
    if not set(DATES) & set(names):
        return rows
    day = _day_number(rows.day)
    return rows.mutate(day=day, week=day - ((day + 3) % 7 + 7) % 7)  # % may be negative in SQL


def _period(table: ir.Table, filters: Filters, column: str) -> list[ir.BooleanValue]:
    """The period's bounds on a date column, or on a column of day numbers (days since
    1970-01-01)."""
    value = table[column]
    bounds = []
    for bound, keep in ((filters.start, value.__ge__), (filters.end, value.__le__)):
        if bound is not None:
            bounds.append(keep(ibis.date(bound) if value.type().is_date() else _day_of(bound)))
    return bounds


def _day_of(day: date) -> int:
    """A date as a day number (days since 1970-01-01)."""
    return (pd.Timestamp(day) - pd.Timestamp("1970-01-01")).days


def _day_number(value: ir.DateValue) -> ir.IntegerValue:
    """A date column as day numbers, in every dialect."""
    return value.cast("timestamp").epoch_seconds() // 86400


def confirmed_order_days(orders: ir.Table) -> ir.Table:
    """The rows of data.models.CustomerOrderDays from confirmed `orders`: customer_id, day (a
    date with one of them), orders (how many that day) and gap (days since the customer's
    previous such day, as metrics.cadence's gaps; NULL on its first)."""
    days = orders.group_by(["customer_id", orders.order_date.name("day")]).aggregate(
        orders=orders.count()
    )
    days = days.mutate(number=_day_number(days.day))  # SQLite's FLOOR fails on a NULL lag
    previous = days.number.lag().over(group_by=days.customer_id, order_by=days.day)
    return days.select("customer_id", "day", "orders", gap=days.number - previous)


def _matches(value: ir.StringValue, wanted: tuple[str, ...]) -> ir.BooleanValue:
    """value is one of `wanted`; NOT_AVAILABLE among them matches a missing value."""
    real = [w for w in wanted if w != NOT_AVAILABLE]
    match = value.isin(real) if real else ibis.literal(False)
    return match | value.isnull() if NOT_AVAILABLE in wanted else match
