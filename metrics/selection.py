"""Turn a filter state into the order lines and customers it selects, without copying the frames.

Lines are sorted by order date, so the period is a slice found by binary search; the other
filters become one boolean mask over that slice, and the mask becomes the positions of the
selected lines once, from which each column is gathered (a gather of the selected values costs a
fraction of a boolean mask over the whole slice, column after column).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import cached_property

import numpy as np
import pandas as pd

from data.frames import Frames, lines_of_customer
from metrics.cadence import cadence, status_labels
from metrics.filters import LINE_FILTERS, NOT_AVAILABLE, Filters, Period, period_of
from metrics.sums import customer_sums

ORDER_FILTERS = ("channels", "sources", "devices", "document_types")  # order-level line filters
COMPARISONS = 8  # in_codes compares with up to this many codes before it uses a lookup table


@dataclass(frozen=True)
class Selection:
    """Lines `lo:hi` of frames.lines (the period) where `mask` holds (None = all of them) and
    whose customer `customers` keeps (a bool per customer code: the accounts the filters keep).
    `line_filtered` says whether a filter narrowed the lines themselves (not just customers).
    A narrowed selection (where, only_customer) holds the `positions` of its lines within lo:hi
    instead of a mask (None): its customers are applied already."""

    frames: Frames
    period: Period
    lo: int
    hi: int
    mask: np.ndarray | None
    customers: np.ndarray
    line_filtered: bool = False  # a filter narrowed the lines themselves (not just customers)
    positions: np.ndarray | None = None

    @cached_property
    def rows(self) -> np.ndarray | None:
        """Positions of the selected lines within the slice lo:hi (None = the whole slice). The
        lines' customers are looked up here, at first need: the precomputed tables answer most
        customer-filtered questions without reading a line."""
        if self.positions is not None:
            return self.positions
        every_customer = self.customers.all()
        if self.mask is None and every_customer:
            return None
        customer = self.frames.lines["customer"].to_numpy()[self.lo : self.hi]
        if self.mask is None:
            return np.flatnonzero(self.customers[customer])
        rows = np.flatnonzero(self.mask)  # then the customers of the lines the mask keeps only
        return rows if every_customer else rows[self.customers[customer.take(rows)]]

    def values(self, column: str) -> np.ndarray:
        """A numeric line column, restricted to the selected lines."""
        part = self.frames.lines[column].to_numpy()[self.lo : self.hi]
        return part if self.rows is None else part.take(self.rows)

    def codes(self, column: str) -> np.ndarray:
        """A categorical line column's codes (-1 = missing), restricted to the selected lines."""
        part = self.frames.lines[column].array.codes[self.lo : self.hi]  # a view: .cat.codes copies
        return part if self.rows is None else part.take(self.rows)

    def where(self, column: str) -> Selection:
        """This selection narrowed to the lines where a bool line column holds (e.g. revenue)."""
        return self.keep(self.values(column))

    def keep(self, flag: np.ndarray) -> Selection:
        """This selection narrowed to its lines where `flag` (a bool per selected line) holds."""
        rows = self.rows  # the lines this selection keeps: no second pass over the customers
        return replace(
            self, mask=None, positions=np.flatnonzero(flag) if rows is None else rows[flag]
        )

    def only_customer(self, code: int) -> Selection:
        """This selection narrowed to one customer (by code); empty when the filters left them
        out. Their lines come from frames.customer_lines: no pass over every line's customer."""
        keep = np.zeros(len(self.customers), dtype=bool)
        keep[code] = self.customers[code]
        mine = lines_of_customer(self.frames, code) if keep[code] else np.zeros(0, np.int32)
        bounds = np.searchsorted(mine, mine.dtype.type([self.lo, self.hi]))  # lines in date order
        rows = mine[bounds[0] : bounds[1]].astype(np.intp) - self.lo
        if self.positions is not None:
            rows = np.intersect1d(rows, self.positions, assume_unique=True)
        elif self.mask is not None:
            rows = rows[self.mask[rows]]
        return replace(self, mask=None, customers=keep, line_filtered=True, positions=rows)

    def __len__(self) -> int:
        return (self.hi - self.lo) if self.rows is None else len(self.rows)


