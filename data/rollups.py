"""The rollups the database keeps for the `sql` engine: the sums of metrics.engine.SUMS per
(day, customer) over the order lines (`daily_customer_sums`), so that a question whose filters
touch only the period and the customers scans them instead of the lines (data.sql_engine).

The writes keep them in their own transaction while they are current: the rows (day, customer)
of the orders an import writes (as stored before it, and as written) are summed again from the
lines of the orders on them.
`rollup_state` holds the data version the sums reflect; while it is not the database's current
version (an outside program wrote since, or the database had sales before it had rollups), the
engine reads the lines, and writes leave the sums alone (summing some days of stale sums would
not make them right): `flask rebuild-rollups` sums every day again.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from datetime import date

from sqlalchemy import func, select, text, tuple_
from sqlalchemy.engine import Connection

from data.db import DataVersion
from data.models import ID, DailyCustomerSums, Order, RollupState

DAILY = DailyCustomerSums.__table__
ORDERS = Order.__table__
STATE = RollupState.__table__
CHUNK = 2_000  # order IDs / (day, customer) pairs per IN list
ORDERS_TO_SUM = "rollup_orders"  # a temporary table: the orders whose lines are summed again


Key = tuple[date, str]  # (day, customer_id): one row of the sums


@functools.cache
def insert_sql(dialect: str, some: bool) -> str:
    """INSERT of the rows of `daily_customer_sums`: every row, or (`some`) those of the lines
    of the orders in the temporary table ORDERS_TO_SUM. Compiled once per dialect (Ibis is
    loaded then, not by every process that imports the importer)."""
    import ibis

    from data.access import Scope
    from data.sql_engine import SqlEngine, line_sums
    from metrics.filters import Filters

    everyone = SqlEngine(None, Scope("leadership"))
    only = ibis.table({"order_id": "string"}, name=ORDERS_TO_SUM) if some else None
    lines = everyone._selected_lines(Filters(), only=only)
    sums = lines.group_by(day="day", customer_id="customer").aggregate(**line_sums(lines))
    columns = [column.name for column in DAILY.columns]
    select_sql = ibis.to_sql(sums.select(*columns), dialect=dialect)
    return f"INSERT INTO {DAILY.name} ({', '.join(columns)}) {select_sql}"


def order_keys(conn: Connection, order_ids: Iterable[str]) -> set[Key]:
    """The (order date, customer) of those of `order_ids` that are stored."""
    ids, keys = list(order_ids), set()
    for start in range(0, len(ids), CHUNK):
        chosen = ORDERS.c.order_id.in_(ids[start : start + CHUNK])
        found = select(ORDERS.c.order_date, ORDERS.c.customer_id).where(chosen).distinct()
        keys.update(tuple(row) for row in conn.execute(found))
    return keys


def _orders_on(conn: Connection, keys: list[Key]) -> list[str]:
    """The stored orders of those days and customers."""
    days, customers = {day for day, _ in keys}, {customer for _, customer in keys}
    candidates = select(ORDERS.c.order_id, ORDERS.c.order_date, ORDERS.c.customer_id).where(
        ORDERS.c.order_date.in_(days), ORDERS.c.customer_id.in_(customers)
    )
    wanted = set(keys)
    return [order for order, day, customer in conn.execute(candidates) if (day, customer) in wanted]


def were_current(conn: Connection) -> bool:
    """Whether the sums reflected the data version before this transaction's write bumped it
    (by one; the bump holds the version's row, so no other write can commit in between)."""
    state = select(STATE.c.version).where(STATE.c.id == 1).scalar_subquery()
    bumped = DataVersion.version == state + 1
    return (
        conn.execute(select(DataVersion.id).where(DataVersion.id == 1, bumped)).first() is not None
    )


def refresh(conn: Connection, keys: Iterable[Key] | None = None) -> None:
    """Sum the rows of `keys` (None: every row) again from the lines, in `conn`'s transaction,
    and mark the rollups current for the data version this transaction writes."""
    dialect = {"postgresql": "postgres"}.get(conn.dialect.name, conn.dialect.name)
    # The version's row first (a write's bump holds it already): a write by another program
    # commits before the sums are read, or bumps the version after this transaction's commit.
    version = select(DataVersion.version).where(DataVersion.id == 1).with_for_update()
    version = conn.execute(version).scalar_one()
    if keys is None:
        conn.execute(DAILY.delete())
        conn.execute(text(insert_sql(dialect, some=False)))
    keys = sorted(set(keys or ()))
    if keys:
        conn.execute(text(f"CREATE TEMPORARY TABLE {ORDERS_TO_SUM} (order_id VARCHAR({ID}))"))
    for start in range(0, len(keys), CHUNK):
        chunk = keys[start : start + CHUNK]
        conn.execute(DAILY.delete().where(tuple_(DAILY.c.day, DAILY.c.customer_id).in_(chunk)))
        orders = _orders_on(conn, chunk)
        if orders:  # none left there: the rows are gone
            conn.execute(text(f"DELETE FROM {ORDERS_TO_SUM}"))
            conn.execute(
                text(f"INSERT INTO {ORDERS_TO_SUM} (order_id) VALUES (:order_id)"),
                [{"order_id": order} for order in orders],
            )
            conn.execute(text(insert_sql(dialect, some=True)))
    if keys:
        conn.execute(text(f"DROP TABLE {ORDERS_TO_SUM}"))
    conn.execute(STATE.delete())
    conn.execute(STATE.insert().values(id=1, version=version))


def rebuild(conn: Connection) -> tuple[int, int]:
    """Every day summed again; (rows, the data version they reflect)."""
    refresh(conn)
    rows = conn.execute(select(func.count()).select_from(DAILY)).scalar_one()
    return rows, conn.execute(select(STATE.c.version)).scalar_one()
