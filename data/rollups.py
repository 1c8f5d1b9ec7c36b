"""The rollups the database keeps for the `sql` engine: the sums of metrics.engine.SUMS per
(day, customer) over the order lines (`daily_customer_sums`), so that a question whose filters
touch only the period and the customers scans them instead of the lines (data.sql_engine).

The writes keep them in their own transaction while they are current: the days of the orders
an import writes (as stored before it, and as written) are summed again from the lines.
`rollup_state` holds the data version the sums reflect; while it is not the database's current
version (an outside program wrote since, or the database had sales before it had rollups), the
engine reads the lines, and writes leave the sums alone (summing some days of stale sums would
not make them right): `flask rebuild-rollups` sums every day again.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

import ibis
import ibis.expr.types as ir
from sqlalchemy import func, select, text
from sqlalchemy.engine import Connection

from data.access import Scope
from data.db import DataVersion
from data.models import DailyCustomerSums, Order, RollupState
from data.sql_engine import SqlEngine, line_sums
from metrics.filters import Filters

DAILY = DailyCustomerSums.__table__
STATE = RollupState.__table__
CHUNK = 5_000  # order IDs / days per IN list


def daily_sums(days: list[date] | None = None) -> ir.Table:
    """The rows of `daily_customer_sums` for `days` (None: every day), in its column order."""
    if days is None:
        lines = SqlEngine(None, Scope("leadership"))._selected_lines(Filters())
    else:  # the period bounds the orders read (an index range); then the days themselves
        period = Filters(start=min(days), end=max(days))
        lines = SqlEngine(None, Scope("leadership"))._selected_lines(period)
        lines = lines.filter(lines.day.isin(days))
    sums = lines.group_by(day="day", customer_id="customer").aggregate(**line_sums(lines))
    return sums.select(*[column.name for column in DAILY.columns])


def order_days(conn: Connection, order_ids: Iterable[str]) -> set[date]:
    """The stored order dates of `order_ids` (those stored)."""
    ids, days = list(order_ids), set()
    orders = Order.__table__
    for start in range(0, len(ids), CHUNK):
        chosen = orders.c.order_id.in_(ids[start : start + CHUNK])
        days.update(conn.execute(select(orders.c.order_date).where(chosen).distinct()).scalars())
    return days


def is_current(conn: Connection) -> bool:
    """Whether the sums reflect the data version (read before a write bumps it)."""
    state = select(STATE.c.version).where(STATE.c.id == 1).scalar_subquery()
    version = select(DataVersion.version).where(DataVersion.id == 1, DataVersion.version == state)
    return conn.execute(version).first() is not None


def refresh(conn: Connection, days: Iterable[date] | None = None) -> None:
    """Sum `days` (None: every day) again from the lines, in `conn`'s transaction, and mark the
    rollups current for the data version this transaction writes."""
    dialect = {"postgresql": "postgres"}.get(conn.dialect.name, conn.dialect.name)
    columns = ", ".join(column.name for column in DAILY.columns)
    if days is None:
        conn.execute(DAILY.delete())
        chunks = [None]
    else:
        days = sorted(set(days))
        chunks = [days[start : start + CHUNK] for start in range(0, len(days), CHUNK)]
    for chunk in chunks:
        if chunk is not None:
            conn.execute(DAILY.delete().where(DAILY.c.day.in_(chunk)))
        sql = ibis.to_sql(daily_sums(chunk), dialect=dialect)
        conn.execute(text(f"INSERT INTO {DAILY.name} ({columns}) {sql}"))
    version = conn.execute(select(DataVersion.version).where(DataVersion.id == 1)).scalar_one()
    conn.execute(STATE.delete())
    conn.execute(STATE.insert().values(id=1, version=version))


def rebuild(conn: Connection) -> tuple[int, int]:
    """Every day summed again; (rows, the data version they reflect)."""
    refresh(conn)
    rows = conn.execute(select(func.count()).select_from(DAILY)).scalar_one()
    return rows, conn.execute(select(STATE.c.version)).scalar_one()