def select(frames: Frames, filters: Filters, period: Period | None = None) -> Selection:
    """The lines and customers `filters` select, over `period` (default: the filters' own)."""
    period = period or period_of(frames, filters)
    lines = frames.lines
    day = lines["day"].to_numpy()
    # the search value in the column's own type, or numpy converts the whole column first
    lo = int(np.searchsorted(day, day.dtype.type(period.start_day), "left"))
    hi = int(np.searchsorted(day, day.dtype.type(period.end_day), "right"))

    mask: np.ndarray | None = None

    def narrow(keep: np.ndarray) -> None:  # `keep` is always a new array: ours to write into
        nonlocal mask
        mask = keep if mask is None else np.logical_and(mask, keep, out=mask)

    for field, column in LINE_FILTERS.items():
        wanted = getattr(filters, field)
        if wanted:
            codes = lines[column].array.codes[lo:hi]
            narrow(in_codes(codes, allowed_codes(lines[column].cat.categories, wanted)))
    if filters.order_amount_min is not None or filters.order_amount_max is not None:
        amount = lines["order_amount"].to_numpy()[lo:hi]
        low = -np.inf if filters.order_amount_min is None else filters.order_amount_min
        high = np.inf if filters.order_amount_max is None else filters.order_amount_max
        narrow((amount >= low - 1e-9) & (amount <= high + 1e-9))

    selection = Selection(
        frames, period, lo, hi, mask, customer_mask(frames, filters), mask is not None
    )
    if filters.customer_status:
        selection = _keep_status(selection, filters.customer_status)
    return selection


def customer_mask(frames: Frames, filters: Filters) -> np.ndarray:
    """Bool per customer code: passes the customer-level filters (IDs, owner, team, custom fields)."""
    customers = frames.customers
    keep = np.ones(len(customers), dtype=bool)
    if filters.customers:
        keep &= customers["customer_id"].isin(filters.customers).to_numpy()
    if filters.salespeople:
        keep &= _matches(customers["owner"], filters.salespeople)
    if filters.teams:
        keep &= _matches(customers["team"], filters.teams)
    for field, values in filters.custom:
        if field not in frames.custom_fields:
            raise ValueError(f"unknown customer field {field!r}")
        keep &= _matches(customers[field], values)
    return keep


def customer_status(selection: Selection) -> np.ndarray:
    """Per customer code: 'at_risk', 'active' (a confirmed order in the selection) or 'inactive'."""
    active = customer_sums(selection)["confirmed_orders"] > 0
    return status_labels(active, cadence(selection.frames, selection.period.end_day).at_risk)


def _keep_status(selection: Selection, statuses: tuple[str, ...]) -> Selection:
    keep = selection.customers & np.isin(customer_status(selection), statuses)
    return replace(selection, customers=keep)


def category_code(frames: Frames, column: str, value: str) -> int:
    """The code of `value` in a categorical line column (-2 when absent: matches no line)."""
    categories = frames.lines[column].cat.categories
    return int(categories.get_loc(value)) if value in categories else -2


def allowed_codes(categories: pd.Index, wanted: tuple[str, ...]) -> np.ndarray:
    """Lookup table over codes+1 (slot 0 = missing value) that is True for the wanted values."""
    table = np.zeros(len(categories) + 1, dtype=bool)
    found = categories.get_indexer([w for w in wanted if w != NOT_AVAILABLE])
    table[found[found >= 0] + 1] = True
    table[0] = NOT_AVAILABLE in wanted
    return table


