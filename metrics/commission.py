"""Commission and the Sales by User amounts (SPEC §5): sales dated by their events, not order dates.

`sales_events` turns the table frames into one row per dated event (built once per data load),
`daily_events` sums them per day, salesperson and event (built with them); `commission` sums a
period's events, or their daily sums, per salesperson and applies each one's basis and rate.
No import from `data`, so data.frames may build and cache the events without an import cycle.

Which events count: only lines and payments of **confirmed** orders that have a salesperson (the
line's as sold, else the order's; never the customer's owner). Drafts, quotes and abandoned orders are not sales, so their
cancellations, returns and payments are not counted either; orders without a salesperson are
omitted (SPEC §5, Sales by User).

Every event value is a positive magnitude (a refund's value is the size of the refund); the
signs live in the basis formulas of `commission`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from metrics.lookup import indexer

EVENTS = ("sold", "cancelled", "returned", "delivered", "paid", "refunded")
# Per basis: the events that add to the adjusted sales, and those taken off them.
BASES = {
    "items_sold": (("sold",), ("cancelled", "returned")),
    "items_delivered": (("delivered",), ("returned",)),
    "payments": (("paid",), ("refunded",)),
}
EVENT_COLUMNS = ("salesperson", "order_id", "event", "day", "value")
DAILY_EVENT_COLUMNS = ("day", "salesperson", "event", "value")
COMMISSION_COLUMNS = (
    "salesperson",
    "salesperson_name",
    "team",
    *EVENTS,
    "commission_basis",
    "adjusted_sales",
    "commission_rate",
    "commission",
)


def sales_events(lines: pd.DataFrame, orders: pd.DataFrame, payments: pd.DataFrame) -> pd.DataFrame:
    """One row per dated event of the confirmed orders that have a salesperson.

    In: the table frames `order_lines`, `orders` and `payments` of data.db.read_tables /
    data.demo.generate (dates datetime64, missing = NaT).
    Out: EVENT_COLUMNS sorted by day — salesperson (categorical: a line's event, the line's own
    `salesperson` column when it has one, else the order's; a payment's, the order's), order_id
    (categorical), event (categorical over EVENTS), day (int32 days since 1970-01-01), value.

    Per line, with Sales Amount = quantity × unit_price × (1 − discount_pct), ÷ (1 + vat_rate)
    when prices include VAT (SPEC §3):
    - sold: every line (whatever its status) on the order date, value = Sales Amount;
    - cancelled: lines with status cancelled, on cancelled_on;
    - delivered: lines with status delivered or returned (a returned line was delivered first),
      on delivered_on;
    - returned: lines with status returned, on returned_on.
    A missing date falls back to the order date (returned_on: to the delivery date first), so a
    line imported without event dates nets out on its order date instead of vanishing.
    Per payment: paid (amount > 0, value = amount) or refunded (amount < 0, value = −amount), on
    paid_on. Payments are money received, VAT included, as recorded.
    """
    orders = orders.reset_index(drop=True)
    order_ids = pd.Index(orders["order_id"])
    # Appended entries are read by position -1, i.e. lines and payments of an unknown order.
    sellers = pd.Categorical(orders["salesperson"])
    order_seller = np.append(sellers.codes, -1)
    order_day = np.append(_days(orders["order_date"], fallback=np.zeros(len(orders))), 0)

    line_order = _positions(order_ids, lines["order_id"])
    line_seller = order_seller[line_order]
    own = lines.get("salesperson")
    categories = sellers.categories
    if own is not None and own.notna().any():  # the line's salesperson as sold (SPEC §2)
        mine = pd.Categorical(own.astype(object).where(own.notna(), None))
        categories = seller_categories(orders["salesperson"], mine.categories)
        line_seller = np.append(categories.get_indexer(sellers.categories), -1)[line_seller]
        order_seller = np.append(categories.get_indexer(sellers.categories), -1)[order_seller]
        sold_by = np.append(categories.get_indexer(mine.categories), -1)[mine.codes]
        line_seller = np.where(mine.codes >= 0, sold_by, line_seller)
    sold_on = order_day[line_order]
    sales_amount = (
        lines["quantity"].to_numpy(np.float64)
        * lines["unit_price"].to_numpy(np.float64)
        * (1.0 - lines["discount_pct"].fillna(0.0).to_numpy(np.float64))
    )
    sales_amount /= np.where(
        lines["prices_include_vat"].fillna(False).to_numpy(bool),
        1.0 + lines["vat_rate"].fillna(0.0).to_numpy(np.float64),
        1.0,
    )
    per_line = {"order": line_order, "seller": line_seller, "status": lines["status"],
                "value": sales_amount, "sold_on": sold_on, **event_days(lines, sold_on)}  # fmt: skip
    confirmed = (orders["status"] == "confirmed").to_numpy()
    return dated_events(per_line, payments, order_ids, confirmed, order_seller[:-1], categories)


def seller_categories(order_sellers: pd.Series, own: pd.Index | None) -> pd.Index:
    """The salespeople the events name (sorted): the orders' `salesperson` values and `own`,
    the distinct values the lines carry as sold (None: no line carries one)."""
    categories = pd.Categorical(order_sellers).categories
    return categories if own is None or not len(own) else categories.union(own)


def event_days(lines: pd.DataFrame, sold_on: np.ndarray) -> dict[str, np.ndarray]:
    """delivered_on, cancelled_on and returned_on of each line as day numbers (int32); a missing
    date falls back to `sold_on` (returned_on: to the delivery date first)."""
    delivered_on = _days(lines["delivered_on"], fallback=sold_on)
    return {
        "delivered_on": delivered_on,
        "cancelled_on": _days(lines["cancelled_on"], fallback=sold_on),
        "returned_on": _days(lines["returned_on"], fallback=delivered_on),
    }


def dated_events(
    lines: dict,
    payments: pd.DataFrame,
    order_ids: pd.Index,
    confirmed: np.ndarray,
    order_seller: np.ndarray,
    sellers: pd.Index,
) -> pd.DataFrame:
    """The events frame of sales_events from per-line arrays (what data.frames builds without
    holding the table frames).

    lines: per line `order` (row in `order_ids`, -1 = unknown), `seller` (code in `sellers`,
    -1 = none), `status` (the line status: a Series or Categorical), `value` (Sales Amount),
    `sold_on` and the days of event_days. Per order (row of `order_ids`): `confirmed` (bool) and
    `order_seller` (code in `sellers`, -1 = none), which payments take.
    """
    confirmed = np.append(confirmed, False)
    order_seller = np.append(order_seller, -1)
    line_order, line_seller, value = lines["order"], lines["seller"], lines["value"]
    status = lines["status"]
    line_kept = confirmed[line_order] & (line_seller >= 0)
    cancelled = np.asarray(status == "cancelled", dtype=bool)
    returned = np.asarray(status == "returned", dtype=bool)
    delivered = np.asarray(status == "delivered", dtype=bool) | returned  # returned: delivered
    sold_on = lines["sold_on"]

    pay_order = _positions(order_ids, payments["order_id"])
    amount = payments["amount"].to_numpy(np.float64)
    pay_kept = confirmed[pay_order] & (order_seller[pay_order] >= 0)
    paid_on = _days(payments["paid_on"], fallback=np.zeros(len(payments)))
    pay_seller = order_seller[pay_order]
    parts = [  # (event, rows kept, order positions, salesperson codes, days, values)
        ("sold", line_kept, line_order, line_seller, sold_on, value),
        ("cancelled", line_kept & cancelled, line_order, line_seller, lines["cancelled_on"], value),
        ("returned", line_kept & returned, line_order, line_seller, lines["returned_on"], value),
        ("delivered", line_kept & delivered, line_order, line_seller, lines["delivered_on"], value),
        ("paid", pay_kept & (amount > 0), pay_order, pay_seller, paid_on, amount),
        ("refunded", pay_kept & (amount < 0), pay_order, pay_seller, paid_on, -amount),
    ]
    # int32 throughout (order and salesperson codes fit): half the memory of the int64 parts
    day = np.concatenate([d[keep] for _, keep, _, _, d, _ in parts], dtype=np.int32)
    by_day = np.argsort(day, kind="stable")

    def sorted_by_day(values: np.ndarray) -> np.ndarray:
        return values[by_day]  # one column at a time: the peak stays one column above the frame

    event = sorted_by_day(
        np.concatenate([np.full(keep.sum(), EVENTS.index(e), np.int8) for e, keep, *_ in parts])
    )
    seller = sorted_by_day(
        np.concatenate([s[keep] for _, keep, _, s, _, _ in parts], dtype=np.int32)
    )
    order = sorted_by_day(np.concatenate([o[keep] for _, keep, o, *_ in parts], dtype=np.int32))
    value = sorted_by_day(np.concatenate([v[keep] for _, keep, *_, v in parts]))
    del parts, line_kept, cancelled, returned, delivered
    return pd.DataFrame(
        {
            "salesperson": pd.Categorical.from_codes(seller, sellers),
            "order_id": pd.Categorical.from_codes(order, order_ids),
            "event": pd.Categorical.from_codes(event, EVENTS),
            "day": day[by_day],
            "value": value,
        },
        copy=False,
    )


def daily_events(events: pd.DataFrame) -> pd.DataFrame:
    """The events summed per (day, salesperson, event): DAILY_EVENT_COLUMNS, sorted by day, one
    row per cell with an event. In: `events` of sales_events (or a part of it, sorted by day).
    Each cell adds its events in their order, as commission does, so commission gives the same
    floats from these rows as from the events."""
    day = events["day"].to_numpy()
    people, kinds = events["salesperson"].array, events["event"].array
    width = len(kinds.categories) + 1
    cells = (len(people.categories) + 1) * width
    first = int(day[0]) if len(day) else 0
    key = _day_cells(day, people.codes, kinds.codes, first, width, cells)
    sums = np.bincount(key, weights=events["value"].to_numpy(np.float64))
    used = np.flatnonzero(np.bincount(key))
    day_offset, cell = np.divmod(used, cells)
    return pd.DataFrame(
        {
            "day": (day_offset + first).astype(np.int32),
            "salesperson": pd.Categorical.from_codes(cell // width - 1, people.categories),
            "event": pd.Categorical.from_codes(cell % width - 1, kinds.categories),
            "value": sums[used],
        }
    )


def commission(
    events: pd.DataFrame, salespeople: pd.DataFrame, start_day: int, end_day: int
) -> pd.DataFrame:
    """Commission per salesperson for the period start_day..end_day (inclusive day numbers).

    In: `events` of sales_events (or any subset of it: sorted by day) or their daily_events;
    `salespeople` (code, name, team, commission_rate, commission_basis).
    Out: COMMISSION_COLUMNS (commission_of), one row per salesperson in `salespeople`' order
    (zeros when they have no event in the period), the events summed by event_sums.
    """
    return commission_of(event_sums(events, salespeople["code"], start_day, end_day), salespeople)


def event_sums(events: pd.DataFrame, codes, start_day: int, end_day: int) -> np.ndarray:
    """Σ value of each event (a column per EVENTS) dated in start_day..end_day (inclusive day
    numbers), per salesperson of `codes` (a row each, in their order; zeros when they have
    none): each day's events added in their order, then the days (daily_events gives the same
    floats). In: `events` of sales_events (or any subset of it: sorted by day) or their
    daily_events."""
    day = events["day"].to_numpy()  # sorted (sales_events): the period is a slice
    rows = slice(int(np.searchsorted(day, day.dtype.type(start_day), "left")),
                 int(np.searchsorted(day, day.dtype.type(end_day), "right")))  # fmt: skip
    people, person_of = _coded(pd.Index(codes), events["salesperson"], rows)
    kinds, event_of = _coded(pd.Index(EVENTS), events["event"], rows)
    # summed per (day, salesperson code + 1, event code + 1): code -1 (missing) is 0 here
    width = len(event_of)
    cells = len(person_of) * width
    day = day[rows]
    first, days = (int(day[0]), int(day[-1]) - int(day[0]) + 1) if len(day) else (0, 1)
    key = _day_cells(day, people, kinds, first, width, cells)
    value = events["value"].to_numpy(np.float64)[rows]
    by_day = np.bincount(key, weights=value, minlength=days * cells).reshape(days, cells)
    by_code = by_day.sum(axis=0).reshape(len(person_of), width)
    # then per salesperson × event: the codes of values in `codes` and in EVENTS
    known_people = np.flatnonzero(person_of[:-1] >= 0)
    known_events = np.flatnonzero(event_of[:-1] >= 0)
    sums = np.zeros((len(codes), len(EVENTS)))
    sums[np.ix_(person_of[known_people], event_of[known_events])] = by_code[
        np.ix_(known_people + 1, known_events + 1)
    ]
    return sums


def commission_of(sums: np.ndarray, salespeople: pd.DataFrame) -> pd.DataFrame:
    """COMMISSION_COLUMNS per salesperson of `salespeople` (code, name, team, commission_rate,
    commission_basis), in their order, from `sums`: a row per salesperson, a column per EVENTS
    (event_sums). adjusted_sales by the salesperson's basis, whenever the order was placed:
    - items_sold:      sold − cancelled − returned;
    - items_delivered: delivered − returned;
    - payments:        paid − refunded (refunded is the positive size of the refunds);
    commission = commission_rate × adjusted_sales. An unknown basis gives NaN (Unknown)."""
    n = len(salespeople)
    basis = salespeople["commission_basis"].to_numpy()
    adjusted = np.full(n, np.nan)
    for name, (plus, minus) in BASES.items():
        mine = basis == name
        adjusted[mine] = (_total(sums, plus) - _total(sums, minus))[mine]
    rate = salespeople["commission_rate"].to_numpy(np.float64)
    return pd.DataFrame(
        {
            "salesperson": salespeople["code"].to_numpy(),
            "salesperson_name": salespeople["name"].to_numpy(),
            "team": salespeople["team"].to_numpy(),
            **{event: sums[:, i] for i, event in enumerate(EVENTS)},
            "commission_basis": basis,
            "adjusted_sales": adjusted,
            "commission_rate": rate,
            "commission": rate * adjusted,
        }
    )


def _day_cells(
    day: np.ndarray, people: np.ndarray, kinds: np.ndarray, first: int, width: int, cells: int
) -> np.ndarray:
    """Per event, its (day − first, salesperson code + 1, event code + 1) cell as one index,
    built one pass per step in np.bincount's own index type (codes -1, missing, are 0 here)."""
    key = np.subtract(day, first, dtype=np.intp)
    key *= cells
    key += np.multiply(people, width, dtype=np.intp)
    key += kinds
    key += width + 1
    return key


