"""The rollups the database keeps for the `sql` engine: the sums of metrics.engine.SUMS per
(day, customer) over the order lines (`daily_customer_sums`), so that a question whose filters
touch only the period and the customers scans them instead of the lines, and per (month,
customer, item) and per (month, customer, attribute as sold, value) with the distinct orders
with a revenue line (`monthly_customer_item_sums`, `monthly_customer_attribute_sums`), so that
such a question by item or by an attribute does, its whole months from them and the days of a
partial month from the lines (data.sql_engine); the events of the confirmed orders (sold,
cancelled, returned, delivered, paid, refunded) per (order day, customer, salesperson, event
day, event) (`customer_event_sums`), so that Sales by User's event sums read the events dated
in the period instead of every order's lines and payments; and per (customer, day with a
confirmed order) the orders and the gap since the customer's previous such day
(`customer_order_days`), so that the customers' order days, cadence and reorder gaps need no
window over the orders.

The writes keep them in their own transaction while they are current: the rows of the days and
months and the customers of the orders an import writes (as stored before it, and as written)
are summed again from the lines of the orders on them; and every row of those customers from
their orders (a new day changes the gap of the customer's next one).
`rollup_state` holds the data version the sums reflect (one for both); while it is not the
database's current version (an outside program wrote since, or the database had sales before it
had these rollups), the engine reads the lines, and writes leave the sums alone (summing some
rows of stale sums would not make them right): `flask rebuild-rollups` sums every row again.
"""

from __future__ import annotations

import calendar
import functools
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import Table, func, select, text, tuple_
from sqlalchemy.engine import Connection

from data.db import DataVersion
from data.models import (
    ID,
    ROLLUP_ATTRIBUTES,
    CustomerEventSums,
    CustomerOrderDays,
    DailyCustomerSums,
    MonthlyCustomerAttributeSums,
    MonthlyCustomerItemSums,
    MonthlyCustomerMadeToOrderSums,
    Order,
    RollupState,
)
from metrics.engine import MADE_TO_ORDER_ROW, Row

ORDERS = Order.__table__
STATE = RollupState.__table__
CHUNK = 2_000  # order IDs / rows (day or month, customer) per IN list
ORDERS_TO_SUM = "rollup_orders"  # a temporary table: the orders whose lines are summed again
CUSTOMERS_TO_SUM = "rollup_customers"  # one of the customers whose order days are counted again


Key = tuple[date, str]  # (order date, customer_id) of an order


@dataclass(frozen=True)
class Rollup:
    """One rollup table: its rows group the lines (SqlEngine._selected_lines) by `group` (the
    table's key columns -> the lines' columns), and with `attributes`, by each of those as
    sold in turn too (its rows: `attribute`, its name, and `value`); an order's lines are in
    the rows of its cell (its day, or month, and its customer), which the writes sum again
    whole. `by_customer`: the rows are those of the customers' confirmed orders
    (CustomerOrderDays), a cell is a customer (all of its rows)."""

    table: Table
    group: dict[str, str]
    monthly: bool
    attributes: tuple[str, ...] = ()
    row: Row | None = None  # only the lines of this report row's narrowing (metrics.engine)
    events: bool = False  # rows of SqlEngine.event_rows_expression instead
    by_customer: bool = False

    @property
    def cell_columns(self) -> tuple[str, ...]:
        if self.by_customer:
            return ("customer_id",)
        return ("month" if self.monthly else "day", "customer_id")

    def cell(self, key: Key) -> tuple[date | int, str] | tuple[str]:
        day, customer = key
        if self.by_customer:
            return (customer,)
        return (day.year * 12 + day.month - 1, customer) if self.monthly else key

    def days(self, cell: tuple[date | int, str]) -> list[date]:
        """The order dates of a cell."""
        if not self.monthly:
            return [cell[0]]
        year, month = divmod(cell[0], 12)
        first = date(year, month + 1, 1)
        return [first + timedelta(n) for n in range(calendar.monthrange(year, month + 1)[1])]


DAILY = Rollup(DailyCustomerSums.__table__, {"day": "day", "customer_id": "customer"}, False)
MONTHLY = Rollup(
    MonthlyCustomerItemSums.__table__,
    {"month": "month", "customer_id": "customer", "item_id": "item"},
    True,
)
BY_ATTRIBUTE = Rollup(
    MonthlyCustomerAttributeSums,
    {"month": "month", "customer_id": "customer"},
    True,
    ROLLUP_ATTRIBUTES,
)
MADE_TO_ORDER = Rollup(
    MonthlyCustomerMadeToOrderSums,
    {"month": "month", "customer_id": "customer", "product": "product",
     "customisation": "customisation"},
    True,
    row=MADE_TO_ORDER_ROW,
)  # fmt: skip
EVENTS = Rollup(CustomerEventSums.__table__, {"day": "day", "customer_id": "customer"}, False,
                events=True)  # fmt: skip
