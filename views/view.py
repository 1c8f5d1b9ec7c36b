"""The view: everything a URL says a screen shows, parsed once and read by every output.

`?from=2026-01-01&to=2026-06-30&compare=previous_year&channel=web&channel=phone&f.tier=Gold
&selected=C00012&kpi=gross_profit&sort=sales_amount:desc&columns=customer_name,sales_amount`

- the shared filters: period, comparison, the multi-valued filters (repeat the key), the order
  amount range and custom customer fields (`f.<field>`) — menu links carry these;
- the cross-filter selection (`selected`, repeatable) and a report row's narrowing (`taken_by`,
  `item`, `product`, `customisation`), each shown as a removable chip;
- the screen's own choices (`kpi`, `matrix`, `show`, `by`, `combine`, `unsold`);
- the grid's state: visible columns in order (`columns`), sort (`sort=column:asc|desc`, in
  priority order) and column filters (`filter`, AG Grid's filter model as JSON);
- `headers=fields` asks an export for snake_case column names.

A bad value gives a message and the default for that part; exports refuse a view with messages
(HTTP 400, a non-zero exit) so a file never silently differs from what was asked.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, fields, replace
from datetime import date
from urllib.parse import parse_qs, urlencode, urlsplit

from data.frames import Frames, from_day
from data.lists import Lists, lists_of
from metrics.filters import CUSTOMER_STATUSES, LINE_FILTERS, NOT_AVAILABLE, Filters, preset_period
from metrics.reports import REPORT_FILTERS

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
ROW = {
    "taken_by": "salesperson",
    "item": "item",
    "product": "product",
    "customisation": "customisation",
}
# screen -> its own choices: URL key -> (allowed values, default)
CHOICES: dict[str, dict[str, tuple[tuple[str, ...], str]]] = {
    "sales-by-customer": {
        "kpi": (
            (
                "sales_amount",
                "sales_quantity",
                "cost_amount",
                "cost_amount_non_inv",
                "gross_profit",
                "gross_profit_margin",
            ),
            "sales_amount",
        ),  # fmt: skip
        "matrix": (("kpis", "months", "categories"), "kpis"),
    },
    "leaderboard": {"show": (("all", "active", "inactive", "at_risk"), "all")},
    "sales-by-date": {"by": (("day", "week", "month"), "day")},
    "sell-through": {"combine": (("no", "yes"), "no"), "unsold": (("no", "yes"), "no")},
}
SORT_DIRECTIONS = ("asc", "desc")
HEADERS = ("screen", "fields")
GRID_FILTER_TYPES = {
    "text": ("equals", "notEqual", "contains", "notContains", "startsWith", "endsWith", "blank",
             "notBlank"),
    "number": ("equals", "notEqual", "greaterThan", "greaterThanOrEqual", "lessThan",
               "lessThanOrEqual", "inRange", "blank", "notBlank"),
    "date": ("equals", "notEqual", "greaterThan", "lessThan", "inRange", "blank", "notBlank"),
}  # fmt: skip
SHARED_FILTERS = tuple(f.name for f in fields(Filters))
FILTER_WORDS = {
    "customers": "Customer", "salespeople": "Salesperson", "teams": "Team",
    "channels": "Channel / store", "sources": "Source", "devices": "Device",
    "categories": "Category", "brands": "Brand", "collections": "Collection",
    "suppliers": "Supplier", "departments": "Department", "document_types": "Document type",
    "customer_status": "Status", "order_amount_min": "Order amount from",
    "order_amount_max": "Order amount to", "custom": "Customer fields",
}  # fmt: skip


class ViewError(ValueError):
    """A view an export cannot be made of: the messages say why, in words."""

    def __init__(self, messages: tuple[str, ...] | list[str]) -> None:
        self.messages = tuple(messages)
        super().__init__(" ".join(self.messages))


@dataclass(frozen=True)
class Grid:
    """A table's own state: visible columns in order (() = the screen's default), sort
    ((column, "asc" | "desc") in priority order) and AG Grid's filter model as canonical JSON."""

    columns: tuple[str, ...] = ()
    sort: tuple[tuple[str, str], ...] = ()
    filter: str = ""

    @property
    def filter_model(self) -> dict:
        return json.loads(self.filter) if self.filter else {}


