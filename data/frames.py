"""The cached frames every metric reads: built once from the table frames, never mutated after.

`lines` holds one row per order line with its order's attributes alongside, sorted by order date
(so a date range is a slice found by binary search), amounts computed once and the revenue flag
precomputed. Customers, items, salespeople and orders are addressed by integer codes (row
positions in their own frame).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from data.db import Tables
from metrics.commission import sales_events

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
    events: the dated sales events of metrics.commission.sales_events (Sales by User, commission).
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
    events: pd.DataFrame
    custom_fields: tuple[str, ...]
    as_of: pd.Timestamp
    # The span of order dates in the whole data (kept when frames are restricted to a scope,
    # so that "all data" means the same period for every user).
    first_day: int | None
    last_day: int | None


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
    """Build the cached frames from the table frames of data.db.read_tables (or the demo generator)."""
    salespeople = tables["salespeople"].reset_index(drop=True)
    customers = _customers(tables)
    items = _items(tables)
    orders_t = tables["orders"]
    lines_t = tables["order_lines"]

    customer_code = pd.Index(customers["customer_id"])
    item_code = pd.Index(items["item_id"])

    orders_t = orders_t.sort_values(["order_date", "order_id"], kind="stable").reset_index(
        drop=True
    )
    order_code = pd.Index(orders_t["order_id"])
    order_days_arr = (orders_t["order_date"].to_numpy("datetime64[D]") - EPOCH).astype(np.int32)
    orders = pd.DataFrame(
        {
            "order_id": orders_t["order_id"].to_numpy(),
            "customer": customer_code.get_indexer(orders_t["customer_id"]).astype(np.int32),
            "day": order_days_arr,
            "status": _categorical(orders_t["status"]),
        }
    )

    line_order = order_code.get_indexer(lines_t["order_id"]).astype(np.int32)
    if (line_order < 0).any():
        missing = lines_t.loc[line_order < 0, "order_id"].iloc[0]
        raise ValueError(f"order line refers to unknown order {missing!r}")
    sort = np.lexsort((lines_t["line_no"].to_numpy(), line_order))
    lines_t = lines_t.iloc[sort].reset_index(drop=True)
    line_order = line_order[sort]

    quantity = lines_t["quantity"].to_numpy(np.float64)
    gross = quantity * lines_t["unit_price"].to_numpy(np.float64)
    gross *= 1.0 - lines_t["discount_pct"].fillna(0.0).to_numpy(np.float64)
    vat_divisor = np.where(
        lines_t["prices_include_vat"].to_numpy(bool),
        1.0 + lines_t["vat_rate"].fillna(0.0).to_numpy(np.float64),
        1.0,
    )
    sales_amount = gross / vat_divisor
    cost_amount = quantity * lines_t["unit_cost"].to_numpy(np.float64, na_value=np.nan)
    line_status = _categorical(lines_t["status"])
    in_order_amount = ~lines_t["status"].isin(["cancelled", "returned"]).to_numpy()
    order_status = orders["status"].to_numpy()[line_order]
    revenue = in_order_amount & (order_status == "confirmed")
    order_amount = np.bincount(
        line_order, weights=np.where(in_order_amount, sales_amount, 0.0), minlength=len(orders)
    )

    item_of_line = item_code.get_indexer(lines_t["item_id"]).astype(np.int32)
    day = orders["day"].to_numpy()[line_order]
    columns = {
        "day": day,
        "month": month_of_days(day),
        "order": line_order,
        "line_no": lines_t["line_no"].to_numpy(np.int32),
        "customer": orders["customer"].to_numpy()[line_order],
        "item": item_of_line,
        "order_status": pd.Categorical.from_codes(
            orders["status"].cat.codes.to_numpy()[line_order], orders["status"].cat.categories
        ),
        "line_status": line_status,
    }
    # Attributes as sold (SPEC §2): the line's own value, else its order's / item's.
    for dim in ORDER_DIMENSIONS:
        cat = _categorical(orders_t[dim])
        columns[dim] = _as_sold(lines_t.get(dim), cat.codes[line_order], cat.categories)
    for dim in LINE_DIMENSIONS:
        cat = items[dim]
        columns[dim] = _as_sold(
            lines_t.get(dim), cat.cat.codes.to_numpy()[item_of_line], cat.cat.categories
        )
    columns["customisation"] = _categorical(lines_t["customisation"])  # made-to-order options
    columns.update(
        quantity=quantity,
        sales_amount=sales_amount,
        cost_amount=cost_amount,
        cost_non_inv=lines_t["cost_non_inv"].fillna(0.0).to_numpy(np.float64),
        order_amount=order_amount[line_order],
        revenue=revenue,
        in_order_amount=in_order_amount,
    )
    lines = pd.DataFrame(columns)

    custom_fields = tuple(c for c in customers.columns if c not in (*CUSTOMER_COLUMNS, "team"))
    daily = _daily(lines, len(customers))
    return Frames(
        lines=lines,
        customers=customers,
        items=items,
        salespeople=salespeople,
        orders=orders,
        order_days=_order_days(orders),
        daily=daily,
        customer_months=customer_months(daily, len(customers)),
        monthly=_monthly(lines, len(customers)),
        customer_lines=lines_by_customer(lines["customer"].to_numpy()),
        events=sales_events(lines_t, tables["orders"], tables["payments"]),
        custom_fields=custom_fields,
        as_of=as_of if as_of is not None else pd.Timestamp.now(tz="UTC").floor("s"),
        first_day=int(day[0]) if len(day) else None,
        last_day=int(day[-1]) if len(day) else None,
    )


def _categorical(values: pd.Series) -> pd.Categorical:
    return pd.Categorical(values.astype(object).where(values.notna(), None))


def _as_sold(own: pd.Series | None, codes: np.ndarray, categories: pd.Index) -> pd.Categorical:
    """Per line: its own value where it has one, else the fallback given as categorical codes
    (the order's or item's value); categories sorted, as pd.Categorical makes them."""
    if own is None or not own.notna().any():
        return pd.Categorical.from_codes(codes, categories)
    mine = _categorical(own)
    union = categories.union(mine.categories)
    fallback = np.append(union.get_indexer(categories), -1)[codes]
    sold = np.append(union.get_indexer(mine.categories), -1)[mine.codes]
    return pd.Categorical.from_codes(np.where(mine.codes >= 0, sold, fallback), union)


def _customers(tables: Tables) -> pd.DataFrame:
    customers = tables["customers"]
    known = set(customers["customer_id"])
    strays = sorted(set(tables["orders"]["customer_id"]) - known)
    if strays:  # orders of customers missing from the customer list still count, under their ID
        customers = pd.concat(
            [customers, pd.DataFrame({"customer_id": strays, "name": strays})], ignore_index=True
        )
    customers = customers.sort_values("customer_id", kind="stable").reset_index(drop=True)
    teams = dict(zip(tables["salespeople"]["code"], tables["salespeople"]["team"], strict=True))
    customers["team"] = customers["owner"].map(teams)
    fields = tables["customer_fields"]
    if len(fields):
        wide = fields.pivot(index="customer_id", columns="field", values="value")
        wide = wide.reindex(customers["customer_id"]).reset_index(drop=True)
        customers = pd.concat([customers, wide.rename_axis(columns=None)], axis=1)
    return customers


def _items(tables: Tables) -> pd.DataFrame:
    """Catalogue items, plus items seen only on lines (deleted since) under their as-sold name."""
    items = tables["items"].assign(in_catalogue=True)
    sold = tables["order_lines"][["item_id", "item_name", "sku"]].drop_duplicates("item_id")
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
    confirmed = orders[orders["status"] == "confirmed"]
    per_day = (
        confirmed.groupby(["customer", "day"], sort=True, observed=True)
        .size()
        .rename("orders")
        .reset_index()
    )
    customer = per_day["customer"].to_numpy(np.int32)
    day = per_day["day"].to_numpy(np.int32)
    gap = np.full(len(day), np.nan)
    same = np.zeros(len(day), dtype=bool)
    same[1:] = customer[1:] == customer[:-1]
    gap[same] = (day[1:] - day[:-1])[same[1:]]
    return pd.DataFrame(
        {
            "customer": customer,
            "day": day,
            "orders": per_day["orders"].to_numpy(np.int32),
            "gap": gap,
            # row positions ordered by customer, then gap: medians without a sort per request
            "by_gap": np.lexsort((np.nan_to_num(gap, nan=np.inf), customer)).astype(np.int32),
        }
    )


def lines_by_customer(customer: np.ndarray) -> pd.DataFrame:
    """The customer_lines table of the lines' customer codes."""
    line = np.argsort(customer, kind="stable").astype(np.int32)
    return pd.DataFrame({"customer": customer[line], "line": line})


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
    """MONTHLY_SUMS per (item dimension, value, month, customer) with a revenue line."""
    revenue = np.flatnonzero(lines["revenue"].to_numpy())
    month = lines["month"].to_numpy()[revenue].astype(np.int64)
    first_month = int(month[0]) if len(month) else 0
    months = int(month[-1]) - first_month + 1 if len(month) else 0
    month_customer = (month - first_month) * n_customers + lines["customer"].to_numpy()[revenue]
    order = lines["order"].to_numpy()[revenue].astype(np.int64)
    amounts = {c: lines[c].to_numpy()[revenue] for c in LINE_AMOUNTS}
    values = pd.Index([]).append([lines[d].cat.categories for d in LINE_DIMENSIONS])
    values = values.unique().sort_values()
    parts = []
    for position, dim in enumerate(LINE_DIMENSIONS):
        codes = lines[dim].array.codes[revenue].astype(np.int64) + 1  # 0 = missing
        width = len(lines[dim].cat.categories) + 1
        cells, row = compact(month_customer * width + codes, months * n_customers * width)
        # an order lies in one (month, customer): its distinct values are its distinct cells
        pair = order * width + codes
        by_pair = np.argsort(pair, kind="stable")  # lines come by order: nearly sorted already
        firsts = by_pair[np.r_[True, np.diff(pair[by_pair]) != 0]] if len(pair) else by_pair
        to_value = np.append(values.get_indexer(lines[dim].cat.categories), -1)
        parts.append(
            pd.DataFrame(
                {
                    "dimension": np.full(len(cells), position, dtype=np.int8),
                    "month": (cells // width // max(n_customers, 1) + first_month).astype(np.int32),
                    "customer": (cells // width % max(n_customers, 1)).astype(np.int32),
                    "value": pd.Categorical.from_codes(to_value[cells % width - 1], values),
                    **revenue_sums(amounts, row, len(cells), counts=np.int32),
                    "orders": np.bincount(row[firsts], minlength=len(cells)).astype(np.int32),
                }
            )
        )
    return pd.concat(parts, ignore_index=True)


def compact(key: np.ndarray, keys: int) -> tuple[np.ndarray, np.ndarray]:
    """(the distinct values of `key` (in 0..keys-1) ascending, each key's position among them):
    np.unique, through a dense table when `keys` is small."""
    if keys <= 4 * len(key) + (1 << 16):
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
