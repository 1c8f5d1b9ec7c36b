"""The filter bar's state as a URL query string, both ways, with a message for every bad value.

`?from=2026-01-01&to=2026-06-30&compare=previous_year&channel=web&channel=phone&f.tier=Gold`
Multi-valued fields repeat their key; custom customer fields are `f.<field>`; `selected` holds
the customers picked on a chart (cross-filtering). A bad value is dropped with a message, never
a traceback; a missing or bad period falls back to the default one.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from urllib.parse import parse_qs, urlencode

from metrics.filters import CUSTOMER_STATUSES, Filters

COMPARE_TO = ("previous_period", "previous_year")
# URL key -> Filters field, for the multi-valued fields
MULTI = {
    "customer": "customers",
    "salesperson": "salespeople",
    "team": "teams",
    "channel": "channels",
    "source": "sources",
    "device": "devices",
    "category": "categories",
    "brand": "brands",
    "collection": "collections",
    "supplier": "suppliers",
    "department": "departments",
    "doctype": "document_types",
    "status": "customer_status",
}
CUSTOM_PREFIX = "f."
# URL key -> report row keyword (metrics.reports.ROW_KEYS): what a report row link narrows to
# beyond the filters, e.g. the salesperson who took the orders
ROW = {
    "taken_by": "salesperson",
    "item": "item",
    "product": "product",
    "customisation": "customisation",
}


@dataclass(frozen=True)
class ViewState:
    """Everything the URL says about a view: filters, comparison, cross-filter selection."""

    filters: Filters
    compare_to: str = "previous_period"
    selected: tuple[str, ...] = ()
    row: tuple[tuple[str, str], ...] = ()  # (report row keyword, value), from a row link
    messages: tuple[str, ...] = field(default=(), compare=False)

    def focused(self) -> Filters:
        """The filters narrowed to the cross-filter selection, when there is one."""
        if not self.selected:
            return self.filters
        chosen = self.filters.customers
        picked = tuple(c for c in self.selected if not chosen or c in chosen)
        return replace(self.filters, customers=picked or ("\x00none",))


def parse(query: str, default_period: tuple[date, date], known: dict[str, set[str]]) -> ViewState:
    """The view a query string asks for. `known` lists the accepted values per URL key
    (e.g. known["channel"]); values outside it, and keys that mean nothing, give a message."""
    params = parse_qs(query.lstrip("?"), keep_blank_values=False)
    messages: list[str] = []
    values: dict = {}

    raw_start, raw_end = params.pop("from", [None])[-1], params.pop("to", [None])[-1]
    start, end = _date(raw_start, "from", messages), _date(raw_end, "to", messages)
    if (raw_start and not start) or (raw_end and not end):
        start = end = None  # half a bad period is no period: the default one, whole
    start, end = start or default_period[0], end or default_period[1]
    if start > end:
        messages.append(f"The period starts ({start}) after it ends ({end}): showing the default.")
        start, end = default_period
    values["start"], values["end"] = start, end

    compare_to = params.pop("compare", ["previous_period"])[-1]
    if compare_to not in COMPARE_TO:
        messages.append(
            f"compare: unknown value {compare_to!r}; comparing with the previous period."
        )
        compare_to = "previous_period"

    for key in ("amount_min", "amount_max"):
        raw = params.pop(key, [None])[-1]
        values[f"order_{key}"] = _number(raw, key, messages)

    custom = []
    for key in list(params):
        if key in MULTI:
            allowed = CUSTOMER_STATUSES if key == "status" else known.get(key)
            values[MULTI[key]] = _known(params.pop(key), allowed, key, messages)
        elif key.startswith(CUSTOM_PREFIX):
            name = key.removeprefix(CUSTOM_PREFIX)
            if name in known.get("custom_fields", set()):
                custom.append((name, _known(params.pop(key), known.get(key), name, messages)))
            else:
                params.pop(key)
                messages.append(f"There is no customer field {name!r}.")
    selected = _known(params.pop("selected", []), known.get("customer"), "selected", messages)
    row = tuple((keyword, params.pop(key)[-1]) for key, keyword in ROW.items() if key in params)
    for key in params:
        messages.append(f"Unknown filter {key!r} ignored.")
    values["custom"] = tuple((name, vals) for name, vals in sorted(custom) if vals)
    return ViewState(Filters(**values), compare_to, selected, row, tuple(messages))


def to_query(state: ViewState) -> str:
    """The query string (with its leading ?) that parse() reads back into `state`."""
    f = state.filters
    pairs: list[tuple[str, str]] = []
    if f.start:
        pairs.append(("from", f.start.isoformat()))
    if f.end:
        pairs.append(("to", f.end.isoformat()))
    if state.compare_to != "previous_period":
        pairs.append(("compare", state.compare_to))
    for key, name in MULTI.items():
        pairs += [(key, v) for v in getattr(f, name)]
    for key in ("amount_min", "amount_max"):
        value = getattr(f, f"order_{key}")
        if value is not None:
            pairs.append((key, f"{value:g}"))
    for name, vals in f.custom:
        pairs += [(f"{CUSTOM_PREFIX}{name}", v) for v in vals]
    pairs += [("selected", c) for c in state.selected]
    keys = {keyword: key for key, keyword in ROW.items()}
    pairs += [(keys[keyword], value) for keyword, value in state.row]
    return "?" + urlencode(pairs) if pairs else ""


def _date(raw: str | None, key: str, messages: list[str]) -> date | None:
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        messages.append(f"{key}: {raw!r} is not a date (YYYY-MM-DD); showing the default period.")
        return None


def _number(raw: str | None, key: str, messages: list[str]) -> float | None:
    if raw is None:
        return None
    try:
        value = float(raw)
    except ValueError:
        messages.append(f"{key}: {raw!r} is not a number; ignored.")
        return None
    if value != value or value in (float("inf"), float("-inf")):
        messages.append(f"{key}: {raw!r} is not a number; ignored.")
        return None
    return value


def _known(raw: list[str], allowed, key: str, messages: list[str]) -> tuple[str, ...]:
    """The values in `allowed` (None = any), without repeats, in the order given."""
    kept = []
    for value in dict.fromkeys(raw):
        if allowed is None or value in allowed:
            kept.append(value)
        else:
            messages.append(f"{key}: unknown value {value!r} ignored.")
    return tuple(kept)
