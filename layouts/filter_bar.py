"""The filter bar shared by the screens (SPEC §4): its controls start from the URL's state."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dcc, html

from callbacks.url_state import MULTI, ViewState
from layouts import ids
from metrics.filters import PRESET_LABELS

COMPARE_LABELS = {"previous_period": "Previous period", "previous_year": "Same period last year"}
# URL key -> label; the first row is always shown, the rest under "More filters"
MAIN = {"customer": "Customer", "salesperson": "Salesperson", "team": "Team",
        "channel": "Channel / store", "category": "Category", "status": "Status"}  # fmt: skip
MORE = {"source": "Source", "device": "Device", "brand": "Brand", "collection": "Collection",
        "supplier": "Supplier", "department": "Department", "doctype": "Document type"}  # fmt: skip
STATUS_LABELS = {"active": "Active", "inactive": "Inactive", "at_risk": "At risk"}


def filter_bar(
    state: ViewState,
    options: dict[str, list],
    custom_fields: dict[str, list],
    accepted: set[str] | None = None,
) -> html.Div:
    """`options`: per URL key the {label, value} options (customers: just the selected ones, the
    rest come as the user types); `custom_fields`: per custom field its values; `accepted`: the
    Filters fields this screen applies (None = all; the others are shown disabled)."""
    f = state.filters
    period = dbc.Row(
        [
            dbc.Col(
                dcc.Dropdown(
                    id=ids.FILTER_PRESET,
                    options=[{"label": v, "value": k} for k, v in PRESET_LABELS.items()],
                    value="custom",
                    clearable=False,
                ),
                md=2,
            ),  # fmt: skip
            dbc.Col(
                dcc.DatePickerRange(
                    id=ids.FILTER_PERIOD,
                    start_date=f.start,
                    end_date=f.end,
                    display_format="YYYY-MM-DD",
                    first_day_of_week=1,
                ),
                md="auto",
            ),  # fmt: skip
            dbc.Col(
                dbc.RadioItems(
                    id=ids.FILTER_COMPARE,
                    inline=True,
                    value=state.compare_to,
                    options=[{"label": v, "value": k} for k, v in COMPARE_LABELS.items()],
                ),
                md="auto",
                className="d-flex align-items-center",
            ),  # fmt: skip
            dbc.Col(
                dbc.Button("More filters", id=ids.FILTER_MORE_TOGGLE, color="link", size="sm"),
                md="auto",
            ),  # fmt: skip
        ],
        className="g-2 align-items-center",
    )
    main = dbc.Row(
        [_multi(key, label, state, options, accepted) for key, label in MAIN.items()],
        className="g-2 mt-1",
    )
    more = [_multi(key, label, state, options, accepted) for key, label in MORE.items()]
    more += [
        _amount(ids.FILTER_AMOUNT_MIN, "Order amount from", f.order_amount_min),
        _amount(ids.FILTER_AMOUNT_MAX, "to", f.order_amount_max),
    ]
    chosen = dict(f.custom)
    more += [
        dbc.Col(
            [
                dbc.Label(name.replace("_", " ").capitalize(), className="small mb-0"),
                dcc.Dropdown(
                    id={"type": ids.FILTER_CUSTOM, "field": name},
                    multi=True,
                    options=values,
                    value=list(chosen.get(name, ())),
                    placeholder="All",
                ),
            ],
            md=2,
        )  # fmt: skip
        for name, values in custom_fields.items()
    ]
    return html.Div(
        [
            dcc.Location(id=ids.FILTER_URL, refresh=False),
            period,
            main,
            dbc.Collapse(
                dbc.Row(more, className="g-2 mt-1"), id=ids.FILTER_MORE, is_open=_has_more(state)
            ),  # fmt: skip
            html.Div(id=ids.FILTER_MESSAGES, className="mt-2"),
        ],
        className="filter-bar border-bottom pb-2 mb-3",
    )


def _amount(control_id: str, label: str, value: float | None) -> dbc.Col:
    return dbc.Col(
        [
            dbc.Label(label, className="small mb-0"),
            dbc.Input(id=control_id, type="number", value=value, debounce=True, size="sm"),
        ],
        md=2,
    )


def _multi(
    key: str, label: str, state: ViewState, options: dict[str, list], accepted: set[str] | None
) -> dbc.Col:
    value = list(getattr(state.filters, MULTI[key]))
    disabled = accepted is not None and MULTI[key] not in accepted
    return dbc.Col(
        [
            dbc.Label(label, className="small mb-0"),
            dcc.Dropdown(
                id={"type": ids.FILTER_VALUES, "key": key},
                options=options.get(key, []),
                value=value,
                multi=True,
                placeholder="Not used here"
                if disabled
                else ("Type to search…" if key == "customer" else "All"),
                disabled=disabled,
            ),
        ],
        md=2,
        className=f"filter-{key}",
    )


def _has_more(state: ViewState) -> bool:
    f = state.filters
    return bool(
        any(getattr(f, MULTI[k]) for k in MORE)
        or f.custom
        or f.order_amount_min is not None
        or f.order_amount_max is not None
    )


def messages(texts: tuple[str, ...]) -> list:
    return [dbc.Alert(t, color="warning", className="py-1 mb-1 small") for t in texts]


def status_options() -> list[dict]:
    return [{"label": v, "value": k} for k, v in STATUS_LABELS.items()]
