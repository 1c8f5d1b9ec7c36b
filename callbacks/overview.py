"""Overview callbacks: period presets, and the KPI cards for the chosen period and comparison."""

from __future__ import annotations

from datetime import date

from dash import Dash, Input, Output, ctx
from dash.exceptions import PreventUpdate

from callbacks.common import user_frames
from callbacks.guards import PAGES, role_required
from data.frames import from_day
from layouts import ids
from layouts.kpi_cards import kpi_cards
from layouts.overview import COMPARE_LABELS
from metrics.filters import PRESETS, Filters, preset_period
from metrics.kpis import compare

OVERVIEW_ROLES = PAGES[r"/"][1]


def sync_period(preset: str, start_date: str | None, end_date: str | None):
    """A preset sets the dates; dates picked by hand turn the preset to Custom."""
    if ctx.triggered_id == ids.OVERVIEW_PERIOD:
        return "custom", start_date, end_date
    if preset not in PRESETS:
        raise PreventUpdate
    frames = user_frames()
    today = date.today()
    first = from_day(frames.first_day).date() if frames.first_day is not None else today
    last = from_day(frames.last_day).date() if frames.last_day is not None else today
    start, end = preset_period(preset, today, first, last)
    return preset, start.isoformat(), end.isoformat()


def update_kpis(start_date: str | None, end_date: str | None, compare_to: str):
    """The KPI cards for the period, each with its compared value and change."""
    if not start_date or not end_date:
        raise PreventUpdate
    start, end = date.fromisoformat(start_date[:10]), date.fromisoformat(end_date[:10])
    if start > end:
        return [], "The period starts after it ends: pick the dates again."
    result = compare(user_frames(), Filters(start=start, end=end), compare_to)
    compared_text = (
        f"{COMPARE_LABELS[compare_to]}: {result.compared_period.start} to "
        f"{result.compared_period.end}"
    )
    return kpi_cards(result), compared_text


def register(app: Dash) -> None:
    app.callback(
        Output(ids.OVERVIEW_PRESET, "value"),
        Output(ids.OVERVIEW_PERIOD, "start_date"),
        Output(ids.OVERVIEW_PERIOD, "end_date"),
        Input(ids.OVERVIEW_PRESET, "value"),
        Input(ids.OVERVIEW_PERIOD, "start_date"),
        Input(ids.OVERVIEW_PERIOD, "end_date"),
        prevent_initial_call=True,
    )(role_required(*OVERVIEW_ROLES)(sync_period))
    app.callback(
        Output(ids.OVERVIEW_KPIS, "children"),
        Output(ids.OVERVIEW_COMPARED_PERIOD, "children"),
        Input(ids.OVERVIEW_PERIOD, "start_date"),
        Input(ids.OVERVIEW_PERIOD, "end_date"),
        Input(ids.OVERVIEW_COMPARE, "value"),
    )(role_required(*OVERVIEW_ROLES)(update_kpis))