@dataclass(frozen=True)
class View:
    """What one screen shows: `filters` as the URL gave them (they travel on to other screens),
    `unused` naming those the screen does not take, the selection, a report row's narrowing,
    the screen's choices (non-default ones), the grid state and the export's header style."""

    screen: str | None
    filters: Filters
    compare_to: str = "previous_period"
    selected: tuple[str, ...] = ()
    row: tuple[tuple[str, str], ...] = ()
    choices: tuple[tuple[str, str], ...] = ()
    grid: Grid = Grid()
    headers: str = "screen"
    unused: tuple[str, ...] = ()
    messages: tuple[str, ...] = field(default=(), compare=False)

    def choice(self, key: str) -> str:
        """The screen's choice `key` (e.g. "kpi"), its default when the URL gives none."""
        return dict(self.choices).get(key) or CHOICES[self.screen][key][1]

    @property
    def applied(self) -> Filters:
        """The filters the screen's numbers use: those it does not take are cleared."""
        if not self.unused:
            return self.filters
        cleared = {f.name: f.default for f in fields(Filters) if f.name in self.unused}
        return replace(self.filters, **cleared)

    @property
    def focused(self) -> Filters:
        """The applied filters narrowed to the cross-filter selection, when there is one (and
        the screen takes a customer filter at all)."""
        filters = self.applied
        if not self.selected or "customers" not in screen_filters(self.screen):
            return filters
        chosen = filters.customers
        picked = tuple(c for c in self.selected if not chosen or c in chosen)
        return replace(filters, customers=picked or ("\x00none",))

    def check(self) -> View:
        """This view, or ViewError when it carries messages (exports refuse to guess)."""
        if self.messages:
            raise ViewError(self.messages)
        return self


def screen_filters(screen: str | None) -> tuple[str, ...]:
    """The Filters fields `screen` applies (the SPEC §5 table for reports; all for the others)."""
    return REPORT_FILTERS.get(screen or "", SHARED_FILTERS)


def default_period(frames: Frames | Lists, today: date | None = None) -> tuple[date, date]:
    """The 12 months up to today, or up to the last order when the data stops earlier."""
    today = today or date.today()
    last = from_day(frames.last_day).date() if frames.last_day is not None else today
    return preset_period("last_12_months", min(today, last), last, last)


def all_data_period(frames: Frames | Lists) -> tuple[date, date]:
    """The first to the last order date of the whole data (the same for every user)."""
    if frames.first_day is None or frames.last_day is None:
        today = date.today()
        return today, today
    return from_day(frames.first_day).date(), from_day(frames.last_day).date()


def query_of(text: str | None) -> str:
    """The query string of `text`: a query with or without its '?', or a whole URL."""
    text = (text or "").strip()
    if "://" in text or text.startswith("/"):
        return urlsplit(text).query
    return text.removeprefix("?")


