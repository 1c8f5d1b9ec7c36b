"""The filter bar shared by the screens (SPEC §4): its controls start from the view of the URL,
and it holds the stores every visual of the page reads the view from."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dcc, html

from layouts import ids
from metrics.filters import PRESET_LABELS
from views.screens import COMPARE_LABELS
from views.view import MULTI, View, screen_filters, to_query, unused_text

# URL key -> label; the first row is always shown, the rest under "More filters"
MAIN = {"customer": "Customer", "salesperson": "Salesperson", "team": "Team",
        "channel": "Channel / store", "category": "Category", "status": "Status"}  # fmt: skip
MORE = {"source": "Source", "device": "Device", "brand": "Brand", "collection": "Collection",
        "supplier": "Supplier", "department": "Department", "doctype": "Document type"}  # fmt: skip
PICK_HINT = {"sales-by-customer": "Click bars (Ctrl/Shift-click adds or removes), box-select "
                                  "them, or tick ☐ in the matrix to pick customers."}  # fmt: skip
ROW_LABELS = {"salesperson": "Orders taken by", "item": "Item", "product": "Product",
              "customisation": "Customisation"}  # fmt: skip


def filter_bar(
    view: View,
    options: dict[str, list],
    custom_fields: dict[str, list],
    chips: list | None = None,
) -> html.Div:
    """`options`: per URL key the {label, value} options (customers: just the selected ones, the
    rest come as the user types); `custom_fields`: per custom field its values; `chips`: the
    view's picks and row narrowing (filter_chips). Filters the screen does not take are shown
    disabled, labelled "not used here", and listed under the bar."""
    f = view.filters
    accepted = set(screen_filters(view.screen))
    period = dbc.Row(
        [
            dbc.Col(
                [
                    dbc.Label("Period", html_for=ids.FILTER_PRESET, className="visually-hidden"),
                    dcc.Dropdown(
                        id=ids.FILTER_PRESET,
                        options=[{"label": v, "value": k} for k, v in PRESET_LABELS.items()],
                        value="custom",
                        clearable=False,
                    ),
                ],
                md=2,
            ),  # fmt: skip
            dbc.Col(
                dcc.DatePickerRange(
                    id=ids.FILTER_PERIOD,
                    start_date=f.start,
                    end_date=f.end,
                    display_format="YYYY-MM-DD",
                    first_day_of_week=1,
                    start_date_placeholder_text="From",
                    end_date_placeholder_text="To",
                ),
                md="auto",
            ),  # fmt: skip
            dbc.Col(
                dbc.RadioItems(
                    id=ids.FILTER_COMPARE,
                    inline=True,
                    value=view.compare_to,
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
        [_multi(key, label, view, options, accepted) for key, label in MAIN.items()],
        className="g-2 mt-1",
    )
    more = [_multi(key, label, view, options, accepted) for key, label in MORE.items()]
    more += [
        _amount(ids.FILTER_AMOUNT_MIN, "Order amount from", f.order_amount_min, accepted),
        _amount(ids.FILTER_AMOUNT_MAX, "to", f.order_amount_max, accepted),
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
                    placeholder="All" if "custom" in accepted else "Not used here",
                    disabled="custom" not in accepted,
                ),
            ],
            md=2,
        )  # fmt: skip
        for name, values in custom_fields.items()
    ]
    return html.Div(
        [
            dcc.Location(id=ids.FILTER_URL, refresh=False),
            dcc.Store(id=ids.VIEW, data=to_query(view, grid=False)),
            dcc.Store(id=ids.VIEW_GRID, data=to_query(view)),
            dcc.Store(id=ids.VIEW_SCREEN, data=view.screen),
            period,
            main,
            dbc.Collapse(
                dbc.Row(more, className="g-2 mt-1"), id=ids.FILTER_MORE, is_open=_has_more(view)
            ),  # fmt: skip
            html.Div(chips or [], id=ids.VIEW_CHIPS, className="mt-2"),
            html.Div(notes(view), id=ids.FILTER_MESSAGES, className="mt-2"),
        ],
        className="filter-bar border-bottom pb-2 mb-3",
    )


def notes(view: View) -> list:
    """The view's messages (bad values in the URL) and the filters the screen does not use."""
    out = [dbc.Alert(t, color="warning", className="py-1 mb-1 small") for t in view.messages]
    unused = unused_text(view)
    if unused:
        out.append(dbc.Alert(unused, color="secondary", className="py-1 mb-1 small unused-filters"))
    return out


def filter_chips(view: View, picked: list[tuple[str, str]]) -> list:
    """A removable chip per picked customer (id, name) and per report-row narrowing, plus
    "Clear selection"; on the screen where picks are made, a hint when nothing is picked."""
    hint = PICK_HINT.get(view.screen or "")
    chips = [
        _chip(f"{name}", "selected", customer, "primary") for customer, name in picked
    ]  # fmt: skip
    chips += [
        _chip(f"{ROW_LABELS[keyword]}: {value}", keyword, value, "info")
        for keyword, value in view.row
    ]
    if not chips:
        return [html.Span(hint, className="text-muted small")] if hint else []
    out = []
    if picked:
        out.append(html.Span("Picked: ", className="text-muted small me-1"))
    out += chips
    if picked:
        out.append(
            dbc.Button(
                "Clear selection",
                id={"type": ids.VIEW_CHIP, "key": "clear", "value": ""},
                size="sm",
                color="link",
                n_clicks=0,
                className="py-0",
            )  # fmt: skip
        )
    return out


def _chip(text: str, key: str, value: str, colour: str) -> dbc.Badge:
    return dbc.Badge(
        [text, html.Span(" ×", className="ms-1", **{"aria-hidden": "true"})],
        id={"type": ids.VIEW_CHIP, "key": key, "value": value},
        color=colour,
        pill=True,
        className="me-1 chip",
        style={"cursor": "pointer"},
        n_clicks=0,
        title=f"Remove {text}",
    )


def _amount(control_id: str, label: str, value: float | None, accepted: set[str]) -> dbc.Col:
    used = "order_amount_min" in accepted
    return dbc.Col(
        [
            dbc.Label(label, className="small mb-0", html_for=control_id),
            dbc.Input(
                id=control_id,
                type="number",
                value=value,
                debounce=True,
                size="sm",
                disabled=not used,
                placeholder=None if used else "Not used here",
            ),  # fmt: skip
        ],
        md=2,
    )


def _multi(
    key: str, label: str, view: View, options: dict[str, list], accepted: set[str]
) -> dbc.Col:
    value = list(getattr(view.filters, MULTI[key]))
    disabled = MULTI[key] not in accepted
    return dbc.Col(
        [
            dbc.Label(label + (" (not used here)" if disabled else ""), className="small mb-0"),
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


def _has_more(view: View) -> bool:
    f = view.filters
    return bool(
        any(getattr(f, MULTI[k]) for k in MORE)
        or f.custom
        or f.order_amount_min is not None
        or f.order_amount_max is not None
    )
