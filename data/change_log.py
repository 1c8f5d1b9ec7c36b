"""Which orders each data version wrote: what lets a reload build on the previous snapshot.

An import (order lines or Business Central, not a replacing one) records, in its own
transaction, the data version it made and the IDs of every order it wrote (`record`). A snapshot
builder holding the frames of an older version asks `orders_since` which orders changed since:
the answer is known only when every version in between was recorded (a write by another
program, a replacing import and the demo record nothing, so the next reload reads everything).
The last KEEP_VERSIONS versions are kept.
"""

from __future__ import annotations

import pandas as pd
from sqlalchemy import delete, func, insert, select
from sqlalchemy.engine import Connection

from data.db import read_version
from data.models import ChangedOrder, DataChange

KEEP_VERSIONS = 50
INSERT_ROWS = 10_000


def record(conn: Connection, order_ids) -> None:
    """In the writing transaction, after data.db.bump_data_version: the orders `order_ids`
    are all that this version changed."""
    version = read_version(conn).version
    for model in (DataChange, ChangedOrder):
        conn.execute(delete(model).where(model.version <= version - KEEP_VERSIONS))
    ids = pd.unique(pd.Series(order_ids, dtype=object).dropna())
    conn.execute(insert(DataChange).values(version=version, orders=len(ids)))
    for start in range(0, len(ids), INSERT_ROWS):
        rows = [{"version": version, "order_id": i} for i in ids[start : start + INSERT_ROWS]]
        conn.execute(insert(ChangedOrder), rows)


def orders_since(conn: Connection, since: int, version: int) -> pd.Index | None:
    """The IDs of the orders written after data version `since` up to `version` (sorted); None
    when a version in between is not recorded (then anything may have changed)."""
    if version < since:
        return None
    between = (DataChange.version > since) & (DataChange.version <= version)
    recorded = conn.execute(select(func.count()).select_from(DataChange).where(between))
    if recorded.scalar_one() != version - since:
        return None
    written = (ChangedOrder.version > since) & (ChangedOrder.version <= version)
    ids = conn.execute(select(ChangedOrder.order_id).where(written).distinct()).scalars()
    return pd.Index(sorted(ids), dtype=object)
