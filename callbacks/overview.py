"""Overview callbacks: period presets, and the KPI cards for the chosen period and comparison."""

from __future__ import annotations

from datetime import date

from dash import Dash, Input, Output, ctx
from dash.exceptions import PreventUpdate

from callbacks.common import as_of_text, store
from data.frames import from_day
from layouts import formatting, ids
from layouts.components import kpi_card
from layouts.overview import COMPARE_LABELS
from metrics.filters import PRESETS, Filters, preset_period
from metrics.kpis import Comparison, compare

# KPI field, card label, formatter, whether a rise is good (None = neither)
KPI_CARDS = (
    ("sales_amount", "Sales Amount", formatting.money, True),
    ("gross_profit", "Gross Profit", formatting.money, True),
    ("gross_profit_margin", "Gross Profit Margin", formatting.percent, True),
    ("sales_quantity", "Sales Quantity", formatting.count, True),
    ("cost_amount", "Cost Amount", formatting.money, None),
    ("cost_amount_non_inv", "Cost Amount Non-Inv", formatting.money, None),
    ("cost_coverage", "Cost Coverage", formatting.percent, None),
    ("confirmed_order_amount", "Confirmed Order Amount", formatting.money, True),
    ("total_customers", "Total Customers", formatting.count, True),
    ("active_customers", "Active Customers", formatting.count, True),
    ("average_reorder_days", "Average Reorder Time", formatting.days, False),
)


def sync_period(preset: str, start_date: str | None, end_date: str | None):
    """A preset sets the dates; dates picked by hand turn the preset to Custom."""
    if ctx.triggered_id == ids.OVERVIEW_PERIOD:
        return "custom", start_date, end_date
    if preset not in PRESETS:
        raise PreventUpdate
    frames = store().frames()
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
        return [], "The period starts after it ends: pick the dates again.", as_of_text(store())
    frames = store().frames()
    result = compare(frames, Filters(start=start, end=end), compare_to)
    compared_text = (
        f"{COMPARE_LABELS[compare_to]}: {result.compared_period.start} to "
        f"{result.compared_period.end}"
    )
    cards = [
        kpi_card(
            name,
            label,
            fmt(getattr(result.current, name)),
            fmt(getattr(result.compared, name)),
            *_change_text(result, name, fmt),
            up_is_good,
        )
        for name, label, fmt, up_is_good in KPI_CARDS
    ]
    return cards, compared_text, as_of_text(store())


def _change_text(result: Comparison, name: str, fmt) -> tuple[str | None, float]:
    """Change of a KPI as text and its sign: percentage points for ratios, else a relative %."""
    now, before = getattr(result.current, name), getattr(result.compared, name)
    if fmt is formatting.percent:
        if now is None or before is None:
            return None, 0.0
        return f"{(now - before) * 100:+.2f} pp", now - before
    change = result.change(name)
    return (None, 0.0) if change is None else (f"{change:+.1%}", change)


def register(app: Dash) -> None:
    app.callback(
        Output(ids.OVERVIEW_PRESET, "value"),
        Output(ids.OVERVIEW_PERIOD, "start_date"),
        Output(ids.OVERVIEW_PERIOD, "end_date"),
        Input(ids.OVERVIEW_PRESET, "value"),
        Input(ids.OVERVIEW_PERIOD, "start_date"),
        Input(ids.OVERVIEW_PERIOD, "end_date"),
        prevent_initial_call=True,
    )(sync_period)
    app.callback(
        Output(ids.OVERVIEW_KPIS, "children"),
        Output(ids.OVERVIEW_COMPARED_PERIOD, "children"),
        Output(ids.NAV_AS_OF, "children"),
        Input(ids.OVERVIEW_PERIOD, "start_date"),
        Input(ids.OVERVIEW_PERIOD, "end_date"),
        Input(ids.OVERVIEW_COMPARE, "value"),
    )(update_kpis)