def in_codes(codes: np.ndarray, allowed: np.ndarray) -> np.ndarray:
    """Per line: whether its categorical code (-1 = missing) is allowed by a lookup table over
    codes + 1. A few comparisons with the wanted codes (or with the unwanted ones, when fewer) run
    at memory speed; a table lookup over every line costs ~20x one comparison."""
    wanted, unwanted = np.flatnonzero(allowed) - 1, np.flatnonzero(~allowed) - 1
    if min(len(wanted), len(unwanted)) > COMPARISONS:
        return allowed[codes.astype(np.intp) + 1]
    if len(unwanted) < len(wanted):
        keep = np.ones(len(codes), dtype=bool)
        for code in unwanted.tolist():
            keep &= codes != code
        return keep
    if not len(wanted):
        return np.zeros(len(codes), dtype=bool)
    keep = codes == int(wanted[0])
    for code in wanted[1:].tolist():
        keep |= codes == code
    return keep


def _matches(values: pd.Series, wanted: tuple[str, ...]) -> np.ndarray:
    keep = values.isin([w for w in wanted if w != NOT_AVAILABLE]).to_numpy()
    if NOT_AVAILABLE in wanted:
        keep = keep | values.isna().to_numpy()
    return keep


def selected_events(selection: Selection, filters: Filters) -> pd.DataFrame:
    """The frames' events (metrics.commission.sales_events) dated in the selection's period, of
    the orders that pass the customer-level and order-level filters (ORDER_FILTERS, order
    amounts; item-level filters do not narrow events: an event is a line's value without its
    item)."""
    frames = selection.frames
    events = frames.events
    day = events["day"].to_numpy()
    lo = int(np.searchsorted(day, day.dtype.type(selection.period.start_day), "left"))
    hi = int(np.searchsorted(day, day.dtype.type(selection.period.end_day), "right"))
    events = events.iloc[lo:hi]
    keep = _orders_kept(selection, filters)
    if keep is None:
        return events
    order_ids = events["order_id"].cat.categories
    position = np.append(pd.Index(frames.orders["order_id"]).get_indexer(order_ids), -1)
    kept = np.append(keep, False)[position[events["order_id"].cat.codes.to_numpy()]]
    return events[kept]


def _orders_kept(selection: Selection, filters: Filters) -> np.ndarray | None:
    """Bool per order code: its customer is kept and it passes the order-level filters (None =
    every order). An order's channel, source, device, document type and amount are read on its
    first line (lines are in order code order)."""
    dims = [f for f in ORDER_FILTERS if getattr(filters, f)]
    by_amount = filters.order_amount_min is not None or filters.order_amount_max is not None
    by_customer = not selection.customers.all()
    if not (dims or by_amount or by_customer):
        return None
    frames = selection.frames
    orders = frames.orders
    keep = selection.customers[orders["customer"].to_numpy()]
    if dims or by_amount:
        order = frames.lines["order"].to_numpy()
        codes = np.arange(len(orders), dtype=order.dtype)
        first = np.searchsorted(order, codes, "left")
        if not len(order):
            return np.zeros(len(orders), dtype=bool)
        at = np.minimum(first, len(order) - 1)
        keep &= (first < len(order)) & (order[at] == codes)
        for field in dims:
            column = frames.lines[LINE_FILTERS[field]]
            allowed = allowed_codes(column.cat.categories, getattr(filters, field))
            keep &= allowed[column.cat.codes.to_numpy()[at].astype(np.int64) + 1]
        if by_amount:
            amount = frames.lines["order_amount"].to_numpy()[at]
            low = -np.inf if filters.order_amount_min is None else filters.order_amount_min
            high = np.inf if filters.order_amount_max is None else filters.order_amount_max
            keep &= (amount >= low - 1e-9) & (amount <= high + 1e-9)
    return keep


# --- a report row's narrowing -------------------------------------------------------------------