ORDER_DAYS = Rollup(CustomerOrderDays.__table__, {}, False, by_customer=True)
ROLLUPS = (DAILY, MONTHLY, BY_ATTRIBUTE, MADE_TO_ORDER, EVENTS, ORDER_DAYS)


@functools.cache
def insert_sql(dialect: str, table: str, some: bool, attributes: tuple[str, ...] = ()) -> str:
    """INSERT of the rows of the rollup `table`: every row, or (`some`) those of the lines of
    the orders in the temporary table ORDERS_TO_SUM (of the customers in CUSTOMERS_TO_SUM, for
    the order days); for a rollup by attribute, only those of `attributes` when given. Compiled
    once per dialect (Ibis is loaded then, not by every process that imports the importer)."""
    import ibis

    from data.access import Scope
    from data.sql_engine import SCHEMAS, SqlEngine, confirmed_order_days, line_sums, revenue_orders
    from metrics.filters import Filters

    rollup = next(rollup for rollup in ROLLUPS if rollup.table.name == table)
    if not set(attributes) <= set(rollup.attributes):
        raise ValueError(f"{table} has no rows by {', '.join(attributes)}")
    if rollup.by_customer:
        orders = ibis.table(SCHEMAS["orders"], name="orders")
        confirmed = [orders.status == "confirmed"]
        if some:
            customers = ibis.table({"customer_id": "string"}, name=CUSTOMERS_TO_SUM)
            confirmed.append(orders.customer_id.isin(customers.customer_id))
        rows = confirmed_order_days(orders.filter(*confirmed))
        # stored by day (a DuckDB file skips the days after a question's last one unread), and
        # the same rows in the same order whichever way they are written (half of a write's
        # INSERT at 1M lines: README)
        rows = rows.order_by("day", "customer_id")
        columns = [column.name for column in rollup.table.columns]
        select_sql = ibis.to_sql(rows.select(*columns), dialect=dialect)
        return f"INSERT INTO {table} ({', '.join(columns)}) {select_sql}"
    everyone = SqlEngine(None, Scope("leadership"))
    only = ibis.table({"order_id": "string"}, name=ORDERS_TO_SUM) if some else None
    columns = [column.name for column in rollup.table.columns]
    if rollup.events:
        # stored by event day: a period's rows lie together
        rows = everyone.event_rows_expression(only).select(*columns)
        rows = rows.order_by("event_day", "salesperson", "event", "day", "customer_id")
        return f"INSERT INTO {table} ({', '.join(columns)}) {ibis.to_sql(rows, dialect=dialect)}"
    lines = everyone._selected_lines(Filters(), only=only, row=rollup.row)
    sums = line_sums(lines) | {"orders": revenue_orders(lines)}
    if "first_order" in columns:
        sums["first_order"] = lines.order_id.min()
    if rollup.attributes:  # a part per attribute, one scan of the lines each
        rows = ibis.union(
            *(
                lines.group_by(**rollup.group, value=lines[name])
                .aggregate(**sums)
                .mutate(attribute=ibis.literal(name))
                .select(*columns)
                for name in attributes or rollup.attributes
            ),
            distinct=False,
        )
    else:
        rows = lines.group_by(**rollup.group).aggregate(**sums).select(*columns)
    # stored by attribute and month (or day), then by the rest of the key: a question's rows lie
    # together, and the same rows are written in the same order whichever way they are summed
    keys = ["attribute", *rollup.group, "value"] if rollup.attributes else [*rollup.group]
    rows = rows.order_by(*keys)
    select_sql = ibis.to_sql(rows, dialect=dialect)
    return f"INSERT INTO {table} ({', '.join(columns)}) {select_sql}"


def order_keys(conn: Connection, order_ids: Iterable[str]) -> set[Key]:
    """The (order date, customer) of those of `order_ids` that are stored."""
    ids, keys = list(order_ids), set()
    for start in range(0, len(ids), CHUNK):
        chosen = ORDERS.c.order_id.in_(ids[start : start + CHUNK])
        found = select(ORDERS.c.order_date, ORDERS.c.customer_id).where(chosen).distinct()
        keys.update(tuple(row) for row in conn.execute(found))
    return keys


