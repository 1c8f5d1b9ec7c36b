"""Small builders that keep the screen layouts short."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dcc, html

from layouts import ids


def shell() -> html.Div:
    """The page frame: URL, navbar, and the page the router fills in."""
    return html.Div([dcc.Location(id=ids.URL), navbar(), html.Main(id=ids.PAGE)])


def navbar() -> dbc.Navbar:
    return dbc.Navbar(
        dbc.Container(
            [
                dbc.NavbarBrand("Sales by Customer", href="/"),
                html.Span(id=ids.NAV_AS_OF, className="text-light small"),
            ],
            fluid=True,
        ),
        color="dark",
        dark=True,
        className="mb-3",
    )


def kpi_card(
    name: str,
    label: str,
    value: str,
    compared: str,
    change: str | None,
    direction: float,
    up_is_good: bool | None,
) -> dbc.Col:
    """A KPI (`name` becomes the card's class kpi-<name>) with its compared value and the change
    as an arrow and text, coloured by whether the move (its sign: `direction`) is good (green),
    bad (red) or neither (grey)."""
    if change is None:
        trend = html.Span("no comparison", className="text-muted")
    else:
        arrow = "▲" if direction > 0 else ("▼" if direction < 0 else "■")
        good = None if up_is_good is None or direction == 0 else (direction > 0) == up_is_good
        colour = {True: "text-success", False: "text-danger", None: "text-secondary"}[good]
        trend = html.Span(f"{arrow} {change}", className=colour)
    return dbc.Col(
        dbc.Card(
            dbc.CardBody(
                [
                    html.Div(label, className="text-muted small text-uppercase kpi-label"),
                    html.Div(value, className="fs-4 fw-semibold kpi-value"),
                    html.Div([trend, html.Span(f" vs {compared}", className="text-muted")],
                             className="small kpi-change"),
                ]
            ),
            className=f"h-100 shadow-sm kpi-{name}",
        ),
        xs=12, sm=6, lg=3, className="mb-3",
    )  # fmt: skip