# What narrows a report to one of its rows, finer than Filters can say (metrics.reports.row_filters):
# the salesperson who took the order (the line's as sold, else its order's: not the customer's
# owner), the item (item_id), the product (product_id; an item without one is its own product)
# the customisation (its text; N/A = none) and whether the line is made to order ("yes": its item
# is made to order or it carries a customisation; "no"). Each keyword takes one value or a
# sequence; None (or leaving it out) = any.
ROW_KEYS = ("salesperson", "item", "product", "customisation", "made_to_order")
RowValue = str | Sequence[str] | None


def select_row(
    frames: Frames,
    filters: Filters,
    *,
    salesperson: RowValue = None,
    item: RowValue = None,
    product: RowValue = None,
    customisation: RowValue = None,
    made_to_order: RowValue = None,
) -> Selection:
    """select, narrowed further by the ROW_KEYS keywords given (None = any)."""
    selection = select(frames, filters)
    keep: np.ndarray | None = None

    def narrow(part: np.ndarray) -> None:
        nonlocal keep
        keep = part if keep is None else keep & part

    lines = frames.lines
    if salesperson is not None:
        column = lines["salesperson"]
        allowed = allowed_codes(column.cat.categories, row_values(salesperson))
        narrow(allowed[line_part(selection, "salesperson", codes=True).astype(np.int64) + 1])
    if item is not None or product is not None:
        narrow(item_allowed(frames.items, item, product)[line_part(selection, "item")])
    if customisation is not None:
        codes, labels = customisations(frames)
        allowed = allowed_codes(pd.Index(labels), row_values(customisation))
        narrow(allowed[codes[selection.lo : selection.hi].astype(np.int64) + 1])
    if made_to_order is not None:
        made = frames.items["made_to_order"].fillna(False).to_numpy(bool)
        custom = customisations(frames)[0][selection.lo : selection.hi]
        made = made[line_part(selection, "item")] | (custom >= 0)
        wanted = row_values(made_to_order)
        narrow(np.where(made, "yes" in wanted, "no" in wanted))
    return selection if keep is None else narrowed(selection, keep)


def narrowed(selection: Selection, part: np.ndarray) -> Selection:
    """The selection further narrowed by `part` (a bool per line of the period slice)."""
    mask = part if selection.mask is None else selection.mask & part
    return replace(selection, mask=mask, line_filtered=True)


def line_part(selection: Selection, column: str, codes: bool = False) -> np.ndarray:
    """A line column (or a categorical's codes) over the whole period slice, unmasked."""
    values = selection.frames.lines[column]
    values = values.cat.codes if codes else values
    return values.to_numpy()[selection.lo : selection.hi]


def row_values(value: RowValue) -> tuple[str, ...]:
    return (value,) if isinstance(value, str) else tuple(value)


def item_allowed(items: pd.DataFrame, item: RowValue, product: RowValue) -> np.ndarray:
    """Bool per item code: matches the item and product keywords given."""
    keep = np.ones(len(items), dtype=bool)
    if item is not None:
        keep &= items["item_id"].isin(row_values(item)).to_numpy()
    if product is not None:
        keep &= np.isin(product_keys(items), row_values(product))
    return keep


def customisations(frames: Frames) -> tuple[np.ndarray, np.ndarray]:
    """(code per line, -1 = none; the customisation texts) of the line column `customisation`."""
    lines = frames.lines
    if "customisation" not in lines:
        return np.full(len(lines), -1, dtype=np.int32), np.array([], dtype=object)
    column = lines["customisation"]
    if not isinstance(column.dtype, pd.CategoricalDtype):
        column = column.astype(object).where(column.notna(), None).astype("category")
    return column.cat.codes.to_numpy(), column.cat.categories.to_numpy(dtype=object)


def product_keys(items: pd.DataFrame) -> np.ndarray:
    """Per item: its product_id, or its own item_id when it has none (e.g. a deleted item)."""
    product = items["product_id"] if "product_id" in items else pd.Series(np.nan, items.index)
    return product.fillna(items["item_id"]).to_numpy(dtype=object)
