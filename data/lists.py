"""The small lists a view is checked against and the screens name things by: customers, items,
salespeople, custom fields, the values each attribute as sold takes, the span of order dates.

`Lists` has the attributes of data.frames.Frames of the same names, so code that reads names
from the frames (`frames.customers`, `frames.items`, `frames.salespeople`, `frames.custom_fields`,
`frames.first_day` ...) reads them from a Lists unchanged. With SALES_ENGINE=frames they are the
frames' own (lists_of: no copy); with SALES_ENGINE=sql the database answers them
(data.sql_engine.SqlEngine.lists, the user's scope in the WHERE), once per data version and
scope (ListsCache), and the screens get a Lists where they got frames: the order lines are
never loaded.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from data.access import Scope
from data.db import Version
from data.frames import Frames
from metrics.filters import LINE_FILTERS

# the attributes as sold whose values a URL may name (the line filters, and the salesperson who
# took the order: a report row's narrowing)
VALUE_COLUMNS = ("salesperson", *LINE_FILTERS.values())
CACHED_SCOPES = 64


@dataclass(frozen=True)
class Lists:
    """customers: CUSTOMER_COLUMNS of data.frames, team, then one column per custom field, by
    customer_id (those of the scope, and for whoever sees everything the customers of orders
    missing from the customer list, under their ID). items: as Frames.items (every item, the
    catalogue and those seen only on lines). salespeople: SALESPEOPLE_COLUMNS of the scope.
    custom_fields: the fields the scope's customers have. values: per VALUE_COLUMNS, the values
    it takes (sorted) where the frames' line column has them as categories. as_of, first_day,
    last_day: as Frames (the whole data's span of order dates with a line, for every scope)."""

    customers: pd.DataFrame
    items: pd.DataFrame
    salespeople: pd.DataFrame
    custom_fields: tuple[str, ...]
    values: dict[str, tuple[str, ...]]
    as_of: pd.Timestamp
    first_day: int | None
    last_day: int | None


_OF_FRAMES: dict[
    int, tuple[Frames, Lists]
] = {}  # id(frames) -> (frames, lists): frames never change


def lists_of(frames: Frames | Lists) -> Lists:
    """The lists of `frames` (made once per frames object; a Lists is its own)."""
    if isinstance(frames, Lists):
        return frames
    cached = _OF_FRAMES.get(id(frames))
    if cached is not None and cached[0] is frames:
        return cached[1]
    if len(_OF_FRAMES) > CACHED_SCOPES:
        _OF_FRAMES.clear()
    lines = frames.lines
    lists = Lists(
        customers=frames.customers,
        items=frames.items,
        salespeople=frames.salespeople,
        custom_fields=frames.custom_fields,
        values={c: tuple(map(str, lines[c].cat.categories)) for c in VALUE_COLUMNS},
        as_of=frames.as_of,
        first_day=frames.first_day,
        last_day=frames.last_day,
    )
    _OF_FRAMES[id(frames)] = (frames, lists)
    return lists


EVERYTHING = Scope("leadership")


def lists_scope(scope: Scope) -> Scope:
    """The scope whose lists `scope` reads: every scope that sees everything has the same."""
    return EVERYTHING if scope.sees_everything else scope


class ListsCache:
    """Each scope's Lists for the current data version, read once by `read(scope, version)`
    (one thread per scope reads; the others wait for it; every scope that sees everything
    shares one); a new version drops them all."""

    def __init__(self, read: Callable[[Scope, Version], Lists]) -> None:
        self._read = read
        self._key: str | None = None
        self._lists: dict[Scope, Lists] = {}
        self._locks: dict[Scope, threading.Lock] = {}
        self._lock = threading.Lock()

    def get(self, version: Version, scope: Scope) -> Lists:
        scope = lists_scope(scope)
        with self._lock:
            if self._key != version.key:
                self._key, self._lists, self._locks = version.key, {}, {}
            found = self._lists.get(scope)
            if found is not None:
                return found
            scope_lock = self._locks.setdefault(scope, threading.Lock())
        with scope_lock:
            with self._lock:
                found = self._lists.get(scope) if self._key == version.key else None
            if found is not None:
                return found
            lists = self._read(scope, version)
            with self._lock:
                if self._key == version.key:
                    if len(self._lists) >= CACHED_SCOPES:
                        self._lists.clear()
                    self._lists[scope] = lists
        return lists
