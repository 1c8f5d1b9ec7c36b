"""Leaderboard, summary cards, reorder time, lifecycle and at-risk on hand-made customers."""

import itertools
import sqlite3
import statistics
from datetime import date

import numpy as np
import pandas as pd
import pytest

from data.access import Scope, scoped
from data.db import make_engine, read_tables
from data.frames import build_frames, to_day
from metrics.cadence import cadence
from metrics.customers import at_risk_customers, leaderboard, lifecycle, summary
from metrics.filters import Filters
from tests.factory import make_frames


def order(order_id, day, customer="C1", **kw):
    return {"order_id": order_id, "order_date": day, "customer_id": customer, **kw}


@pytest.fixture
def shop():
    """C1: a confirmed order (one line cancelled), a draft, a quote; an older order in January.
    C2: one confirmed order. C3: an account with no orders at all."""
    return make_frames(
        [
            order("A0", "2026-01-05", unit_price=40),
            order("A1", "2026-03-01", quantity=2, unit_price=50, unit_cost=20),
            order("A1", "2026-03-01", unit_price=70, status="cancelled"),
            order("A2", "2026-03-10", unit_price=30, order_status="draft"),
            order("A3", "2026-03-12", unit_price=500, order_status="quote"),
            order("B1", "2026-03-20", customer="C2", quantity=3, unit_price=100, unit_cost=90),
        ],
        customers=[{"customer_id": "C3", "name": "Quiet Ltd"}],
    )


MARCH = Filters(start=date(2026, 3, 1), end=date(2026, 3, 31))


def test_cus001_leaderboard_columns(shop):
    board = leaderboard(shop, MARCH).set_index("customer_id")
    assert list(board.index) == ["C2", "C1", "C3"]  # by Sales Amount, descending
    c1 = board.loc["C1"]
    assert c1["total_order_count"] == 2  # confirmed + draft, not the quote
    assert c1["confirmed_order_count"] == 1
    assert c1["total_order_amount"] == pytest.approx(130.0)  # 100 (cancelled line out) + 30
    assert c1["confirmed_order_amount"] == pytest.approx(100.0)
    assert c1["draft_order_amount"] == pytest.approx(30.0)
    assert c1["average_order_amount"] == pytest.approx(65.0)
    assert c1["last_order"] == np.datetime64("2026-03-01")  # latest confirmed, not the draft
    assert c1["days_since_last_order"] == 30  # 31 March − 1 March
    assert c1["sales_amount"] == pytest.approx(100.0)
    assert c1["gross_profit"] == pytest.approx(60.0)
    assert c1["status"] == "active"


def test_cus002_customer_without_orders_shows_zeros_and_is_inactive(shop):
    c3 = leaderboard(shop, MARCH).set_index("customer_id").loc["C3"]
    assert c3["total_order_count"] == 0
    assert c3["sales_amount"] == 0
    assert pd.isna(c3["last_order"]) and pd.isna(c3["days_since_last_order"])
    assert pd.isna(c3["average_order_amount"])
    assert c3["status"] == "inactive"


def test_cus003_last_order_looks_back_before_the_period(shop):
    april = Filters(start=date(2026, 4, 1), end=date(2026, 4, 30))
    c1 = leaderboard(shop, april).set_index("customer_id").loc["C1"]
    assert c1["confirmed_order_count"] == 0 and c1["status"] == "inactive"
    assert c1["last_order"] == np.datetime64("2026-03-01")
    assert c1["days_since_last_order"] == 60


def test_cus004_summary_cards(shop):
    cards = summary(shop, MARCH)
    assert cards.confirmed_order_amount == pytest.approx(400.0)
    assert cards.total_customers == 3
    assert cards.active_customers == 2
    # C1's gap Jan 5 → Mar 1 (55 days) ends in March; C2 has no earlier order.
    assert cards.average_reorder_days == pytest.approx(55.0)


def test_cus005_average_reorder_time_counts_gaps_ending_in_the_period():
    frames = make_frames(
        [
            order("A1", "2026-01-01"),
            order("A2", "2026-01-11"),
            order("A3", "2026-01-31"),
            order("A4", "2026-01-31"),  # same day: no extra gap
            order("A5", "2026-01-20", order_status="draft"),  # not confirmed: ignored
            order("B1", "2026-01-05", customer="C2"),
            order("B2", "2026-01-08", customer="C2"),  # gap ends before the period
        ]
    )
    cards = summary(frames, Filters(start=date(2026, 1, 10), end=date(2026, 2, 9)))
    assert cards.active_customers == 1
    assert cards.average_reorder_days == pytest.approx(15.0)  # (10 + 20) / 2
    none = summary(frames, Filters(start=date(2026, 3, 1), end=date(2026, 3, 31)))
    assert none.average_reorder_days is None and none.active_customers == 0


def test_cus006_lifecycle_new_returning_recovered_lost():
    frames = make_frames(
        [
            order("N1", "2026-07-05", customer="NEW"),
            order("R1", "2026-01-10", customer="RET"),
            order("R2", "2026-06-10", customer="RET"),
            order("R3", "2026-07-10", customer="RET"),
            order("V1", "2026-01-10", customer="REC"),
            order("V2", "2026-07-20", customer="REC"),
            order("L1", "2026-01-15", customer="LOST"),  # six months on: 15 July
            order("X1", "2025-12-10", customer="GONE"),  # lost in June already
            order("D1", "2026-07-01", customer="DRAFT", order_status="draft"),
        ]
    )
    table = lifecycle(frames, Filters(start=date(2026, 7, 1), end=date(2026, 7, 31)))
    got = {c: {k for k in ("new", "returning", "recovered", "lost") if row[k]}
           for c, row in table.set_index("customer_id").iterrows()}  # fmt: skip
    assert got == {
        "NEW": {"new"},
        "RET": {"returning"},
        "REC": {"returning", "recovered"},
        "LOST": {"lost"},
        "GONE": set(),
        "DRAFT": set(),
    }


