"""The filter bar's callbacks: the URL is the one source of truth for the view's filters.

One callback keeps the URL and the controls in step both ways (a control writes the URL; back,
forward or a pasted URL set the controls); every visual reads the URL.
"""

from __future__ import annotations

from datetime import date

from dash import ALL, Dash, Input, Output, State, ctx, no_update
from dash.exceptions import PreventUpdate

from callbacks.common import default_period, user_frames
from callbacks.url_state import MULTI, ViewState, parse, to_query
from data.frames import Frames, from_day
from layouts import ids
from layouts.filter_bar import messages, status_options
from metrics.filters import LINE_FILTERS, NOT_AVAILABLE, PRESETS, Filters, preset_period

CUSTOMER_MATCHES = 50  # options offered while typing in the customer box


def view_state(search: str | None, frames: Frames | None = None) -> ViewState:
    """The view the URL asks for, checked against what the signed-in user may see."""
    frames = frames if frames is not None else user_frames()
    return parse(search or "", default_period(frames), known_values(frames))


_KNOWN: dict[int, tuple[Frames, dict]] = {}  # id(frames) -> (frames, values): frames never change


def known_values(frames: Frames) -> dict[str, set[str]]:
    """Accepted values per URL key (and f.<field>), from the frames the user may see."""
    cached = _KNOWN.get(id(frames))
    if cached is not None and cached[0] is frames:
        return cached[1]
    if len(_KNOWN) > 64:
        _KNOWN.clear()
    known = _known_values(frames)
    _KNOWN[id(frames)] = (frames, known)
    return known


def _known_values(frames: Frames) -> dict[str, set[str]]:
    known: dict[str, set[str]] = {
        "customer": set(frames.customers["customer_id"]),
        "salesperson": set(frames.salespeople["code"]),
        "team": set(frames.salespeople["team"].dropna()),
        "custom_fields": set(frames.custom_fields),
    }
    for key, name in MULTI.items():
        column = LINE_FILTERS.get(name)
        if column:
            known[key] = {*map(str, frames.lines[column].cat.categories), NOT_AVAILABLE}
    for name in frames.custom_fields:
        known[f"f.{name}"] = {*frames.customers[name].dropna().astype(str), NOT_AVAILABLE}
    return known


def control_options(frames: Frames, state: ViewState) -> tuple[dict[str, list], dict[str, list]]:
    """Options of each filter control: per URL key, and per custom field."""
    options = {
        key: [{"label": v, "value": v} for v in sorted(values)]
        for key, values in known_values(frames).items()
        if key in MULTI and key not in ("customer", "salesperson")
    }
    people = frames.salespeople.sort_values("name")
    options["salesperson"] = [{"label": f"{n} ({c})", "value": c}
                              for c, n in zip(people["code"], people["name"], strict=True)]  # fmt: skip
    options["status"] = status_options()
    options["customer"] = customer_options(frames, state.filters.customers)
    custom = {
        name: [{"label": v, "value": v}
               for v in sorted({*frames.customers[name].dropna().astype(str), NOT_AVAILABLE})]
        for name in frames.custom_fields
    }  # fmt: skip
    return options, custom


def customer_options(
    frames: Frames, chosen, text: str = "", limit: int = CUSTOMER_MATCHES
) -> list[dict]:
    """Options for the customers `chosen`, plus the first `limit` whose name or ID contains
    `text` (the frames are the user's: nobody outside their scope is offered)."""
    customers = frames.customers
    ids_, names = customers["customer_id"], customers["name"]
    picked = ids_.isin(list(chosen))
    matches = picked.copy()
    if text:
        found = names.str.contains(text, case=False, regex=False) | ids_.str.contains(
            text, case=False, regex=False
        )
        matches |= found & (found.cumsum() <= limit)
    rows = customers[matches]
    return [{"label": f"{n} ({i})", "value": i}
            for i, n in zip(rows["customer_id"], rows["name"], strict=True)]  # fmt: skip


def matching_preset(start: date, end: date, frames: Frames) -> str:
    """The preset whose period is exactly [start, end], else "custom"."""
    first = from_day(frames.first_day).date() if frames.first_day is not None else start
    last = from_day(frames.last_day).date() if frames.last_day is not None else end
    for preset in PRESETS:
        if preset_period(preset, date.today(), first, last) == (start, end):
            return preset
    return "custom"


