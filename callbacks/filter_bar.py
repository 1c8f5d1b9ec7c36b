"""The view's callbacks: the URL is the one source of truth for what a page shows.

One callback keeps the URL and the controls (filters, the screen's choices) in step both ways
and, in the same request, publishes the view of the URL to the page's stores, which every
visual reads, with its messages, chips and the menu's links; one writes a grid's own state
(columns, sort, column filters) into the URL; chips remove a pick or a row's narrowing; the
export buttons follow the view (assets/view.js, in the browser: it only moves text).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from dash import ALL, ClientsideFunction, Dash, Input, Output, State, ctx, no_update
from dash.exceptions import PreventUpdate
from flask_login import current_user

from callbacks.guards import bad_request, screen_guard
from callbacks.router import menu_links
from data.frames import Frames, from_day
from data.lists import Lists
from layouts import ids
from layouts.filter_bar import filter_chips, notes
from metrics.filters import PRESETS, Filters, preset_period
from views import grid as grid_state
from views.context import save_columns, saved_columns, user_data, view_for
from views.options import customer_names, customer_options
from views.pages import SCREENS
from views.view import CHOICES, MULTI, ROW, View, to_query

CHOICES_ARE_SWITCHES = {"combine": True, "unsold": True}  # on/off choices: yes / no in the URL
# what sync publishes of the view (publish)
PUBLISHED = (
    Output(ids.VIEW, "data"),
    Output(ids.VIEW_GRID, "data"),
    Output(ids.FILTER_MESSAGES, "children"),
    Output(ids.VIEW_CHIPS, "children"),
    Output(ids.NAV_MENU, "children", allow_duplicate=True),
)


def matching_preset(start: date, end: date, frames: Frames | Lists) -> str:
    """The preset whose period is exactly [start, end], else "custom"."""
    first = from_day(frames.first_day).date() if frames.first_day is not None else start
    last = from_day(frames.last_day).date() if frames.last_day is not None else end
    for preset in PRESETS:
        if preset_period(preset, date.today(), first, last) == (start, end):
            return preset
    return "custom"


def sync(search, preset, start, end, compare_to, values, amount_min, amount_max, custom, choices,
         screen, shown, shown_grid):  # fmt: skip
    """URL → controls when the URL changed; a control → URL (and a preset → the dates); and the
    view of the URL, when it changed, to the page (publish): one request per change."""
    frames = user_data()
    trigger = ctx.triggered_id
    keys = [item["id"]["key"] for item in ctx.inputs_list[5]]
    fields = [item["id"]["field"] for item in ctx.inputs_list[8]]
    choice_keys = [item["id"]["key"] for item in ctx.inputs_list[9]]
    if any(k not in MULTI for k in keys) or any(
        k not in CHOICES.get(screen or "", {}) for k in choice_keys
    ):
        bad_request("unknown filter or choice")
    current = view_for(search, screen, frames)
    if trigger is None or trigger == ids.FILTER_URL:
        f = current.filters
        return (
            no_update,
            matching_preset(f.start, f.end, frames),
            f.start.isoformat(),
            f.end.isoformat(),
            current.compare_to,
            [list(getattr(f, MULTI[k])) for k in keys],
            f.order_amount_min,
            f.order_amount_max,
            [list(dict(f.custom).get(name, ())) for name in fields],
            [_control_value(current.choice(k), k) for k in choice_keys],
            *publish(current, frames, shown, shown_grid),
        )
    if trigger == ids.FILTER_PRESET:
        if preset not in PRESETS:
            raise PreventUpdate
        first = from_day(frames.first_day).date() if frames.first_day is not None else date.today()
        last = from_day(frames.last_day).date() if frames.last_day is not None else date.today()
        start, end = (d.isoformat() for d in preset_period(preset, date.today(), first, last))
    try:
        filters = Filters(
            start=date.fromisoformat(str(start)[:10]),
            end=date.fromisoformat(str(end)[:10]),
            order_amount_min=amount_min,
            order_amount_max=amount_max,
            custom=tuple((n, tuple(v)) for n, v in zip(fields, custom, strict=True) if v),
            **{MULTI[k]: tuple(v or ()) for k, v in zip(keys, values, strict=True)},
        )
    except (TypeError, ValueError):
        raise PreventUpdate from None  # half-typed dates: wait for the whole one
    chosen = {k: _url_value(v) for k, v in zip(choice_keys, choices, strict=True)}
    picked = tuple(sorted((k, v) for k, v in chosen.items() if v != CHOICES[screen][k][1]))
    view = replace(current, filters=filters, compare_to=compare_to, choices=picked)
    query = to_query(view)
    new_preset = preset if trigger == ids.FILTER_PRESET else matching_preset(
        filters.start, filters.end, frames
    )  # fmt: skip
    changed = query != (search or "")
    return (
        query if changed else no_update,
        new_preset,
        str(start)[:10],
        str(end)[:10],
        no_update,
        [no_update] * len(keys),
        no_update,
        no_update,
        [no_update] * len(fields),
        [no_update] * len(choice_keys),
        *(publish(view_for(query, screen, frames), frames, shown, shown_grid) if changed
          else [no_update] * len(PUBLISHED)),
    )  # fmt: skip


def _control_value(value: str, key: str):
    """A choice as its control holds it: switches hold booleans, radios the value."""
    return value == "yes" if CHOICES_ARE_SWITCHES.get(key) else value


def _url_value(value) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def publish(view: View, frames: Frames | Lists, shown: str | None, shown_grid: str | None) -> tuple:
    """The view of the URL for the page (PUBLISHED): its stores (visuals read VIEW; exports
    VIEW_GRID), each only when it changed (a store set again re-runs every visual), its messages
    and notes, the chips of its picks and row narrowing, and the menu's links carrying its
    shared filters."""
    query, full = to_query(view, grid=False), to_query(view)
    page = SCREENS[view.screen][1] if view.screen in SCREENS else ""
    return (
        query if query != shown else no_update,
        full if full != shown_grid else no_update,
        notes(view),
        filter_chips(view, customer_names(frames, view.selected)),
        menu_links(page, to_query(view, shared_only=True)),
    )


def remove_chip(clicks, search, screen):
    """A chip's ×: drop that pick or that row narrowing; "Clear selection" drops every pick."""
    trigger = ctx.triggered_id
    if not trigger or not ctx.triggered[0]["value"]:
        raise PreventUpdate
    view = view_for(search, screen)
    key, value = trigger["key"], trigger["value"]
    if key == "clear":
        view = replace(view, selected=())
    elif key == "selected":
        view = replace(view, selected=tuple(c for c in view.selected if c != value))
    elif key in ROW.values():
        view = replace(view, row=tuple(r for r in view.row if r != (key, value)))
    else:
        bad_request(f"unknown chip {key!r}")
    return to_query(view)


