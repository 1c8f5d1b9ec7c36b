"""Row-level scope (SPEC §6): the frames a user may see, physically restricted before any metric runs.

A salesperson sees the customers they own with all of those customers' orders; a manager the
customers owned by their team's salespeople; leadership and admin everything. The restricted
frames hold no row of any other customer, so no callback, URL or export can reach one.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from data.frames import Frames, customer_months, lines_by_customer
from metrics.commission import daily_events

ROLES = ("leadership", "manager", "salesperson", "admin")
SEES_EVERYTHING = ("leadership", "admin")


@dataclass(frozen=True)
class Scope:
    """Who is asking: a role, and the salesperson code or team it is tied to."""

    role: str
    salesperson: str | None = None
    team: str | None = None

    def __post_init__(self) -> None:
        if self.role not in ROLES:
            raise ValueError(f"unknown role {self.role!r}; use one of {', '.join(ROLES)}")

    @property
    def sees_everything(self) -> bool:
        return self.role in SEES_EVERYTHING


def visible_customers(frames: Frames, scope: Scope) -> np.ndarray:
    """Bool per customer code: may `scope` see this customer?"""
    customers = frames.customers
    if scope.sees_everything:
        return np.ones(len(customers), dtype=bool)
    if scope.role == "salesperson":
        return (customers["owner"] == scope.salesperson).fillna(False).to_numpy(bool)
    return (customers["team"] == scope.team).fillna(False).to_numpy(bool)


def scoped(frames: Frames, scope: Scope) -> Frames:
    """The frames restricted to what `scope` may see (the same object when that is everything)."""
    if scope.sees_everything:
        return frames
    restricted = restrict(frames, visible_customers(frames, scope))
    sellers = frames.salespeople
    own = (
        sellers["code"] == scope.salesperson
        if scope.role == "salesperson"
        else sellers["team"] == scope.team
    )
    return replace(restricted, salespeople=sellers[own.fillna(False)].reset_index(drop=True))


def restrict(frames: Frames, keep: np.ndarray) -> Frames:
    """Frames holding only the customers where `keep` is True, their orders and order lines,
    with customer and order codes renumbered."""
    new_customer = np.cumsum(keep) - 1
    orders = frames.orders[keep[frames.orders["customer"].to_numpy()]]
    order_keep = np.zeros(len(frames.orders), dtype=bool)
    order_keep[orders.index.to_numpy()] = True
    new_order = np.cumsum(order_keep) - 1

    lines = frames.lines[order_keep[frames.lines["order"].to_numpy()]].reset_index(drop=True)
    lines = lines.assign(
        customer=new_customer[lines["customer"].to_numpy()].astype(np.int32),
        order=new_order[lines["order"].to_numpy()].astype(np.int32),
    )
    orders = orders.reset_index(drop=True).assign(
        customer=new_customer[orders["customer"].to_numpy()].astype(np.int32)
    )
    days = frames.order_days
    days = days[keep[days["customer"].to_numpy()]].reset_index(drop=True)
    customer = new_customer[days["customer"].to_numpy()].astype(np.int32)
    gap = days["gap"].to_numpy()
    days = days.assign(
        customer=customer,
        by_gap=np.lexsort((np.nan_to_num(gap, nan=np.inf), customer)).astype(np.int32),
    )
    daily = frames.daily[keep[frames.daily["customer"].to_numpy()]].reset_index(drop=True)
    daily = daily.assign(customer=new_customer[daily["customer"].to_numpy()].astype(np.int32))
    monthly = frames.monthly[keep[frames.monthly["customer"].to_numpy()]].reset_index(drop=True)
    monthly = monthly.assign(customer=new_customer[monthly["customer"].to_numpy()].astype(np.int32))
    month_items = frames.customer_month_items
    month_items = month_items[keep[month_items["customer"].to_numpy()]].reset_index(drop=True)
    month_items = month_items.assign(
        customer=new_customer[month_items["customer"].to_numpy()].astype(np.int32)
    )
    events = _events_of(frames.events, order_keep, new_order, orders["order_id"])
    customers = frames.customers[keep].reset_index(drop=True)
    # custom fields none of the kept customers has: their names are other scopes' business
    empty = [f for f in frames.custom_fields if customers[f].isna().all()]
    return replace(
        frames,
        lines=_used_categories_only(lines),
        customers=customers.drop(columns=empty),
        orders=_used_categories_only(orders),
        order_days=days,
        daily=daily,
        customer_months=customer_months(daily, len(customers)),
        monthly=_used_categories_only(monthly),
        customer_lines=lines_by_customer(lines["customer"].to_numpy()),
        customer_month_items=month_items,
        events=events,
        daily_events=daily_events(events),
        custom_fields=tuple(f for f in frames.custom_fields if f not in empty),
    )


def _events_of(events: pd.DataFrame, keep: np.ndarray, code: np.ndarray, ids) -> pd.DataFrame:
    """The events of the orders `keep` (by order code), naming them by their `code` among the
    kept orders (whose IDs are `ids`), as data.frames names orders in the events."""
    order = events["order_id"].array
    if len(order.categories) != len(keep):
        raise ValueError("the events do not name orders by their code")
    rows = np.flatnonzero(keep[order.codes])
    kept = _used_categories_only(events.drop(columns="order_id").take(rows).reset_index(drop=True))
    # the kept orders' IDs are unique: no check (a hash table of every ID)
    dtype = pd.CategoricalDtype._from_fastpath(pd.Index(ids), False)
    codes = code[order.codes[rows]]
    kept.insert(
        events.columns.get_loc("order_id"),
        "order_id",
        pd.Categorical.from_codes(codes, dtype=dtype, validate=False),
    )
    return kept


def _used_categories_only(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with each categorical column holding only the values its rows use: filter
    options, report rows and matrix columns are built from the categories, and those of the
    whole data would name channels, brands or salespeople of customers out of scope."""
    columns = {
        name: _used_only(frame[name].array)
        for name in frame.columns
        if isinstance(frame[name].dtype, pd.CategoricalDtype)
    }
    return frame.assign(**columns) if columns else frame


def _used_only(values: pd.Categorical) -> pd.Categorical:
    """values.remove_unused_categories(), by counting the codes instead of sorting them."""
    codes = values.codes
    used = np.bincount(codes.astype(np.intp) + 1, minlength=len(values.categories) + 1)[1:] > 0
    if used.all():
        return values
    renumbered = np.append(np.cumsum(used) - 1, -1)  # code -1 (missing) reads the last entry
    dtype = pd.CategoricalDtype(values.categories[used], values.ordered)
    return pd.Categorical.from_codes(renumbered[codes], dtype=dtype)
