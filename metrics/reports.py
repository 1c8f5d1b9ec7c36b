"""The sales report family of SPEC §5: one pure function per report, frames and filters in, a table out.

Every report returns one row per value of its dimension, the row's label first (a column named after
the dimension: date, channel, category, ...), then REPORT_COLUMNS:

- sales_amount, sales_quantity, cost_amount, gross_profit, gross_profit_margin, average_cost_price,
  cost_coverage: SPEC §3 over the row's revenue lines (confirmed orders, lines neither cancelled nor
  returned), by metrics.amounts.amount_columns; where no revenue line of a row has a cost, cost,
  profit and margin are NaN (Unknown, never 0);
- orders: distinct orders with a revenue line in the row; customers: distinct customers of those.

Rows are the dimension values with at least one revenue line in the selection (Sales by Date: every
day / week / month of the period, zeros included; Sell Through with include_unsold: plus catalogue
items without sales); lines missing the value form one row labelled N/A. Each report applies every
filter it is given (the screens pass only those REPORT_FILTERS lists), so Σ sales_amount over the
rows = the Overview's Sales Amount (metrics.kpis.kpis) for the same filters — except Sales by User
(orders without a salesperson are omitted) and Made to Order (made-to-order lines only, unless
all_products=True).

Rows narrower than a Filters field can say (the "user" of an order, an item, a product, a
customisation) are chosen with ROW_KEYS (metrics.selection) keyword arguments that every report
and the "matching" lists take (the functions over an engine take them as `row`, a mapping, which
narrows the engine's report_sums): salesperson (the order's salesperson code, not the customer's owner), item (item_id),
product (product_id; an item without one is its own product) and customisation (text; N/A =
none). Each takes one value or a sequence. `row_filters` turns a report row into the filters and
keywords that describe it, for row links and the matching lists.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import fields, replace
from datetime import date

import numpy as np
import pandas as pd

from data.frames import EPOCH, Frames, compact, month_of_days, to_day
from data.lists import Lists
from metrics.amounts import amount_values
from metrics.commission import EVENTS, commission_of
from metrics.engine import (
    MADE_TO_ORDER_ROW,
    REPORT_SUMS,
    Engine,
    FramesEngine,
    Row,
    monday,
    report_sums_of,
    row_of,
)
from metrics.filters import NOT_AVAILABLE, Filters, Period, period_of, with_period
from metrics.selection import (
    RowValue,
    Selection,
    allowed_codes,
    customisations,
    item_allowed,
    product_keys,
    select_row,
)

REPORT_COLUMNS = (
    "sales_amount",
    "sales_quantity",
    "orders",
    "customers",
    "cost_amount",
    "gross_profit",
    "gross_profit_margin",
    "average_cost_price",
    "cost_coverage",
)
DATE_BUCKETS = ("day", "week", "month")
ITEM_DIMENSIONS = {
    "categories": "category",
    "brands": "brand",
    "collections": "collection",
    "suppliers": "supplier",
    "departments": "department",
}
# Filters of SPEC §5 per report: the Filters fields its screen enables (plus the row keyword
# `salesperson` for Sales by Department's "user"). The functions apply whatever they are given.
_ALL = tuple(f.name for f in fields(Filters))
_DATES = ("start", "end")
REPORT_FILTERS: dict[str, tuple[str, ...]] = {
    "sales-by-date": _ALL,
    "sales-by-channel": _DATES,
    "sales-by-category": tuple(f for f in _ALL if f != "categories"),
    "sales-by-brand": tuple(f for f in _ALL if f != "brands"),
    "sales-by-collection": tuple(f for f in _ALL if f != "collections"),
    "sales-by-supplier": tuple(f for f in _ALL if f != "suppliers"),
    "sales-by-user": (*_DATES, "sources", "devices", "channels"),
    "sales-by-department": (*_DATES, "sources", "devices", "channels"),
    "sell-through": _ALL,
    "made-to-order": _ALL,
}

# --- the reports ---------------------------------------------------------------------------------


def sales_by_date(
    frames: Frames, filters: Filters, by: str = "day", **row: RowValue
) -> pd.DataFrame:
    """One row per day / week (Monday to Sunday) / calendar month of the filters' period, in date
    order, zeros included. Columns: date (the period's first day as YYYY-MM-DD, which for the first
    week or month may fall before the filters' start), REPORT_COLUMNS."""
    return date_report(
        FramesEngine(frames), with_period(filters, period_of(frames, filters)), by, row
    )


def sales_by_channel(frames: Frames, filters: Filters, **row: RowValue) -> pd.DataFrame:
    """One row per channel value (each store, web, phone, each marketplace; N/A for none), by
    Sales Amount descending. Columns: channel, REPORT_COLUMNS."""
    return dimension_report(FramesEngine(frames), filters, "channel", row)


def sales_by_category(frames: Frames, filters: Filters, **row: RowValue) -> pd.DataFrame:
    """One row per item category (N/A for none), by Sales Amount descending. Columns: category,
    REPORT_COLUMNS."""
    return dimension_report(FramesEngine(frames), filters, "category", row)


def sales_by_brand(frames: Frames, filters: Filters, **row: RowValue) -> pd.DataFrame:
    """As sales_by_category, per brand. Columns: brand, REPORT_COLUMNS."""
    return dimension_report(FramesEngine(frames), filters, "brand", row)


def sales_by_collection(frames: Frames, filters: Filters, **row: RowValue) -> pd.DataFrame:
    """As sales_by_category, per collection. Columns: collection, REPORT_COLUMNS."""
    return dimension_report(FramesEngine(frames), filters, "collection", row)


def sales_by_supplier(frames: Frames, filters: Filters, **row: RowValue) -> pd.DataFrame:
    """As sales_by_category, per supplier. Columns: supplier, REPORT_COLUMNS."""
    return dimension_report(FramesEngine(frames), filters, "supplier", row)


def sales_by_department(frames: Frames, filters: Filters, **row: RowValue) -> pd.DataFrame:
    """As sales_by_category, per department. Columns: department, REPORT_COLUMNS."""
    return dimension_report(FramesEngine(frames), filters, "department", row)


# the reports the engine interface answers (either engine): report -> the dimension of its rows
ENGINE_REPORTS = {
    "sales-by-channel": "channel",
    **{f"sales-by-{dimension}": dimension for dimension in ITEM_DIMENSIONS.values()},
}


def dimension_report(
    engine: Engine, filters: Filters, dimension: str, row: Row | None = None
) -> pd.DataFrame:
    """One row per value of `dimension` (as sold; N/A for none) with a revenue line, by Sales
    Amount descending, from the engine's report_sums (`row`: narrowed to a report row's
    lines). Columns: dimension, REPORT_COLUMNS."""
    sums = engine.report_sums(filters, dimension, row)
    table = report_columns(sums)
    table.insert(0, dimension, sums[dimension].to_numpy(dtype=object))
    return _ranked(table, dimension)


def date_report(
    engine: Engine, filters: Filters, by: str = "day", row: Row | None = None
) -> pd.DataFrame:
    """Sales by Date from the engine's report_sums (`row`: narrowed to a report row's lines):
    one row per day / week (Monday to Sunday) / calendar month of the filters' period (start and
    end given), in order, zeros included.
    Columns: date (the first day of the day / week / month, YYYY-MM-DD, which for the first week
    or month may fall before the filters' start), REPORT_COLUMNS."""
    if by not in DATE_BUCKETS:
        raise ValueError(f"unknown date grouping {by!r}; use one of {DATE_BUCKETS}")
    if filters.start is None or filters.end is None:
        raise ValueError("Sales by Date needs the period's first and last day")
    start, end = to_day(filters.start), to_day(filters.end)
    if by == "day":
        starts = np.arange(start, end + 1)
    elif by == "week":
        starts = np.arange(monday(start), monday(end) + 1, 7)
    else:
        first, last = month_of_days(np.array([start, end]))
        starts = _month_first_days(np.arange(first, last + 1))
    dates = np.datetime_as_string(starts.astype("datetime64[D]"))
    sums = engine.report_sums(filters, by, row)
    keys = sums[by].to_numpy(dtype=str)
    keys = np.char.add(keys, "-01") if by == "month" else keys  # months come as YYYY-MM
    at = np.searchsorted(dates, keys)  # both in date order
    table = report_columns({name: np.bincount(at, sums[name], len(dates)) for name in REPORT_SUMS})
    table.insert(0, "date", dates.astype(object))
    return table


USER_COLUMNS = (  # the amounts first, as every report (the screen shows them without scrolling)
    "salesperson",
    "salesperson_name",
    "team",
    *REPORT_COLUMNS,
    *EVENTS,
    "commission_basis",
    "adjusted_sales",
    "commission_rate",
    "commission",
)


def sales_by_user(frames: Frames, filters: Filters, **row: RowValue) -> pd.DataFrame:
    """One row per salesperson who took an order (the order's salesperson; orders without one are
    omitted) with a revenue line in the selection or a sales event in the period; by Sales Amount
    descending. Columns: USER_COLUMNS.

    - sold ... refunded, adjusted_sales, commission: dated by their events, not the order date
      (SPEC §5): metrics.commission.commission over frames.events for the period, of the orders
      the customer-level and order-level filters (channel, source, device, document type, order
      amount) keep, whenever they were placed. Item-level filters (category, ... and the item /
      product / customisation keywords) do not narrow them: an event is an order line's value
      without its item.
    - REPORT_COLUMNS: the lines of the orders the salesperson took, dated in the period (order
      date), as every other report; so Σ sales_amount = the Overview's Sales Amount less that of
      the orders without a salesperson.
    A code on orders but not in frames.salespeople (e.g. outside a manager's team) has no name,
    basis or rate, and its commission is NaN (Unknown).
    """
    return user_report(FramesEngine(frames), with_period(filters, period_of(frames, filters)), row)


def user_report(engine: Engine, filters: Filters, row: Row | None = None) -> pd.DataFrame:
    """Sales by User (see sales_by_user) from the engine: report_sums by salesperson (N/A, the
    orders without one, omitted; `row`: narrowed to a report row's lines), event_sums (which the
    row does not narrow but to its salesperson) and salespeople; one row per salesperson with a
    revenue line or a sales event that is not zero. Columns: USER_COLUMNS."""
    if filters.start is None or filters.end is None:
        raise ValueError("Sales by User needs the period's first and last day")
    sums = engine.report_sums(filters, "salesperson", row)
    kept = sums["salesperson"].to_numpy(dtype=object) != NOT_AVAILABLE
    sums = {name: column.to_numpy()[kept] for name, column in sums.items()}  # arrays: faster
    events = engine.event_sums(filters)
    codes = pd.Index(sorted({*sums["salesperson"], *events["salesperson"]}), dtype=object)
    people = engine.salespeople().set_index("code").reindex(codes)
    people = people.rename_axis("code").reset_index()  # a code not among them: no name nor rate
    by_event = np.zeros((len(codes), len(EVENTS)))
    by_event[codes.get_indexer(events["salesperson"])] = events[list(EVENTS)].to_numpy(np.float64)
    pay = commission_of(by_event, people)
    at = codes.get_indexer(sums["salesperson"])
    table = report_columns({name: np.bincount(at, sums[name], len(codes)) for name in REPORT_SUMS})
    table = pd.concat([pay, table], axis=1)[list(USER_COLUMNS)]
    revenue_lines = np.bincount(at, sums["revenue_lines"], len(codes))
    keep = (revenue_lines > 0) | (by_event != 0).any(axis=1)
    taken_by = row_of(row).get("salesperson")
    if taken_by is not None:
        keep &= table["salesperson"].isin(taken_by).to_numpy()
    return _ranked(table[keep], "salesperson")


ITEM_COLUMNS = ("item", "name", "variant", "product", *ITEM_DIMENSIONS.values(), "in_catalogue")
PRODUCT_COLUMNS = ("product", "name", "variants", *ITEM_DIMENSIONS.values())


def sell_through(
    frames: Frames,
    filters: Filters,
    combine_variants: bool = False,
    include_unsold: bool = False,
    **row: RowValue,
) -> pd.DataFrame:
    """One row per item (variant / SKU), or per product with combine_variants; by Sales Amount
    descending. Columns: ITEM_COLUMNS (or PRODUCT_COLUMNS), REPORT_COLUMNS.

    An item deleted from the catalogue is reported under its SKU and as-sold name, with N/A for
    its dimensions and in_catalogue False; it is its own product. include_unsold adds the
    catalogue items (products) the item-level filters and keywords keep that have no sales in
    the selection, with zeros. Product rows take the name (less the variant), dimensions and
    product of the product's first item; variants = how many items the product has.
    """
    selection = select_row(frames, filters, **row)
    of_item, info = _item_rows(frames.items, combine_variants)
    table, revenue_lines = _table(selection, of_item[selection.values("item")], len(info))
    keep = revenue_lines > 0
    if include_unsold and row.get("customisation") is None:
        keep |= _unsold(frames.items, of_item, len(info), _items_kept(frames.items, filters, row))
    return _ranked(pd.concat([info, table], axis=1)[keep], info.columns[0])


def sell_through_report(
    engine: Engine,
    filters: Filters,
    items: pd.DataFrame,
    combine_variants: bool = False,
    include_unsold: bool = False,
    row: Row | None = None,
) -> pd.DataFrame:
    """Sell Through (see sell_through) from the engine's report_sums by item, or by product
    with combine_variants (`row`: narrowed to a report row's lines); `items`: the item list
    (data.frames' items: the catalogue, and the items seen only on lines), which names the rows
    and holds the unsold ones. (Over the frames, sell_through is ~1 ms faster on the 100k demo:
    the screens keep it there.)"""
    of_item, info = _item_rows(items, combine_variants)
    key = info.columns[0]
    row = row_of(row)
    sums = engine.report_sums(filters, key, row)
    at = pd.Index(info[key]).get_indexer(sums[key])
    table = report_columns({name: np.bincount(at, sums[name], len(info)) for name in REPORT_SUMS})
    keep = np.bincount(at, sums["revenue_lines"], len(info)) > 0
    if include_unsold and "customisation" not in row:
        keep |= _unsold(items, of_item, len(info), _items_kept(items, filters, row))
    return _ranked(pd.concat([info, table], axis=1)[keep], key)


def _item_rows(items: pd.DataFrame, combine_variants: bool) -> tuple[np.ndarray, pd.DataFrame]:
    """(each item's row, Sell Through's rows: ITEM_COLUMNS per item, or PRODUCT_COLUMNS per
    product with combine_variants)."""
    if not combine_variants:
        return np.arange(len(items)), pd.DataFrame(
            {
                "item": items["item_id"].to_numpy(dtype=object),
                "name": items["name"].to_numpy(dtype=object),
                "variant": items["variant"].to_numpy(dtype=object),
                "product": product_keys(items),
                **{c: _dimension(items, c) for c in ITEM_DIMENSIONS.values()},
                "in_catalogue": items["in_catalogue"].to_numpy(bool),
            }
        )
    of_item, labels = pd.factorize(product_keys(items))
    first = np.unique(of_item, return_index=True)[1]
    return of_item, pd.DataFrame(
        {
            "product": np.asarray(labels, dtype=object),
            "name": product_names(items)[first],
            "variants": np.bincount(of_item, minlength=len(labels)),
            **{c: _dimension(items, c)[first] for c in ITEM_DIMENSIONS.values()},
        }
    )


def _unsold(items: pd.DataFrame, of_item: np.ndarray, rows: int, kept: np.ndarray) -> np.ndarray:
    """Bool per Sell Through row: it has a catalogue item among `kept` (a bool per item)."""
    unsold = items["in_catalogue"].to_numpy(bool) & kept
    return np.bincount(of_item[unsold], minlength=rows) > 0


MADE_TO_ORDER_COLUMNS = ("product", "customisation", "name")


def made_to_order(
    frames: Frames, filters: Filters, all_products: bool = False, **row: RowValue
) -> pd.DataFrame:
    """One row per product × customisation combination sold, by Sales Amount descending.
    Columns: MADE_TO_ORDER_COLUMNS (name: the product's), REPORT_COLUMNS.

    Lines count when their item is made to order or they carry a customisation text (a deleted
    item keeps its customisation); a made-to-order item sold without one is its N/A row.
    all_products=True takes every line (other products under N/A), so the rows add up to the
    Overview's Sales Amount. Reads the line column `customisation` (all N/A while frames lack it).
    """
    selection = select_row(frames, filters, **{**row, **_made(all_products)})
    items = frames.items
    custom_codes, custom_labels = customisations(frames)
    product, products = pd.factorize(product_keys(items))
    width = len(custom_labels) + 1  # slot len(custom_labels) = no customisation
    custom = custom_codes[selection.lo : selection.hi]
    custom = custom if selection.rows is None else custom.take(selection.rows)
    custom = np.where(custom < 0, len(custom_labels), custom).astype(np.int64)
    pair = product[selection.values("item")].astype(np.int64) * width + custom
    cells, group = compact(pair, len(products) * width)
    table, revenue_lines = _table(selection, group, len(cells))
    first = np.unique(product, return_index=True)[1]
    info = pd.DataFrame(
        {
            "product": np.asarray(products, dtype=object)[cells // width],
            "customisation": np.append(custom_labels, NOT_AVAILABLE)[cells % width],
            "name": product_names(items)[first][cells // width],
        }
    )
    table = pd.concat([info, table], axis=1)[revenue_lines > 0]
    return _ranked(table, "product", "customisation")


def made_to_order_report(
    engine: Engine,
    filters: Filters,
    items: pd.DataFrame,
    all_products: bool = False,
    row: Row | None = None,
) -> pd.DataFrame:
    """Made to Order (see made_to_order) from the engine's report_sums by product and
    customisation of the lines made to order (all_products: of every line; `row`: narrowed to a
    report row's lines); `items`: the item list (data.frames' items), which names the products.
    (Over the frames, made_to_order is ~3 ms faster on the 100k demo: the screens keep it
    there.)"""
    sums = engine.report_sums(
        filters, ("product", "customisation"), {**(row or {}), **_made(all_products)}
    )
    products = _item_rows(items, combine_variants=True)[1]
    names = products["name"].to_numpy(dtype=object)
    info = pd.DataFrame(
        {
            "product": sums["product"].to_numpy(dtype=object),
            "customisation": sums["customisation"].to_numpy(dtype=object),
            "name": names[pd.Index(products["product"]).get_indexer(sums["product"])],
        }
    )
    return _ranked(pd.concat([info, report_columns(sums)], axis=1), "product", "customisation")


def _made(all_products: bool) -> Row:
    """Made to Order's narrowing of the lines: those made to order, unless all_products."""
    return {} if all_products else MADE_TO_ORDER_ROW


# --- the lists behind a row ----------------------------------------------------------------------


def matching_customers(frames: Frames, filters: Filters, **row: RowValue) -> pd.DataFrame:
    """The customers behind a report row (`filters` and ROW_KEYS describing the row, e.g. from
    row_filters): one row per customer with a revenue line there, by Sales Amount descending.
    Columns: customer_id, customer_name, REPORT_COLUMNS but customers."""
    return customers_report(FramesEngine(frames), filters, frames.customers, row)


def customers_report(
    engine: Engine, filters: Filters, customers: pd.DataFrame, row: Row | None = None
) -> pd.DataFrame:
    """matching_customers from the engine's report_sums by customer (`row`: narrowed to a
    report row's lines); `customers`: the customer list (customer_id, name), which names them."""
    sums = engine.report_sums(filters, "customer", row)
    table = report_columns(sums)
    ids = sums["customer"].to_numpy(dtype=object)
    names = customers["name"].to_numpy(dtype=object)
    table.insert(0, "customer_id", ids)
    table.insert(1, "customer_name", names[pd.Index(customers["customer_id"]).get_indexer(ids)])
    return _ranked(table.drop(columns="customers"), "customer_id")


def matching_products(frames: Frames, filters: Filters, **row: RowValue) -> pd.DataFrame:
    """The products behind a report row: sell_through by product for the row's filters and
    keywords. Columns: PRODUCT_COLUMNS, REPORT_COLUMNS."""
    return sell_through(frames, filters, combine_variants=True, **row)


def row_filters(
    frames: Frames | Lists, report: str, row: Mapping, filters: Filters, by: str = "day"
) -> tuple[Filters, dict[str, str]]:
    """The filters and ROW_KEYS keywords that describe one row of a report (a mapping with the
    row's label columns), given the filters the report ran with: the target of the row's link
    and the input of matching_customers / matching_products. A Sales by Date row narrows the
    period to its day / week / month (within the report's period); `by` as the report's."""
    if report == "sales-by-date":
        period = period_of(frames, filters)
        start = to_day(date.fromisoformat(str(row["date"])))
        if by == "day":
            end = start
        elif by == "week":
            end = start + 6
        else:
            end = int(_month_first_days(month_of_days(np.array([start])) + 1)[0]) - 1
        narrowed = Period(max(start, period.start_day), min(end, period.end_day))
        return replace(filters, start=narrowed.start, end=narrowed.end), {}
    dimension = report.removeprefix("sales-by-")
    field = {**{v: k for k, v in ITEM_DIMENSIONS.items()}, "channel": "channels"}.get(dimension)
    if field:
        return replace(filters, **{field: (str(row[dimension]),)}), {}
    if report == "sales-by-user":
        return filters, {"salesperson": str(row["salesperson"])}
    if report == "sell-through":
        key = "item" if "item" in row else "product"
        return filters, {key: str(row[key])}
    if report == "made-to-order":
        return filters, {"product": str(row["product"]), "customisation": str(row["customisation"])}
    raise ValueError(f"unknown report {report!r}")


def accepted_filters(report: str, filters: Filters) -> Filters:
    """`filters` with every field the report does not accept (REPORT_FILTERS) cleared."""
    accepted = REPORT_FILTERS[report]
    cleared = {f.name: f.default for f in fields(Filters) if f.name not in accepted}
    return replace(filters, **cleared)


SALES_REPORTS: dict[str, Callable[..., pd.DataFrame]] = {
    "sales-by-date": sales_by_date,
    "sales-by-channel": sales_by_channel,
    "sales-by-category": sales_by_category,
    "sales-by-brand": sales_by_brand,
    "sales-by-collection": sales_by_collection,
    "sales-by-supplier": sales_by_supplier,
    "sales-by-user": sales_by_user,
    "sales-by-department": sales_by_department,
    "sell-through": sell_through,
    "made-to-order": made_to_order,
}


# --- items kept ----------------------------------------------------------------------------------


def _items_kept(items: pd.DataFrame, filters: Filters, row: Mapping) -> np.ndarray:
    """Bool per item code: passes the item-level filters and the item / product keywords."""
    keep = item_allowed(items, row.get("item"), row.get("product"))
    for field, column in ITEM_DIMENSIONS.items():
        wanted = getattr(filters, field)
        if wanted:
            codes = items[column].cat.codes.to_numpy().astype(np.int64)
            keep &= allowed_codes(items[column].cat.categories, wanted)[codes + 1]
    return keep


# --- the table engine ----------------------------------------------------------------------------


def _table(selection: Selection, group: np.ndarray, groups: int) -> tuple[pd.DataFrame, np.ndarray]:
    """(REPORT_COLUMNS per group code 0..groups-1 of each selected line, revenue lines per group)."""
    sums = report_sums_of(selection, group, groups)
    return report_columns(sums), sums["revenue_lines"]


def report_columns(sums: Mapping[str, np.ndarray]) -> pd.DataFrame:
    """REPORT_COLUMNS from REPORT_SUMS (metrics.engine) per row (built at once: pandas adds
    columns one by one much slower)."""
    values = amount_values({name: np.asarray(sums[name]) for name in REPORT_SUMS})
    values["orders"] = np.asarray(sums["orders"]).astype(np.int64)
    values["customers"] = np.asarray(sums["customers"]).astype(np.int64)
    return pd.DataFrame({name: values[name] for name in REPORT_COLUMNS})


def _ranked(table: pd.DataFrame, *labels: str) -> pd.DataFrame:
    """By Sales Amount descending, then the labels ascending."""
    order = ["sales_amount", *labels]
    ascending = [False, *[True] * len(labels)]
    return table.sort_values(order, ascending=ascending, kind="stable").reset_index(drop=True)


# --- items, dates, salespeople, events -----------------------------------------------------------


def product_names(items: pd.DataFrame) -> np.ndarray:
    """Per item: its name without the variant at its end ("Tee Red" → "Tee")."""
    names = items["name"].fillna(items["item_id"]).to_numpy(dtype=object)
    variants = items["variant"].to_numpy(dtype=object)
    return np.array(
        [
            n[: -len(v) - 1] if isinstance(v, str) and v and n.endswith(" " + v) else n
            for n, v in zip(names, variants, strict=True)
        ],
        dtype=object,
    )


def _dimension(items: pd.DataFrame, column: str) -> np.ndarray:
    """An item dimension as text, N/A where missing."""
    return items[column].astype(object).where(items[column].notna(), NOT_AVAILABLE).to_numpy()


def _month_first_days(months: np.ndarray) -> np.ndarray:
    """Day numbers of the first days of months given as year*12 + month-1."""
    first = (np.asarray(months, dtype=np.int64) - 1970 * 12).astype("datetime64[M]")
    return (first.astype("datetime64[D]") - EPOCH).astype(np.int64)