def parse(
    query: str | None,
    frames: Frames | Lists,
    screen: str | None = None,
    default: tuple[date, date] | None = None,
) -> View:
    """The view `query` asks `screen` for, checked against the frames (or lists) the user may
    see.
    `default`: the period when the query gives none (the screen's: the last 12 months)."""
    params = parse_qs(query_of(query), keep_blank_values=False)
    messages: list[str] = []
    known = known_values(frames)
    values: dict = {}

    raw_start, raw_end = params.pop("from", [None])[-1], params.pop("to", [None])[-1]
    start, end = _date(raw_start, "from", messages), _date(raw_end, "to", messages)
    fallback = default or default_period(frames)
    if (raw_start and not start) or (raw_end and not end):
        start = end = None  # half a bad period is no period: the default one, whole
    start, end = start or fallback[0], end or fallback[1]
    if start > end:
        messages.append(f"The period starts ({start}) after it ends ({end}): showing the default.")
        start, end = fallback
    values["start"], values["end"] = start, end

    compare_to = params.pop("compare", ["previous_period"])[-1]
    if compare_to not in COMPARE_TO:
        messages.append(
            f"compare: unknown value {compare_to!r}; comparing with the previous period."
        )
        compare_to = "previous_period"

    low = _number(params.pop("amount_min", [None])[-1], "amount_min", messages)
    high = _number(params.pop("amount_max", [None])[-1], "amount_max", messages)
    if low is not None and high is not None and low > high:
        messages.append(
            f"The order amount range runs from {low:,.2f} down to {high:,.2f}: "
            "showing orders of any amount."
        )
        low = high = None
    values["order_amount_min"], values["order_amount_max"] = low, high

    custom = []
    for key in list(params):
        if key in MULTI:
            allowed = CUSTOMER_STATUSES if key == "status" else known.get(key)
            values[MULTI[key]] = _known(params.pop(key), allowed, key, messages)
        elif key.startswith(CUSTOM_PREFIX):
            name = key.removeprefix(CUSTOM_PREFIX)
            if name in known["custom_fields"]:
                custom.append((name, _known(params.pop(key), known.get(key), name, messages)))
            else:
                params.pop(key)
                messages.append(f"There is no customer field {name!r}.")
    values["custom"] = tuple((name, vals) for name, vals in sorted(custom) if vals)
    filters = Filters(**values)

    selected = _known(params.pop("selected", []), known["customer"], "selected", messages)
    row = []
    for key, keyword in ROW.items():
        if key in params:
            value = params.pop(key)[-1]
            allowed = known.get({"taken_by": "salesperson_code"}.get(key, key))
            if allowed is not None and value not in allowed:
                messages.append(f"{key}: unknown value {value!r} ignored.")
            else:
                row.append((keyword, value))

    choices = []
    for key, (allowed, default_choice) in CHOICES.get(screen or "", {}).items():
        if key in params:
            value = params.pop(key)[-1]
            if value not in allowed:
                messages.append(
                    f"{key}: unknown value {value!r}; showing {default_choice!r} "
                    f"(one of {', '.join(allowed)})."
                )
            elif value != default_choice:
                choices.append((key, value))
    grid = _grid(params, messages)
    headers = params.pop("headers", ["screen"])[-1]
    if headers not in HEADERS:
        messages.append(f"headers: unknown value {headers!r}; use 'screen' or 'fields'.")
        headers = "screen"
    for key in params:
        if any(key in options for options in CHOICES.values()):
            messages.append(f"{key!r} is not a choice of this screen; ignored.")
        else:
            messages.append(f"Unknown filter {key!r} ignored.")

    accepted = screen_filters(screen)
    unused = tuple(
        name for name in SHARED_FILTERS
        if name not in accepted and name not in ("start", "end")
        and getattr(filters, name) not in (None, ())
    )  # fmt: skip
    return View(
        screen, filters, compare_to, selected, tuple(row), tuple(sorted(choices)), grid,
        headers, unused, tuple(messages),
    )  # fmt: skip


def to_query(view: View, shared_only: bool = False, grid: bool = True) -> str:
    """The query string (with its leading ?, or "" when empty) that parse() reads back into
    `view`. shared_only: just the shared filters (what menu links carry); grid=False leaves the
    grid state out."""
    f = view.filters
    pairs: list[tuple[str, str]] = [("from", f.start.isoformat()), ("to", f.end.isoformat())]
    if view.compare_to != "previous_period":
        pairs.append(("compare", view.compare_to))
    for key, name in MULTI.items():
        pairs += [(key, v) for v in getattr(f, name)]
    for key in ("amount_min", "amount_max"):
        value = getattr(f, f"order_{key}")
        if value is not None:
            pairs.append((key, repr(float(value)).removesuffix(".0")))
    for name, vals in f.custom:
        pairs += [(f"{CUSTOM_PREFIX}{name}", v) for v in vals]
    if not shared_only:
        pairs += [("selected", c) for c in view.selected]
        keys = {keyword: key for key, keyword in ROW.items()}
        pairs += [(keys[keyword], value) for keyword, value in view.row]
        pairs += list(view.choices)
        if grid:
            if view.grid.columns:
                pairs.append(("columns", ",".join(view.grid.columns)))
            pairs += [("sort", f"{c}:{d}") for c, d in view.grid.sort]
            if view.grid.filter:
                pairs.append(("filter", view.grid.filter))
        if view.headers != "screen":
            pairs.append(("headers", view.headers))
    return "?" + urlencode(pairs) if pairs else ""


