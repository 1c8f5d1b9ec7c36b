"""The KPI cards of SPEC §3 built from a period comparison (Overview, customer page)."""

from __future__ import annotations

from layouts import formatting
from layouts.components import kpi_card
from metrics.kpis import Comparison

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


def kpi_cards(
    result: Comparison, skip: tuple[str, ...] = (), only: tuple[str, ...] | None = None
) -> list:
    """One card per KPI (those in `only`, if given, except `skip`), each with its compared value
    and change."""
    return [
        kpi_card(
            name,
            label,
            fmt(getattr(result.current, name)),
            fmt(getattr(result.compared, name)),
            *change_text(result, name, fmt),
            up_is_good,
        )
        for name, label, fmt, up_is_good in KPI_CARDS
        if name not in skip and (only is None or name in only)
    ]


def change_text(result: Comparison, name: str, fmt) -> tuple[str | None, float]:
    """Change of a KPI as text and its sign: percentage points for ratios, else a relative %."""
    now, before = getattr(result.current, name), getattr(result.compared, name)
    if fmt is formatting.percent:
        if now is None or before is None:
            return None, 0.0
        return f"{(now - before) * 100:+.2f} pp", now - before
    change = result.change(name)
    return (None, 0.0) if change is None else (f"{change:+.1%}", change)
