"""The KPI cards of SPEC §3 and their comparison with an earlier period."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import pandas as pd

from data.frames import Frames
from data.lists import Lists
from metrics.amounts import amount_columns
from metrics.customers import Summary, summary_from, summary_of
from metrics.engine import SUMS, Engine
from metrics.filters import (
    Filters,
    Period,
    period_of,
    previous_period,
    same_period_last_year,
    with_period,
)
from metrics.selection import select
from metrics.sums import Sums, customer_sums, total

COMPARE_TO = {"previous_period": previous_period, "previous_year": same_period_last_year}


@dataclass(frozen=True)
class Kpis:
    """One value per KPI; None = Unknown (no cost known, or nothing to divide by)."""

    sales_amount: float
    sales_quantity: float
    cost_amount: float | None
    cost_amount_non_inv: float
    gross_profit: float | None
    gross_profit_margin: float | None
    cost_coverage: float | None
    confirmed_order_amount: float
    total_customers: int
    active_customers: int
    average_reorder_days: float | None

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Comparison:
    current: Kpis
    compared: Kpis
    period: Period
    compared_period: Period

    def change(self, name: str) -> float | None:
        """Relative change of a KPI (0.1 = +10%); None when the compared value is 0 or Unknown."""
        now, before = getattr(self.current, name), getattr(self.compared, name)
        if now is None or before is None or before == 0:
            return None
        return (now - before) / abs(before)


def kpis(frames: Frames, filters: Filters, period: Period | None = None) -> Kpis:
    """All KPIs of the lines and customers `filters` select over `period` (default: the filters')."""
    selection = select(frames, filters, period)
    per_customer = customer_sums(selection)
    return kpis_from(per_customer, summary_of(selection, per_customer))


def kpis_of(engine: Engine, filters: Filters) -> Kpis:
    """All KPIs from an engine's per-customer sums (one row per customer kept) and its
    average reorder time: the same numbers on every engine."""
    return kpis_of_customers(engine.sums(filters, "customer"), engine.average_reorder_days(filters))


def kpis_of_customers(per_customer: pd.DataFrame, average_reorder_days: float | None) -> Kpis:
    """kpis_of from an engine's sums by customer and its average reorder time."""
    sums = {name: per_customer[name].to_numpy() for name in SUMS}
    return kpis_from(sums, summary_from(sums, len(per_customer), average_reorder_days))


def kpis_from(per_customer: Sums, summary: Summary) -> Kpis:
    """The KPIs of per-customer sums (metrics.sums) and the summary cards: the amounts of
    metrics.amounts.amount_columns over all customers together."""
    row = amount_columns(total(per_customer)).iloc[0]
    return Kpis(
        sales_amount=float(row["sales_amount"]),
        sales_quantity=float(row["sales_quantity"]),
        cost_amount=_known(row["cost_amount"]),
        cost_amount_non_inv=float(row["cost_amount_non_inv"]),
        gross_profit=_known(row["gross_profit"]),
        gross_profit_margin=_known(row["gross_profit_margin"]),
        cost_coverage=_known(row["cost_coverage"]),
        **asdict(summary),
    )


def compare(frames: Frames, filters: Filters, to: str = "previous_period") -> Comparison:
    """KPIs for the filters' period and for the compared one (`to`: a COMPARE_TO key)."""
    if to not in COMPARE_TO:
        raise ValueError(f"unknown comparison {to!r}; use one of {sorted(COMPARE_TO)}")
    period = period_of(frames, filters)
    earlier = COMPARE_TO[to](period)
    return Comparison(
        kpis(frames, filters, period), kpis(frames, filters, earlier), period, earlier
    )


def compare_of(
    engine: Engine, frames: Frames | Lists, filters: Filters, to: str = "previous_period"
) -> Comparison:
    """compare's KPIs from an engine's sums (kpis_of), on any engine; `frames` (or the lists,
    data.lists) close an open period as compare does."""
    if to not in COMPARE_TO:
        raise ValueError(f"unknown comparison {to!r}; use one of {sorted(COMPARE_TO)}")
    period = period_of(frames, filters)
    earlier = COMPARE_TO[to](period)
    return Comparison(
        kpis_of(engine, with_period(filters, period)),
        kpis_of(engine, with_period(filters, earlier)),
        period,
        earlier,
    )


def _known(value: float) -> float | None:
    return None if math.isnan(value) else float(value)