def unused_text(view: View) -> str | None:
    """ "Not used by this report, so not applied: Team (North); …" for the filters (and picks)
    the screen does not take."""
    parts = []
    for name in view.unused:
        value = getattr(view.filters, name)
        if name == "custom":
            shown = "; ".join(f"{n}: {', '.join(v)}" for n, v in value)
        else:
            shown = ", ".join(value) if isinstance(value, tuple) else f"{value:,.2f}"
        parts.append(f"{FILTER_WORDS[name]} ({shown})")
    if view.selected and "customers" not in screen_filters(view.screen):
        parts.append(f"Picked customers ({', '.join(view.selected)})")
    if not parts:
        return None
    return "Not used by this report, so not applied: " + "; ".join(parts) + "."


# --- the values a user may ask for ---------------------------------------------------------------

_KNOWN: dict[int, tuple[Lists, dict]] = {}  # id(lists) -> (lists, values): lists never change


def known_values(frames: Frames | Lists) -> dict[str, set[str]]:
    """Accepted values per URL key (and f.<field>), from the lists of what the user may see."""
    lists = lists_of(frames)
    cached = _KNOWN.get(id(lists))
    if cached is not None and cached[0] is lists:
        return cached[1]
    if len(_KNOWN) > 64:
        _KNOWN.clear()
    known: dict[str, set[str]] = {
        "customer": set(lists.customers["customer_id"]),
        "salesperson": set(lists.salespeople["code"]),
        "salesperson_code": set(lists.values["salesperson"]),
        "team": set(lists.salespeople["team"].dropna()),
        "custom_fields": set(lists.custom_fields),
        "item": set(lists.items["item_id"]),
        "product": {*lists.items["product_id"].dropna(), *lists.items["item_id"]},
    }
    for key, name in MULTI.items():
        column = LINE_FILTERS.get(name)
        if column:
            known[key] = {*lists.values[column], NOT_AVAILABLE}
    for name in lists.custom_fields:
        known[f"f.{name}"] = {*lists.customers[name].dropna().astype(str), NOT_AVAILABLE}
    _KNOWN[id(lists)] = (lists, known)
    return known


# --- parts ---------------------------------------------------------------------------------------


def _grid(params: dict[str, list[str]], messages: list[str]) -> Grid:
    columns = tuple(c for c in params.pop("columns", [""])[-1].split(",") if c)
    sort = []
    for item in params.pop("sort", []):
        column, _, direction = item.rpartition(":")
        if not column or direction not in SORT_DIRECTIONS:
            messages.append(f"sort: {item!r} is not column:asc or column:desc; ignored.")
        elif column not in dict(sort):
            sort.append((column, direction))
    raw = params.pop("filter", [""])[-1]
    return Grid(columns, tuple(sort), _filter_model(raw, messages) if raw else "")


def _filter_model(raw: str, messages: list[str]) -> str:
    """AG Grid's filter model, checked and written canonically ("" when it is not one)."""
    try:
        model = json.loads(raw)
    except ValueError:
        messages.append("filter: not a column filter (JSON); ignored.")
        return ""
    if not isinstance(model, dict):
        messages.append("filter: not a column filter (JSON); ignored.")
        return ""
    for column, spec in model.items():
        problem = _filter_problem(spec)
        if problem:
            messages.append(f"filter on {column!r}: {problem}; ignored.")
            return ""
    return json.dumps(model, sort_keys=True, separators=(",", ":")) if model else ""


def _filter_problem(spec) -> str | None:
    if not isinstance(spec, dict) or spec.get("filterType") not in GRID_FILTER_TYPES:
        return "not a text, number or date filter"
    conditions = spec.get("conditions") if "conditions" in spec else [spec]
    if not isinstance(conditions, list) or not conditions:
        return "no conditions"
    if "conditions" in spec and spec.get("operator") not in ("AND", "OR"):
        return "conditions must be joined by AND or OR"
    for condition in conditions:
        if not isinstance(condition, dict):
            return "a condition is not a filter"
        if condition.get("type") not in GRID_FILTER_TYPES[spec["filterType"]]:
            return f"unknown condition {condition.get('type')!r}"
    return None


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
        value = float("nan")
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
