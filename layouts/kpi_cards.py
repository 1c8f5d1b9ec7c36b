"""The KPI cards of SPEC §3 built from a period comparison (Overview, Leaderboard, customer page)."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import html

from layouts.formatting import UNKNOWN, format_value
from metrics.kpis import Comparison
from views.screens import COMPARE_LABELS, KPIS

# what "vs" compares with, short enough for a card on a phone (the dates are in its tooltip)
COMPARED_WORDS = {"previous_period": "prev. period", "previous_year": "last year"}


def kpi_text(kind: str, value) -> str:
    """A KPI's value as its card (and the PDF's KPI table) writes it; None reads Unknown."""
    return UNKNOWN if value is None else format_value(kind, value)


def kpi_cards(
    result: Comparison,
    skip: tuple[str, ...] = (),
    only: tuple[str, ...] | None = None,
    compare_to: str = "previous_period",
    quiet_without_change: bool = False,
) -> list:
    """One card per KPI (those in `only`, if given, except `skip`), each with its compared value
    (of `result.compared_period`, the `compare_to` of views.view) and the change; with
    `quiet_without_change`, a card whose change cannot be worked out (nothing or Unknown to
    compare) shows no comparison line instead of "no comparison vs …"."""
    earlier = result.compared_period
    against = (
        COMPARED_WORDS[compare_to],
        f"Compared with {COMPARE_LABELS[compare_to].lower()}: {earlier.start} to {earlier.end}",
    )
    cards = []
    for name, label, kind, up_is_good in KPIS:
        if name in skip or (only is not None and name not in only):
            continue
        change, direction = change_text(result, name, kind)
        compared = kpi_text(kind, getattr(result.compared, name))
        quiet = quiet_without_change and change is None
        value = kpi_text(kind, getattr(result.current, name))
        cards.append(
            kpi_card(
                name,
                label,
                value,
                None if quiet else compared,
                change,
                direction,
                up_is_good,
                against,
            )  # fmt: skip
        )
    return cards


def kpi_card(
    name: str,
    label: str,
    value: str,
    compared: str | None,
    change: str | None,
    direction: float,
    up_is_good: bool | None,
    against: tuple[str, str],
) -> dbc.Col:
    """A KPI (`name` becomes the card's class kpi-<name>) with the change as an arrow and text,
    coloured by whether the move (its sign: `direction`) is good (green), bad (red) or neither
    (grey), then the compared value named by `against`: (short words, tooltip with the dates);
    "no comparison with …" when the change cannot be worked out (nothing or Unknown before);
    `compared` None: no comparison line at all."""
    if change is None:
        trend = html.Span("no comparison", className="text-muted")
    elif direction == 0:
        trend = html.Span(change, className="text-secondary")
    else:
        good = None if up_is_good is None else (direction > 0) == up_is_good
        colour = {True: "text-success", False: "text-danger", None: "text-secondary"}[good]
        trend = html.Span(f"{'▲' if direction > 0 else '▼'} {change}", className=colour)
    words, dates = against
    return dbc.Col(
        dbc.Card(
            dbc.CardBody(
                [
                    html.Div(label, className="text-muted small text-uppercase kpi-label"),
                    html.Div(value, className="fs-4 fw-semibold kpi-value"),
                    html.Div([trend, html.Span(f" with {words}" if change is None
                                               else f" vs {words} {compared}",
                                               className="text-muted")],
                             className="small kpi-change", title=dates)
                    if compared is not None else None,
                ]
            ),
            className=f"h-100 shadow-sm kpi-{name}",
        ),
        xs=12, sm=6, lg=3, className="mb-3",
    )  # fmt: skip


def kpi_placeholders(names: tuple[str, ...] | None = None) -> list:
    """Cards with the KPIs' labels and grey bars for their numbers, shown until the numbers come
    (so the page is never blank and does not jump when they do)."""
    return [
        dbc.Col(
            dbc.Card(
                dbc.CardBody(
                    [
                        html.Div(label, className="text-muted small text-uppercase kpi-label"),
                        html.Div(html.Span(className="placeholder col-7"), className="fs-4"),
                        html.Div(html.Span(className="placeholder col-9"), className="small"),
                    ],
                    className="placeholder-glow",
                ),
                className="h-100 shadow-sm kpi-placeholder",
            ),
            xs=12,
            sm=6,
            lg=3,
            className="mb-3",
        )  # fmt: skip
        for name, label, _, _ in KPIS
        if names is None or name in names
    ]


def change_text(result: Comparison, name: str, kind: str) -> tuple[str | None, float]:
    """Change of a KPI as text and its sign: percentage points for ratios, else a relative %;
    "no change" when the values are equal, "<0.1%" (or "<0.01 pp") for a change that small."""
    now, before = getattr(result.current, name), getattr(result.compared, name)
    if kind == "percent":
        if now is None or before is None:
            return None, 0.0
        difference = now - before
        return _small(difference * 100, ".2f", " pp"), difference
    change = result.change(name)
    if change is None:
        return None, 0.0
    return _small(change * 100, ".1f", "%"), change


def _small(value: float, spec: str, unit: str) -> str:
    if value == 0:
        return "no change"
    text = f"{value:+{spec}}"
    if float(text) == 0:
        return f"<{format(10 ** -int(spec[1]), spec)}{unit}"
    return text + unit