def grid_to_url(column_state, filter_model, search, column_defs, screen, ui_columns):
    """The grid's columns, sort and column filters into the URL (a sort is a shareable part of
    the view); the leaderboard also remembers the user's columns for their next visit."""
    table_fields = tuple(c["field"] for c in column_defs or [] if c.get("field") not in ui_columns)
    if not table_fields or not column_state:
        raise PreventUpdate
    view = view_for(search, screen)
    saved = saved_columns(current_user.id, screen)
    grid = grid_state.from_grid(table_fields, saved or table_fields, column_state, filter_model)
    if screen == "leaderboard":
        shown = tuple(c["colId"] for c in column_state if c["colId"] in table_fields
                      and not c.get("hide"))  # fmt: skip
        if shown != (saved or table_fields):
            save_columns(current_user.id, screen, shown)
        grid = replace(grid, columns=())
    if grid == replace(view.grid, columns=() if screen == "leaderboard" else view.grid.columns):
        raise PreventUpdate
    query = to_query(replace(view, grid=grid))
    return query if query != (search or "") else no_update


def search_customers(text: str | None, chosen: list | None):
    """Customer options while the user types: the chosen ones plus the first matches."""
    if not text:
        raise PreventUpdate
    return customer_options(user_data(), chosen or [], text)


