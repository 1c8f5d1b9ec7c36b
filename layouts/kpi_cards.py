"""The KPI cards of SPEC §3 built from a period comparison (Overview, Leaderboard, customer page)."""

from __future__ import annotations

from layouts.components import kpi_card
from layouts.formatting import UNKNOWN, format_value
from metrics.kpis import Comparison
from views.screens import KPIS


def kpi_text(kind: str, value) -> str:
    """A KPI's value as its card (and the PDF's KPI table) writes it; None reads Unknown."""
    return UNKNOWN if value is None else format_value(kind, value)


def kpi_cards(
    result: Comparison,
    skip: tuple[str, ...] = (),
    only: tuple[str, ...] | None = None,
    quiet_without_change: bool = False,
) -> list:
    """One card per KPI (those in `only`, if given, except `skip`), each with its compared value
    and change; with `quiet_without_change`, a card whose change cannot be worked out (nothing
    or Unknown to compare) shows no comparison line instead of "no comparison vs …"."""
    cards = []
    for name, label, kind, up_is_good in KPIS:
        if name in skip or (only is not None and name not in only):
            continue
        change, direction = change_text(result, name, kind)
        compared = kpi_text(kind, getattr(result.compared, name))
        quiet = quiet_without_change and change is None
        value = kpi_text(kind, getattr(result.current, name))
        cards.append(
            kpi_card(name, label, value, None if quiet else compared, change, direction, up_is_good)
        )
    return cards


def change_text(result: Comparison, name: str, kind: str) -> tuple[str | None, float]:
    """Change of a KPI as text and its sign: percentage points for ratios, else a relative %;
    "no change" when the values are equal."""
    now, before = getattr(result.current, name), getattr(result.compared, name)
    if kind == "percent":
        if now is None or before is None:
            return None, 0.0
        difference = now - before
        return ("no change" if difference == 0 else f"{difference * 100:+.2f} pp"), difference
    change = result.change(name)
    if change is None:
        return None, 0.0
    return ("no change" if change == 0 else f"{change:+.1%}"), change
