"""The customer page of SPEC §4 screen 3: one customer's items, lapsed items, cross-sell gaps,
recent orders, monthly trend and header facts.

Every function reads only the customer's own order lines (found with one comparison over the
customer codes of frames.lines), except group_purchases (and cross_sell_gaps over the frames),
which reads the 365 days of lines of the customer's group: with SALES_ENGINE=sql the database
sums those (Engine.group_purchases) and the frames hold the customer's rows only. Day numbers are days since 1970-01-01 (data.frames.to_day). Money is Sales
Amount as defined in SPEC §3 (net of VAT, revenue lines only unless said otherwise).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from data.frames import Frames, customer_code, from_day, lines_of_customer, month_of_days
from metrics.amounts import amount_columns
from metrics.cadence import cadence
from metrics.filters import Filters, Period
from metrics.lookup import distinct, distinct_codes, indexer
from metrics.reports import product_names
from metrics.selection import Selection, product_keys, select
from metrics.sums import line_sums, order_sums

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
    "product_id",
    "product_name",
    "variants",
    "orders",
    "median_gap_days",
    "last_bought",
    "days_since",
    "overdue_days",
    "yearly_sales_amount",
    "stopped_early",
    "evidence",
)
# What the other customers of a customer's group bought (group_purchases): per (product, item)
PURCHASE_COLUMNS = ("product_id", "item_id", "buyers", "group_customers", "median_spend")
CROSS_SELL_COLUMNS = (
    "product_id",
    "product_name",
    "variants",
    "buyers",
    "group_customers",
    "penetration",
    "median_spend",
    "expected_value",
    "last_bought",
    "evidence",
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
    "variant",
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
    bought, group = distinct_codes(item, len(frames.items))
    n = len(bought)
    pairs = distinct(group.astype(np.int64) * (int(order.max(initial=0)) + 1) + order)
    orders = np.bincount(pairs // (int(order.max(initial=0)) + 1), minlength=n)

    # each item's latest revenue line up to the period end (lines sorted by day, order, line)
    rows = _revenue_rows(frames, _customer_rows(frames, code, selection.period.end_day))
    lines = frames.lines
    latest = np.full(len(frames.items), -1, np.int64)  # of each item: its last place in rows
    np.maximum.at(latest, lines["item"].to_numpy()[rows], np.arange(len(rows)))
    last_row = rows[latest[bought]]
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
    """Products (variants combined) the customer bought regularly and stopped buying, as of
    `as_of_day`.

    A product's dates are the distinct order dates of the customer's revenue lines (confirmed
    orders, not cancelled or returned) of any of its variants, up to as_of_day. Regularly: on
    ≥ 3 dates. Lapsed: days_since (as_of_day − last date) > 2 × median_gap_days (median of the
    gaps between those dates), so a product of which any variant was bought lately is not lapsed.
    stopped_early: it had lapsed already on the customer's last revenue day (that day − its last
    date > 2 × median_gap_days): it stopped while they went on buying other things.
    Out: LAPSED_COLUMNS — variants: the variants they bought (catalogue order, ", "-joined; "" for
    a product without variants); orders (distinct dates); overdue_days = days_since −
    median_gap_days; yearly_sales_amount = the product's Sales Amount in the 365 days up to and
    including its last date; evidence in words. Products that stopped early first (for a
    customer who has stopped buying altogether, these are the first signs), then by
    yearly_sales_amount descending, then product_id.
    """
    code = customer_code(frames, customer_id)
    history = _product_history(frames, code, as_of_day)
    per_product = history.per_product
    lapsed = per_product[_is_lapsed(per_product, as_of_day)]
    products = lapsed.index.to_numpy()
    last = lapsed["last"].to_numpy(np.int64)
    last_of = np.full(len(history.ids), np.iinfo(np.int64).min // 2)
    last_of[products] = last
    # up to the last date: later days have no line of a lapsed product
    in_year = history.day > last_of[history.product] - YEAR_DAYS
    yearly = np.bincount(history.product[in_year], history.sales_amount[in_year], len(history.ids))
    gap = lapsed["median_gap_days"].to_numpy(np.float64)
    since = as_of_day - last
    customer_last = int(history.day.max(initial=0))
    early = customer_last - last > LAPSED_GAP_FACTOR * gap
    table = pd.DataFrame(
        {
            "product_id": history.ids[products],
            "product_name": history.names[products],
            "variants": _variants(frames, history.product, history.item, products),
            "orders": lapsed["orders"].to_numpy(np.int64),
            "median_gap_days": gap,
            "last_bought": _dates(last),
            "days_since": since,
            "overdue_days": since - gap,
            "yearly_sales_amount": yearly[products],
            "stopped_early": early,
            "evidence": [
                f"bought every ~{_days(g)} until {_date_words(d)}; none since"
                + (
                    f", though they kept buying other things until {_date_words(customer_last)}"
                    if e
                    else ""
                )
                for g, d, e in zip(gap, last, early, strict=True)
            ],  # fmt: skip
        },
        columns=list(LAPSED_COLUMNS),
    )
    key = table["yearly_sales_amount"].astype(np.float64).round(6)  # equal sums tie
    return (
        table.assign(_key=key)
        .sort_values(
            ["stopped_early", "_key", "product_id"], ascending=[False, False, True], kind="stable"
        )
        .drop(columns="_key")
        .reset_index(drop=True)
    )


@dataclass(frozen=True)
class _GroupSums:
    """What the other customers of a customer's group bought in the year (group_purchases), in
    codes of the frames: per product code, buyers and median_spend (0 where none bought); how
    many of them have a revenue line (group_customers); the (product, item) code pairs bought."""

    buyers: np.ndarray
    median_spend: np.ndarray
    group_customers: int
    product: np.ndarray
    item: np.ndarray


def group_purchases(frames: Frames, customer_id: str, as_of_day: int) -> pd.DataFrame:
    """What the OTHER customers of the customer's group (among those of the frames) bought on
    revenue lines in the 365 days up to and including as_of_day, summed per product (variants
    combined): one row per (product, item) they bought, PURCHASE_COLUMNS — buyers (how many
    of them bought any variant of the product), group_customers (how many of them have a
    revenue line in those days), median_spend (median over the buyers of their Sales Amount
    of the product); by product_id, then item_id. Empty for a customer without a group;
    ValueError for one the frames do not hold. The engines' Engine.group_purchases (the SQL
    engine computes it in the database)."""
    code = customer_code(frames, customer_id)
    of_item, ids = pd.factorize(product_keys(frames.items))
    sums = _group_sums(frames, code, as_of_day, of_item, len(ids))
    if sums is None or not len(sums.product):
        return _empty(PURCHASE_COLUMNS)
    purchases = pd.DataFrame(
        {
            "product_id": np.asarray(ids, dtype=object)[sums.product],
            "item_id": frames.items["item_id"].to_numpy(dtype=object)[sums.item],
            "buyers": sums.buyers[sums.product],
            "group_customers": np.full(len(sums.product), sums.group_customers, np.int64),
            "median_spend": sums.median_spend[sums.product],
        }
    )
    return purchases.sort_values(["product_id", "item_id"], kind="stable").reset_index(drop=True)


def _group_sums(
    frames: Frames, code: int, as_of_day: int, of_item: np.ndarray, n_products: int
) -> _GroupSums | None:
    """group_purchases of the customer `code` in codes (`of_item`: each item's product code, of
    `n_products`); None for a customer without a group."""
    group_name = frames.customers["customer_group"].to_numpy()[code]
    if pd.isna(group_name):
        return None
    members = (
        (frames.customers["customer_group"] == group_name).to_numpy(bool, na_value=False).copy()
    )
    members[code] = False

    lines = frames.lines
    lo, hi = _day_slice(frames, as_of_day - YEAR_DAYS + 1, as_of_day)
    customer = lines["customer"].to_numpy()[lo:hi]
    keep = lines["revenue"].to_numpy()[lo:hi] & members[customer]
    customer = customer[keep].astype(np.int64)
    item = lines["item"].to_numpy()[lo:hi][keep].astype(np.int64)
    product = of_item[item]
    pair, pair_row = np.unique(customer * n_products + product, return_inverse=True)
    spend = np.bincount(pair_row, lines["sales_amount"].to_numpy()[lo:hi][keep], len(pair))
    pair_product = pair % n_products
    median_spend = np.zeros(n_products)
    medians = pd.Series(spend).groupby(pair_product).median()
    median_spend[medians.index.to_numpy()] = medians.to_numpy()
    n_items = len(frames.items)
    bought = np.unique(product * n_items + item)  # the (product, item) pairs
    return _GroupSums(
        buyers=np.bincount(pair_product, minlength=n_products).astype(np.int64),
        median_spend=median_spend,
        group_customers=len(np.unique(pair // n_products)),
        product=bought // n_items,
        item=bought % n_items,
    )


def _sums_of(
    frames: Frames, purchases: pd.DataFrame, of_item: np.ndarray, n_products: int
) -> _GroupSums:
    """An engine's group_purchases in codes of the frames (which hold every item)."""
    item = indexer(pd.Index(frames.items["item_id"]), purchases["item_id"])
    product = of_item[item]
    buyers, median_spend = np.zeros(n_products, np.int64), np.zeros(n_products)
    buyers[product] = purchases["buyers"].to_numpy(np.int64)
    median_spend[product] = purchases["median_spend"].to_numpy(np.float64)
    customers = purchases["group_customers"].to_numpy(np.int64)
    return _GroupSums(buyers, median_spend, int(customers[0]) if len(customers) else 0, product,
                      item)  # fmt: skip


