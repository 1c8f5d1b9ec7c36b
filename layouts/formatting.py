"""How numbers read on screen: pounds, counts, percentages, days; None reads "Unknown"."""

from __future__ import annotations

UNKNOWN = "Unknown"


def money(value: float | None) -> str:
    return UNKNOWN if value is None else f"£{value:,.2f}"


def count(value: float | None) -> str:
    return UNKNOWN if value is None else f"{value:,.0f}"


def percent(value: float | None) -> str:
    return UNKNOWN if value is None else f"{value:.2%}"


def days(value: float | None) -> str:
    return UNKNOWN if value is None else f"{value:,.1f} days"
