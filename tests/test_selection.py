"""Every filter of the filter state selects the lines and customers it should."""

import sqlite3
from datetime import date

import numpy as np
import pytest

from data.access import Scope, scoped
from data.db import make_engine, read_tables
from data.frames import build_frames, customer_code
from metrics.customers import leaderboard
from metrics.filters import Filters, period_of
from metrics.kpis import kpis
from metrics.selection import select
from tests.factory import make_frames, make_tables

SALESPEOPLE = [
    {"code": "SP1", "name": "Ann", "team": "North", "commission_rate": 0.1, "commission_basis": "items_sold"},
    {"code": "SP2", "name": "Bob", "team": "South", "commission_rate": 0.1, "commission_basis": "items_sold"},
]  # fmt: skip


@pytest.fixture(scope="module")
def frames():
    tables = make_tables(
        [
            {"order_id": "O1", "order_date": "2026-02-01", "customer_id": "C1", "unit_price": 100,
             "channel": "web", "source": "google", "device": "mobile", "category": "Shoes",
             "brand": "Peak", "document_type": "invoice"},
            {"order_id": "O1", "order_date": "2026-02-01", "customer_id": "C1", "unit_price": 5,
             "item_id": "I2", "category": None, "channel": "web", "source": "google", "device": "mobile"},
            {"order_id": "O2", "order_date": "2026-02-10", "customer_id": "C2", "unit_price": 20,
             "item_id": "I3", "channel": "phone", "category": "Hats", "document_type": "order"},
            {"order_id": "O3", "order_date": "2026-03-10", "customer_id": "C3", "unit_price": 1000,
             "item_id": "I4", "channel": "London Store", "document_type": "receipt"},
        ],
        customers=[
            {"customer_id": "C1", "name": "One", "owner": "SP1"},
            {"customer_id": "C2", "name": "Two", "owner": "SP2"},
            {"customer_id": "C3", "name": "Three", "owner": "SP2"},
        ],
        salespeople=SALESPEOPLE,
        fields=[
            {"customer_id": "C1", "field": "tier", "value": "Gold"},
            {"customer_id": "C2", "field": "tier", "value": "Silver"},
        ],
    )  # fmt: skip
    return build_frames(tables)


@pytest.mark.parametrize(
    "filters,sales,customers",
    [
        (Filters(), 1125, 3),
        (Filters(start=date(2026, 2, 5), end=date(2026, 2, 28)), 20, 3),
        (Filters(customers=("C2", "C3")), 1020, 2),
        (Filters(salespeople=("SP1",)), 105, 1),
        (Filters(teams=("South",)), 1020, 2),
        (Filters(channels=("web", "phone")), 125, 3),
        (Filters(sources=("google",)), 105, 3),
        (Filters(devices=("N/A",)), 1020, 3),
        (Filters(categories=("Shoes", "N/A")), 1105, 3),
        (Filters(brands=("Peak",)), 100, 3),
        (Filters(document_types=("receipt",)), 1000, 3),
        (Filters(order_amount_min=50, order_amount_max=500), 105, 3),
        (Filters(custom=(("tier", ("Gold", "N/A")),)), 1105, 2),
        (
            Filters(end=date(2026, 3, 31), customer_status=("active",), start=date(2026, 3, 1)),
            1000,
            1,
        ),
    ],
)
def test_sel001_each_filter(frames, filters, sales, customers):
    k = kpis(frames, filters)
    assert k.sales_amount == pytest.approx(sales)
    assert k.total_customers == customers
    assert len(leaderboard(frames, filters)) == customers


def test_sel002_unknown_custom_field_is_an_error(frames):
    with pytest.raises(ValueError, match="unknown customer field"):
        kpis(frames, Filters(custom=(("shoe_size", ("9",)),)))


def test_sel003_empty_data_gives_zeros_not_errors():
    empty = make_frames([{"order_id": "O1", "order_date": "2026-01-01", "order_status": "quote"}])
    k = kpis(empty, Filters(start=date(2025, 1, 1), end=date(2025, 12, 31)))
    assert (k.sales_amount, k.active_customers, k.cost_amount, k.average_reorder_days) == (
        0.0, 0, 0.0, None,
    )  # fmt: skip


LINES_SQL = """
SELECT l.order_id, l.line_no FROM order_lines l JOIN orders o ON o.order_id = l.order_id
LEFT JOIN items i ON i.item_id = l.item_id
WHERE o.customer_id = ? AND o.order_date BETWEEN ? AND ?
  AND (? = 0 OR COALESCE(l.category, i.category) = 'Apparel')
ORDER BY o.order_date, o.order_id, l.line_no
"""


@pytest.fixture(scope="module")
def demo_frames(demo_db):
    return build_frames(read_tables(make_engine(demo_db)))


@pytest.mark.parametrize("scope", [Scope("leadership"), Scope("manager", team="North")])
@pytest.mark.parametrize(
    "filters",
    [
        Filters(),
        Filters(start=date(2025, 3, 14), end=date(2025, 11, 2)),
        Filters(start=date(2024, 6, 1), end=date(2026, 2, 28), categories=("Apparel",)),
    ],
    ids=["all", "period", "period-and-category"],
)
def test_sel004_one_customers_lines_are_those_plain_sql_finds(demo_db, demo_frames, scope, filters):
    """Selection.only_customer reads the customer's lines from the per-customer line index (also
    in frames restricted to a scope, where codes are renumbered): the same lines, in date order,
    as plain SQL over the database."""
    frames = scoped(demo_frames, scope)
    period = period_of(frames, filters)
    lines = frames.lines
    order_ids = frames.orders["order_id"].to_numpy()
    checked = 0
    with sqlite3.connect(demo_db.removeprefix("sqlite:///")) as conn:
        busiest = np.argsort(np.bincount(lines["customer"], minlength=len(frames.customers)))
        for customer_id in frames.customers["customer_id"].iloc[[0, *busiest[-2:]]]:
            params = (customer_id, str(period.start), str(period.end), bool(filters.categories))
            expected = conn.execute(LINES_SQL, params).fetchall()
            selection = select(frames, filters).only_customer(customer_code(frames, customer_id))
            rows = selection.lo + selection.rows
            order, line_no = lines["order"].to_numpy()[rows], lines["line_no"].to_numpy()[rows]
            assert [(order_ids[o], int(n)) for o, n in zip(order, line_no, strict=True)] == expected
            checked += len(expected)
    assert checked > 0
