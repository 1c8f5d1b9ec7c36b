"""KPIs and period comparison; on the demo data, checked against plain SQL over the same file."""

import sqlite3
from datetime import date

import pandas as pd
import pytest

from data.db import make_engine, read_tables
from data.frames import build_frames
from metrics.customers import leaderboard
from metrics.filters import Filters
from metrics.kpis import compare, kpis
from tests.factory import make_frames

REVENUE_SQL = """
SELECT o.customer_id,
       SUM(l.quantity * l.unit_price * (1 - l.discount_pct)
           / CASE WHEN l.prices_include_vat THEN 1 + l.vat_rate ELSE 1 END) AS sales,
       SUM(l.quantity) AS quantity,
       SUM(l.quantity * l.unit_cost) AS cost,
       SUM(l.cost_non_inv) AS non_inv,
       SUM(CASE WHEN l.unit_cost IS NOT NULL THEN
           l.quantity * l.unit_price * (1 - l.discount_pct)
           / CASE WHEN l.prices_include_vat THEN 1 + l.vat_rate ELSE 1 END
           - l.quantity * l.unit_cost - l.cost_non_inv END) AS profit
FROM order_lines l JOIN orders o ON o.order_id = l.order_id
WHERE o.status = 'confirmed' AND l.status NOT IN ('cancelled', 'returned')
  AND o.order_date BETWEEN ? AND ?
GROUP BY o.customer_id
"""


@pytest.fixture(scope="module")
def demo_frames(demo_db):
    return build_frames(read_tables(make_engine(demo_db)))


def sql_by_customer(url, start, end):
    with sqlite3.connect(url.removeprefix("sqlite:///")) as conn:
        return pd.read_sql_query(REVENUE_SQL, conn, params=(start, end)).set_index("customer_id")


@pytest.mark.parametrize(
    "start,end",
    [("2023-01-01", "2026-12-31"), ("2025-04-01", "2025-06-30"), ("2026-11-01", "2026-11-21")],
)
def test_kpi001_demo_totals_equal_plain_sql(demo_db, demo_frames, start, end):
    expected = sql_by_customer(demo_db, start, end)
    got = kpis(demo_frames, Filters(start=date.fromisoformat(start), end=date.fromisoformat(end)))
    assert len(expected) > 0
    assert got.sales_amount == pytest.approx(expected["sales"].sum(), rel=1e-12)
    assert got.sales_quantity == pytest.approx(expected["quantity"].sum())
    assert got.cost_amount == pytest.approx(expected["cost"].sum(), rel=1e-12)
    assert got.cost_amount_non_inv == pytest.approx(expected["non_inv"].sum(), rel=1e-12)
    assert got.gross_profit == pytest.approx(expected["profit"].sum(), rel=1e-12)
    assert got.confirmed_order_amount == pytest.approx(expected["sales"].sum(), rel=1e-12)


def test_kpi002_demo_leaderboard_equals_plain_sql_per_customer(demo_db, demo_frames):
    expected = sql_by_customer(demo_db, "2025-01-01", "2025-12-31")
    board = leaderboard(demo_frames, Filters(start=date(2025, 1, 1), end=date(2025, 12, 31)))
    board = board.set_index("customer_id")
    assert len(board) == len(demo_frames.customers)
    sold = board[board["sales_amount"] > 0]
    assert sorted(sold.index) == sorted(expected.index[expected["sales"] > 0])
    pd.testing.assert_series_equal(
        sold["sales_amount"].sort_index(),
        expected.loc[sold.index, "sales"].sort_index(),
        check_names=False,
        rtol=1e-12,
    )
    with sqlite3.connect(demo_db.removeprefix("sqlite:///")) as conn:
        counts = pd.read_sql_query(
            "SELECT customer_id, COUNT(*) AS n, MAX(order_date) AS last FROM orders "
            "WHERE status = 'confirmed' AND order_date BETWEEN '2025-01-01' AND '2025-12-31' "
            "GROUP BY customer_id",
            conn,
        ).set_index("customer_id")
    active = board[board["confirmed_order_count"] > 0]
    assert sorted(active.index) == sorted(counts.index)
    assert (active["confirmed_order_count"] == counts.loc[active.index, "n"]).all()
    last = pd.to_datetime(counts.loc[active.index, "last"]).to_numpy()
    assert (active["last_order"].to_numpy() == last).all()


def test_kpi003_comparison_periods():
    frames = make_frames(
        [
            {"order_id": "O1", "order_date": "2026-03-05", "unit_price": 100},
            {"order_id": "O2", "order_date": "2026-02-20", "unit_price": 80},
            {"order_id": "O3", "order_date": "2025-03-10", "unit_price": 50},
        ]
    )
    march = Filters(start=date(2026, 3, 1), end=date(2026, 3, 31))
    previous = compare(frames, march, "previous_period")
    assert (previous.compared_period.start, previous.compared_period.end) == (
        date(2026, 1, 29),
        date(2026, 2, 28),
    )
    assert previous.compared.sales_amount == pytest.approx(80.0)
    assert previous.change("sales_amount") == pytest.approx(0.25)
    last_year = compare(frames, march, "previous_year")
    assert last_year.compared_period.start == date(2025, 3, 1)
    assert last_year.compared.sales_amount == pytest.approx(50.0)
    assert last_year.change("sales_amount") == pytest.approx(1.0)
    assert last_year.change("gross_profit") is None  # Unknown cost: no change to show


def test_kpi004_metrics_never_mutate_the_cached_frames(demo_frames):
    before = {
        name: getattr(demo_frames, name).copy() for name in ("lines", "customers", "order_days")
    }
    kpis(demo_frames, Filters(categories=("Apparel",), customer_status=("at_risk",)))
    leaderboard(demo_frames, Filters(teams=("North",), order_amount_min=100))
    for name, frame in before.items():
        pd.testing.assert_frame_equal(getattr(demo_frames, name), frame)


def test_kpi005_bad_filters_are_refused():
    with pytest.raises(ValueError, match="starts"):
        Filters(start=date(2026, 3, 2), end=date(2026, 3, 1))
    with pytest.raises(ValueError, match="status"):
        Filters(customer_status=("sleepy",))


@pytest.mark.parametrize(
    "start,end", [(None, None), (date(2025, 2, 10), date(2025, 8, 3)), (date(2026, 11, 21), None)]
)
def test_kpi006_daily_table_and_lines_give_the_same_numbers(demo_frames, start, end):
    """Per-customer sums come from the daily table unless a filter narrows the lines; a filter
    that keeps every line forces the line path, which must agree to the last cent."""
    fast = Filters(start=start, end=end, teams=("South", "East"))
    every_line = Filters(start=start, end=end, teams=("South", "East"),
                         document_types=("order", "invoice", "receipt"))  # fmt: skip
    pd.testing.assert_frame_equal(
        leaderboard(demo_frames, fast), leaderboard(demo_frames, every_line), rtol=1e-12
    )
    assert kpis(demo_frames, fast).as_dict() == pytest.approx(
        kpis(demo_frames, every_line).as_dict()
    )