def _orders_on(conn: Connection, rollup: Rollup, cells: list[tuple[date | int, str]]) -> list[str]:
    """The stored orders of those cells of `rollup` (days or months, and customers)."""
    days = {day for cell in cells for day in rollup.days(cell)}
    customers = {customer for _, customer in cells}
    candidates = select(ORDERS.c.order_id, ORDERS.c.order_date, ORDERS.c.customer_id).where(
        ORDERS.c.order_date.in_(days), ORDERS.c.customer_id.in_(customers)
    )
    wanted = set(cells)
    return [
        order
        for order, day, customer in conn.execute(candidates)
        if rollup.cell((day, customer)) in wanted
    ]


def were_current(conn: Connection) -> bool:
    """Whether the sums reflected the data version before this transaction's write bumped it
    (by one; the bump holds the version's row, so no other write can commit in between)."""
    state = select(STATE.c.version).where(STATE.c.id == 1).scalar_subquery()
    bumped = DataVersion.version == state + 1
    return (
        conn.execute(select(DataVersion.id).where(DataVersion.id == 1, bumped)).first() is not None
    )


def refresh(conn: Connection, keys: Iterable[Key] | None = None) -> None:
    """Sum the rows of the orders' cells `keys` (None: every row) again from the lines, in
    `conn`'s transaction, and mark the rollups current for the data version this transaction
    writes."""
    dialect = {"postgresql": "postgres"}.get(conn.dialect.name, conn.dialect.name)
    # The version's row first (a write's bump holds it already): a write by another program
    # commits before the sums are read, or bumps the version after this transaction's commit.
    version = select(DataVersion.version).where(DataVersion.id == 1).with_for_update()
    version = conn.execute(version).scalar_one()
    if keys is None:
        for rollup in ROLLUPS:
            conn.execute(rollup.table.delete())
            conn.execute(text(insert_sql(dialect, rollup.table.name, some=False)))
    keys = set(keys or ())
    temporary = {ORDERS_TO_SUM: "order_id", CUSTOMERS_TO_SUM: "customer_id"}
    for name, column in temporary.items() if keys else ():
        # IF NOT EXISTS: a write that failed after making it may leave it on a pooled connection
        # (SQLite makes it outside the transaction when none is open yet)
        conn.execute(text(f"CREATE TEMPORARY TABLE IF NOT EXISTS {name} ({column} VARCHAR({ID}))"))
    for rollup in ROLLUPS if keys else ():
        cells = sorted({rollup.cell(key) for key in keys})
        table = rollup.table
        for start in range(0, len(cells), CHUNK):
            chunk = cells[start : start + CHUNK]
            if rollup.by_customer:  # every row of the customers, from their orders
                customers = [customer for (customer,) in chunk]
                conn.execute(table.delete().where(table.c.customer_id.in_(customers)))
                _fill(conn, CUSTOMERS_TO_SUM, "customer_id", customers)
                conn.execute(text(insert_sql(dialect, table.name, some=True)))
                continue
            in_chunk = tuple_(*(table.c[name] for name in rollup.cell_columns)).in_(chunk)
            # each column's values too: SQLite reads a list of row values by a whole-table scan
            each = [table.c[name].in_(sorted({cell[n] for cell in chunk}))
                    for n, name in enumerate(rollup.cell_columns)]  # fmt: skip
            conn.execute(table.delete().where(in_chunk, *each))
            orders = _orders_on(conn, rollup, chunk)
            if orders:  # none left there: the rows are gone
                _fill(conn, ORDERS_TO_SUM, "order_id", orders)
                conn.execute(text(insert_sql(dialect, table.name, some=True)))
    for name in temporary if keys else ():
        conn.execute(text(f"DROP TABLE {name}"))
    conn.execute(STATE.delete())
    conn.execute(STATE.insert().values(id=1, version=version))


def _fill(conn: Connection, table: str, column: str, values: list[str]) -> None:
    """The temporary `table` holding `values` in its one `column` only."""
    conn.execute(text(f"DELETE FROM {table}"))
    conn.execute(
        text(f"INSERT INTO {table} ({column}) VALUES (:value)"), [{"value": v} for v in values]
    )


def rebuild(conn: Connection) -> tuple[dict[str, int], int]:
    """Every row summed again; (rows per rollup table, the data version they reflect)."""
    refresh(conn)
    rows = {
        rollup.table.name: conn.execute(select(func.count()).select_from(rollup.table)).scalar_one()
        for rollup in ROLLUPS
    }
    return rows, conn.execute(select(STATE.c.version)).scalar_one()