def cross_sell_gaps(
    frames: Frames,
    customer_id: str,
    as_of_day: int,
    min_penetration: float = 0.2,
    purchases: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Products (variants combined) the customer's group buys and the customer does not, by
    expected value.

    Over the 365 days up to and including as_of_day, among the OTHER customers of the same
    customer_group that have a revenue line in those days (group_customers): buyers = how many
    bought any variant of the product; penetration = buyers / group_customers (kept when
    ≥ min_penetration); median_spend = median over the buyers of their Sales Amount of the
    product; expected_value = penetration × median_spend. Left out: products the customer
    bought (any variant) in those 365 days, and their lapsed products (see lapsed_items).
    `purchases`: the group's sums computed by an engine (Engine.group_purchases; None: from
    these frames, which then hold the whole scope).
    Out: CROSS_SELL_COLUMNS — variants: the variants the group bought; last_bought: the
    customer's own last date of the product before the year (NaT: never); evidence in words.
    By expected_value descending, then product_id; empty for a customer without a group or
    alone in it.
    """
    code = customer_code(frames, customer_id)
    group_name = frames.customers["customer_group"].to_numpy()[code]
    if pd.isna(group_name):
        return _empty(CROSS_SELL_COLUMNS)
    of_item, product_ids, product_names = products_of(frames)
    n_products = len(product_ids)
    if purchases is None:
        sums = _group_sums(frames, code, as_of_day, of_item, n_products)
    else:
        sums = _sums_of(frames, purchases, of_item, n_products)
    if sums.group_customers == 0:
        return _empty(CROSS_SELL_COLUMNS)

    buyers, group_customers = sums.buyers, sums.group_customers
    penetration = buyers / group_customers
    own = _product_history(frames, code, as_of_day).per_product
    bought_lately = own.index[own["last"] > as_of_day - YEAR_DAYS]
    wanted = (buyers > 0) & (penetration >= min_penetration)
    wanted[bought_lately] = False
    wanted[own.index[_is_lapsed(own, as_of_day)]] = False
    products = np.flatnonzero(wanted)
    own_last = own["last"].reindex(products).to_numpy(np.float64)  # NaN: never bought
    table = pd.DataFrame(
        {
            "product_id": product_ids[products],
            "product_name": product_names[products],
            "variants": _variants(frames, sums.product, sums.item, products),
            "buyers": buyers[products],
            "group_customers": np.full(len(products), group_customers, dtype=np.int64),
            "penetration": penetration[products],
            "median_spend": sums.median_spend[products],
            "last_bought": pd.Series(_dates(np.nan_to_num(own_last))).where(~np.isnan(own_last)),
        }
    )
    table["expected_value"] = table["penetration"] * table["median_spend"]
    table["evidence"] = [
        f"bought by {p:.0%} of {group_name} customers ({b:,} of {group_customers:,}), "
        f"median {money_words(m)}/yr"
        + ("" if np.isnan(d) else f"; they last bought it {_date_words(d)}")
        for p, b, m, d in zip(
            table["penetration"], table["buyers"], table["median_spend"], own_last, strict=True
        )
    ]
    return _sorted(table[list(CROSS_SELL_COLUMNS)], "expected_value", "product_id")


def products_of(frames: Frames) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(product code of every item, product ids, product names): an item's product is its
    product_id, or the item itself when it has none; a product's name is its first item's name
    without the variant."""
    of_item, ids = pd.factorize(product_keys(frames.items))
    first = np.unique(of_item, return_index=True)[1]
    return of_item, np.asarray(ids, dtype=object), product_names(frames.items)[first]


