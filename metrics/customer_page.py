"""The customer page of SPEC §4 screen 3: one customer's items, lapsed items, cross-sell gaps,
recent orders, monthly trend and header facts.

Every function reads only the customer's own order lines (found with one comparison over the
customer codes of frames.lines), except cross_sell_gaps, which reads the 365 days of lines of the
customer's group. Day numbers are days since 1970-01-01 (data.frames.to_day). Money is Sales
Amount as defined in SPEC §3 (net of VAT, revenue lines only unless said otherwise).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from data.frames import Frames, customer_code, from_day, month_of_days
from metrics.amounts import amount_columns
from metrics.cadence import cadence
from metrics.filters import Filters, Period
from metrics.selection import Selection, select
from metrics.sums import line_sums

REGULAR_MIN_DATES = 3  # an item bought on this many distinct dates is bought "regularly"
LAPSED_GAP_FACTOR = 2.0  # lapsed: days since its last order > this × its median gap
YEAR_DAYS = 365
LOST_AFTER_MONTHS = 6  # SPEC §3 default for "lost"

ITEMS_BOUGHT_COLUMNS = (
    "item_id",
    "item_name",
    "sales_quantity",
    "sales_amount",
    "orders",
    "last_bought",
    "last_price",
)
LAPSED_COLUMNS = (
    "item_id",
    "item_name",
    "orders",
    "median_gap_days",
    "last_bought",
    "days_since",
    "overdue_days",
    "yearly_sales_amount",
)
CROSS_SELL_COLUMNS = (
    "item_id",
    "item_name",
    "buyers",
    "group_customers",
    "penetration",
    "median_spend",
    "expected_value",
    "explanation",
)
RECENT_ORDER_COLUMNS = (
    "order_id",
    "order_date",
    "status",
    "document_type",
    "channel",
    "amount",
    "lines",
)
ORDER_LINE_COLUMNS = (
    "item_id",
    "item_name",
    "quantity",
    "unit_net_price",
    "sales_amount",
    "line_status",
    "counts_as_revenue",
)


def items_bought_most(frames: Frames, customer_id: str, filters: Filters) -> pd.DataFrame:
    """What the customer bought in the filters' period (the other filters apply too).

    Out: ITEMS_BOUGHT_COLUMNS, one row per item with a revenue line in the period —
    sales_quantity, sales_amount (Σ over its revenue lines), orders (distinct orders),
    last_bought (date of the latest revenue line of the item in all history up to the period
    end) and last_price (that line's sales_amount / quantity; among lines of the same day, the
    latest order and line). By sales_amount descending, then item_id.
    """
    code = customer_code(frames, customer_id)
    selection = select(frames, replace(filters, customers=(customer_id,)))
    revenue = selection.values("revenue")
    item = selection.values("item")[revenue]
    order = selection.values("order")[revenue].astype(np.int64)
    bought, group = np.unique(item, return_inverse=True)
    n = len(bought)
    pairs = np.unique(group.astype(np.int64) * (int(order.max(initial=0)) + 1) + order)
    orders = np.bincount(pairs // (int(order.max(initial=0)) + 1), minlength=n)

    # each item's latest revenue line up to the period end (lines sorted by day, order, line)
    rows = _revenue_rows(frames, _customer_rows(frames, code, selection.period.end_day))
    lines = frames.lines
    reversed_items = lines["item"].to_numpy()[rows][::-1]
    seen, first_from_end = np.unique(reversed_items, return_index=True)
    last_row = rows[::-1][first_from_end[np.searchsorted(seen, bought)]]
    quantity = lines["quantity"].to_numpy()[last_row]
    with np.errstate(invalid="ignore", divide="ignore"):
        last_price = np.where(
            quantity != 0, lines["sales_amount"].to_numpy()[last_row] / quantity, np.nan
        )
    table = pd.DataFrame(
        {
            **_item_labels(frames, bought),
            "sales_quantity": np.bincount(group, selection.values("quantity")[revenue], n),
            "sales_amount": np.bincount(group, selection.values("sales_amount")[revenue], n),
            "orders": orders.astype(np.int64),
            "last_bought": _dates(lines["day"].to_numpy()[last_row]),
            "last_price": last_price,
        }
    )
    return _sorted(table, "sales_amount")


def lapsed_items(frames: Frames, customer_id: str, as_of_day: int) -> pd.DataFrame:
    """Items the customer bought regularly and has stopped buying, as of `as_of_day`.

    Regularly: revenue lines (confirmed orders, not cancelled or returned) on ≥ 3 distinct order
    dates up to as_of_day. Lapsed: days_since (as_of_day − last date) > 2 × median_gap_days
    (median of the gaps between those distinct dates). Out: LAPSED_COLUMNS — orders (distinct
    dates), overdue_days = days_since − median_gap_days, yearly_sales_amount = the item's Sales
    Amount in the 365 days up to and including its last date. By yearly_sales_amount descending,
    then item_id.
    """
    code = customer_code(frames, customer_id)
    rows = _revenue_rows(frames, _customer_rows(frames, code, as_of_day))
    lines = frames.lines
    item = lines["item"].to_numpy()[rows]
    day = lines["day"].to_numpy()[rows].astype(np.int64)
    dates = pd.DataFrame({"item": item, "day": day}).drop_duplicates()
    dates = dates.sort_values(["item", "day"], kind="stable")
    dates["gap"] = dates.groupby("item")["day"].diff()
    per_item = dates.groupby("item").agg(
        orders=("day", "size"), last=("day", "max"), median_gap_days=("gap", "median")
    )
    days_since = as_of_day - per_item["last"]
    lapsed = per_item[
        (per_item["orders"] >= REGULAR_MIN_DATES)
        & (days_since > LAPSED_GAP_FACTOR * per_item["median_gap_days"])
    ]
    last_of_item = np.full(len(frames.items), np.iinfo(np.int64).min // 2)
    last_of_item[lapsed.index.to_numpy()] = lapsed["last"].to_numpy()
    in_year = day > last_of_item[item] - YEAR_DAYS  # up to the last date: later days have no line
    yearly = np.bincount(
        item[in_year], lines["sales_amount"].to_numpy()[rows][in_year], len(frames.items)
    )
    codes = lapsed.index.to_numpy()
    since = (as_of_day - lapsed["last"]).to_numpy(np.int64)
    table = pd.DataFrame(
        {
            **_item_labels(frames, codes),
            "orders": lapsed["orders"].to_numpy(np.int64),
            "median_gap_days": lapsed["median_gap_days"].to_numpy(np.float64),
            "last_bought": _dates(lapsed["last"].to_numpy()),
            "days_since": since,
            "overdue_days": since - lapsed["median_gap_days"].to_numpy(np.float64),
            "yearly_sales_amount": yearly[codes],
        }
    )
    return _sorted(table, "yearly_sales_amount")


def cross_sell_gaps(
    frames: Frames, customer_id: str, as_of_day: int, min_penetration: float = 0.2
) -> pd.DataFrame:
    """Items the customer's group buys and the customer never bought, by expected value.

    Over the 365 days up to and including as_of_day, among the OTHER customers of the same
    customer_group that have a revenue line in those days (group_customers): buyers = how many
    bought the item; penetration = buyers / group_customers (kept when ≥ min_penetration);
    median_spend = median over the buyers of their Sales Amount of the item;
    expected_value = penetration × median_spend. Items the customer has a revenue line of, at
    any time up to as_of_day, are left out. Out: CROSS_SELL_COLUMNS, explanation in plain words.
    By expected_value descending, then item_id; empty for a customer without a group or alone in it.
    """
    code = customer_code(frames, customer_id)
    group_name = frames.customers["customer_group"].to_numpy()[code]
    if pd.isna(group_name):
        return _empty(CROSS_SELL_COLUMNS)
    members = (
        (frames.customers["customer_group"] == group_name).to_numpy(bool, na_value=False).copy()
    )
    members[code] = False

    lines = frames.lines
    lo, hi = _day_slice(frames, as_of_day - YEAR_DAYS + 1, as_of_day)
    customer = lines["customer"].to_numpy()[lo:hi]
    keep = lines["revenue"].to_numpy()[lo:hi] & members[customer]
    customer = customer[keep].astype(np.int64)
    n_items = len(frames.items)
    pair, pair_row = np.unique(
        customer * n_items + lines["item"].to_numpy()[lo:hi][keep], return_inverse=True
    )
    spend = np.bincount(pair_row, lines["sales_amount"].to_numpy()[lo:hi][keep], len(pair))
    pair_item = pair % n_items
    group_customers = len(np.unique(pair // n_items))
    if group_customers == 0:
        return _empty(CROSS_SELL_COLUMNS)

    buyers = np.bincount(pair_item, minlength=n_items)
    penetration = buyers / group_customers
    owned = lines["item"].to_numpy()[_revenue_rows(frames, _customer_rows(frames, code, as_of_day))]
    wanted = (buyers > 0) & (penetration >= min_penetration)
    wanted[owned] = False
    chosen = np.isin(pair_item, np.flatnonzero(wanted))
    median_spend = pd.Series(spend[chosen]).groupby(pair_item[chosen]).median()
    codes = median_spend.index.to_numpy()
    table = pd.DataFrame(
        {
            **_item_labels(frames, codes),
            "buyers": buyers[codes].astype(np.int64),
            "group_customers": np.full(len(codes), group_customers, dtype=np.int64),
            "penetration": penetration[codes],
            "median_spend": median_spend.to_numpy(np.float64),
        }
    )
    table["expected_value"] = table["penetration"] * table["median_spend"]
    table["explanation"] = [
        f"bought by {p:.0%} of {group_name} customers, median {money_words(m)}/yr"
        for p, m in zip(table["penetration"], table["median_spend"], strict=True)
    ]
    return _sorted(table, "expected_value")


def recent_orders(
    frames: Frames, customer_id: str, limit: int = 20, period: Period | None = None
) -> pd.DataFrame:
    """The customer's latest `limit` orders of any status dated in `period` (None: all
    history), newest first.

    Out: RECENT_ORDER_COLUMNS — amount = Σ Sales Amount of the order's non-cancelled,
    non-returned lines (whatever the order status); lines = how many lines it has (all statuses).
    """
    code = customer_code(frames, customer_id)
    orders = frames.orders
    mine = orders["customer"].to_numpy() == code
    if period is not None:
        day = orders["day"].to_numpy()
        mine &= (day >= period.start_day) & (day <= period.end_day)
    mine = np.flatnonzero(mine)[::-1][:limit]  # orders are by date, then id
    lines = frames.lines
    rows = _customer_rows(frames, code)
    with_lines, first, counts = np.unique(
        lines["order"].to_numpy()[rows], return_index=True, return_counts=True
    )
    at = np.searchsorted(with_lines, mine)
    found = (at < len(with_lines)) & (with_lines[np.minimum(at, len(with_lines) - 1)] == mine)
    first_row = np.where(found, rows[first[np.minimum(at, len(first) - 1)]], -1)  # -1: no line
    return pd.DataFrame(
        {
            "order_id": orders["order_id"].iloc[mine].to_numpy(),
            "order_date": _dates(orders["day"].to_numpy()[mine]),
            "status": _labels(orders["status"], mine),
            "document_type": _labels(lines["document_type"], first_row),
            "channel": _labels(lines["channel"], first_row),
            "amount": np.where(found, lines["order_amount"].to_numpy()[first_row], 0.0),
            "lines": np.where(found, counts[np.minimum(at, len(counts) - 1)], 0).astype(np.int64),
        },
        columns=list(RECENT_ORDER_COLUMNS),
    )


def order_lines(frames: Frames, order_id: str) -> pd.DataFrame:
    """The lines of one order in line order: ORDER_LINE_COLUMNS.

    unit_net_price = sales_amount / quantity (net of discount and VAT); counts_as_revenue is False
    for cancelled or returned lines and for every line of a draft, quote or abandoned order.
    ValueError for an unknown order_id.
    """
    matches = np.flatnonzero((frames.orders["order_id"] == order_id).to_numpy(bool, na_value=False))
    if not len(matches):
        raise ValueError(f"unknown order {order_id!r}")
    lines = frames.lines
    rows = np.flatnonzero(lines["order"].to_numpy() == matches[0])
    rows = rows[np.argsort(lines["line_no"].to_numpy()[rows], kind="stable")]
    quantity = lines["quantity"].to_numpy()[rows]
    sales = lines["sales_amount"].to_numpy()[rows]
    with np.errstate(invalid="ignore", divide="ignore"):
        unit_price = np.where(quantity != 0, sales / quantity, np.nan)
    return pd.DataFrame(
        {
            **_item_labels(frames, lines["item"].to_numpy()[rows]),
            "quantity": quantity,
            "unit_net_price": unit_price,
            "sales_amount": sales,
            "line_status": _labels(lines["line_status"], rows),
            "counts_as_revenue": lines["revenue"].to_numpy()[rows],
        }
    )


def monthly_trend(frames: Frames, customer_id: str, end_day: int, months: int = 36) -> pd.DataFrame:
    """Sales Amount and Gross Profit per month over the `months` months ending with end_day's month.

    Out: month (first day), sales_amount, gross_profit — one row per month, oldest first, counting
    revenue lines dated up to end_day; 0 for a month without sales; gross_profit NaN for a month
    whose sales have no known cost (SPEC §3 missing-cost rule, as metrics.amounts).
    """
    code = customer_code(frames, customer_id)
    end_month = int(month_of_days(np.array([end_day]))[0])
    first_month = end_month - months + 1
    first_day = _day_of_month(first_month)
    selection = _customer_selection(frames, code, Period(first_day, end_day))
    month = selection.values("month").astype(np.int64) - first_month
    sums = amount_columns(line_sums(selection, month, months))
    months_since_1970 = np.arange(first_month, end_month + 1) - 1970 * 12
    month_starts = months_since_1970.astype("datetime64[M]").astype("datetime64[ns]")
    return pd.DataFrame(
        {
            "month": month_starts,
            "sales_amount": sums["sales_amount"].to_numpy(),
            "gross_profit": sums["gross_profit"].to_numpy(),
        }
    )


@dataclass(frozen=True)
class CustomerHeader:
    """The facts at the top of the customer page, as of a day.

    lifecycle: 'new' (first confirmed order in the last 12 months), 'lost' (no confirmed order in
    the last LOST_AFTER_MONTHS months), 'recovered' (ordered in the last 12 months, not in the 12
    before, but earlier), 'returning' (ordered before and in the last 12 months), 'prospect'
    (never ordered). overdue_days = days since last order − median reorder gap (metrics.cadence),
    None when fewer than two order dates. trailing_12m_sales_amount: Sales Amount of the 365 days
    up to the day.
    """

    customer_id: str
    name: str
    owner: str | None
    owner_name: str | None
    group: str | None
    location: str
    customer_since: pd.Timestamp | None
    last_order: pd.Timestamp | None
    confirmed_orders: int
    median_gap_days: float | None
    overdue_days: float | None
    at_risk: bool
    lifecycle: str
    trailing_12m_sales_amount: float


def customer_header(frames: Frames, customer_id: str, as_of_day: int) -> CustomerHeader:
    """Header facts of the customer as of `as_of_day` (see CustomerHeader)."""
    code = customer_code(frames, customer_id)
    row = frames.customers.iloc[code]
    cad = cadence(frames, as_of_day)
    od = frames.order_days
    days = od["day"].to_numpy()[od["customer"].to_numpy() == code]
    days = days[days <= as_of_day]
    year_ago = as_of_day - YEAR_DAYS
    last = int(cad.last_order_day[code])
    lost_from = (from_day(last) + pd.DateOffset(months=LOST_AFTER_MONTHS)) if last >= 0 else None
    if not len(days):
        lifecycle = "prospect"
    elif lost_from is not None and lost_from <= from_day(as_of_day):
        lifecycle = "lost"
    elif days[0] > year_ago:
        lifecycle = "new"
    elif not ((days > year_ago - YEAR_DAYS) & (days <= year_ago)).any():
        lifecycle = "recovered"
    else:
        lifecycle = "returning"

    sellers = frames.salespeople
    owner = row.get("owner")
    owner_names = sellers.loc[sellers["code"] == owner, "name"]
    created = row.get("created_on")
    since = [pd.Timestamp(created)] if pd.notna(created) else []
    if len(days):
        since.append(from_day(int(days[0])))
    selection = _customer_selection(frames, code, Period(as_of_day - YEAR_DAYS + 1, as_of_day))
    median_gap = cad.median_gap[code]
    return CustomerHeader(
        customer_id=str(row["customer_id"]),
        name=str(row["name"]),
        owner=_text(owner),
        owner_name=_text(owner_names.iloc[0]) if len(owner_names) else None,
        group=_text(row.get("customer_group")),
        location=", ".join(v for v in (_text(row.get("city")), _text(row.get("country"))) if v),
        customer_since=min(since).normalize() if since else None,
        last_order=from_day(last) if last >= 0 else None,
        confirmed_orders=int(cad.confirmed_orders[code]),
        median_gap_days=None if np.isnan(median_gap) else float(median_gap),
        overdue_days=None if np.isnan(median_gap) else float(cad.overdue_days[code]),
        at_risk=bool(cad.at_risk[code]),
        lifecycle=lifecycle,
        trailing_12m_sales_amount=float(line_sums(selection)["sales_amount"][0]),
    )


def order_count(frames: Frames, customer_id: str, period: Period) -> int:
    """How many orders of any status the customer has dated in `period`."""
    code = customer_code(frames, customer_id)
    orders = frames.orders
    day = orders["day"].to_numpy()
    mine = orders["customer"].to_numpy() == code
    return int((mine & (day >= period.start_day) & (day <= period.end_day)).sum())


def months_in(period: Period) -> int:
    """How many calendar months the period touches."""
    first, last = month_of_days(np.array([period.start_day, period.end_day]))
    return int(last - first + 1)


def confirmed_order_count(frames: Frames, customer_id: str, period: Period) -> int:
    """How many confirmed orders the customer placed in `period` (the KPI cards lack this count)."""
    code = customer_code(frames, customer_id)
    orders = frames.orders
    day = orders["day"].to_numpy()
    mine = (orders["customer"].to_numpy() == code) & (orders["status"] == "confirmed").to_numpy()
    return int((mine & (day >= period.start_day) & (day <= period.end_day)).sum())


def money_words(value: float) -> str:
    """Pounds for a sentence: £1,240 from £100 up (no pence), £12.50 below."""
    return f"£{value:,.0f}" if abs(value) >= 100 else f"£{value:,.2f}"


def _customer_rows(frames: Frames, code: int, upto_day: int | None = None) -> np.ndarray:
    """Positions in frames.lines of the customer's lines (sorted by day), up to a day if given."""
    lines = frames.lines
    if upto_day is None:
        return np.flatnonzero(lines["customer"].to_numpy() == code)
    _, hi = _day_slice(frames, np.iinfo(np.int32).min, upto_day)
    return np.flatnonzero(lines["customer"].to_numpy()[:hi] == code)


