"""The customer page's sections for a view, built once for the page and its PDF brief: each
follows the view's period, or names its own window in its title."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace

import pandas as pd

from data.frames import Frames, to_day
from data.lists import Lists
from metrics import customer_page
from metrics.customer_page import CustomerHeader
from metrics.engine import Engine, FramesEngine
from metrics.filters import Period, period_of
from metrics.kpis import Comparison, compare
from views.view import View

RECENT_ORDERS = 20
NARROWING = ("channels", "sources", "devices", "categories", "brands", "collections", "suppliers",
             "departments", "document_types")  # fmt: skip


@dataclass(frozen=True)
class CustomerSections:
    """header (as of the period's end); previous / last_year: the KPIs of the period against the
    previous period and the same period last year; confirmed_orders: (this period, the previous
    one); trend: months of the period; orders: the latest RECENT_ORDERS of `order_total` orders in
    the period; items: bought most in the period; lapsed and cross_sell as of the period's end;
    titles: each section's title with its window; period_text: the period in words;
    compared_text: the previous period's dates."""

    header: CustomerHeader
    period: Period
    previous: Comparison
    last_year: Comparison
    confirmed_orders: tuple[int, int]
    trend: pd.DataFrame
    orders: pd.DataFrame
    order_total: int
    items: pd.DataFrame
    lapsed: pd.DataFrame
    cross_sell: pd.DataFrame
    titles: dict[str, str]
    period_text: str
    compared_text: str


def customer_page_of(
    engine: Engine, data: Frames | Lists, customer_id: str, view: View
) -> tuple[Frames, CustomerSections]:
    """The customer's frames (Engine.customer_frames of the user's frames or lists, `data`;
    ValueError for a customer the scope does not hold) and the sections of their page for
    the view. An engine other than the frames computes the group's purchases apart
    (Engine.group_purchases), in a thread of its own: the database works on them while this
    one reads the customer's rows, builds their frames and the other sections (at 50M lines,
    the purchases and the frames are the page's two longest waits)."""
    if isinstance(engine, FramesEngine):  # the frames hold the whole scope: the group too
        frames = engine.customer_frames(customer_id, data)
        return frames, customer_sections(frames, customer_id, view)
    with ThreadPoolExecutor(1) as meanwhile:
        purchases = meanwhile.submit(engine.group_purchases, customer_id, to_day(view.applied.end))
        frames = engine.customer_frames(customer_id, data)
        return frames, customer_sections(frames, customer_id, view, purchases.result)


def customer_sections(
    frames: Frames,
    customer_id: str,
    view: View,
    purchases: Callable[[], pd.DataFrame] | None = None,
) -> CustomerSections:
    """Every section of the customer's page for the view (ValueError: not in these frames):
    from `frames`; the cross-sell gaps over the frames when they hold the whole scope
    (`purchases` None), else from what `purchases` returns, the group's
    (Engine.group_purchases), asked for last."""
    filters = replace(view.applied, customers=(customer_id,), customer_status=())
    period = period_of(frames, filters)
    end_day = to_day(filters.end)
    previous = compare(frames, filters, "previous_period")
    start, end = period.start, period.end
    dated = f"{start:%d %b %Y} to {end:%d %b %Y}"
    compared = previous.compared_period
    group = customer_page.customer_header(frames, customer_id, end_day)
    narrowed = any(getattr(filters, f) for f in NARROWING)
    months = customer_page.months_in(period)
    ordered = customer_page.matching_orders(frames, customer_id, filters, period)
    order_total = len(ordered)
    titles = {
        "trend": f"Sales Amount and Gross Profit by month, {dated}",
        "orders": f"Orders {dated}"
        + (f" (latest {RECENT_ORDERS} of {order_total:,})" if order_total > RECENT_ORDERS else ""),
        "items": f"Items bought most, {dated}",
        "lapsed": f"Lapsed items: bought regularly before {end:%d %b %Y}, not since",
        "cross_sell": f"Cross-sell gaps: what other {group.group or ''} customers bought in the "
        f"12 months to {end:%d %b %Y}".replace("other  ", "other "),
    }
    return CustomerSections(
        header=group,
        period=period,
        previous=previous,
        last_year=compare(frames, filters, "previous_year"),
        confirmed_orders=(
            customer_page.confirmed_order_count(frames, customer_id, filters, period),
            customer_page.confirmed_order_count(
                frames, customer_id, filters, previous.compared_period
            ),
        ),
        trend=customer_page.monthly_trend(frames, customer_id, end_day, months, filters),
        orders=customer_page.recent_orders(frames, customer_id, RECENT_ORDERS, period, ordered),
        order_total=order_total,
        items=customer_page.items_bought_most(frames, customer_id, filters),
        lapsed=customer_page.lapsed_items(frames, customer_id, end_day),
        cross_sell=customer_page.cross_sell_gaps(
            frames,
            customer_id,
            end_day,
            purchases=None if purchases is None else purchases(),
        ),
        titles=titles,
        period_text=f"{dated}"
        + (
            " · filtered as on the page you came from (cards, chart, orders and items; lapsed "
            "items and cross-sell gaps look at everything they buy)"
            if narrowed
            else ""
        ),
        compared_text=f"{compared.start:%d %b %Y} to {compared.end:%d %b %Y}",
    )
