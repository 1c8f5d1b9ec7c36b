"""A reload in seconds after an import: the previous snapshot's frames with the import's orders
read again, every other row kept as it is.

An import records which orders it wrote (data.change_log). When every version since the previous
snapshot is recorded, the builder reads only those orders (their lines and payments) and the
small tables (salespeople, customers and their fields, items), builds their frames with the
same code as a full build (data.frames._fields), and merges them into the previous frames:

- rows of the written orders leave every frame; the new ones go where a full build puts them
  (orders by date, then ID; lines by order; events by day, kind, then order), and the codes of
  customers, items, orders and categories are renumbered where new ones came in;
- the rollups are summed again only for the (month, customer) cells the written orders touch,
  from the merged lines of those cells, in line order, so every sum is the one a full build
  makes, to the last bit; the other cells are kept.

What can change a line the import did not write makes a full build instead: an item whose
attributes changed (its lines' as-sold fallback), a version written by another program or
a replacing import (see data.change_log), or more than MAX_SHARE of the orders written.
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from itertools import pairwise

import numpy as np
import pandas as pd
import pyarrow as pa
from sqlalchemy import literal, select
from sqlalchemy.engine import Connection

from data import change_log, db
from data.frames import (
    LINE_COLUMNS,
    LINE_DIMENSIONS,
    Frames,
    _categorical,
    _customers,
    _daily,
    _fields,
    _monthly,
    _order_days,
    customer_months,
    month_items_by_customer,
    month_of_days,
)
from data.models import Customer, CustomerField, Item, Order, OrderLine, Payment, Salesperson
from metrics.commission import daily_events

MAX_SHARE = 0.25  # of the orders written, above which a full build is the faster
IDS_PER_QUERY = 1_000
SHORT_RUNS = 512  # rows: merged frames whose runs are shorter on average are copied in blocks
BLOCK_ROWS = 1 << 20  # rows of a block (a few MB a column: memory that malloc reuses)


def merged_fields(
    conn: Connection, previous: Frames, since: int, version: int, as_of: pd.Timestamp
) -> Iterator[tuple[str, object]] | None:
    """The fields of Frames for data version `version` (as data.frames.stream_frames gives
    them) from `previous`, the frames of version `since`, and what `conn` (a snapshot
    connection) reads of the orders written since; None when that cannot give the same frames
    as a full build (the module docstring). Every row is read before this returns."""
    written = change_log.orders_since(conn, since, version)
    if written is None or len(written) > MAX_SHARE * max(len(previous.orders), 1):
        return None
    tables = {m.__tablename__: _read(conn, m) for m in (Salesperson, Customer, CustomerField, Item)}
    if _items_changed(previous.items, tables["items"]):
        return None
    orders = _read(conn, Order, Order.order_id, written)
    lines = _read(conn, OrderLine, OrderLine.order_id, written, LINE_COLUMNS)
    payments = _read(conn, Payment, Payment.order_id, written)
    # the names the lines give items missing from the catalogue (deleted since)
    sold = ["item_id", "item_name", "sku"]
    if lines["item_id"].isin(tables["items"]["item_id"]).all():
        sold = pd.DataFrame({name: pd.Series([], dtype="str") for name in sold})
    else:
        sold = _read(conn, OrderLine, OrderLine.order_id, written, sold)
        sold = sold[~sold["item_id"].isin(tables["items"]["item_id"])]
    counts = lines.groupby("order_id", sort=False).size()
    delta = dict(
        _fields(
            {**tables, "orders": orders, "payments": payments},
            pd.Series(counts.to_numpy(np.int64), index=pd.Index(counts.index)),
            [lines],
            sold,
            as_of,
        )
    )
    return _merge(previous, Frames(**delta), tables, written, orders["customer_id"], as_of)


def _read(conn: Connection, model, key=None, ids=None, columns=None) -> pd.DataFrame:
    """A whole table, in the order a full build reads it; or its rows whose `key` is in `ids`,
    by primary key (an order's lines in line order, as data.frames takes them)."""
    table = model.__table__
    query = select(*(table.c[c] for c in columns)) if columns else select(table)
    if key is None:
        return pd.concat(db.read_chunks(conn, query, table.name), ignore_index=True)
    query = query.order_by(*table.primary_key.columns)
    ids = list(ids)
    parts = [
        pd.concat(
            db.read_chunks(conn, query.where(key.in_([literal(i) for i in part])), table.name),
            ignore_index=True,
        )  # fmt: skip
        for part in (
            ids[start : start + IDS_PER_QUERY] for start in range(0, len(ids), IDS_PER_QUERY)
        )  # fmt: skip
    ]
    if not parts:
        return pd.concat(db.read_chunks(conn, query.where(key.in_([])), table.name))
    return pd.concat(parts, ignore_index=True)


def _items_changed(before: pd.DataFrame, catalogue: pd.DataFrame) -> bool:
    """Whether an item of `before` (a snapshot's items) has other attributes in `catalogue` now:
    its lines without a value of their own then read another value as sold."""
    now = catalogue.set_index("item_id")
    common = before[before["item_id"].isin(now.index)]
    for dim in LINE_DIMENSIONS:
        old = common[dim].astype(object).where(common[dim].notna(), None).to_numpy()
        new = now[dim].reindex(common["item_id"]).astype(object)
        if (old != new.where(new.notna(), None).to_numpy()).any():
            return True
    return False


class _Codes:
    """Where the rows of the previous frames and of the import's frames go in the merged ones."""

    def __init__(self, previous: Frames, delta: Frames, written, customers, items) -> None:
        ids = pd.Index(customers["customer_id"])
        self.customer_old = _lookup(ids, previous.customers["customer_id"])
        self.customer_new = _lookup(ids, delta.customers["customer_id"])
        ids = pd.Index(items["item_id"])
        self.item_old = _lookup(ids, previous.items["item_id"])
        self.item_new = _lookup(ids, delta.items["item_id"])
        self.written = previous.orders["order_id"].isin(written).to_numpy()  # per previous order
        self.order_old, self.order_new = _order_codes(previous.orders, delta.orders, ~self.written)


def _lookup(index: pd.Index, values) -> np.ndarray:
    positions = index.get_indexer(values)
    if (positions < 0).any():
        raise ValueError("a customer or item of the frames is missing from the merged ones")
    return positions.astype(np.int32)


def _order_codes(old: pd.DataFrame, new: pd.DataFrame, kept: np.ndarray):
    """(each previous order's code in the merged orders, -1 if rewritten; each new order's),
    orders sorted by day, then ID, as data.frames sorts them: each new order's place among the
    kept ones of its day by binary search on their IDs."""
    kept_rows = np.flatnonzero(kept)
    kept_day = old["day"].to_numpy()[kept_rows]
    new_day = new["day"].to_numpy()
    first = np.searchsorted(kept_day, new_day, "left")
    last = np.searchsorted(kept_day, new_day, "right")
    ids = _arrow(old["order_id"])
    place = np.empty(len(new), np.int64)  # how many kept orders come before each new one
    for k, order_id in enumerate(new["order_id"].tolist()):
        low, high = int(first[k]), int(last[k])
        while low < high:
            middle = (low + high) // 2
            if ids[int(kept_rows[middle])].as_py() < order_id:
                low = middle + 1
            else:
                high = middle
        place[k] = low
    order_new = (place + np.arange(len(new))).astype(np.int32)
    order_old = np.full(len(old), -1, np.int32)
    order_old[kept_rows] = np.arange(len(kept_rows)) + np.searchsorted(
        place, np.arange(len(kept_rows)), "right"
    )
    return order_old, order_new


def _merge(
    previous: Frames, delta: Frames, tables: dict, written, written_customers, as_of
) -> Iterator:
    """The fields of the merged frames, one at a time (see the module docstring)."""
    customers = _customers(
        {
            **tables,
            "orders": pd.DataFrame(
                {"customer_id": pd.concat([previous.customers["customer_id"], written_customers])}
            ),
        }
    )
    items = _items_of(previous.items, delta.items)
    codes = _Codes(previous, delta, written, customers, items)
    yield "custom_fields", delta.custom_fields
    yield "customers", customers
    yield "items", items
    yield "salespeople", delta.salespeople
    n_customers, n_items = len(customers), len(items)

    orders = _placed(
        previous.orders,
        delta.orders,
        ~codes.written,
        np.searchsorted(codes.order_old[~codes.written], codes.order_new),
        {"customer": (codes.customer_old, codes.customer_new)},
    ).frame()
    # a pool of two threads: the events merged while the lines are, the rollups two at a time
    with ThreadPoolExecutor(2) as background:
        events = background.submit(_merged_events, previous.events, delta.events, codes, orders)
        order_days = background.submit(_order_days, orders)
        line_order = codes.order_old[previous.lines["order"].to_numpy()]  # -1: rewritten
        line_kept = line_order >= 0
        lines = _placed(
            previous.lines.assign(order=line_order),
            delta.lines.assign(order=codes.order_new[delta.lines["order"].to_numpy()]),
            line_kept,
            np.searchsorted(
                line_order if line_kept.all() else line_order[line_kept],
                codes.order_new[delta.lines["order"].to_numpy()],
            ),
            {
                "customer": (codes.customer_old, codes.customer_new),
                "item": (codes.item_old, codes.item_new),
            },
        )
        customer = lines.column("customer")
        customer_lines = background.submit(
            _customer_lines, previous.customer_lines, lines, delta.lines["customer"], codes
        )
        cells = _Cells(previous, delta, codes, lines.column("month"), customer, n_customers)
        part = lines.take(cells.lines)
        ends = np.array([0, len(lines) - 1]) if len(lines) else np.array([], np.int64)
        day = lines.take(ends, ["day"])["day"]
        yield "first_day", int(day.iloc[0]) if len(day) else None
        yield "last_day", int(day.iloc[-1]) if len(day) else None
        yield "as_of", as_of
        yield "lines", lines
        del lines, customer, day
        yield "customer_lines", customer_lines.result()
        del customer_lines
        yield "order_days", order_days.result()
        events = events.result()
        summed = background.submit(_daily_events, events)
        yield "events", events
        del events
        yield "daily_events", summed.result()
        yield "orders", orders
        del orders, summed

        def spliced(name: str, new: pd.DataFrame, by: tuple) -> pd.DataFrame:
            return cells.spliced(getattr(previous, name), new, by)

        # the rollups of the touched cells, two at a time
        monthly = background.submit(
            lambda: spliced(
                "monthly", _monthly(part, n_customers), ("dimension", "month", "customer", "value")
            )
        )
        month_items = background.submit(
            lambda: spliced(
                "customer_month_items",
                month_items_by_customer(part, n_customers, n_items),
                ("customer", "month", "item"),
            )
        )
        daily_part = _daily(part, n_customers)
        yield "daily", spliced("daily", daily_part, ("day", "customer"))
        months = customer_months(daily_part, n_customers)
        yield "customer_months", spliced("customer_months", months, ("month", "customer"))
        del daily_part, months
        yield "monthly", monthly.result()
        yield "customer_month_items", month_items.result()


def _items_of(before: pd.DataFrame, delta: pd.DataFrame) -> pd.DataFrame:
    """The merged items: the catalogue (as the import's frames have it) and the items missing
    from it that the previous or the new lines name."""
    gone = before[~before["in_catalogue"] & ~before["item_id"].isin(delta["item_id"])]
    items = pd.concat([delta, gone], ignore_index=True) if len(gone) else delta
    items = items.sort_values("item_id", kind="stable").reset_index(drop=True)
    for dim in LINE_DIMENSIONS:  # as data.frames._items makes them
        items[dim] = _categorical(items[dim].astype(object))
    return items


def _placed(
    old: pd.DataFrame,
    new: pd.DataFrame,
    kept: np.ndarray,
    before: np.ndarray,
    renumbered: dict[str, tuple[np.ndarray, np.ndarray]],
) -> _Merged:
    """The rows `kept` of `old` and every row of `new`, each in the merged frame's order, merged:
    new row k after `before[k]` kept rows (how many have a smaller sort key: a new row goes
    before a kept one of the same key); `renumbered`: column -> (the code of each old code, of
    each new code) in the merged frame. Categoricals get the union of both categories."""
    place = _Placement(kept, before)
    columns = {}
    for name in old.columns:
        before, after = old[name], new[name]
        dtype = before.dtype
        if name in renumbered:
            to_old, to_new = renumbered[name]
            before = before.to_numpy() if _identity(to_old) else to_old[before.to_numpy()]
            after = to_new[after.to_numpy()]
        elif isinstance(dtype, pd.CategoricalDtype):
            union = before.cat.categories.union(after.cat.categories)
            dtype = pd.CategoricalDtype(union, dtype.ordered)
            before, after = _recoded(before.array, union), _recoded(after.array, union)
        elif isinstance(dtype, pd.StringDtype):
            before, after = _arrow(before), _arrow(after)
        else:
            before, after = before.to_numpy(), after.to_numpy()
        columns[name] = (dtype, before, after)
    return _Merged(place, columns)


def _identity(codes: np.ndarray) -> bool:
    return bool((codes == np.arange(len(codes))).all())


class _Placement:
    """Where the kept old rows and the new rows go in a merged frame: new row k goes after
    `before[k]` kept rows (nondecreasing). The merged rows are runs, each of consecutive rows of
    the old frame or of the new one: run i is rows start[i]:stop[i] of the new frame if
    from_new[i], else of the old one, at row at[i] of the merged frame."""

    def __init__(self, kept: np.ndarray, before: np.ndarray) -> None:
        self.kept = None if kept.all() else kept  # None: every old row
        kept_rows = None if self.kept is None else np.flatnonzero(kept)
        n_kept = len(kept) if kept_rows is None else len(kept_rows)
        self.before = before
        # the places among the kept rows where a run ends: a new row goes in, or rows were dropped
        cuts = np.union1d(before, [0, n_kept])
        if kept_rows is not None:
            cuts = np.union1d(cuts, np.flatnonzero(np.diff(kept_rows) != 1) + 1)
        old_length = np.diff(cuts, append=n_kept)
        old_start = (
            cuts if kept_rows is None or not n_kept else kept_rows[np.minimum(cuts, n_kept - 1)]
        )
        # at each cut the new rows placed there, then the kept rows up to the next cut
        start = np.empty(2 * len(cuts), np.int64)
        stop = np.empty(2 * len(cuts), np.int64)
        start[0::2] = np.searchsorted(before, cuts, "left")
        stop[0::2] = np.searchsorted(before, cuts, "right")
        start[1::2], stop[1::2] = old_start, old_start + old_length
        runs = stop > start
        self.from_new = np.tile([True, False], len(cuts))[runs]
        self.start, self.stop = start[runs], stop[runs]
        lengths = self.stop - self.start
        self.at = np.cumsum(lengths) - lengths
        self.rows = int(lengths.sum())
        # runs this short are cheaper written a block of them at a time than one by one
        self.short = self.rows < SHORT_RUNS * len(lengths)

    def parts(self, old, new) -> list:
        """The pieces of `old` and `new` (numpy or Arrow arrays) that make the merged column, in
        order."""
        runs = zip(self.from_new.tolist(), self.start.tolist(), self.stop.tolist(), strict=True)
        return [(new if from_new else old)[a:b] for from_new, a, b in runs] or [old[:0]]

    def byte_parts(self, old: np.ndarray, new: np.ndarray) -> list[np.ndarray]:
        """parts() as byte arrays (numpy arrays), for a gathering write."""
        width = old.dtype.itemsize
        old, new = old.view(np.uint8), new.view(np.uint8)
        runs = zip(
            self.from_new.tolist(), (self.start * width).tolist(), (self.stop * width).tolist(),
            strict=True,
        )  # fmt: skip
        return [(new if from_new else old)[a:b] for from_new, a, b in runs]

    def blocks(self, old: np.ndarray, new: np.ndarray, start: int = 0, stop: int | None = None):
        """The merged rows start:stop of the column of `old` and `new`, copied a block of about
        BLOCK_ROWS rows at a time (one array each)."""
        stop = self.rows if stop is None else stop
        first = max(int(np.searchsorted(self.at, start, "right")) - 1, 0)
        last = int(np.searchsorted(self.at, stop, "left"))
        pieces, rows = [], 0
        for i in range(first, last):  # the runs inside start:stop, cut to it
            at, offset = int(self.at[i]), int(self.start[i])
            a = offset + max(start, at) - at
            b = offset + min(stop, at + int(self.stop[i]) - offset) - at
            pieces.append((new if self.from_new[i] else old)[a:b])
            rows += b - a
            if rows >= BLOCK_ROWS:
                yield np.concatenate(pieces)
                pieces, rows = [], 0
        if pieces:
            yield np.concatenate(pieces)

    def column(self, old: np.ndarray, new: np.ndarray) -> np.ndarray:
        """The merged column of numpy arrays `old` and `new`, copied whole."""
        return np.concatenate(self.parts(old, new))

    def sources(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(whether from the new frame, the row there) of each merged row of `rows`."""
        run = np.searchsorted(self.at, rows, "right") - 1
        return self.from_new[run], self.start[run] + (rows - self.at[run])


class _Merged:
    """A merged frame as runs of an old frame's rows and a new one's (see _Placement), never
    copied whole: the snapshot writer writes each column from its pieces (`pieces()`, see
    data.snapshot.SnapshotWriter), and the merge copies only the columns (`column`, `frame`) or
    rows (`take`) it reads. Columns: name -> (dtype, old values, new values), a categorical's
    values being its codes."""

    def __init__(self, place: _Placement, columns: dict) -> None:
        self.place = place
        self.columns = {}
        for name, (dtype, before, after) in columns.items():
            self._set(name, dtype, before, after)
        self.rows = place.rows

    def _set(self, name: str, dtype, before, after) -> None:
        if isinstance(dtype, pd.CategoricalDtype):  # the codes' width a full build gives
            width = pd.Categorical.from_codes(np.empty(0, np.int8), dtype=dtype).codes.dtype
            before, after = before.astype(width, copy=False), after.astype(width, copy=False)
        self.columns[name] = (dtype, before, after)

    def __len__(self) -> int:
        return self.rows

    def as_codes_of(self, name: str, dtype: pd.CategoricalDtype) -> None:
        """Column `name` (codes) becomes a categorical of `dtype`."""
        _, before, after = self.columns[name]
        self._set(name, dtype, before, after)

    def pieces(self) -> Iterator[tuple[str, object, np.dtype, list]]:
        """Each column's (name, dtype, dtype of its values, values): byte arrays in order (a
        text column: one Arrow array)."""
        for name, (dtype, before, after) in self.columns.items():
            if isinstance(dtype, pd.StringDtype):
                yield name, dtype, None, [self.column(name).array._pa_array.chunk(0)]
            elif self.place.short:
                blocks = self.place.blocks(before, after)
                yield name, dtype, before.dtype, (block.view(np.uint8) for block in blocks)
            else:
                yield name, dtype, before.dtype, self.place.byte_parts(before, after)

    def column(self, name: str):
        """Column `name`, copied whole: a numpy array, a categorical or a str array."""
        dtype, before, after = self.columns[name]
        if isinstance(dtype, pd.StringDtype):
            values = pa.concat_arrays(self.place.parts(before, after))
            return pd.arrays.ArrowStringArray(pa.chunked_array([values]), dtype=dtype)
        values = self.place.column(before, after)
        if isinstance(dtype, pd.CategoricalDtype):
            return pd.Categorical.from_codes(values, dtype=dtype, validate=False)
        return values

    def frame(self, names=None) -> pd.DataFrame:
        """The columns `names` (default: all), copied whole."""
        names = list(self.columns) if names is None else names
        return pd.DataFrame({n: self.column(n) for n in names}, index=pd.RangeIndex(self.rows))

    def between(self, start: int, stop: int, names) -> pd.DataFrame:
        """The merged rows start:stop of the columns `names` (no text columns), copied."""
        columns = {}
        for name in names:
            dtype, before, after = self.columns[name]
            values = np.concatenate([*self.place.blocks(before, after, start, stop), before[:0]])
            if isinstance(dtype, pd.CategoricalDtype):
                values = pd.Categorical.from_codes(values, dtype=dtype, validate=False)
            columns[name] = values
        return pd.DataFrame(columns, index=pd.RangeIndex(stop - start))

    def first_rows(self, name: str, values: np.ndarray) -> np.ndarray:
        """For each of `values`, the first merged row whose value in column `name` (sorted) is
        not below it: one binary search for all, reading only the rows it visits."""
        low = np.zeros(len(values), np.int64)
        high = np.full(len(values), self.rows, np.int64)
        while (searching := low < high).any():
            middle = np.minimum((low + high) // 2, self.rows - 1)
            less = self.take(middle, [name])[name].to_numpy() < values
            low = np.where(searching & less, middle + 1, low)
            high = np.where(searching & ~less, middle, high)
        return low

    def take(self, rows: np.ndarray, names=None) -> pd.DataFrame:
        """The merged rows `rows` of the columns `names` (default: all; no text columns)."""
        from_new, source = self.place.sources(rows)
        old, new = source[~from_new], source[from_new]
        columns = {}
        for name in self.columns if names is None else names:
            dtype, before, after = self.columns[name]
            values = np.empty(len(rows), before.dtype)
            values[~from_new], values[from_new] = before[old], after[new]
            if isinstance(dtype, pd.CategoricalDtype):
                values = pd.Categorical.from_codes(values, dtype=dtype, validate=False)
            columns[name] = values
        return pd.DataFrame(columns, index=pd.RangeIndex(len(rows)))


def _arrow(values: pd.Series) -> pa.Array:
    array = pa.array(values.array)
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    return array.cast(pa.large_string())


def _recoded(values: pd.Categorical, categories: pd.Index) -> np.ndarray:
    if values.categories.equals(categories):
        return values.codes
    lookup = np.append(categories.get_indexer(values.categories), -1).astype(np.int32)
    return lookup[values.codes]


def _merged_events(old, new, codes: _Codes, orders) -> pd.DataFrame:
    """The previous events of the orders kept and the import's, in the order of a full build:
    by day, then kind (EVENTS), then order code; order_id over the merged orders."""
    if len(old["order_id"].cat.categories) != len(codes.order_old):
        raise ValueError("the events of the previous frames do not name orders by their code")
    old_order = codes.order_old[old["order_id"].array.codes]
    kept = old_order >= 0
    new_order = codes.order_new[new["order_id"].array.codes]
    before = _kept_before(
        (old["day"].to_numpy(), old["event"].array.codes, old_order),
        kept,
        (new["day"].to_numpy(), new["event"].array.codes, new_order),
    )
    old = old.assign(order_id=old_order)
    new = new.assign(order_id=new_order)
    merged = _placed(old, new, kept, before, {})
    # the merged orders' IDs are unique: no check (a hash table of every ID)
    ids = pd.CategoricalDtype._from_fastpath(pd.Index(orders["order_id"]), False)
    merged.as_codes_of("order_id", ids)
    return merged


def _kept_before(old: tuple, kept: np.ndarray, new: tuple) -> np.ndarray:
    """For each new row, how many `kept` old rows sort before it, the rows' sort keys being the
    columns `old` and `new` in turn (both sorted so): one binary search over the kept rows for
    all new rows at once, which reads only the rows it visits (no key of every old row)."""
    kept_rows = None if kept.all() else np.flatnonzero(kept)
    n_kept = len(kept) if kept_rows is None else len(kept_rows)
    low = np.zeros(len(new[0]), np.int64)
    high = np.full(len(new[0]), n_kept, np.int64)
    while (searching := low < high).any():
        middle = np.minimum((low + high) // 2, n_kept - 1)  # (a finished search's is unused)
        row = middle if kept_rows is None else kept_rows[middle]
        less = np.zeros(len(low), bool)  # the old row's key < the new row's
        equal = np.ones(len(low), bool)
        for old_column, new_column in zip(old, new, strict=True):
            value = old_column[row]
            less |= equal & (value < new_column)
            equal &= value == new_column
        low = np.where(searching & less, middle + 1, low)
        high = np.where(searching & ~less, middle, high)
    return low


def _customer_lines(old: pd.DataFrame, lines: _Merged, new_customer: pd.Series, codes: _Codes):
    """The merged lines' customer_lines (data.frames.lines_by_customer): the previous entries
    of the lines kept, at their lines' merged rows, and the new lines' placed among them by
    (customer, line), instead of sorting every line again."""
    place = lines.place
    position = np.full(len(old), -1, np.int32)  # each previous line's merged row (-1: gone)
    new_line = np.empty(len(new_customer), np.int32)  # each new line's
    runs = zip(place.from_new.tolist(), place.start.tolist(), place.stop.tolist(),
               place.at.tolist(), strict=True)  # fmt: skip
    for from_new, start, stop, at in runs:
        (new_line if from_new else position)[start:stop] = np.arange(at, at + stop - start)
    line = position[old["line"].to_numpy()]
    kept = line >= 0
    customer = codes.customer_old[old["customer"].to_numpy()]
    new_customer = codes.customer_new[new_customer.to_numpy()]
    order = np.lexsort((new_line, new_customer))
    new_line, new_customer = new_line[order], new_customer[order]
    before = _kept_before((customer, line), kept, (new_customer, new_line))
    return _placed(
        pd.DataFrame({"customer": customer, "line": line}, copy=False),
        pd.DataFrame({"customer": new_customer, "line": new_line}, copy=False),
        kept,
        before,
        {},
    )


def _daily_events(events: _Merged) -> pd.DataFrame:
    """metrics.commission.daily_events of the merged events, whole days of about BLOCK_ROWS
    events at a time: a cell's events are one day's, so its sum is the same to the last bit,
    and no copy of all the events' columns is made."""
    days = events.take(np.arange(BLOCK_ROWS, len(events), BLOCK_ROWS), ["day"])["day"]
    bounds = np.unique(np.r_[0, events.first_rows("day", days.to_numpy()), len(events)])
    names = ["day", "salesperson", "event", "value"]
    parts = [daily_events(events.between(int(a), int(b), names)) for a, b in pairwise(bounds)]
    if len(parts) == 1:
        return parts[0]
    return pd.concat(parts, ignore_index=True)


class _Cells:
    """The (month, customer) cells that the written orders touch (as they were and as they are
    now), the merged lines in them, and the rollups spliced: every other cell's rows kept."""

    def __init__(
        self,
        previous: Frames,
        delta: Frames,
        codes: _Codes,
        month: np.ndarray,
        customer: np.ndarray,
        customers: int,
    ) -> None:
        """`month`, `customer`: of each merged line."""
        old = previous.orders[codes.written]
        months = np.concatenate(
            [month_of_days(old["day"].to_numpy()), month_of_days(delta.orders["day"].to_numpy())]
        ).astype(np.int64)
        owners = np.concatenate(
            [
                codes.customer_old[old["customer"].to_numpy()],
                codes.customer_new[delta.orders["customer"].to_numpy()],
            ]
        )
        # every month of the previous and the merged lines (and so of their rollups) inside
        spans = [months, *(f.lines["month"].to_numpy()[[0, -1]] for f in (previous, delta)
                           if len(f.lines))]  # fmt: skip
        spans.append(month[[0, -1]] if len(month) else months)
        every = np.concatenate(spans).astype(np.int64)
        self.first = int(every.min(initial=0))
        self.customers = max(customers, 1)
        self.touched = np.zeros((int(every.max(initial=0)) - self.first + 1) * self.customers, bool)
        self.touched[(months - self.first) * self.customers + owners] = True
        self.codes = codes
        self.lines = np.flatnonzero(self._touched(month, customer))

    def _touched(self, month: np.ndarray, customer: np.ndarray) -> np.ndarray:
        wide = np.int32 if len(self.touched) < 1 << 31 else np.int64
        place = month.astype(wide) - wide(self.first)
        place *= wide(self.customers)
        place += customer
        return self.touched[place]

    def spliced(self, old: pd.DataFrame, new: pd.DataFrame, by: tuple) -> _Merged:
        """The rows of `old` (a rollup of the previous frames) outside the touched cells, their
        codes renumbered, and `new`'s (the same rollup of the touched cells' merged lines),
        sorted by the columns `by`."""
        renamed = {"customer": self.codes.customer_old[old["customer"].to_numpy()]}
        if "item" in old:
            renamed["item"] = self.codes.item_old[old["item"].to_numpy()]
        if "value" in old:
            union = old["value"].cat.categories.union(new["value"].cat.categories)
            renamed["value"] = _recategorized(old["value"].array, union)
            new = new.assign(value=_recategorized(new["value"].array, union))
        old = old.assign(**renamed)
        kept = ~self._touched(old["month"].to_numpy(), renamed["customer"])
        old_key, new_key = _keys(old, kept, new, by)
        return _placed(old, new, kept, np.searchsorted(old_key, new_key), {})


def _recategorized(values: pd.Categorical, categories: pd.Index) -> pd.Categorical:
    return pd.Categorical.from_codes(
        _recoded(values, categories), dtype=pd.CategoricalDtype(categories)
    )


def _keys(old: pd.DataFrame, kept: np.ndarray, new: pd.DataFrame, by: tuple):
    """(per kept row of `old`, per row of `new`) one int64 that sorts as the columns `by` do (a
    categorical by its codes, missing first)."""
    old_key, new_key = np.zeros(int(kept.sum()), np.int64), np.zeros(len(new), np.int64)
    room = 1
    for name in by:
        a, b = _sortable(old[name])[kept], _sortable(new[name])
        low = min(a.min(initial=0), b.min(initial=0))
        span = max(a.max(initial=0), b.max(initial=0)) - low + 1
        room *= int(span)
        if room >= 1 << 62:
            raise OverflowError(f"the sort key of {by} does not fit 64 bits")
        old_key = old_key * span + (a - low)
        new_key = new_key * span + (b - low)
    return old_key, new_key


def _sortable(column: pd.Series) -> np.ndarray:
    if isinstance(column.dtype, pd.CategoricalDtype):
        return column.array.codes.astype(np.int64) + 1
    return column.to_numpy().astype(np.int64)