def _total(sums: np.ndarray, events: tuple[str, ...]) -> np.ndarray:
    """Per salesperson, the sum of these events' columns of `sums` (salespeople × EVENTS)."""
    return sums[:, [EVENTS.index(e) for e in events]].sum(axis=1)


def _positions(index: pd.Index, values: pd.Series) -> np.ndarray:
    """Row position in `index` of each value (-1 = not there or missing)."""
    codes, position = _coded(index, values)
    return position[codes]


def _coded(
    index: pd.Index, values: pd.Series, rows: slice = slice(None)
) -> tuple[np.ndarray, np.ndarray]:
    """(a code per value of `values[rows]`, the position in `index` of each code): each distinct
    value is looked up once; a missing value's code is -1, the last position, which like that
    of a value not in `index` is -1."""
    if isinstance(values.dtype, pd.CategoricalDtype):  # the frames' columns: codes, no hashing
        codes, uniques = values.cat.codes.to_numpy()[rows], values.cat.categories
    else:
        codes, uniques = pd.factorize(values.iloc[rows])
    return codes, np.append(indexer(index, uniques), -1)


def _days(dates: pd.Series, fallback: np.ndarray) -> np.ndarray:
    """Days since 1970-01-01 (int32) of each date; `fallback` where the date is missing."""
    values = pd.to_datetime(dates).to_numpy("datetime64[D]")
    days = values.astype(np.int64)  # datetime64[D] counts days from 1970-01-01
    return np.where(np.isnat(values), fallback, days).astype(np.int32)
