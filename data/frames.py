"""The cached frames every metric reads: built once from the table frames, never mutated after.

`lines` holds one row per order line with its order's attributes alongside, sorted by order date
(so a date range is a slice found by binary search), amounts computed once and the revenue flag
precomputed. Customers, items, salespeople and orders are addressed by integer codes (row
positions in their own frame).
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sqlalchemy.engine import Connection

from data import db
from data.db import Tables
from data.models import DATA_TABLES, OrderLine
from metrics.commission import daily_events, dated_events, event_days, seller_categories
from metrics.lookup import RunLookup, indexer

LINE_DIMENSIONS = ("category", "brand", "collection", "supplier", "department")
ORDER_DIMENSIONS = ("document_type", "channel", "source", "device", "campaign", "salesperson")
CUSTOMER_COLUMNS = (
    "customer_id",
    "name",
    "city",
    "country",
    "region",
    "customer_group",
    "owner",
    "created_on",
)
EPOCH = np.datetime64("1970-01-01", "D")
# Order-line columns read from the database (item_name and sku only name deleted items).
LINE_COLUMNS = [c.name for c in OrderLine.__table__.columns if c.name not in ("item_name", "sku")]
# The lines' event dates (metrics.commission.event_days): only the events read them.
EVENT_DAYS = ("delivered_on", "cancelled_on", "returned_on")
PAGE_LINE_COLUMNS = [c for c in LINE_COLUMNS if c not in EVENT_DAYS]  # what a page's build reads
# The lines' text columns: frame column -> order_lines column.
TEXT_COLUMNS = {
    "line_status": "status",
    "customisation": "customisation",
    **{dim: dim for dim in (*ORDER_DIMENSIONS, *LINE_DIMENSIONS)},
}
# The lines' text columns that may have no value at all (read only when some line has one).
SPARSE_COLUMNS = [c.name for c in OrderLine.__table__.columns
                  if c.name in TEXT_COLUMNS.values() and c.nullable]  # fmt: skip
WIDER = {np.int8: np.int16, np.int16: np.int32, np.int32: np.int64}
# Sums kept per (day, customer): revenue lines' amounts (all, and those with a known cost),
# line counts, and orders and order amounts by status.
# revenue lines' amounts (all, and those with a known cost) and line counts: revenue_sums
REVENUE_SUMS = (
    "sales_amount",
    "sales_quantity",
    "cost_amount",
    "cost_non_inv",
    "known_sales",
    "known_non_inv",
    "known_quantity",
    "known_lines",
    "revenue_lines",
)
DAILY_SUMS = (
    *REVENUE_SUMS,
    "confirmed_orders",
    "draft_orders",
    "confirmed_amount",
    "draft_amount",
)
LINE_AMOUNTS = ("sales_amount", "quantity", "cost_amount", "cost_non_inv")
# Sums kept per (item dimension, its value as sold, month, customer) over revenue lines: the line
# sums of metrics.sums.line_sums, and orders (distinct orders with such a line in the cell).
MONTHLY_SUMS = (*REVENUE_SUMS, "orders")
MONTH_ITEMS_DENSE = 1 << 22  # customers × items up to which a month's cells are found densely


@dataclass(frozen=True)
class Frames:
    """Read-only snapshot of the sales data.

    lines: day (int32 days since 1970-01-01), month (int32 year*12+month-1), order, customer, item
        (int32 codes), line_no, order_status, line_status and the order and item dimensions
        (categoricals), customisation (made-to-order options, categorical), quantity,
        sales_amount, cost_amount (NaN = unknown cost), cost_non_inv, order_amount (the whole
        order's amount), revenue (bool: counts as revenue), in_order_amount (bool: line counts in
        its order's amount).
    customers: CUSTOMER_COLUMNS, team (the owner's team), then one column per custom field.
    items: item_id, product_id, name, variant, LINE_DIMENSIONS, item_type, made_to_order, in_catalogue.
    orders: order_id, customer, day, status (one row per order; row position = order code).
    order_days: customer, day, orders, gap, by_gap — distinct confirmed order dates per customer,
        sorted by customer then day; gap = days since the customer's previous one (NaN for the
        first); by_gap = row positions ordered by customer then gap.
    daily: the lines summed per (day, customer), sorted so: day, month, customer, then DAILY_SUMS —
        what metrics read when no filter narrows the lines themselves.
    monthly: the revenue lines summed per (dimension, value, month, customer) for each item
        dimension of LINE_DIMENSIONS: dimension (int8, position in LINE_DIMENSIONS), month,
        customer, value (categorical: the line's value as sold; missing = N/A), then MONTHLY_SUMS;
        sorted by dimension, month, customer — what Sales by Category/Brand/... read for whole
        months when no filter narrows the lines themselves.
    customer_months: the daily table summed per (month, customer), sorted so: month, customer,
        then DAILY_SUMS — what metrics read for a period's whole months.
    customer_lines: customer, line — the lines' positions (int32) grouped by customer code, in
        date order within a customer: one customer's lines without a pass over every line.
    customer_month_items: the revenue lines summed per (customer, month, item): customer, month,
        item (int32), then REVENUE_SUMS (line counts int32); sorted by customer, month, item —
        one customer's month × item cells for whole months, a slice found by binary search.
    events: the dated sales events of metrics.commission.sales_events (Sales by User, commission).
    daily_events: the events summed per (day, salesperson, event) (metrics.commission.daily_events):
        a period's commission of every salesperson without a pass over its events.
    """

    lines: pd.DataFrame
    customers: pd.DataFrame
    items: pd.DataFrame
    salespeople: pd.DataFrame
    orders: pd.DataFrame
    order_days: pd.DataFrame
    daily: pd.DataFrame
    customer_months: pd.DataFrame
    monthly: pd.DataFrame
    customer_lines: pd.DataFrame
    customer_month_items: pd.DataFrame
    events: pd.DataFrame
    daily_events: pd.DataFrame
    custom_fields: tuple[str, ...]
    as_of: pd.Timestamp
    # The span of order dates in the whole data (kept when frames are restricted to a scope,
    # so that "all data" means the same period for every user).
    first_day: int | None
    last_day: int | None


# The fields a customer page, its brief and an order's lines do not read: not built for them
# (page_frames)
PAGE_UNUSED = ("events", "daily_events", "monthly", "customer_month_items")


class NotBuilt:
    """Stands in for a field of a page's frames that was not built (PAGE_UNUSED): reading it
    raises, naming it."""

    def __init__(self, field: str) -> None:
        self.refusal = f"a customer page's frames hold no {field} (PAGE_UNUSED)"

    def __getattr__(self, name: str):
        if name == "refusal":  # not set yet (a copy being made): no recursion
            raise AttributeError(name)
        raise AttributeError(self.refusal)

    def __getitem__(self, key):
        raise KeyError(self.refusal)

    def __len__(self) -> int:
        raise TypeError(self.refusal)


def to_day(value) -> int:
    """Days since 1970-01-01 of a date-like value."""
    return int((np.datetime64(pd.Timestamp(value).date(), "D") - EPOCH).astype(int))


def customer_code(frames: Frames, customer_id: str) -> int:
    """The code (row position) of a customer; ValueError when the frames do not hold them."""
    ids = frames.customers["customer_id"]
    code = int(ids.searchsorted(customer_id))  # customers are sorted by customer_id
    if code >= len(ids) or ids.iat[code] != customer_id:
        raise ValueError(f"unknown customer {customer_id!r}")
    return code


def lines_of_customer(frames: Frames, code: int) -> np.ndarray:
    """Positions in frames.lines of a customer's lines (by code), in date order: a slice of
    customer_lines found by binary search."""
    index = frames.customer_lines
    owner = index["customer"].to_numpy()
    key = owner.dtype.type(code)  # in the column's own type: no conversion of the column
    first, last = np.searchsorted(owner, key, "left"), np.searchsorted(owner, key, "right")
    return index["line"].to_numpy()[first:last]


def from_day(day: int) -> pd.Timestamp:
    return pd.Timestamp(EPOCH + np.timedelta64(int(day), "D"))


def month_of_days(days: np.ndarray) -> np.ndarray:
    """year*12 + month-1 of each day number."""
    months = (EPOCH + days.astype("timedelta64[D]")).astype("datetime64[M]").astype(np.int64)
    return (months + 1970 * 12).astype(np.int32)


def build_frames(tables: Tables, as_of: pd.Timestamp | None = None) -> Frames:
    """Build the cached frames from the table frames of data.db.read_tables (or the demo
    generator), all in memory (tests, the demo; read_frames streams from a database); the
    lines' item_name and sku name the items missing from the catalogue (item_list)."""
    lines = tables["order_lines"]
    counts = lines.groupby("order_id", sort=False, observed=True).size()
    sold = lines[["item_id", "item_name", "sku"]]
    return Frames(**dict(_fields(dict(tables), counts, [lines], sold, as_of)))


def page_frames(
    tables: Tables,
    line_counts: pd.Series,
    lines_by_order: Iterable[pd.DataFrame],
    sold: pd.DataFrame,
    as_of: pd.Timestamp,
) -> Frames:
    """The frames of a customer page, its brief and an order's lines only (SALES_ENGINE=sql's
    customer_frames), from the tables other than order_lines (no payments; emptied as they are
    used), the number of lines of each order (indexed by order_id; an order's index may come
    twice, its counts are added up) and the lines (PAGE_LINE_COLUMNS: no event dates) in
    chunks by order_id then line_no, each dropped once read, as _fields takes them: none of
    PAGE_UNUSED is built (NotBuilt stands in)."""
    return Frames(**dict(_fields(tables, line_counts, lines_by_order, sold, as_of, True)))


def read_frames(
    conn: Connection, as_of: pd.Timestamp, chunk_rows: int = db.READ_CHUNK_ROWS
) -> Frames:
    """The frames of stream_frames, all together."""
    return Frames(**dict(stream_frames(conn, as_of, chunk_rows)))


def stream_frames(
    conn: Connection, as_of: pd.Timestamp, chunk_rows: int = db.READ_CHUNK_ROWS
) -> Iterator[tuple[str, object]]:
    """Build the frames from the database `conn` reads (data.db.snapshot_connection: one
    consistent snapshot), one field of Frames at a time as (name, value), each dropped by the
    builder once handed over (data.snapshot writes each as it comes: the peak stays near the
    lines frame plus the biggest rollup, README, Measurements). The order lines are streamed:
    each chunk goes straight into the lines' final columns at their final rows. Every row is
    read before the first field comes: the connection is free from then on."""
    others = sorted((t for t in DATA_TABLES if t.name != "order_lines"),
                    key=lambda t: t.name not in ("orders", "payments"))  # fmt: skip
    reads = {  # the longest first: the lines' scans, then the orders and payments
        "unlisted": db.unlisted_item_lines,
        "counts": db.line_counts,
        "empty": functools.partial(db.empty_columns, columns=SPARSE_COLUMNS),
        **{
            t.name: functools.partial(db.read_table, table=t, chunk_rows=chunk_rows) for t in others
        },
    }
    tables = db.side_by_side(conn, reads)
    counts, sold, empty = tables.pop("counts"), tables.pop("unlisted"), tables.pop("empty")
    chunks = db.lines_by_order(conn, [c for c in LINE_COLUMNS if c not in empty], chunk_rows)
    fields = _fields(tables, counts, chunks, sold, as_of)
    return itertools.chain([next(fields)], fields)


def _fields(
    tables: Tables,
    line_counts: pd.Series,
    lines_by_order: Iterable[pd.DataFrame],
    sold_items: pd.DataFrame,
    as_of: pd.Timestamp | None,
    page: bool = False,
) -> Iterator[tuple[str, object]]:
    """The fields of Frames as (name, value), in build order, from the tables other than
    order_lines (`tables`, emptied as they are used), the number of lines of each order
    (`line_counts`, indexed by order_id), the order lines in chunks, a later chunk's lines of
    an order after an earlier one's in line_no order (`lines_by_order`), and item_id,
    item_name, sku of lines (at least those of items missing from the items table:
    `sold_items`). Whatever is no longer needed, a field once handed over included, is dropped
    at once. `page`: page_frames'."""
    salespeople = tables.pop("salespeople").reset_index(drop=True)
    customers = _customers({**tables, "salespeople": salespeople})
    del tables["customers"], tables["customer_fields"]
    items = item_list(tables.pop("items"), sold_items)
    by_date = tables.pop("orders").sort_values(["order_date", "order_id"], kind="stable")
    customer = indexer(pd.Index(customers["customer_id"]), by_date["customer_id"])
    orders = pd.DataFrame(
        {
            "order_id": by_date["order_id"].to_numpy(),
            "customer": customer.astype(np.int32),
            "day": (by_date["order_date"].to_numpy("datetime64[D]") - EPOCH).astype(np.int32),
            "status": _categorical(by_date["status"]),
        }
    )
    order_dims = {dim: _categorical(by_date[dim]) for dim in ORDER_DIMENSIONS}
    order_sellers = by_date["salesperson"].reset_index(drop=True)  # what the events need
    del by_date

    read = _read_lines(lines_by_order, _LinePlaces(orders, line_counts), items, not page)
    lines = _lines(read, orders, order_dims, items)
    del order_dims
    n_customers, n_items = len(customers), len(items)
    yield (
        "custom_fields",
        tuple(c for c in customers.columns if c not in (*CUSTOMER_COLUMNS, "team")),
    )
    yield "customers", customers
    yield "items", items
    yield "salespeople", salespeople
    del customers, items, salespeople
    yield "order_days", _order_days(orders)
    if page:
        del read, order_sellers
        yield from ((name, NotBuilt(name)) for name in ("events", "daily_events"))
    else:
        # The events first: what they alone need (the lines' event days, the orders'
        # salespeople, the payments) goes with them; then the rollup that needs the most
        # working memory.
        events = _events(lines, read, orders, order_sellers, tables.pop("payments"))
        del read, order_sellers
        summed = daily_events(events)
        yield "events", events
        del events
        yield "daily_events", summed
        del summed
    yield "orders", orders
    del orders
    # Past the events' peak, the rollups of the lines are built two at a time (numpy lets go of
    # the GIL in its loops and sorts: both cores work), handed over in the same order.
    with ThreadPoolExecutor(1) as helper:
        daily = helper.submit(_daily, lines, n_customers)
        if not page:
            month_items = helper.submit(month_items_by_customer, lines, n_customers, n_items)
        yield "monthly", NotBuilt("monthly") if page else _monthly(lines, n_customers)
        yield "customer_months", customer_months(daily.result(), n_customers)
        yield "daily", daily.result()
        del daily
        yield "customer_lines", lines_by_customer(lines["customer"].to_numpy())
        if page:
            yield "customer_month_items", NotBuilt("customer_month_items")
        else:
            yield "customer_month_items", month_items.result()
            del month_items
    day = lines["day"].to_numpy()
    yield "as_of", as_of if as_of is not None else pd.Timestamp.now(tz="UTC").floor("s")
    yield "first_day", int(day[0]) if len(day) else None
    yield "last_day", int(day[-1]) if len(day) else None
    del day
    yield "lines", lines


def _lines(read: dict, orders: pd.DataFrame, order_dims: dict, items: pd.DataFrame) -> pd.DataFrame:
    """The lines frame (see Frames) from the columns of _read_lines, which it takes over (the
    days of the events and `texts` stay in `read`)."""
    line_order = read.pop("order")
    day = orders["day"].to_numpy()[line_order]
    order_status = pd.Categorical.from_codes(
        orders["status"].cat.codes.to_numpy()[line_order], orders["status"].cat.categories
    )
    texts = read["texts"]
    item_of_line = read.pop("item")
    in_order_amount = read.pop("in_order_amount")
    sales_amount = read.pop("sales_amount")
    order_amount = np.bincount(
        line_order, weights=np.where(in_order_amount, sales_amount, 0.0), minlength=len(orders)
    )
    columns = {
        "day": day,
        "month": month_of_days(day),
        "order": line_order,
        "line_no": read.pop("line_no"),
        "customer": orders["customer"].to_numpy()[line_order],
        "item": item_of_line,
        "order_status": order_status,
        "line_status": texts["line_status"].categorical(),
    }
    # Attributes as sold (SPEC §2): the line's own value, else its order's / item's.
    for dim in ORDER_DIMENSIONS:
        cat = order_dims[dim]
        columns[dim] = _as_sold(texts[dim].own(), cat.codes[line_order], cat.categories)
    for dim in LINE_DIMENSIONS:
        cat = items[dim]
        columns[dim] = _as_sold(
            texts[dim].own(), cat.cat.codes.to_numpy()[item_of_line], cat.cat.categories
        )
    columns["customisation"] = texts["customisation"].categorical()  # made-to-order options
    columns.update(
        quantity=read.pop("quantity"),
        sales_amount=sales_amount,
        cost_amount=read.pop("cost_amount"),
        cost_non_inv=read.pop("cost_non_inv"),
        order_amount=order_amount[line_order],
        revenue=in_order_amount & np.asarray(order_status == "confirmed", dtype=bool),
        in_order_amount=in_order_amount,
    )
    return pd.DataFrame(columns, copy=False)


def _events(
    lines: pd.DataFrame,
    read: dict,
    orders: pd.DataFrame,
    order_sellers: pd.Series,
    payments: pd.DataFrame,
) -> pd.DataFrame:
    """metrics.commission.sales_events of the lines, from the lines frame and the days of
    _read_lines (`read`); `order_sellers`: the salesperson of each order, by order code. The
    events name orders by their code (events.order_id's categories are orders.order_id), and a
    day's events of one kind come in order-code order (a line's in line order, a payment's in
    the table's): data.increment adds an import's events to a snapshot's in the same places."""
    sellers = seller_categories(order_sellers, read["texts"]["salesperson"].categories())
    sold_by = lines["salesperson"].array
    to_sellers = np.append(sellers.get_indexer(sold_by.categories), -1).astype(np.int32)
    per_line = {
        "order": lines["order"].to_numpy(),
        "seller": to_sellers[sold_by.codes],
        "status": lines["line_status"].array,
        "value": lines["sales_amount"].to_numpy(),
        "sold_on": lines["day"].to_numpy(),
        **{name: read[name] for name in EVENT_DAYS},
    }
    order_ids = pd.Index(orders["order_id"])
    by_order = np.argsort(indexer(order_ids, payments["order_id"]), kind="stable")
    return dated_events(
        per_line,
        payments.take(by_order),
        order_ids,
        np.asarray(orders["status"] == "confirmed", dtype=bool),
        _positions(sellers, order_sellers),
        sellers,
    )


class _LinePlaces:
    """Where each order's lines go in the lines frame (orders by order date, then order_id):
    rows start[code] .. start[code + 1] - 1 of the order of code `code`."""

    def __init__(self, orders: pd.DataFrame, line_counts: pd.Series) -> None:
        order_code = pd.Index(orders["order_id"])
        self.find_orders = RunLookup(order_code)  # lines come by order_id: runs of orders
        counted = indexer(order_code, line_counts.index)
        known = counted >= 0  # lines of an unknown order are refused as they come
        per_order = np.bincount(counted[known], line_counts.to_numpy()[known], len(orders))
        self.start = np.r_[0, np.cumsum(per_order.astype(np.int64))]
        self.filled = self.start[:-1].copy()  # each order's next free row
        self.order_day = orders["day"].to_numpy()

    @property
    def lines(self) -> int:
        return int(self.start[-1])

    def rows(self, order_ids: pd.Series, line_no: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(the order code, the row in the lines frame) of each of the next lines, which go
        after the rows filled already of their order, in line_no order."""
        code = self.find_orders(order_ids)
        if (code < 0).any():
            missing = order_ids[code < 0].iloc[0]
            raise ValueError(f"order line refers to unknown order {missing!r}")
        low, high = (int(line_no.min()), int(line_no.max())) if len(code) else (0, 0)
        if (high - low + 1) * len(self.filled) < 2**62:  # one int64 key: 20x faster than lexsort
            key = code.astype(np.int64) * (high - low + 1) + (line_no - low)
            by_code = np.argsort(key, kind="stable")
        else:
            by_code = np.lexsort((line_no, code))
        sorted_code = code[by_code]
        first = np.flatnonzero(np.r_[True, sorted_code[1:] != sorted_code[:-1]])
        lengths = np.diff(np.r_[first, len(code)])
        rows = np.empty(len(code), np.int64)
        rows[by_code] = self.filled[sorted_code] + np.arange(len(code)) - np.repeat(first, lengths)
        self.filled[sorted_code[first]] += lengths
        return code, rows


def _read_lines(
    chunks: Iterable[pd.DataFrame], placed: _LinePlaces, items: pd.DataFrame, events: bool
) -> dict:
    """The lines' own columns, each chunk written at its final rows as it comes: order, line_no,
    item (codes), quantity, sales_amount, cost_amount (NaN = unknown cost), cost_non_inv,
    in_order_amount, with `events` the days of metrics.commission.event_days (a page's lines
    need not have their dates), and `texts`: a _Texts per text column (line_status,
    customisation, the attributes as sold)."""
    n = placed.lines
    item_code = pd.Index(items["item_id"])
    read = {name: np.empty(n, dtype) for name, dtype in (
        ("order", np.int32), ("line_no", np.int32), ("item", np.int32), ("quantity", np.float64),
        ("sales_amount", np.float64), ("cost_amount", np.float64), ("cost_non_inv", np.float64),
        ("in_order_amount", bool),
        *((name, np.int32) for name in EVENT_DAYS if events))}  # fmt: skip
    texts = {name: _Texts(n) for name in TEXT_COLUMNS}
    for chunk in chunks:
        if not len(chunk):
            continue
        code, rows = placed.rows(chunk["order_id"], chunk["line_no"].to_numpy(np.int64))
        quantity = chunk["quantity"].to_numpy(np.float64)
        gross = quantity * chunk["unit_price"].to_numpy(np.float64)
        gross *= 1.0 - chunk["discount_pct"].fillna(0.0).to_numpy(np.float64)
        vat_divisor = np.where(
            chunk["prices_include_vat"].to_numpy(bool),
            1.0 + chunk["vat_rate"].fillna(0.0).to_numpy(np.float64),
            1.0,
        )
        values = {
            "order": code,
            "line_no": chunk["line_no"].to_numpy(),
            "item": _positions(item_code, chunk["item_id"]),
            "quantity": quantity,
            "sales_amount": gross / vat_divisor,
            "cost_amount": quantity * chunk["unit_cost"].to_numpy(np.float64, na_value=np.nan),
            "cost_non_inv": chunk["cost_non_inv"].fillna(0.0).to_numpy(np.float64),
            "in_order_amount": ~chunk["status"].isin(["cancelled", "returned"]).to_numpy(),
            **(event_days(chunk, placed.order_day[code]) if events else {}),
        }
        for name, array in values.items():
            read[name][rows] = array
        for name, column in TEXT_COLUMNS.items():
            texts[name].put(rows, chunk.get(column))
    read["texts"] = texts
    return read


class _Texts:
    """A text column of the lines, filled chunk by chunk at scattered rows: codes in the order
    the values are first seen (-1 = missing), made a categorical with sorted categories, as
    pd.Categorical makes them, at the end. No memory is taken while every value is missing (the
    attributes as sold, on most lines)."""

    def __init__(self, rows: int) -> None:
        self.rows = rows
        self.codes: np.ndarray | None = None
        self.seen: dict[str, int] = {}

    def put(self, rows: np.ndarray, values: pd.Series | None) -> None:
        if values is None:
            return
        codes, uniques = pd.factorize(values)
        if not len(uniques) and self.codes is None:
            return
        ids = np.array([self.seen.setdefault(v, len(self.seen)) for v in uniques], np.int64)
        if self.codes is None:
            self.codes = np.full(self.rows, -1, np.int8)
        while len(self.seen) > np.iinfo(self.codes.dtype).max:
            self.codes = self.codes.astype(WIDER[self.codes.dtype.type])
        self.codes[rows] = np.append(ids, -1)[codes]

    def categories(self) -> pd.Index | None:
        """The distinct values, sorted; None when every value is missing."""
        if self.codes is None:
            return None
        return _categorical(pd.Series(list(self.seen), dtype=object)).categories

    def own(self) -> pd.Categorical | None:
        """The values as a categorical; None when every value is missing."""
        categories = self.categories()
        if categories is None:
            return None
        to_sorted = np.append(categories.get_indexer(list(self.seen)), -1).astype(np.int32)
        return pd.Categorical.from_codes(to_sorted[self.codes], categories)

    def categorical(self) -> pd.Categorical:
        own = self.own()
        if own is not None:
            return own
        nothing = _categorical(pd.Series([], dtype=object)).categories
        return pd.Categorical.from_codes(np.full(self.rows, -1, np.int8), nothing)


def _positions(index: pd.Index, values: pd.Series) -> np.ndarray:
    """index.get_indexer(values) (-1 = not there, or missing), each distinct value looked up
    once: a chunk's lines name each order a few times over, and items many times."""
    codes, uniques = pd.factorize(values)
    return np.append(index.get_indexer(uniques), -1)[codes]


def _categorical(values: pd.Series) -> pd.Categorical:
    """pd.Categorical of the values as Python objects (categories sorted, dtype object), without
    turning every value into one (7x faster on the orders' text columns)."""
    codes, uniques = pd.factorize(values, sort=True)
    return pd.Categorical.from_codes(
        codes, pd.Index(np.asarray(uniques, dtype=object), dtype=object)
    )


def _as_sold(
    mine: pd.Categorical | None, codes: np.ndarray, categories: pd.Index
) -> pd.Categorical:
    """Per line: its own value (`mine`; None: no line has one) where it has one, else the
    fallback given as categorical codes (the order's or item's value); categories sorted, as
    pd.Categorical makes them."""
    if mine is None:
        return pd.Categorical.from_codes(codes, categories)
    union = categories.union(mine.categories)
    fallback = np.append(union.get_indexer(categories), -1)[codes]
    sold = np.append(union.get_indexer(mine.categories), -1)[mine.codes]
    return pd.Categorical.from_codes(np.where(mine.codes >= 0, sold, fallback), union)


def _customers(tables: Tables) -> pd.DataFrame:
    customers = tables["customers"]
    ordering = pd.Index(tables["orders"]["customer_id"].unique())  # vectorised: no Python loop
    strays = ordering.difference(pd.Index(customers["customer_id"]), sort=True).tolist()
    if strays:  # orders of customers missing from the customer list still count, under their ID
        customers = pd.concat(
            [customers, pd.DataFrame({"customer_id": strays, "name": strays})], ignore_index=True
        )
    customers = customers.sort_values("customer_id", kind="stable").reset_index(drop=True)
    teams = dict(zip(tables["salespeople"]["code"], tables["salespeople"]["team"], strict=True))
    customers["team"] = customers["owner"].map(teams)
    return with_custom_fields(customers, tables["customer_fields"])


def with_custom_fields(customers: pd.DataFrame, fields: pd.DataFrame) -> pd.DataFrame:
    """`customers` (by customer_id, index 0..n-1) with one column per custom field of `fields`
    (customer_id, field, value rows), sorted by field name; NaN where a customer has none."""
    if not len(fields):
        return customers
    wide = fields.pivot(index="customer_id", columns="field", values="value")
    wide = wide.reindex(customers["customer_id"]).reset_index(drop=True)
    return pd.concat([customers, wide.rename_axis(columns=None)], axis=1)


def item_list(catalogue: pd.DataFrame, sold: pd.DataFrame) -> pd.DataFrame:
    """Catalogue items, plus items seen only on lines (deleted since) under their as-sold name
    (`sold`: item_id, item_name, sku of order lines; the first line of an item names it)."""
    items = catalogue.assign(in_catalogue=True)
    sold = sold.drop_duplicates("item_id")
    gone = sold[~sold["item_id"].isin(items["item_id"])]
    if len(gone):
        extra = pd.DataFrame(
            {
                "item_id": gone["item_id"].to_numpy(),
                "name": gone["item_name"].fillna(gone["item_id"]).to_numpy(),
                "item_type": "inventory",
                "made_to_order": False,
                "in_catalogue": False,
            }
        )
        items = pd.concat([items, extra], ignore_index=True)
    items = items.sort_values("item_id", kind="stable").reset_index(drop=True)
    for dim in LINE_DIMENSIONS:
        items[dim] = _categorical(items[dim])
    return items


def _order_days(orders: pd.DataFrame) -> pd.DataFrame:
    confirmed = np.flatnonzero(np.asarray(orders["status"] == "confirmed", dtype=bool))
    # orders come by day: sorted by customer (stable), each customer's come by day
    by_customer = confirmed[np.argsort(orders["customer"].to_numpy()[confirmed], kind="stable")]
    customer = orders["customer"].to_numpy()[by_customer].astype(np.int32)
    day = orders["day"].to_numpy()[by_customer].astype(np.int32)
    first = np.flatnonzero(np.r_[True, (customer[1:] != customer[:-1]) | (day[1:] != day[:-1])])
    first = first[first < len(day)]
    orders_per_day = np.diff(np.r_[first, len(day)]).astype(np.int32)
    customer, day = customer[first], day[first]
    gap = np.full(len(day), np.nan)
    same = np.zeros(len(day), dtype=bool)
    same[1:] = customer[1:] == customer[:-1]
    gap[same] = (day[1:] - day[:-1])[same[1:]]
    return pd.DataFrame(
        {
            "customer": customer,
            "day": day,
            "orders": orders_per_day,
            "gap": gap,
            # row positions ordered by customer, then gap: medians without a sort per request
            "by_gap": np.lexsort((np.nan_to_num(gap, nan=np.inf), customer)).astype(np.int32),
        }
    )


def lines_by_customer(customer: np.ndarray) -> pd.DataFrame:
    """The customer_lines table of the lines' customer codes."""
    line = np.argsort(customer, kind="stable").astype(np.int32)
    return pd.DataFrame({"customer": customer[line], "line": line})


def month_items_by_customer(lines: pd.DataFrame, n_customers: int, n_items: int) -> pd.DataFrame:
    """The customer_month_items table of a lines frame. Each cell adds its lines in line order,
    as a bincount over one customer's lines does: the same sums to the last bit."""
    revenue = np.flatnonzero(lines["revenue"].to_numpy())
    month = lines["month"].to_numpy()[revenue]
    # lines come by date, so each month is a run: its (customer, item) cells are found in a
    # small dense table, not by sorting every line's key
    bounds = np.flatnonzero(np.r_[True, month[1:] != month[:-1], True]) if len(month) else [0]
    starts, ends = bounds[:-1], bounds[1:]
    key = lines["customer"].to_numpy()[revenue].astype(np.int64)
    key *= n_items
    key += lines["item"].to_numpy()[revenue]
    found = np.empty(len(key), np.int64)  # each revenue line's cell, in the order cells are found
    runs, count = [], 0
    for start, end in zip(starts, ends, strict=True):
        cells, position = compact(key[start:end], n_customers * n_items, dense=MONTH_ITEMS_DENSE)
        found[start:end] = position + count
        runs.append(cells)
        count += len(cells)
    cells = np.concatenate([np.zeros(0, np.int64), *runs])
    cell_month = np.repeat(month[starts], list(map(len, runs)))
    del key, month, runs
    customer, item = np.divmod(cells, max(n_items, 1))
    by_customer = np.argsort(customer, kind="stable")  # then by month, then item, as found
    place = np.empty_like(by_customer)
    place[by_customer] = np.arange(len(by_customer))
    # every line's cell in the table's order; the other lines go to one cell more, dropped: the
    # amounts are summed from the lines' own columns, not from copies of the revenue lines'
    cell = np.full(len(lines), len(cells), np.int64)
    cell[revenue] = place[found]
    del revenue, found, place
    amounts = {c: lines[c].to_numpy() for c in LINE_AMOUNTS}
    sums = revenue_sums(amounts, cell, len(cells) + 1, counts=np.int32)
    return pd.DataFrame(
        {
            "customer": customer[by_customer].astype(np.int32),
            "month": cell_month[by_customer].astype(np.int32),
            "item": item[by_customer].astype(np.int32),
            **{name: values[:-1] for name, values in sums.items()},
        }
    )


def month_items_of_customer(frames: Frames, code: int) -> tuple[int, int]:
    """Rows first:last of frames.customer_month_items that hold a customer's (by code) cells."""
    owner = frames.customer_month_items["customer"].to_numpy()
    key = owner.dtype.type(code)  # in the column's own type: no conversion of the column
    return int(np.searchsorted(owner, key, "left")), int(np.searchsorted(owner, key, "right"))


def _daily(lines: pd.DataFrame, n_customers: int) -> pd.DataFrame:
    """DAILY_SUMS per (day, customer) with any line. Definitions as in metrics.sums.line_sums."""
    day = lines["day"].to_numpy()
    customer = lines["customer"].to_numpy()
    first_day = int(day[0]) if len(day) else 0
    cells, row = np.unique((day - first_day).astype(np.int64) * n_customers + customer,
                           return_inverse=True)  # fmt: skip
    revenue = lines["revenue"].to_numpy()
    sales = lines["sales_amount"].to_numpy()
    quantity = lines["quantity"].to_numpy()
    cost = lines["cost_amount"].to_numpy()
    non_inv = lines["cost_non_inv"].to_numpy()
    known = revenue & ~np.isnan(cost)
    order = lines["order"].to_numpy()
    first_line = np.r_[True, order[1:] != order[:-1]] if len(order) else np.zeros(0, bool)
    status = lines["order_status"].to_numpy()
    counted = lines["in_order_amount"].to_numpy()

    def total(weights, where) -> np.ndarray:
        w = None if weights is None else np.where(where, weights, 0.0)
        return np.bincount(row, weights=w if w is not None else where.astype(np.float64),
                           minlength=len(cells))  # fmt: skip

    sums = {
        "sales_amount": total(sales, revenue),
        "sales_quantity": total(quantity, revenue),
        "cost_amount": total(cost, known),
        "cost_non_inv": total(non_inv, revenue),
        "known_sales": total(sales, known),
        "known_non_inv": total(non_inv, known),
        "known_quantity": total(quantity, known),
        "known_lines": total(None, known),
        "revenue_lines": total(None, revenue),
        "confirmed_orders": total(None, first_line & (status == "confirmed")),
        "draft_orders": total(None, first_line & (status == "draft")),
        "confirmed_amount": total(sales, counted & (status == "confirmed")),
        "draft_amount": total(sales, counted & (status == "draft")),
    }
    days = (cells // max(n_customers, 1) + first_day).astype(np.int32)
    return pd.DataFrame(
        {
            "day": days,
            "month": month_of_days(days),
            "customer": (cells % max(n_customers, 1)).astype(np.int32),
            **sums,
        }
    )


def customer_months(daily: pd.DataFrame, n_customers: int) -> pd.DataFrame:
    """The customer_months table of a daily table: DAILY_SUMS per (month, customer)."""
    month = daily["month"].to_numpy().astype(np.int64)
    first = int(month[0]) if len(month) else 0
    months = int(month[-1]) - first + 1 if len(month) else 0
    n = max(n_customers, 1)
    cells, row = compact((month - first) * n + daily["customer"].to_numpy(), months * n)
    return pd.DataFrame(
        {
            "month": (cells // n + first).astype(np.int32),
            "customer": (cells % n).astype(np.int32),
            **{
                name: np.bincount(row, weights=daily[name].to_numpy(), minlength=len(cells)).astype(
                    np.float64
                )
                for name in DAILY_SUMS
            },
        }
    )


def _monthly(lines: pd.DataFrame, n_customers: int) -> pd.DataFrame:
    """MONTHLY_SUMS per (item dimension, value, month, customer) with a revenue line, month by
    month (the lines come sorted by day) into columns of the table's final size (counted first):
    the working memory is one month's lines, and nothing is copied at the end."""
    revenue = lines["revenue"].to_numpy()
    month = lines["month"].to_numpy()
    customer = lines["customer"].to_numpy()
    order = lines["order"].to_numpy()
    amounts = {c: lines[c].to_numpy() for c in LINE_AMOUNTS}
    starts = np.r_[0, np.flatnonzero(month[1:] != month[:-1]) + 1, len(month)]
    months = [np.flatnonzero(revenue[a:b]) + a for a, b in itertools.pairwise(starts)]
    values = pd.Index([]).append([lines[d].cat.categories for d in LINE_DIMENSIONS])
    values = values.unique().sort_values()

    def cells(dim: str, kept: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
        """(the value code of each line, 0 = missing; compact's cells and rows of (customer,
        value); the number of values + 1) of the lines `kept`."""
        codes = lines[dim].array.codes[kept].astype(np.int64) + 1
        width = len(lines[dim].cat.categories) + 1
        key = customer[kept].astype(np.int64) * width + codes
        return codes, *compact(key, n_customers * width), width

    total = sum(len(cells(dim, kept)[1]) for dim in LINE_DIMENSIONS for kept in months)
    counts = ("known_lines", "revenue_lines", "orders")
    columns = {
        "dimension": np.empty(total, np.int8),
        **{name: np.empty(total, np.int32) for name in ("month", "customer", "value")},
        **{name: np.empty(total, np.int32 if name in counts else np.float64)
           for name in MONTHLY_SUMS},
    }  # fmt: skip
    at = 0
    for position, dim in enumerate(LINE_DIMENSIONS):
        to_value = np.append(values.get_indexer(lines[dim].cat.categories), -1).astype(np.int32)
        for kept in months:
            codes, cell, row, width = cells(dim, kept)
            part = slice(at, at + len(cell))
            at += len(cell)
            columns["dimension"][part] = position
            columns["month"][part] = month[kept[0]] if len(kept) else 0
            columns["customer"][part] = cell // width
            columns["value"][part] = to_value[cell % width - 1]
            for name, sums in revenue_sums({c: a[kept] for c, a in amounts.items()}, row,
                                           len(cell)).items():  # fmt: skip
                columns[name][part] = sums
            # an order lies in one (month, customer): its distinct values are its distinct cells
            pair = order[kept].astype(np.int64) * width + codes
            by_pair = np.argsort(pair, kind="stable")  # lines come by order: nearly sorted already
            firsts = by_pair[np.r_[True, np.diff(pair[by_pair]) != 0]] if len(pair) else by_pair
            columns["orders"][part] = np.bincount(row[firsts], minlength=len(cell))
    columns["value"] = pd.Categorical.from_codes(columns["value"], values)
    return pd.DataFrame(columns, copy=False)


def compact(key: np.ndarray, keys: int, dense: int = 1 << 16) -> tuple[np.ndarray, np.ndarray]:
    """(the distinct values of `key` (in 0..keys-1) ascending, each key's position among them):
    np.unique, through a dense table when `keys` is small (up to 4 per key, plus `dense`)."""
    if keys <= 4 * len(key) + dense:
        present = np.flatnonzero(np.bincount(key, minlength=keys))
        position = np.zeros(keys, dtype=np.int64)
        position[present] = np.arange(len(present))
        return present, position[key]
    cells, group = np.unique(key, return_inverse=True)
    return cells, group.reshape(-1)


def revenue_sums(
    revenue: dict[str, np.ndarray], group: np.ndarray, groups: int, counts=np.float64
) -> dict[str, np.ndarray]:
    """REVENUE_SUMS per group (0..groups-1) of revenue lines, given their sales_amount,
    quantity, cost_amount (NaN = unknown) and cost_non_inv and `group`, the group of each:
    sales_amount, sales_quantity, cost_non_inv, revenue_lines over all of them; cost_amount,
    known_sales, known_non_inv, known_quantity, known_lines over those with a unit cost. The two
    line counts as `counts`."""
    sales, quantity = revenue["sales_amount"], revenue["quantity"]
    cost, non_inv = revenue["cost_amount"], revenue["cost_non_inv"]
    # one sum per (group, known cost) cell: column 0 the lines without a unit cost, 1 with one
    cell = group.astype(np.intp) * 2
    cell += ~np.isnan(cost)

    def total(weights: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """(Σ over all lines, Σ over the lines with a cost) per group."""
        sums = np.bincount(cell, weights=weights, minlength=2 * groups).astype(np.float64)
        return sums[::2] + sums[1::2], sums[1::2]

    (sales_all, sales_known), (quantity_all, quantity_known) = total(sales), total(quantity)
    (non_inv_all, non_inv_known), (lines_all, lines_known) = total(non_inv), total()
    return {
        "sales_amount": sales_all,
        "sales_quantity": quantity_all,
        "cost_amount": total(cost)[1],  # the cells without a cost sum NaNs
        "cost_non_inv": non_inv_all,
        "known_sales": sales_known,
        "known_non_inv": non_inv_known,
        "known_quantity": quantity_known,
        "known_lines": lines_known.astype(counts),
        "revenue_lines": lines_all.astype(counts),
    }