def _revenue_rows(frames: Frames, rows: np.ndarray) -> np.ndarray:
    return rows[frames.lines["revenue"].to_numpy()[rows]]


def _customer_selection(frames: Frames, code: int, period: Period) -> Selection:
    """A Selection of the customer's lines in `period`, for metrics.sums and metrics.amounts."""
    lo, hi = _day_slice(frames, period.start_day, period.end_day)
    customers = np.zeros(len(frames.customers), dtype=bool)
    customers[code] = True
    mask = frames.lines["customer"].to_numpy()[lo:hi] == code
    return Selection(frames, period, lo, hi, mask, customers)


def _day_slice(frames: Frames, start_day: int, end_day: int) -> tuple[int, int]:
    """lo, hi such that frames.lines[lo:hi] are the lines dated start_day..end_day."""
    day = frames.lines["day"].to_numpy()
    start = max(int(start_day), int(np.iinfo(day.dtype).min))
    lo = int(np.searchsorted(day, day.dtype.type(start), "left"))
    hi = int(np.searchsorted(day, day.dtype.type(end_day), "right"))
    return lo, hi


def _day_of_month(month: int) -> int:
    """Day number of the first day of a year*12+month-1 month."""
    first = np.datetime64(f"{month // 12:04d}-{month % 12 + 1:02d}-01", "D")
    return int((first - np.datetime64("1970-01-01", "D")).astype(int))


