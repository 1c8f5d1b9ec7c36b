"""The filter state every metric takes (SPEC §4) and the periods it resolves to."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from typing import TYPE_CHECKING

import pandas as pd

from data.frames import Frames, from_day, to_day

if TYPE_CHECKING:
    from data.lists import Lists

NOT_AVAILABLE = "N/A"  # selects lines whose dimension value is missing
CUSTOMER_STATUSES = ("active", "inactive", "at_risk")


@dataclass(frozen=True)
class Filters:
    """What the user asked to see. Empty tuples mean "no restriction".

    start/end: the period, inclusive; None = from the first / to the last order in the data.
    salespeople/teams restrict customers by their owner; channels ... document_types restrict
    order lines; order_amount_min/max restrict orders by their whole amount; customer_status
    keeps customers that are active / inactive / at_risk in the period; custom holds
    (field, values) pairs over the customers' custom fields. NOT_AVAILABLE selects missing values.
    """

    start: date | None = None
    end: date | None = None
    customers: tuple[str, ...] = ()
    salespeople: tuple[str, ...] = ()
    teams: tuple[str, ...] = ()
    channels: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    devices: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    brands: tuple[str, ...] = ()
    collections: tuple[str, ...] = ()
    suppliers: tuple[str, ...] = ()
    departments: tuple[str, ...] = ()
    document_types: tuple[str, ...] = ()
    order_amount_min: float | None = None
    order_amount_max: float | None = None
    customer_status: tuple[str, ...] = ()
    custom: tuple[tuple[str, tuple[str, ...]], ...] = ()

    def __post_init__(self) -> None:
        if self.start and self.end and self.start > self.end:
            raise ValueError(f"the period starts ({self.start}) after it ends ({self.end})")
        unknown = set(self.customer_status) - set(CUSTOMER_STATUSES)
        if unknown:
            raise ValueError(f"unknown customer status {sorted(unknown)}")


# Filter fields over order-line columns of the cached frames.
LINE_FILTERS = {
    "channels": "channel",
    "sources": "source",
    "devices": "device",
    "categories": "category",
    "brands": "brand",
    "collections": "collection",
    "suppliers": "supplier",
    "departments": "department",
    "document_types": "document_type",
}


@dataclass(frozen=True)
class Period:
    """An inclusive range of day numbers (days since 1970-01-01)."""

    start_day: int
    end_day: int

    @property
    def days(self) -> int:
        return self.end_day - self.start_day + 1

    @property
    def start(self) -> date:
        return from_day(self.start_day).date()

    @property
    def end(self) -> date:
        return from_day(self.end_day).date()


def period_of(frames: Frames | Lists, filters: Filters) -> Period:
    """The filters' period, open ends closed at the first / last order date in the data (the
    frames' or the lists' first_day and last_day)."""
    today = to_day(date.today())
    start = to_day(filters.start) if filters.start else (frames.first_day or today)
    end = to_day(filters.end) if filters.end else (frames.last_day or today)
    return Period(start, max(start, end))


def previous_period(period: Period) -> Period:
    """The period of the same length that ends the day before this one starts."""
    return Period(period.start_day - period.days, period.start_day - 1)


def same_period_last_year(period: Period) -> Period:
    return Period(to_day(_year_before(period.start)), to_day(_year_before(period.end)))


def _year_before(d: date) -> date:
    return (pd.Timestamp(d) - pd.DateOffset(years=1)).date()


def with_period(filters: Filters, period: Period) -> Filters:
    return replace(filters, start=period.start, end=period.end)


PRESET_LABELS = {
    "custom": "Custom",
    "last_12_months": "Last 12 months",
    "this_month": "This month",
    "last_month": "Last month",
    "this_quarter": "This quarter",
    "year_to_date": "Year to date",
    "all": "All data",
}
PRESETS = tuple(p for p in PRESET_LABELS if p != "custom")


def preset_period(preset: str, today: date, first: date, last: date) -> tuple[date, date]:
    """The inclusive date range of a period preset; `first`/`last` bound "all" (the data's span)."""
    month_start = today.replace(day=1)
    if preset == "this_month":
        return month_start, today
    if preset == "last_month":
        last_month_end = month_start - pd.Timedelta(days=1)
        return last_month_end.replace(day=1), last_month_end
    if preset == "this_quarter":
        return month_start.replace(month=(today.month - 1) // 3 * 3 + 1), today
    if preset == "year_to_date":
        return today.replace(month=1, day=1), today
    if preset == "last_12_months":
        return (pd.Timestamp(today) - pd.DateOffset(years=1) + pd.Timedelta(days=1)).date(), today
    if preset == "all":
        return first, last
    raise ValueError(f"unknown period preset {preset!r}")