def sync(search, preset, start, end, compare_to, values, amount_min, amount_max, custom):
    """URL → controls when the URL changed; a control → URL (and a preset → the dates)."""
    frames = user_frames()
    trigger = ctx.triggered_id
    keys = [item["id"]["key"] for item in ctx.inputs_list[5]]
    fields = [item["id"]["field"] for item in ctx.inputs_list[8]]
    if trigger is None or trigger == ids.FILTER_URL:
        state = view_state(search, frames)
        f = state.filters
        return (
            no_update,
            matching_preset(f.start, f.end, frames),
            f.start.isoformat(),
            f.end.isoformat(),
            state.compare_to,
            [list(getattr(f, MULTI[k])) for k in keys],
            f.order_amount_min,
            f.order_amount_max,
            [list(dict(f.custom).get(name, ())) for name in fields],
            messages(state.messages),
        )
    if trigger == ids.FILTER_PRESET:
        if preset not in PRESETS:
            raise PreventUpdate
        first = from_day(frames.first_day).date() if frames.first_day is not None else date.today()
        last = from_day(frames.last_day).date() if frames.last_day is not None else date.today()
        start, end = (d.isoformat() for d in preset_period(preset, date.today(), first, last))
    current = view_state(search, frames)
    try:
        filters = Filters(
            start=date.fromisoformat(start[:10]),
            end=date.fromisoformat(end[:10]),
            order_amount_min=amount_min,
            order_amount_max=amount_max,
            custom=tuple((n, tuple(v)) for n, v in zip(fields, custom, strict=True) if v),
            **{MULTI[k]: tuple(v or ()) for k, v in zip(keys, values, strict=True)},
        )
    except (TypeError, ValueError) as error:
        return (no_update,) * 9 + (messages((str(error),)),)
    state = ViewState(filters, compare_to, current.selected)
    query = to_query(state)
    new_preset = (
        preset
        if trigger == ids.FILTER_PRESET
        else matching_preset(filters.start, filters.end, frames)
    )
    return (
        query if query != (search or "") else no_update,
        new_preset,
        start[:10],
        end[:10],
        no_update,
        [no_update] * len(keys),
        no_update,
        no_update,
        [no_update] * len(fields),
        [],
    )


def search_customers(text: str | None, chosen: list | None):
    """Customer options while the user types: the chosen ones plus the first matches."""
    if not text:
        raise PreventUpdate
    return customer_options(user_frames(), chosen or [], text)


def export_links(search: str | None, link_ids: list[dict]) -> list[str]:
    """Each screen's PDF export carries the view's filters."""
    return [f"/export/{link['screen']}.pdf{search or ''}" for link in link_ids]


def toggle_more(clicks: int | None, is_open: bool) -> bool:
    return not is_open if clicks else is_open


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
        Output(ids.FILTER_MESSAGES, "children"),
        Input(ids.FILTER_URL, "search"),
        Input(ids.FILTER_PRESET, "value"),
        Input(ids.FILTER_PERIOD, "start_date"),
        Input(ids.FILTER_PERIOD, "end_date"),
        Input(ids.FILTER_COMPARE, "value"),
        Input({"type": ids.FILTER_VALUES, "key": ALL}, "value"),
        Input(ids.FILTER_AMOUNT_MIN, "value"),
        Input(ids.FILTER_AMOUNT_MAX, "value"),
        Input({"type": ids.FILTER_CUSTOM, "field": ALL}, "value"),
    )(sync)
    app.callback(
        Output({"type": ids.FILTER_VALUES, "key": "customer"}, "options"),
        Input({"type": ids.FILTER_VALUES, "key": "customer"}, "search_value"),
        State({"type": ids.FILTER_VALUES, "key": "customer"}, "value"),
    )(search_customers)
    app.callback(
        Output({"type": ids.EXPORT_PDF, "screen": ALL}, "href"),
        Input(ids.FILTER_URL, "search"),
        State({"type": ids.EXPORT_PDF, "screen": ALL}, "id"),
    )(export_links)
    app.callback(
        Output(ids.FILTER_MORE, "is_open"),
        Input(ids.FILTER_MORE_TOGGLE, "n_clicks"),
        State(ids.FILTER_MORE, "is_open"),
    )(toggle_more)
