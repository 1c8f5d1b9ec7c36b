"""The engine interface: the sums every amount and count is derived from, asked for by dimension.

Two implementations answer it with the same numbers: FramesEngine over the cached frames (today's
code, below) and data.sql_engine.SqlEngine, which pushes the same sums down to the database as
one generated SQL query. Derived measures (profit, margin, coverage, averages) are computed from
these sums by one shared function (metrics.amounts.amount_columns, metrics.kpis.kpis_of) whatever
the engine.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

import numpy as np
import pandas as pd

from data.frames import DAILY_SUMS, REVENUE_SUMS, Frames, customer_code, month_of_days
from data.lists import Lists
from metrics.cadence import cadence
from metrics.commission import EVENTS, event_sums
from metrics.customers import average_reorder_days, first_order_day
from metrics.filters import NOT_AVAILABLE, Filters
from metrics.selection import (
    ROW_KEYS,
    RowValue,
    Selection,
    category_code,
    product_keys,
    select,
    select_row,
    selected_events,
)
from metrics.sums import Sums, customer_sums, dimension_sums, line_sums

SUMS = DAILY_SUMS
# What the sales reports (metrics.reports) read per row: the revenue sums, and orders / customers:
# distinct orders / customers with a revenue line in the row (additive across months and customers
# only: the sql engine reads them from its (month, customer, item) rollup by item, data.rollups).
REPORT_SUMS = (*REVENUE_SUMS, "orders", "customers")
# Dimensions a sum can be grouped by: the customer, the order month ("YYYY-MM"), the item, the
# attributes as sold (the line's own value, else its order's or item's; missing = N/A), and the
# order day and week.
AS_SOLD = (
    "category",
    "brand",
    "collection",
    "supplier",
    "department",
    "channel",
    "source",
    "device",
    "campaign",
    "salesperson",
    "document_type",
)
SALESPEOPLE_COLUMNS = ("code", "name", "team", "commission_rate", "commission_basis")
# Sales by Date's days and weeks (Monday to Sunday): labelled by their first day, YYYY-MM-DD
DATES = ("day", "week")
# Sell Through's and Made to Order's: the item's product (its product_id, else its own item_id),
# the line's customisation text (N/A for none), and whether the line is made to order ("yes":
# its item is, or it carries a customisation; else "no")
PRODUCTS = ("product", "customisation", "made_to_order")
DIMENSIONS = ("customer", "month", "item", *AS_SOLD, *DATES, *PRODUCTS)
# A customer's cadence as of the period's last day, from all of its confirmed orders up to that
# day (metrics.cadence): the day number of the latest (NaN: none), days since it, the median gap
# between its distinct order dates (NaN: fewer than two), days since the latest less that gap
# (overdue when positive), and whether it is at risk (SPEC §3)
CADENCE = ("last_order_day", "days_since_last_order", "median_gap", "overdue_days", "at_risk")
# What Engine.customers gives per customer, asked for by name: SUMS and CADENCE
CUSTOMER_FIGURES = (*SUMS, *CADENCE)

# Days per customer (Engine.order_days), from all of a customer's confirmed orders: the first
# ever, the latest up to the period's last day, the latest before its first day
ORDER_DAYS = ("first_order_day", "last_order_day", "last_order_day_before")
# What a sum is grouped by: None (one row), a dimension, or a tuple of distinct dimensions (one
# row per combination with a selected line, e.g. ("customer", "month")).
By = str | tuple[str, ...] | None
# Team performance's counts of the customers each owner (the customer's salesperson) has among
# those the filters keep: all of them, the active ones (a confirmed order among the selected
# lines), those at risk on the period's last day, and those whose Gross Profit is Unknown (a
# revenue line, none with a cost)
OWNER_COUNTS = ("customers", "active_customers", "at_risk_customers", "unknown_cost_customers")
OWNER_SUMS = (*SUMS, *OWNER_COUNTS)
# A report row's narrowing (metrics.selection.ROW_KEYS -> a value or a sequence of them; None or
# missing = any): one more condition on the selected lines, e.g. {"salesperson": "SP1"}
Row = Mapping[str, RowValue]
# the lines made to order (Made to Order's rows; a monthly rollup of data.rollups holds them)
MADE_TO_ORDER_ROW: Row = {"made_to_order": "yes"}


class Engine(Protocol):
    def sums(self, filters: Filters, by: By = None) -> pd.DataFrame:
        """One row per value of the dimension `by` (None: one row for everything; a tuple: per
        combination of their values): a column per dimension (the value), then SUMS (see
        finish)."""

    def report_sums(self, filters: Filters, by: By = None, row: Row | None = None) -> pd.DataFrame:
        """One row per value of `by` (a tuple: per combination) with a revenue line: a column
        per dimension, then REPORT_SUMS (see finish). `row`: only the selected lines of that
        report row (see row_of)."""

    def event_sums(self, filters: Filters) -> pd.DataFrame:
        """Sales by User's sums dated by their events (metrics.commission.sales_events), not
        the order date: one row per salesperson (the line's as sold, else the order's; a
        payment's, the order's) with an event dated in the filters' period (start and end
        given), of the confirmed orders whose customer the customer-level filters keep and that
        pass the order-level ones (metrics.selection.ORDER_FILTERS and the order amount, read on
        the order's first line), whenever they were placed: salesperson, then EVENTS (Σ value),
        by salesperson (see finish_events)."""

    def salespeople(self) -> pd.DataFrame:
        """The salespeople of the scope: SALESPEOPLE_COLUMNS, by code."""

    def average_reorder_days(self, filters: Filters) -> float | None:
        """Mean days between consecutive confirmed order dates of the customers active in the
        selection, over the gaps whose later date is in the period; None when there is none."""

    def customers(self, filters: Filters, names: tuple[str, ...]) -> pd.DataFrame:
        """One row per customer the filters keep, as sums(filters, "customer"): customer, then
        the figures `names` asks for (CUSTOMER_FIGURES), by customer (see finish_customers)."""

    def owner_sums(self, filters: Filters) -> pd.DataFrame:
        """One row per owner (the customer's salesperson code; N/A for none) of the customers
        the filters keep (start and end given): owner, then OWNER_SUMS — SUMS summed over the
        owner's customers (sums by customer) and OWNER_COUNTS; by owner, N/A last."""

    def new_customers(self, filters: Filters) -> pd.DataFrame:
        """The customers the filters keep whose first confirmed order ever falls in the period
        (start and end given), counted per owner (N/A for none) and month of that order:
        owner, month ("YYYY-MM"), new_customers; by owner, then month."""

    def order_days(self, filters: Filters, names: tuple[str, ...] = ORDER_DAYS) -> pd.DataFrame:
        """One row per customer the filters keep (as sums by customer), by customer: customer,
        then each of `names` (ORDER_DAYS) as a day number (days since 1970-01-01; NaN for
        none), read from all of the customer's confirmed orders (the period and the filters
        choose the customers, not the orders: see finish_days). The period's first and last
        day must be given."""

    def customer_frames(self, customer_id: str, lists: Frames | Lists) -> Frames:
        """Frames holding the customer of the scope `customer_id` with all of its orders and
        order lines, the item list and the scope's salespeople, with the whole data's span,
        as-of time and custom fields (`lists`: the user's frames or lists), so that
        metrics.customer_page answers the customer page from them (everything but the
        cross-sell gaps: group_purchases). The frames engine's are its own (the whole scope);
        others' are a page's (data.frames.page_frames: no events, no rollups the page
        does not read). ValueError for a customer the scope does not hold."""

    def order_frames(self, order_id: str, lists: Frames | Lists) -> Frames:
        """As customer_frames, holding the order `order_id` (of a customer of the scope) with
        its lines: metrics.customer_page.order_lines. ValueError for an order the scope does
        not hold."""

    def group_purchases(self, customer_id: str, as_of_day: int) -> pd.DataFrame:
        """What the other customers of the customer's group in the scope bought in the 365 days
        up to as_of_day, per (product, item): metrics.customer_page.group_purchases."""


def finish(frame: Mapping, by: By, sums: tuple[str, ...] = SUMS) -> pd.DataFrame:
    """An engine's answer (`frame`: a DataFrame, or arrays by name) in the interface's shape: a
    label column per dimension of `by` (months as "YYYY-MM" from year*12 + month-1, days and
    weeks as "YYYY-MM-DD" from the day number of the day / the week's Monday, missing values
    as N/A), then SUMS as floats, by label (the first dimension first; N/A last).

    Over revenue lines (confirmed orders, lines neither cancelled nor returned): sales_amount,
    sales_quantity, cost_non_inv, revenue_lines; and over those with a unit cost: cost_amount,
    known_sales, known_non_inv, known_quantity, known_lines (0 where none has one: Unknown is
    decided from known_lines). Over the selected lines of each group's orders: confirmed_orders,
    draft_orders (distinct orders), confirmed_amount, draft_amount (Σ Sales Amount of lines
    neither cancelled nor returned). customer alone: every customer the filters keep, zeros
    where none ordered; other dimensions and tuples: the values with a selected line.

    `sums`=REPORT_SUMS (Engine.report_sums): the revenue sums above, orders and customers
    (distinct orders and customers with a revenue line in the group); only the groups with a
    revenue line."""
    return labelled(frame, dimensions_of(by), sums, revenue_only=sums == REPORT_SUMS)


def labelled(
    frame: Mapping, names: tuple[str, ...], sums: tuple[str, ...], revenue_only: bool = False
) -> pd.DataFrame:
    """`frame` (a DataFrame, or arrays by name) as finish shapes it: a label column per name of
    `names` (a dimension's as finish has it; any other, e.g. owner, as text with N/A for
    missing), then `sums` as floats, by label (the first name first; N/A last); revenue_only:
    only the rows with a revenue line."""
    columns = {name: _floats(frame[name]) for name in sums}
    labels = {name: _labels(frame[name], name) for name in names}
    rows = np.arange(len(next(iter(columns.values()))))
    if revenue_only:
        rows = rows[columns["revenue_lines"] > 0]
    keys = []  # np.lexsort's last key sorts first
    for name in reversed(names):
        keys += [labels[name][rows], labels[name][rows] == NOT_AVAILABLE]
    if keys:
        rows = rows[np.lexsort(keys)]
    return pd.DataFrame({name: values[rows] for name, values in {**labels, **columns}.items()})


def finish_events(frame: Mapping) -> pd.DataFrame:
    """An engine's event sums (`frame`: a DataFrame, or arrays by name) in the interface's
    shape: salesperson (text), then EVENTS as floats, by salesperson."""
    codes = np.asarray(frame["salesperson"], dtype=object)
    order = np.argsort(codes.astype(str), kind="stable")
    columns = {name: _floats(frame[name])[order] for name in EVENTS}
    return pd.DataFrame({"salesperson": codes[order], **columns})


def finish_customers(frame: Mapping, names: tuple[str, ...]) -> pd.DataFrame:
    """An engine's figures per customer (`frame`: a DataFrame, or arrays by name) in the
    interface's shape: customer, then `names` (figures_of), by customer. SUMS as floats, 0 where
    missing (see finish); CADENCE's days as floats, NaN where the customer has none; at_risk as
    bools."""
    customers = np.asarray(frame["customer"], dtype=object)
    order = np.argsort(customers.astype(str), kind="stable")
    columns = {}
    for name in names:
        if name in SUMS:
            columns[name] = _floats(frame[name])
        elif name == "at_risk":
            columns[name] = _floats(frame[name]) > 0
        else:
            values = frame[name]
            if isinstance(values, pd.Series):
                values = values.to_numpy(dtype=np.float64, na_value=np.nan)
            columns[name] = np.asarray(values, dtype=np.float64)
    return pd.DataFrame({"customer": customers[order], **{n: v[order] for n, v in columns.items()}})


def figures_of(names: tuple[str, ...]) -> tuple[str, ...]:
    """The figures `names` asks for (Engine.customers); ValueError for an unknown one."""
    for name in names:
        if name not in CUSTOMER_FIGURES:
            raise ValueError(
                f"unknown customer figure {name!r}; use any of {', '.join(CUSTOMER_FIGURES)}"
            )
    return tuple(names)


def finish_days(frame: Mapping, names: tuple[str, ...]) -> pd.DataFrame:
    """An engine's order days (`frame`: a DataFrame, or arrays by name) in the interface's
    shape: customer, then `names` as floats (NaN for none), by customer."""
    customers = np.asarray(frame["customer"], dtype=object)
    order = np.argsort(customers.astype(str), kind="stable")
    days = {}
    for name in names:
        values = frame[name]
        if isinstance(values, pd.Series):
            values = values.to_numpy(dtype=np.float64, na_value=np.nan)
        days[name] = np.asarray(values, dtype=np.float64)[order]
    return pd.DataFrame({"customer": customers[order], **days})


def row_of(row: Row | None) -> dict[str, tuple[str, ...]]:
    """The keywords of a report row's narrowing that narrow (not None), each with its values as
    a tuple, in ROW_KEYS order; ValueError for an unknown keyword."""
    row = row or {}
    for keyword in row:
        if keyword not in ROW_KEYS:
            raise ValueError(f"unknown row keyword {keyword!r}; use one of {', '.join(ROW_KEYS)}")
    given = {keyword: row.get(keyword) for keyword in ROW_KEYS}
    return {keyword: (value,) if isinstance(value, str) else tuple(value)
            for keyword, value in given.items() if value is not None}  # fmt: skip


def order_days_of(filters: Filters, names: tuple[str, ...]) -> tuple[str, ...]:
    """`names` when they are some of ORDER_DAYS and the filters give the period's both ends;
    ValueError otherwise."""
    if not names:
        raise ValueError(f"ask for some order days: {', '.join(ORDER_DAYS)}")
    for name in names:
        if name not in ORDER_DAYS:
            raise ValueError(f"unknown order day {name!r}; use one of {', '.join(ORDER_DAYS)}")
    if filters.start is None or filters.end is None:
        raise ValueError("order days need the period's first and last day")
    return tuple(names)


def _floats(values) -> np.ndarray:
    """A sum column (a Series, or an array of the frames engine) as floats, 0 where missing (a
    database's SUM over no row is NULL)."""
    if isinstance(values, pd.Series):
        values = values.to_numpy(dtype=np.float64, na_value=np.nan)
    floats = np.asarray(values, dtype=np.float64)
    return np.where(np.isnan(floats), 0.0, floats)


def _labels(label, name: str) -> np.ndarray:
    """A dimension's values (a Series, or an array of the frames engine) as labels."""
    if name == "month":
        month = np.asarray(label, dtype=np.int64)
        return np.array([f"{m // 12:04d}-{m % 12 + 1:02d}" for m in month.tolist()], dtype=object)
    if name in DATES:
        days = np.asarray(label, dtype=np.int64).astype("datetime64[D]")
        return np.datetime_as_string(days).astype(object)
    values = label.to_numpy(dtype=object, na_value=None) if isinstance(label, pd.Series) else label
    values = np.asarray(values, dtype=object)
    return values if name == "customer" else np.where(pd.isna(values), NOT_AVAILABLE, values)


def dimensions_of(by: By) -> tuple[str, ...]:
    """The dimensions `by` names, in order (none for None or ()); ValueError for an unknown or
    repeated one."""
    names = () if by is None else (by,) if isinstance(by, str) else tuple(by)
    for name in names:
        if name not in DIMENSIONS:
            raise ValueError(f"unknown dimension {name!r}; use one of {', '.join(DIMENSIONS)}")
    if len(set(names)) != len(names):
        raise ValueError(f"group by distinct dimensions, not {by!r}")
    return names


class FramesEngine:
    """The interface over cached frames (restricted to the user's scope already)."""

    def __init__(self, frames: Frames) -> None:
        self.frames = frames
        self._last: tuple[Filters, Selection, Sums] | None = None

    def _per_customer(self, filters: Filters) -> tuple[Selection, Sums]:
        """The selection of `filters` and its customer_sums, worked out once for the questions
        asked of the same filters (the KPIs ask for the sums, then the reorder time)."""
        if self._last is None or self._last[0] != filters:
            selection = select(self.frames, filters)
            self._last = (filters, selection, customer_sums(selection))
        return self._last[1], self._last[2]

    def sums(self, filters: Filters, by: By = None) -> pd.DataFrame:
        names = dimensions_of(by)
        if names == ("customer",):
            selection, per_customer = self._per_customer(filters)
            kept = selection.customers
            customer_id = self.frames.customers["customer_id"].to_numpy()[kept]
            return finish(
                {"customer": customer_id, **{n: per_customer[n][kept] for n in SUMS}}, names
            )
        selection = select(self.frames, filters)
        group, groups, labels = self._grouping(selection, names)
        return finish({**labels, **_grouped_sums(selection, group, groups)}, names)

    def report_sums(self, filters: Filters, by: By = None, row: Row | None = None) -> pd.DataFrame:
        names = dimensions_of(by)
        selection = select_row(self.frames, filters, **row_of(row))
        # an item dimension's sums are kept per month: read them unless the lines are filtered
        sums = dimension_sums(selection, names[0]) if len(names) == 1 else None
        if sums is not None:
            categories = self.frames.lines[names[0]].cat.categories
            labels = {names[0]: np.array([*categories, None], dtype=object)}
        elif len(names) == 1:  # one dimension: its codes are the groups (empty ones dropped)
            group, labels = self._groups(selection, names[0])
            sums = report_sums_of(selection, group, len(labels))
            labels = {names[0]: labels}
        else:
            group, groups, labels = self._grouping(selection, names)
            sums = report_sums_of(selection, group, groups)
        return finish({**labels, **sums}, names, REPORT_SUMS)

    def event_sums(self, filters: Filters) -> pd.DataFrame:
        selection = select(self.frames, filters)
        events = selected_events(selection, filters)
        codes = events["salesperson"].cat.categories
        seen = np.bincount(
            events["salesperson"].cat.codes.to_numpy() + 1, minlength=len(codes) + 1
        )[1:]
        period = selection.period
        sums = event_sums(events, codes, period.start_day, period.end_day)[seen > 0]
        columns = {name: sums[:, i] for i, name in enumerate(EVENTS)}
        return finish_events({"salesperson": np.asarray(codes, dtype=object)[seen > 0], **columns})

    def salespeople(self) -> pd.DataFrame:
        people = self.frames.salespeople[list(SALESPEOPLE_COLUMNS)]
        return people.sort_values("code", kind="stable").reset_index(drop=True)

    def average_reorder_days(self, filters: Filters) -> float | None:
        selection, per_customer = self._per_customer(filters)
        active = per_customer["confirmed_orders"] > 0
        return average_reorder_days(self.frames, selection.period, active)

    def customers(self, filters: Filters, names: tuple[str, ...]) -> pd.DataFrame:
        names = figures_of(names)
        selection, per_customer = self._per_customer(filters)
        kept = selection.customers
        figures = dict(per_customer)
        if set(names) & set(CADENCE):
            as_of = cadence(self.frames, selection.period.end_day)
            last = as_of.last_order_day
            figures |= {
                "last_order_day": np.where(last >= 0, last, np.nan),
                "days_since_last_order": as_of.days_since_last_order,
                "median_gap": as_of.median_gap,
                "overdue_days": as_of.overdue_days,
                "at_risk": as_of.at_risk,
            }
        customer_id = self.frames.customers["customer_id"].to_numpy()[kept]
        return finish_customers(
            {"customer": customer_id, **{n: figures[n][kept] for n in names}}, names
        )

    def owner_sums(self, filters: Filters) -> pd.DataFrame:
        selection, per_customer = self._per_customer(filters)
        kept = np.flatnonzero(selection.customers)
        sums = {name: per_customer[name][kept] for name in SUMS}
        counts = {
            "customers": np.ones(len(kept)),
            "active_customers": sums["confirmed_orders"] > 0,
            "at_risk_customers": cadence(self.frames, selection.period.end_day).at_risk[kept],
            "unknown_cost_customers": (sums["revenue_lines"] > 0) & (sums["known_lines"] == 0),
        }
        owner, owners = pd.factorize(self.frames.customers["owner"].to_numpy(object)[kept])
        group = np.where(owner < 0, len(owners), owner)  # customers without an owner: last
        seen = np.bincount(group, minlength=len(owners) + 1) > 0
        totals = {name: np.bincount(group, np.asarray(values, np.float64), len(owners) + 1)[seen]
                  for name, values in {**sums, **counts}.items()}  # fmt: skip
        labels = np.array([*owners, None], dtype=object)[seen]
        return labelled({"owner": labels, **totals}, ("owner",), OWNER_SUMS)

    def new_customers(self, filters: Filters) -> pd.DataFrame:
        selection = select(self.frames, filters)
        period = selection.period
        first = first_order_day(self.frames)
        new = selection.customers & (first >= period.start_day) & (first <= period.end_day)
        owner = self.frames.customers["owner"].to_numpy(object)[new]
        month = month_of_days(first[new])
        counts = pd.DataFrame({"owner": owner, "month": month}).value_counts(dropna=False)
        cells = counts.index.to_frame(index=False)
        return labelled({**cells, "new_customers": counts.to_numpy()}, ("owner", "month"),
                        ("new_customers",))  # fmt: skip

    def order_days(self, filters: Filters, names: tuple[str, ...] = ORDER_DAYS) -> pd.DataFrame:
        names = order_days_of(filters, names)
        selection, _ = self._per_customer(filters)
        period, frames = selection.period, self.frames
        first = first_order_day(frames)  # today's code: the int64 maximum for none
        days = {
            "first_order_day": np.where(first == np.iinfo(np.int64).max, np.nan, first),
            "last_order_day": _day_or_none(cadence(frames, period.end_day).last_order_day),
            "last_order_day_before": _day_or_none(
                cadence(frames, period.start_day - 1).last_order_day
            ),
        }
        kept = selection.customers
        customer_id = frames.customers["customer_id"].to_numpy()[kept]
        columns = {name: days[name][kept] for name in names}
        return finish_days({"customer": customer_id, **columns}, names)

    def customer_frames(self, customer_id: str, lists: Frames | Lists) -> Frames:
        customer_code(self.frames, customer_id)  # ValueError for a customer they do not hold
        return self.frames

    def order_frames(self, order_id: str, lists: Frames | Lists) -> Frames:
        return self.frames

    def group_purchases(self, customer_id: str, as_of_day: int) -> pd.DataFrame:
        from metrics.customer_page import group_purchases  # it imports this module

        return group_purchases(self.frames, customer_id, as_of_day)

    def _grouping(
        self, selection: Selection, names: tuple[str, ...]
    ) -> tuple[np.ndarray, int, dict[str, np.ndarray]]:
        """(each selected line's group, how many groups, each group's label per dimension): the
        combinations of `names` with a selected line, numbered in order (one group for none)."""
        group, groups, labels = np.zeros(len(selection), np.int64), 1, {}
        if names:
            parts = [self._groups(selection, name) for name in names]
            for part, part_labels in parts:
                group = group * len(part_labels) + part
            combinations, group = np.unique(group, return_inverse=True)
            groups = len(combinations)
            for name, (_, part_labels) in reversed(list(zip(names, parts, strict=True))):
                combinations, part = np.divmod(combinations, len(part_labels))
                labels[name] = part_labels[part]
        return group, groups, labels

    def _groups(self, selection: Selection, name: str) -> tuple[np.ndarray, np.ndarray]:
        """(each selected line's group by the dimension `name`, each group's label)."""
        if name == "customer":
            customer_id = self.frames.customers["customer_id"].to_numpy()
            return selection.values("customer").astype(np.int64), customer_id
        if name == "month":
            month = selection.values("month").astype(np.int64)
            first = int(month.min()) if len(month) else 0
            last = int(month.max()) if len(month) else -1
            return month - first, np.arange(first, last + 1)
        if name in DATES:
            day = selection.values("day").astype(np.int64)
            day = monday(day) if name == "week" else day
            first = int(day.min()) if len(day) else 0
            last = int(day.max()) if len(day) else -1
            step = 7 if name == "week" else 1
            return (day - first) // step, np.arange(first, last + 1, step)
        if name == "item":
            return selection.values("item").astype(np.int64), self.frames.items[
                "item_id"
            ].to_numpy()
        if name == "product":
            of_item, products = pd.factorize(product_keys(self.frames.items))
            return of_item[selection.values("item")], np.asarray(products, dtype=object)
        if name == "made_to_order":
            made = self.frames.items["made_to_order"].fillna(False).to_numpy(bool)
            made = made[selection.values("item")] | (selection.codes("customisation") >= 0)
            return made.astype(np.int64), np.array(["no", "yes"], dtype=object)
        categories = self.frames.lines[name].cat.categories
        codes = selection.codes(name).astype(np.int64)
        group = np.where(codes < 0, len(categories), codes)
        return group, np.array([*categories, None], dtype=object)


def _day_or_none(last_order_day: np.ndarray) -> np.ndarray:
    """metrics.cadence's last order days as floats, NaN where it has none (-1)."""
    return np.where(last_order_day == -1, np.nan, last_order_day)


def monday(day):
    """The Monday starting the week of a day number (1970-01-01 was a Thursday)."""
    return day - (day + 3) % 7


def _grouped_sums(selection: Selection, group: np.ndarray, groups: int) -> Sums:
    """SUMS per group of the selected lines, for any grouping (a group may split an order: its
    orders are counted once per group they have a line in)."""
    frames = selection.frames
    status = selection.codes("order_status")
    confirmed = status == category_code(frames, "order_status", "confirmed")
    draft = status == category_code(frames, "order_status", "draft")
    pair = selection.values("order").astype(np.int64) * groups + group
    first = np.unique(pair, return_index=True)[1]  # a line of each (order, group)
    counted = np.where(selection.values("in_order_amount"), selection.values("sales_amount"), 0.0)

    def total(weights: np.ndarray, rows=slice(None)) -> np.ndarray:
        return np.bincount(group[rows], weights=weights, minlength=groups).astype(np.float64)

    return {
        **line_sums(selection, group, groups),
        "confirmed_orders": total(confirmed[first].astype(np.float64), first),
        "draft_orders": total(draft[first].astype(np.float64), first),
        "confirmed_amount": total(np.where(confirmed, counted, 0.0)),
        "draft_amount": total(np.where(draft, counted, 0.0)),
    }


def report_sums_of(selection: Selection, group: np.ndarray, groups: int) -> Sums:
    """REPORT_SUMS per group of the selected lines."""
    revenue = selection.values("revenue")
    key = group[revenue].astype(np.int64)
    frames = selection.frames
    order, customer = (selection.values(c)[revenue] for c in ("order", "customer"))
    return {
        **line_sums(selection, group, groups),
        "orders": _distinct(key, order, groups, len(frames.orders), by_other=True),
        "customers": _distinct(key, customer, groups, len(frames.customers), False),
    }


def _distinct(
    group: np.ndarray, other: np.ndarray, groups: int, n_other: int, by_other: bool
) -> np.ndarray:
    """How many distinct `other` codes each group has. A bitmap when groups × n_other is small,
    else a sort of the pair keys; by_other puts `other` first in the key (cheaper when the lines
    are already in `other` order, as orders are)."""
    if groups * n_other <= max(8 * len(group), 1 << 16):
        seen = np.zeros(groups * n_other, dtype=bool)
        seen[other.astype(np.int64) * groups + group] = True
        return seen.reshape(n_other, groups).sum(axis=0).astype(np.int64)
    if by_other:
        key = np.sort(other.astype(np.int64) * groups + group, kind="stable")
        group_of = key % groups
    else:
        key = np.sort(group * n_other + other, kind="stable")
        group_of = key // n_other
    first = np.r_[True, key[1:] != key[:-1]] if len(key) else np.zeros(0, bool)
    return np.bincount(group_of[first], minlength=groups).astype(np.int64)