def _item_labels(frames: Frames, codes: np.ndarray) -> dict[str, np.ndarray]:
    items = frames.items
    return {
        "item_id": items["item_id"].to_numpy()[codes],
        "item_name": items["name"].to_numpy()[codes],
    }


def _labels(column: pd.Series, rows: np.ndarray) -> np.ndarray:
    """A categorical column's values at `rows` (None where missing or the row is -1), without
    converting the whole column."""
    codes = np.where(rows >= 0, column.cat.codes.to_numpy()[rows], -1)
    return np.append(np.asarray(column.cat.categories, dtype=object), None)[codes]  # -1 → None


def _dates(days: np.ndarray) -> np.ndarray:
    return np.asarray(days, dtype=np.int64).astype("datetime64[D]").astype("datetime64[ns]")


def _sorted(table: pd.DataFrame, by: str) -> pd.DataFrame:
    # rounded so that equal values computed in different ways tie and fall back to item_id
    key = table[by].astype(np.float64).round(6)
    return (
        table.assign(_key=key)
        .sort_values(["_key", "item_id"], ascending=[False, True], kind="stable")
        .drop(columns="_key")
        .reset_index(drop=True)
    )


def _empty(columns: tuple[str, ...]) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})


def _text(value) -> str | None:
    return None if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value)