def toggle_more(clicks: int | None, is_open: bool) -> bool:
    return not is_open if clicks else is_open


def register_grid(app: Dash, grid_id: str, screen: str, ui_columns=()) -> None:
    """Keep `grid_id`'s state in the URL (its `ui_columns`, e.g. a pick box, are not data)."""

    def keep(state, model, search, defs, name):
        return grid_to_url(state, model, search, defs, name, ui_columns)

    app.callback(
        Output(ids.FILTER_URL, "search", allow_duplicate=True),
        Input(grid_id, "columnState"),
        Input(grid_id, "filterModel"),
        State(ids.FILTER_URL, "search"),
        State(grid_id, "columnDefs"),
        State(ids.VIEW_SCREEN, "data"),
        prevent_initial_call=True,
    )(screen_guard(screen)(keep))


def register(app: Dash) -> None:
    app.callback(
        Output(ids.FILTER_URL, "search"),
        Output(ids.FILTER_PRESET, "value"),
        Output(ids.FILTER_PERIOD, "start_date"),
        Output(ids.FILTER_PERIOD, "end_date"),
        Output(ids.FILTER_COMPARE, "value"),
        Output({"type": ids.FILTER_VALUES, "key": ALL}, "value"),
        Output(ids.FILTER_AMOUNT_MIN, "value"),
        Output(ids.FILTER_AMOUNT_MAX, "value"),
        Output({"type": ids.FILTER_CUSTOM, "field": ALL}, "value"),
        Output({"type": ids.VIEW_CHOICE, "key": ALL}, "value"),
        *PUBLISHED,
        Input(ids.FILTER_URL, "search"),
        Input(ids.FILTER_PRESET, "value"),
        Input(ids.FILTER_PERIOD, "start_date"),
        Input(ids.FILTER_PERIOD, "end_date"),
        Input(ids.FILTER_COMPARE, "value"),
        Input({"type": ids.FILTER_VALUES, "key": ALL}, "value"),
        Input(ids.FILTER_AMOUNT_MIN, "value"),
        Input(ids.FILTER_AMOUNT_MAX, "value"),
        Input({"type": ids.FILTER_CUSTOM, "field": ALL}, "value"),
        Input({"type": ids.VIEW_CHOICE, "key": ALL}, "value"),
        State(ids.VIEW_SCREEN, "data"),
        State(ids.VIEW, "data"),
        State(ids.VIEW_GRID, "data"),
        # the menu is the router's on navigation; this updates its links as the view changes
        prevent_initial_call="initial_duplicate",
    )(sync)
    app.callback(
        Output(ids.FILTER_URL, "search", allow_duplicate=True),
        Input({"type": ids.VIEW_CHIP, "key": ALL, "value": ALL}, "n_clicks"),
        State(ids.FILTER_URL, "search"),
        State(ids.VIEW_SCREEN, "data"),
        prevent_initial_call=True,
    )(remove_chip)
    app.clientside_callback(
        ClientsideFunction("view", "exportLinks"),
        Output({"type": ids.EXPORT, "screen": ALL, "format": ALL}, "href"),
        Input(ids.VIEW_GRID, "data"),
        State({"type": ids.EXPORT, "screen": ALL, "format": ALL}, "id"),
    )
    app.callback(
        Output({"type": ids.FILTER_VALUES, "key": "customer"}, "options"),
        Input({"type": ids.FILTER_VALUES, "key": "customer"}, "search_value"),
        State({"type": ids.FILTER_VALUES, "key": "customer"}, "value"),
    )(search_customers)
    app.callback(
        Output(ids.FILTER_MORE, "is_open"),
        Input(ids.FILTER_MORE_TOGGLE, "n_clicks"),
        State(ids.FILTER_MORE, "is_open"),
    )(toggle_more)