def recent_orders(
    frames: Frames,
    customer_id: str,
    limit: int = 20,
    period: Period | None = None,
    among: np.ndarray | None = None,
) -> pd.DataFrame:
    """The customer's latest `limit` orders of any status dated in `period` (None: all
    history) and, when given, among the order codes `among` (matching_orders), newest first.

    Out: RECENT_ORDER_COLUMNS — amount = Σ Sales Amount of the order's non-cancelled,
    non-returned lines (whatever the order status); lines = how many lines it has (all statuses).
    """
    code = customer_code(frames, customer_id)
    orders = frames.orders
    mine = orders["customer"].to_numpy() == code
    if period is not None:
        day = orders["day"].to_numpy()
        mine &= (day >= period.start_day) & (day <= period.end_day)
    if among is not None:
        listed = np.zeros(len(mine), dtype=bool)
        listed[among] = True
        mine &= listed
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
    """The lines of one order in line order: ORDER_LINE_COLUMNS (variant: the item's, None
    when it has none).

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
    item = lines["item"].to_numpy()[rows]
    return pd.DataFrame(
        {
            **_item_labels(frames, item),
            "variant": frames.items["variant"].to_numpy(dtype=object)[item],
            "quantity": quantity,
            "unit_net_price": unit_price,
            "sales_amount": sales,
            "line_status": _labels(lines["line_status"], rows),
            "counts_as_revenue": lines["revenue"].to_numpy()[rows],
        }
    )


def monthly_trend(
    frames: Frames,
    customer_id: str,
    end_day: int,
    months: int = 36,
    filters: Filters | None = None,
) -> pd.DataFrame:
    """Sales Amount and Gross Profit per month over the `months` months ending with end_day's month
    (of the lines `filters` keep, when given: channel, category... as on the other sections).

    Out: month (first day), sales_amount, gross_profit — one row per month, oldest first, counting
    revenue lines dated up to end_day; 0 for a month without sales; gross_profit NaN for a month
    whose sales have no known cost (SPEC §3 missing-cost rule, as metrics.amounts).
    """
    code = customer_code(frames, customer_id)
    end_month = int(month_of_days(np.array([end_day]))[0])
    first_month = end_month - months + 1
    first_day = _day_of_month(first_month)
    window = Period(first_day, end_day)
    selection = (
        _customer_selection(frames, code, window)
        if filters is None
        else select(frames, replace(filters, customers=(customer_id,)), window)
    )
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


def matching_orders(
    frames: Frames, customer_id: str, filters: Filters, period: Period
) -> np.ndarray:
    """Codes of the customer's orders (any status) dated in `period` with a line the filters keep
    (a channel filter keeps that channel's orders, a category filter the orders with a line of it)."""
    customer_code(frames, customer_id)  # ValueError for a customer the frames do not hold
    selection = select(frames, replace(filters, customers=(customer_id,)), period)
    return distinct(selection.values("order")).astype(np.int64)


def months_in(period: Period) -> int:
    """How many calendar months the period touches."""
    first, last = month_of_days(np.array([period.start_day, period.end_day]))
    return int(last - first + 1)


def confirmed_order_count(
    frames: Frames, customer_id: str, filters: Filters, period: Period
) -> int:
    """How many confirmed orders the customer placed in `period` with a line the filters keep (as
    the leaderboard counts them; the KPI cards lack this count)."""
    customer_code(frames, customer_id)
    selection = select(frames, replace(filters, customers=(customer_id,)), period)
    group = np.zeros(len(selection.values("order")), dtype=np.intp)
    return int(order_sums(selection, group, 1)["confirmed_orders"][0])


def money_words(value: float) -> str:
    """Pounds for a sentence: £1,240 from £100 up (no pence), £12.50 below."""
    return f"£{value:,.0f}" if abs(value) >= 100 else f"£{value:,.2f}"


def _customer_rows(frames: Frames, code: int, upto_day: int | None = None) -> np.ndarray:
    """Positions in frames.lines of the customer's lines (sorted by day), up to a day if given."""
    rows = lines_of_customer(frames, code)
    if upto_day is None:
        return rows
    _, hi = _day_slice(frames, np.iinfo(np.int32).min, upto_day)
    return rows[: np.searchsorted(rows, rows.dtype.type(hi))]


def _revenue_rows(frames: Frames, rows: np.ndarray) -> np.ndarray:
    return rows[frames.lines["revenue"].to_numpy()[rows]]


@dataclass(frozen=True)
class _ProductHistory:
    """The customer's revenue lines up to a day, by product: per line its product, item, day
    and Sales Amount; per_product (indexed by product code): orders (distinct dates), last
    (day) and median_gap_days; ids and names of every product (products_of)."""

    product: np.ndarray
    item: np.ndarray
    day: np.ndarray
    sales_amount: np.ndarray
    per_product: pd.DataFrame
    ids: np.ndarray
    names: np.ndarray


def _product_history(frames: Frames, code: int, as_of_day: int) -> _ProductHistory:
    rows = _revenue_rows(frames, _customer_rows(frames, code, as_of_day))
    lines = frames.lines
    of_item, ids, names = products_of(frames)
    item = lines["item"].to_numpy()[rows]
    product = of_item[item]
    day = lines["day"].to_numpy()[rows].astype(np.int64)
    # the distinct (product, day) pairs, by product then day: one integer each
    first, last = (int(day.min()), int(day.max())) if len(day) else (0, 0)
    span = last - first + 1
    pairs = distinct(product.astype(np.int64) * span + (day - first), len(ids) * span)
    dates = pd.DataFrame({"product": pairs // span, "day": pairs % span + first})
    of_product = dates["product"].to_numpy()
    gap = np.diff(dates["day"].to_numpy(), prepend=0).astype(np.float64)
    first_of_product = np.ones(len(of_product), bool)  # no gap before a product's first date
    first_of_product[1:] = of_product[1:] != of_product[:-1]
    gap[first_of_product] = np.nan
    per_product = (
        dates.assign(gap=gap)
        .groupby("product")
        .agg(orders=("day", "size"), last=("day", "max"), median_gap_days=("gap", "median"))
    )
    sales = lines["sales_amount"].to_numpy()[rows]
    return _ProductHistory(product, item, day, sales, per_product, ids, names)


def _is_lapsed(per_product: pd.DataFrame, as_of_day: int) -> np.ndarray:
    """Bought on ≥ REGULAR_MIN_DATES dates, and more than LAPSED_GAP_FACTOR × the median gap ago."""
    days_since = as_of_day - per_product["last"]
    return (
        (per_product["orders"] >= REGULAR_MIN_DATES)
        & (days_since > LAPSED_GAP_FACTOR * per_product["median_gap_days"])
    ).to_numpy(bool)


def _variants(
    frames: Frames, product: np.ndarray, item: np.ndarray, products: np.ndarray
) -> list[str]:
    """Per product in `products`: the variants among the (product, item) pairs of lines, in
    catalogue order (items are sorted by item_id), ", "-joined; "" when none has a variant."""
    variant = frames.items["variant"].to_numpy(dtype=object)
    n_items = len(variant)
    # sorted: by product, then item (a product's code is below the number of items)
    pairs = distinct(product.astype(np.int64) * n_items + item, n_items * n_items)
    wanted = set(products.tolist())
    found: dict[int, list[str]] = {}
    for pair in pairs.tolist():
        name = variant[pair % n_items]
        if pair // n_items in wanted and isinstance(name, str) and name:
            found.setdefault(pair // n_items, []).append(name)
    return [", ".join(found.get(p, [])) for p in products.tolist()]


def _days(days: float) -> str:
    """40 days; 1 day (halves round up)."""
    n = int(np.floor(days + 0.5))
    return f"{n:,} day" if n == 1 else f"{n:,} days"


def _date_words(day: int) -> str:
    """The date of a day number as a sentence writes it: 2 Mar 2026."""
    date = from_day(int(day))
    return f"{date.day} {date:%b %Y}"


def _customer_selection(frames: Frames, code: int, period: Period) -> Selection:
    """A Selection of the customer's lines in `period`, for metrics.sums and metrics.amounts."""
    return select(frames, Filters(), period).only_customer(code)


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


def _sorted(table: pd.DataFrame, by: str, tie: str = "item_id") -> pd.DataFrame:
    # rounded so that equal values computed in different ways tie and fall back to `tie`
    key = table[by].astype(np.float64).round(6)
    return (
        table.assign(_key=key)
        .sort_values(["_key", tie], ascending=[False, True], kind="stable")
        .drop(columns="_key")
        .reset_index(drop=True)
    )


def _empty(columns: tuple[str, ...]) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})


def _text(value) -> str | None:
    return None if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value)
