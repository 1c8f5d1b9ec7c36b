"""Unit tests of metrics.commission on hand-made orders whose answers are worked out by hand.

Each test builds the three table frames it needs (orders, order_lines, payments) as
data.db.read_tables gives them: dates datetime64, missing dates NaT.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from data.demo import generate
from data.frames import build_frames, to_day
from metrics.commission import (
    COMMISSION_COLUMNS,
    DAILY_EVENT_COLUMNS,
    EVENT_COLUMNS,
    EVENTS,
    commission,
    daily_events,
    sales_events,
)

ORDER_DEFAULTS = {"status": "confirmed", "salesperson": "SP1", "customer_id": "C1"}
LINE_DEFAULTS = {
    "quantity": 1.0,
    "discount_pct": 0.0,
    "vat_rate": 0.0,
    "prices_include_vat": False,
    "status": "delivered",
    "delivered_on": None,
    "cancelled_on": None,
    "returned_on": None,
}
OCTOBER = (to_day(date(2025, 10, 1)), to_day(date(2025, 10, 31)))


def _dates(frame: pd.DataFrame, *columns: str) -> pd.DataFrame:
    for column in columns:
        frame[column] = pd.to_datetime(frame[column]).astype("datetime64[s]")
    return frame


def _events(orders: list[dict], lines: list[dict], payments: list[dict] = ()) -> pd.DataFrame:
    """sales_events of orders {order_id, order_date, ...}, lines {order_id, unit_price, ...} and
    payments {order_id, paid_on, amount}; defaults above."""
    order_frame = _dates(pd.DataFrame([{**ORDER_DEFAULTS, **o} for o in orders]), "order_date")
    line_frame = pd.DataFrame([{**LINE_DEFAULTS, **line} for line in lines])
    line_frame["line_no"] = line_frame.groupby("order_id").cumcount() + 1
    _dates(line_frame, "delivered_on", "cancelled_on", "returned_on")
    payment_frame = _dates(
        pd.DataFrame(list(payments), columns=["order_id", "paid_on", "amount"]), "paid_on"
    )
    return sales_events(line_frame, order_frame, payment_frame)


def _people(*rows: tuple[str, str, float]) -> pd.DataFrame:
    """Salespeople from (code, commission_basis, commission_rate)."""
    return pd.DataFrame(
        [
            {"code": c, "name": f"Name {c}", "team": "North", "commission_rate": r,
             "commission_basis": b}
            for c, b, r in rows
        ]
    )  # fmt: skip


def _row(table: pd.DataFrame, code: str = "SP1") -> dict:
    return table.set_index("salesperson").loc[code].to_dict()


def test_com001_spec_worked_example_items_delivered():
    events = _events(
        orders=[
            {"order_id": "A", "order_date": "2025-09-01"},
            {"order_id": "B", "order_date": "2025-10-03"},
            {"order_id": "C", "order_date": "2025-10-10"},
        ],
        lines=[
            {"order_id": "A", "unit_price": 100.0, "status": "returned",
             "delivered_on": "2025-10-05", "returned_on": "2025-10-20"},
            {"order_id": "B", "unit_price": 150.0, "status": "returned",
             "delivered_on": "2025-10-07", "returned_on": "2025-10-15"},
            {"order_id": "C", "unit_price": 200.0, "delivered_on": "2025-10-12"},
        ],
    )  # fmt: skip
    period = (to_day(date(2025, 10, 1)), to_day(date(2025, 10, 20)))
    table = commission(events, _people(("SP1", "items_delivered", 0.10)), *period)
    expected = pd.DataFrame(
        {
            "salesperson": ["SP1"],
            "salesperson_name": ["Name SP1"],
            "team": ["North"],
            "sold": [350.0],  # A was placed in September
            "cancelled": [0.0],
            "returned": [250.0],
            "delivered": [450.0],
            "paid": [0.0],
            "refunded": [0.0],
            "commission_basis": ["items_delivered"],
            "adjusted_sales": [200.0],  # £450 − £250
            "commission_rate": [0.10],
            "commission": [20.0],
        }
    )
    assert_frame_equal(table, expected)


def test_com002_items_sold_counts_cancellations_of_orders_placed_before():
    events = _events(
        orders=[
            {"order_id": "A", "order_date": "2025-09-20"},  # placed before the period
            {"order_id": "B", "order_date": "2025-10-05"},
            {"order_id": "C", "order_date": "2025-10-10"},
            {"order_id": "D", "order_date": "2025-10-25"},
        ],
        lines=[
            {"order_id": "A", "unit_price": 50.0, "status": "cancelled", "cancelled_on": "2025-10-02"},
            {"order_id": "A", "unit_price": 30.0, "delivered_on": "2025-09-22"},
            # 3 × £20 less 10% = £54; £120 incl. 20% VAT = £100, returned in the period
            {"order_id": "B", "quantity": 3.0, "unit_price": 20.0, "discount_pct": 0.1},
            {"order_id": "B", "unit_price": 120.0, "vat_rate": 0.2, "prices_include_vat": True,
             "status": "returned", "delivered_on": "2025-10-07", "returned_on": "2025-10-28"},
            {"order_id": "C", "unit_price": 25.0, "status": "cancelled", "cancelled_on": "2025-10-12"},
            # sold in the period, cancelled after it
            {"order_id": "D", "unit_price": 40.0, "status": "cancelled", "cancelled_on": "2025-11-02"},
        ],
    )  # fmt: skip
    row = _row(commission(events, _people(("SP1", "items_sold", 0.05)), *OCTOBER))
    assert row["sold"] == pytest.approx(54 + 100 + 25 + 40)
    assert row["cancelled"] == pytest.approx(50 + 25)
    assert row["returned"] == pytest.approx(100)
    assert row["adjusted_sales"] == pytest.approx(219 - 75 - 100)
    assert row["commission"] == pytest.approx(0.05 * 44)


def test_com003_payments_minus_refunds():
    events = _events(
        orders=[
            {"order_id": "A", "order_date": "2025-09-25"},
            {"order_id": "B", "order_date": "2025-10-03"},
        ],
        lines=[
            {"order_id": "A", "unit_price": 300.0, "delivered_on": "2025-09-26"},
            {"order_id": "B", "unit_price": 500.0, "delivered_on": "2025-10-04"},
        ],
        payments=[
            {"order_id": "A", "paid_on": "2025-09-28", "amount": 300.0},  # before the period
            {"order_id": "A", "paid_on": "2025-10-05", "amount": -60.0},  # a refund
            {"order_id": "B", "paid_on": "2025-10-10", "amount": 250.0},
            {"order_id": "B", "paid_on": "2025-11-02", "amount": 250.0},  # after the period
        ],
    )
    row = _row(commission(events, _people(("SP1", "payments", 0.10)), *OCTOBER))
    assert (row["paid"], row["refunded"]) == (250.0, 60.0)  # refunds as positive sizes
    assert row["adjusted_sales"] == 190.0
    assert row["commission"] == pytest.approx(19.0)


def test_com004_orders_without_salesperson_are_omitted():
    events = _events(
        orders=[
            {"order_id": "A", "order_date": "2025-10-02", "salesperson": None},
            {"order_id": "B", "order_date": "2025-10-02", "salesperson": "SP2"},
        ],
        lines=[
            {"order_id": "A", "unit_price": 70.0, "delivered_on": "2025-10-03"},
            {"order_id": "B", "unit_price": 30.0, "delivered_on": "2025-10-03"},
        ],
        payments=[{"order_id": "A", "paid_on": "2025-10-03", "amount": 70.0}],
    )
    assert set(events["order_id"]) == {"B"}
    people = _people(("SP1", "items_sold", 0.1), ("SP2", "items_sold", 0.1))
    table = commission(events, people, *OCTOBER)
    assert list(table["salesperson"]) == ["SP1", "SP2"]
    assert list(table["sold"]) == [0.0, 30.0]  # SP1 has no events: a row of zeros
    assert list(table["commission"]) == [0.0, 3.0]


@pytest.mark.parametrize("status", ["draft", "quote", "abandoned"])
def test_com005_lines_and_payments_of_unconfirmed_orders_not_counted(status):
    events = _events(
        orders=[{"order_id": "A", "order_date": "2025-10-02", "status": status}],
        lines=[
            {"order_id": "A", "unit_price": 70.0, "status": "cancelled", "cancelled_on": "2025-10-03"},
            {"order_id": "A", "unit_price": 30.0, "status": "returned",
             "delivered_on": "2025-10-04", "returned_on": "2025-10-09"},
        ],
        payments=[{"order_id": "A", "paid_on": "2025-10-03", "amount": -30.0}],
    )  # fmt: skip
    assert events.empty
    table = commission(events, _people(("SP1", "items_sold", 0.1)), *OCTOBER)
    assert table[list(EVENTS) + ["adjusted_sales", "commission"]].eq(0).all(axis=None)


def test_com006_period_is_inclusive_and_events_outside_it_are_ignored():
    events = _events(
        orders=[
            {"order_id": "A", "order_date": "2025-09-30"},
            {"order_id": "B", "order_date": "2025-10-01"},
            {"order_id": "C", "order_date": "2025-10-31"},
            {"order_id": "D", "order_date": "2025-11-01"},
        ],
        lines=[
            {"order_id": "A", "unit_price": 1.0},
            {"order_id": "B", "unit_price": 10.0},
            {"order_id": "C", "unit_price": 100.0},
            {"order_id": "D", "unit_price": 1000.0},
        ],
    )
    row = _row(commission(events, _people(("SP1", "items_sold", 0.1)), *OCTOBER))
    assert row["sold"] == 110.0
    assert row["delivered"] == 110.0  # no delivery date: delivered on the order date


def test_com007_missing_event_dates_fall_back_to_order_then_delivery_date():
    events = _events(
        orders=[{"order_id": "A", "order_date": "2025-10-02"}],
        lines=[
            {"order_id": "A", "unit_price": 10.0, "status": "cancelled"},
            {"order_id": "A", "unit_price": 20.0, "status": "returned", "delivered_on": "2025-10-06"},
            {"order_id": "A", "unit_price": 40.0, "status": "returned"},
        ],
    )  # fmt: skip
    days = events.groupby(["event", "day"], observed=True)["value"].sum()
    oct2, oct6 = to_day(date(2025, 10, 2)), to_day(date(2025, 10, 6))
    assert days.to_dict() == {
        ("sold", oct2): 70.0,
        ("cancelled", oct2): 10.0,
        ("returned", oct2): 40.0,
        ("returned", oct6): 20.0,
        ("delivered", oct2): 40.0,
        ("delivered", oct6): 20.0,
    }


def test_com008_events_frame_shape_and_inputs_untouched():
    orders = [
        {"order_id": "A", "order_date": "2025-10-05", "salesperson": "SP2"},
        {"order_id": "B", "order_date": "2025-10-01"},
    ]
    lines = [
        {"order_id": "A", "unit_price": 5.0, "delivered_on": "2025-10-06"},
        {"order_id": "B", "unit_price": 7.0, "delivered_on": "2025-10-02"},
    ]
    events = _events(orders, lines, [{"order_id": "A", "paid_on": "2025-10-09", "amount": 5.0}])
    assert tuple(events.columns) == EVENT_COLUMNS
    assert events["day"].is_monotonic_increasing
    assert events["day"].dtype == np.int32
    assert list(events["event"].cat.categories) == list(EVENTS)
    assert events[["salesperson", "order_id", "event"]].astype(str).values.tolist() == [
        ["SP1", "B", "sold"],
        ["SP1", "B", "delivered"],
        ["SP2", "A", "sold"],
        ["SP2", "A", "delivered"],
        ["SP2", "A", "paid"],
    ]
    before = events.copy()
    people = _people(("SP1", "items_sold", 0.1), ("SP2", "nonsense", 0.1))
    table = commission(events, people, *OCTOBER)
    assert_frame_equal(events, before)
    assert tuple(table.columns) == COMMISSION_COLUMNS
    assert np.isnan(_row(table, "SP2")["commission"])  # an unknown basis reads Unknown


def test_com009_demo_items_sold_over_all_history_equals_revenue_by_order_salesperson():
    tables = generate(lines=5_000, seed=3, end=date(2026, 11, 21))
    before = {name: frame.copy() for name, frame in tables.items()}
    events = sales_events(tables["order_lines"], tables["orders"], tables["payments"])
    table = commission(
        events, tables["salespeople"].assign(commission_basis="items_sold"), 0, 100_000
    ).set_index("salesperson")
    lines = build_frames(tables).lines
    revenue = lines[lines["revenue"]].groupby("salesperson", observed=True)["sales_amount"].sum()
    assert table["adjusted_sales"].to_numpy() == pytest.approx(
        revenue.reindex(table.index, fill_value=0.0).to_numpy()
    )
    for name, frame in tables.items():
        assert_frame_equal(frame, before[name])


def test_com010_daily_events_sum_each_day_salesperson_and_event():
    events = _events(
        orders=[
            {"order_id": "A", "order_date": "2025-10-02"},
            {"order_id": "B", "order_date": "2025-10-02", "salesperson": "SP2"},
            {"order_id": "C", "order_date": "2025-10-02"},
            {"order_id": "D", "order_date": "2025-10-09"},
        ],
        lines=[
            {"order_id": "A", "unit_price": 100.0, "delivered_on": "2025-10-09"},
            {"order_id": "A", "unit_price": 20.0, "delivered_on": "2025-10-09"},
            {"order_id": "B", "unit_price": 50.0, "status": "cancelled",
             "cancelled_on": "2025-10-09"},
            {"order_id": "C", "unit_price": 7.5, "delivered_on": "2025-10-03"},
            {"order_id": "D", "unit_price": 30.0, "delivered_on": "2025-10-09"},
        ],
        payments=[{"order_id": "A", "paid_on": "2025-10-09", "amount": 120.0}],
    )  # fmt: skip
    before = events.copy()
    daily = daily_events(events)
    assert_frame_equal(events, before)
    assert tuple(daily.columns) == DAILY_EVENT_COLUMNS
    got = [(int(d), str(s), str(e), v) for d, s, e, v in daily.itertuples(index=False)]
    second, third, ninth = (to_day(date(2025, 10, day)) for day in (2, 3, 9))
    # 2 Oct: SP1 sold A (120) and C (7.5), SP2 sold B (50); 3 Oct: C delivered; 9 Oct: A and D
    # delivered (SP1 120 + 30), B cancelled (SP2), D sold, A paid
    assert sorted(got) == sorted([
        (second, "SP1", "sold", 127.5), (second, "SP2", "sold", 50.0),
        (third, "SP1", "delivered", 7.5),
        (ninth, "SP1", "sold", 30.0), (ninth, "SP1", "delivered", 150.0),
        (ninth, "SP2", "cancelled", 50.0), (ninth, "SP1", "paid", 120.0),
    ])  # fmt: skip
    assert list(daily["day"]) == sorted(daily["day"])


def test_com011_commission_from_the_daily_sums_is_the_events_to_the_last_bit():
    tables = generate(lines=5_000, seed=3, end=date(2026, 11, 21))
    events = sales_events(tables["order_lines"], tables["orders"], tables["payments"])
    daily = daily_events(events)
    assert len(daily) < len(events)
    first, last = int(events["day"].iloc[0]), int(events["day"].iloc[-1])
    for basis in ("items_sold", "items_delivered", "payments"):
        people = tables["salespeople"].assign(commission_basis=basis)
        for start, end in ((first, last), (first + 100, first + 190), (last - 30, last)):
            assert_frame_equal(
                commission(daily, people, start, end),
                commission(events, people, start, end),
                check_exact=True,
            )