def test_cus007_at_risk_against_own_cadence():
    frames = make_frames(
        [
            order(f"A{i}", day)
            for i, day in enumerate(["2026-01-01", "2026-01-11", "2026-01-21", "2026-01-31"])
        ]  # fmt: skip
        + [
            order(f"B{i}", day, customer="FAST")
            for i, day in enumerate(["2026-02-01", "2026-02-06", "2026-02-11", "2026-02-16"])
        ]  # fmt: skip
        + [
            order(f"C{i}", day, customer="TWO")
            for i, day in enumerate(["2026-01-01", "2026-01-02"])
        ]  # fmt: skip
    )
    end = to_day(date(2026, 2, 25))
    cad = cadence(frames, end)
    codes = {c: i for i, c in enumerate(frames.customers["customer_id"])}
    # C1: median gap 10, 25 days since → over 2 × 10 and over 14 days: at risk, 15 days overdue.
    assert cad.at_risk[codes["C1"]]
    assert cad.overdue_days[codes["C1"]] == 15
    # FAST: median 5, 9 days since: over 2 × 5 is 10? no — 9 ≤ 10, not at risk.
    assert not cad.at_risk[codes["FAST"]]
    # TWO: only two orders, however long ago.
    assert not cad.at_risk[codes["TWO"]]
    # FAST on 1 March: 13 days > 10 but under 14: still not at risk; on 2 March it is.
    assert not cadence(frames, to_day(date(2026, 3, 1))).at_risk[codes["FAST"]]
    assert cadence(frames, to_day(date(2026, 3, 2))).at_risk[codes["FAST"]]
    table = at_risk_customers(frames, Filters(end=date(2026, 2, 25)))
    assert list(table["customer_id"]) == ["C1"]
    assert table.loc[0, "trailing_12m_sales_amount"] == pytest.approx(40.0)


def test_cus008_median_gap_of_even_count_is_mean_of_middle_two():
    frames = make_frames(
        [
            order(f"A{i}", d)
            for i, d in enumerate(
                ["2026-01-01", "2026-01-03", "2026-01-13", "2026-01-14", "2026-02-14"]
            )
        ]  # fmt: skip
    )
    cad = cadence(frames, to_day(date(2026, 3, 1)))
    # gaps 2, 10, 1, 31 → sorted 1, 2, 10, 31 → median 6
    assert cad.median_gap[0] == pytest.approx(6.0)
    assert cadence(frames, to_day(date(2026, 1, 13))).median_gap[0] == pytest.approx(6.0)


def test_cus009_status_filter_keeps_only_those_customers(shop):
    active = leaderboard(shop, Filters(start=date(2026, 3, 1), end=date(2026, 3, 31),
                                       customer_status=("inactive",)))  # fmt: skip
    assert list(active["customer_id"]) == ["C3"]
    assert summary(shop, Filters(start=date(2026, 3, 1), end=date(2026, 3, 31),
                                 customer_status=("active",))).total_customers == 2  # fmt: skip


@pytest.fixture(scope="module")
def demo_frames(demo_db):
    return build_frames(read_tables(make_engine(demo_db)))


DATES_SQL = """
SELECT customer_id, order_date, COUNT(*) FROM orders
WHERE status = 'confirmed' AND order_date <= ? GROUP BY customer_id, order_date
ORDER BY customer_id, order_date
"""


@pytest.mark.parametrize("scope", [Scope("leadership"), Scope("salesperson", salesperson="SP01")])
@pytest.mark.parametrize(
    "as_of", ["2023-01-01", "2024-03-09", "2025-12-31", "2026-11-21", "2027-06-30"]
)
def test_cus010_cadence_on_the_demo_matches_plain_sql_on_any_day(
    demo_db, demo_frames, scope, as_of
):
    """Last order, confirmed orders and median reorder gap of every customer as of a day before
    any order, within the data, at its last day and after it (when the day is past every date,
    figures come from block bounds alone), against plain SQL and statistics.median."""
    frames = scoped(demo_frames, scope)
    with sqlite3.connect(demo_db.removeprefix("sqlite:///")) as conn:
        rows = conn.execute(DATES_SQL, (as_of,)).fetchall()
    dates: dict[str, list[tuple[date, int]]] = {}
    for customer_id, day, orders in rows:
        dates.setdefault(customer_id, []).append((date.fromisoformat(day), orders))
    cad = cadence(frames, to_day(date.fromisoformat(as_of)))
    ordered = 0
    for code, customer_id in enumerate(frames.customers["customer_id"]):
        mine = dates.get(customer_id, [])
        gaps = [(b[0] - a[0]).days for a, b in itertools.pairwise(mine)]
        assert cad.last_order_day[code] == (to_day(mine[-1][0]) if mine else -1)
        assert cad.confirmed_orders[code] == sum(n for _, n in mine)
        median = statistics.median(gaps) if gaps else np.nan
        assert cad.median_gap[code] == pytest.approx(median, nan_ok=True)
        ordered += len(gaps) > 1
    assert ordered > 0 or as_of == "2023-01-01"
