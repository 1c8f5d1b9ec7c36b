"""The customer page (drill-through and pre-visit lookup): header and KPI cards, for now."""

from __future__ import annotations

import dash_bootstrap_components as dbc
import pandas as pd
from dash import html

from layouts import ids
from layouts.components import message


def layout(customer: pd.Series | None, cards: list, period_text: str) -> dbc.Container:
    """`customer`: the customer's row of the (scoped) frames, or None when not found."""
    if customer is None:
        return dbc.Container(message("Customer not found."), fluid=True)
    facts = [
        ("Owner", customer.get("owner_name")),
        ("Group", customer.get("customer_group")),
        (
            "Location",
            ", ".join(
                str(v) for v in (customer.get("city"), customer.get("country")) if pd.notna(v)
            ),
        ),  # fmt: skip
        ("Customer since", customer.get("since")),
    ]
    return dbc.Container(
        [
            html.H1(customer["name"], className="h3"),
            html.Div(
                [
                    html.Span(
                        [
                            html.Span(f"{k}: ", className="text-muted"),
                            str(v) if pd.notna(v) and v != "" else "—",
                        ],
                        className="me-4",
                    )
                    for k, v in facts
                ],  # fmt: skip
                id=ids.CUSTOMER_HEADER,
                className="mb-3",
            ),
            html.P(period_text, className="text-muted small"),
            dbc.Row(cards, id=ids.CUSTOMER_KPIS),
        ],
        fluid=True,
    )
