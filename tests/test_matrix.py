"""Unit tests of metrics.matrix on a hand-made company whose answers are worked out by hand.

Period Jan–Mar 2025. C1 (North): 10 Jan confirmed order (2 × £10 cost £6; 1 × £30 no cost;
a cancelled 1 × £100), 20 Jan draft (5 × £10), 5 Mar confirmed (3 × £10 less 10% cost £6 and
£2 non-inventory cost; 1 × £36 incl. 20% VAT cost £20). C2 (North): 31 Dec 2024 £1000 (before
the period), 15 Jan £57. C3 (South): 20 Mar £57. C4 (South): no orders. Nobody buys in February.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import numpy as np
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from data.demo import generate
from data.frames import build_frames
from metrics import matrix
from metrics.amounts import AMOUNT_COLUMNS
from metrics.customers import leaderboard
from metrics.filters import Filters
from metrics.lookup import distinct_codes
from metrics.matrix import customer_month_item, top_customers_by_month

Q1 = Filters(start=date(2025, 1, 1), end=date(2025, 3, 31))
JAN, FEB, MAR = (pd.Timestamp(2025, m, 1) for m in (1, 2, 3))
NAT = np.datetime64("NaT", "s")


def _tables() -> dict[str, pd.DataFrame]:
    salespeople = pd.DataFrame(
        {
            "code": ["SP01", "SP02"],
            "name": ["Ann North", "Bob South"],
            "team": ["North", "South"],
            "commission_rate": [0.05, 0.05],
            "commission_basis": ["items_sold", "items_sold"],
        }
    )
    customers = pd.DataFrame(
        {
            "customer_id": ["C1", "C2", "C3", "C4"],
            "name": ["Alpha Ltd", "Beta Ltd", "Gamma Ltd", "Delta Ltd"],
            "city": "Leeds",
            "country": "United Kingdom",
            "region": "Yorkshire",
            "customer_group": "Retail",
            "owner": ["SP01", "SP01", "SP02", "SP02"],
            "created_on": pd.to_datetime(["2024-01-01"] * 4).astype("datetime64[s]"),
        }
    )
    items = pd.DataFrame(
        {
            "item_id": ["I1", "I2", "I3"],
            "product_id": ["P1", "P2", "P3"],
            "name": ["Widget", "Gadget", "Gizmo"],
            "variant": [None, None, None],
            "category": ["Apparel", "Home", "Home"],
            "brand": ["Peak", None, "Peak"],
            "collection": [None, None, None],
            "supplier": ["Acme", "Acme", "Acme"],
            "department": ["Retail", "Retail", "Retail"],
            "item_type": "inventory",
            "made_to_order": False,
        }
    )
    orders = pd.DataFrame(
        {
            "order_id": ["O1", "O2", "O3", "O4", "O5", "O6"],
            "document_type": "invoice",
            "status": ["confirmed", "draft", "confirmed", "confirmed", "confirmed", "confirmed"],
            "order_date": pd.to_datetime(
                ["2025-01-10", "2025-01-20", "2025-03-05", "2025-01-15", "2025-03-20", "2024-12-31"]
            ).astype("datetime64[s]"),
            "customer_id": ["C1", "C1", "C1", "C2", "C3", "C2"],
            "salesperson": ["SP01", "SP01", "SP01", "SP01", "SP02", "SP01"],
            "channel": "phone",
            "source": "direct",
            "device": None,
            "campaign": None,
        }
    )
    lines = pd.DataFrame(
        [
            # order, no, item, quantity, price, discount, vat, incl. VAT, cost, non-inv, status
            ("O1", 1, "I1", 2, 10.0, 0.0, 0.0, False, 6.0, 0.0, "delivered"),
            ("O1", 2, "I2", 1, 30.0, 0.0, 0.0, False, np.nan, 0.0, "delivered"),
            ("O1", 3, "I1", 1, 100.0, 0.0, 0.0, False, 6.0, 0.0, "cancelled"),
            ("O2", 1, "I3", 5, 10.0, 0.0, 0.0, False, 6.0, 0.0, "open"),
            ("O3", 1, "I1", 3, 10.0, 0.1, 0.0, False, 6.0, 2.0, "delivered"),
            ("O3", 2, "I2", 1, 36.0, 0.0, 0.2, True, 20.0, 0.0, "delivered"),
            ("O4", 1, "I3", 1, 57.0, 0.0, 0.0, False, 50.0, 0.0, "delivered"),
            ("O5", 1, "I2", 1, 57.0, 0.0, 0.0, False, 40.0, 0.0, "delivered"),
            ("O6", 1, "I3", 1, 1000.0, 0.0, 0.0, False, 500.0, 0.0, "delivered"),
        ],
        columns=[
            "order_id", "line_no", "item_id", "quantity", "unit_price", "discount_pct",
            "vat_rate", "prices_include_vat", "unit_cost", "cost_non_inv", "status",
        ],
    )  # fmt: skip
    names = dict(zip(items["item_id"], items["name"], strict=True))
    lines = lines.assign(
        item_name=lines["item_id"].map(names),
        sku=lines["item_id"],
        quantity=lines["quantity"].astype(float),
        delivered_on=NAT,
        cancelled_on=NAT,
        returned_on=NAT,
        customisation=None,
    )
    return {
        "salespeople": salespeople,
        "customers": customers,
        "customer_fields": pd.DataFrame(columns=["customer_id", "field", "value"]),
        "items": items,
        "orders": orders,
        "order_lines": lines,
        "payments": pd.DataFrame(
            {"order_id": pd.Series(dtype=str), "paid_on": [], "amount": pd.Series(dtype=float)}
        ),
    }


@pytest.fixture(scope="module")
def frames():
    return build_frames(_tables())


@pytest.fixture(scope="module")
def demo_frames():
    return build_frames(generate(lines=20_000, seed=7, end=date(2026, 11, 21)))


def _month_item(rows: list[tuple]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["month", "item_id", "item_name", *AMOUNT_COLUMNS]).astype(
        {"month": "datetime64[ns]"}
    )


def test_mtx001_customer_month_item_known_answers(frames):
    got = customer_month_item(frames, Q1, "C1")
    # The cancelled £100 line and the draft order (its Gizmo pair has no revenue) are left out;
    # the Gadget sold without a cost has Unknown (NaN) cost, profit, margin and cost price.
    expected = _month_item(
        [
            (JAN, "I2", "Gadget", 30.0, 1.0, np.nan, 0.0, np.nan, np.nan, 0.0, np.nan),
            (JAN, "I1", "Widget", 20.0, 2.0, 12.0, 0.0, 8.0, 0.4, 1.0, 6.0),
            (MAR, "I2", "Gadget", 30.0, 1.0, 20.0, 0.0, 10.0, 1 / 3, 1.0, 20.0),
            (MAR, "I1", "Widget", 27.0, 3.0, 18.0, 2.0, 7.0, 7 / 27, 1.0, 6.0),
        ]
    )
    assert_frame_equal(got, expected, check_dtype=False)
    assert got["month"].dtype.kind == "M"


def test_mtx002_customer_month_item_unknown_customer(frames):
    with pytest.raises(ValueError, match="unknown customer 'C9'"):
        customer_month_item(frames, Q1, "C9")


def test_mtx003_customer_month_item_no_sales_is_empty(frames):
    for got in (
        customer_month_item(frames, Q1, "C4"),  # never ordered
        customer_month_item(frames, Filters(start=date(2025, 2, 1), end=date(2025, 2, 28)), "C1"),
    ):
        assert got.empty
        assert list(got.columns) == ["month", "item_id", "item_name", *AMOUNT_COLUMNS]


def test_mtx004_customer_month_item_applies_the_filters(frames):
    home = customer_month_item(frames, Filters(start=date(2025, 3, 1), categories=("Home",)), "C1")
    assert list(zip(home["month"], home["item_id"], home["sales_amount"], strict=True)) == [
        (MAR, "I2", pytest.approx(30.0))
    ]
    # The filters' own customer list wins: another customer asked for gives nothing.
    assert customer_month_item(frames, Filters(customers=("C2",)), "C1").empty
    both = customer_month_item(frames, Filters(customers=("C1", "C2")), "C2")
    assert list(both["sales_amount"]) == [1000.0, 57.0]  # Dec 2024 and Jan 2025, all data


def test_mtx005_top_customers_by_month_known_matrix(frames):
    got = top_customers_by_month(frames, Q1, n=3)
    expected = pd.DataFrame(
        {
            "customer_name": ["Alpha Ltd", "Beta Ltd", "Gamma Ltd"],
            JAN: [50.0, 57.0, 0.0],
            FEB: [0.0, 0.0, 0.0],  # a month without sales is a column of zeros
            MAR: [57.0, 0.0, 57.0],
            "total": [107.0, 57.0, 57.0],
        },
        index=pd.Index(["C1", "C2", "C3"], name="customer_id"),
    )
    assert_frame_equal(got, expected, check_dtype=False, check_index_type=False)
    assert all(isinstance(c, pd.Timestamp) for c in got.columns[1:-1])


def test_mtx006_top_customers_tie_at_rank_n_broken_by_customer_id(frames):
    # C2 and C3 both sold £57 in the period: rank 2 goes to the smaller ID.
    got = top_customers_by_month(frames, Q1, n=2)
    assert list(got.index) == ["C1", "C2"]
    assert list(got["total"]) == [107.0, 57.0]


def test_mtx007_top_customers_filters_and_customers_without_sales(frames):
    south = top_customers_by_month(frames, Filters(teams=("South",)), n=20)
    assert list(south.index) == ["C3"]  # C4 (South) never ordered: not ranked
    assert south.loc["C3", "total"] == 57.0
    # Whole data: Dec 2024 to Mar 2025; C2's £1000 in December puts it first.
    everything = top_customers_by_month(frames, Filters(), n=20)
    assert list(everything.index) == ["C2", "C1", "C3"]
    assert list(everything.columns[1:-1]) == [pd.Timestamp(2024, 12, 1), JAN, FEB, MAR]
    assert list(everything.loc["C2"].iloc[1:]) == [1000.0, 57.0, 0.0, 0.0, 1057.0]


def test_mtx008_top_customers_empty_period(frames):
    got = top_customers_by_month(frames, Filters(start=date(2025, 2, 1), end=date(2025, 2, 28)))
    assert got.empty
    assert list(got.columns) == ["customer_name", FEB, "total"]


def test_mtx009_matrices_agree_with_the_leaderboard(demo_frames):
    lines_before = demo_frames.lines.copy()
    filters = Filters(start=date(2025, 1, 1), end=date(2025, 12, 31), teams=("North",))
    board = leaderboard(demo_frames, filters)
    board = board[board["sales_amount"] > 0]
    top = top_customers_by_month(demo_frames, filters, n=10)
    assert list(top.index) == list(board["customer_id"][:10])
    np.testing.assert_allclose(top["total"], board["sales_amount"][:10], rtol=1e-12)
    np.testing.assert_allclose(top.iloc[:, 1:-1].sum(axis=1), top["total"], rtol=1e-12)
    assert len(top.columns) == 12 + 2

    first = board.iloc[0]
    mix = customer_month_item(demo_frames, filters, first["customer_id"])
    assert not mix.duplicated(["month", "item_id"]).any()
    assert mix["sales_amount"].sum() == pytest.approx(first["sales_amount"], rel=1e-12)
    assert mix["sales_quantity"].sum() == pytest.approx(first["sales_quantity"], rel=1e-12)
    assert mix["month"].is_monotonic_increasing
    assert_frame_equal(demo_frames.lines, lines_before)  # the cached frames are never mutated


def test_mtx010_top_customers_same_answer_without_the_dense_matrix(
    frames, demo_frames, monkeypatch
):
    """Past DENSE_CELLS customers × months the matrix is built from the top customers' lines only."""
    cases = [(frames, Q1, 2), (frames, Filters(), 20), (demo_frames, Filters(), 20)]
    dense = [top_customers_by_month(f, filters, n) for f, filters, n in cases]
    monkeypatch.setattr(matrix, "DENSE_CELLS", 0)
    for (f, filters, n), expected in zip(cases, dense, strict=True):
        assert_frame_equal(top_customers_by_month(f, filters, n), expected, rtol=1e-12)


@pytest.mark.parametrize("cells", [10, 10**6])  # counted without a sort / with np.unique
def test_mtx011_distinct_matches_numpy_unique(cells):
    key = np.random.default_rng(1).integers(0, 10, 200) * 7 % cells
    values, inverse = distinct_codes(key, cells)
    expected_values, expected_inverse = np.unique(key, return_inverse=True)
    np.testing.assert_array_equal(values, expected_values)
    np.testing.assert_array_equal(inverse, expected_inverse)


def test_mtx010_customer_month_items_table_known_answers(frames):
    """Revenue sums per (customer, month, item), by customer, month, item: the cancelled line
    and the draft order are left out; the Gadget sold without a cost counts in no known sum."""
    dec, jan, mar = 2024 * 12 + 11, 2025 * 12, 2025 * 12 + 2
    expected = pd.DataFrame(
        [
            # customer, month, item, sales, qty, cost, non-inv, known: sales, non-inv, qty, lines; lines
            (0, jan, 0, 20.0, 2.0, 12.0, 0.0, 20.0, 0.0, 2.0, 1, 1),
            (0, jan, 1, 30.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0, 1),
            (0, mar, 0, 27.0, 3.0, 18.0, 2.0, 27.0, 2.0, 3.0, 1, 1),
            (0, mar, 1, 30.0, 1.0, 20.0, 0.0, 30.0, 0.0, 1.0, 1, 1),
            (1, dec, 2, 1000.0, 1.0, 500.0, 0.0, 1000.0, 0.0, 1.0, 1, 1),
            (1, jan, 2, 57.0, 1.0, 50.0, 0.0, 57.0, 0.0, 1.0, 1, 1),
            (2, mar, 1, 57.0, 1.0, 40.0, 0.0, 57.0, 0.0, 1.0, 1, 1),
        ],
        columns=["customer", "month", "item", "sales_amount", "sales_quantity", "cost_amount",
                 "cost_non_inv", "known_sales", "known_non_inv", "known_quantity", "known_lines",
                 "revenue_lines"],
    )  # fmt: skip
    assert_frame_equal(frames.customer_month_items, expected, check_dtype=False)


@pytest.mark.parametrize(
    "customer_id,start,end,expected",
    [
        # whole months: the table only (no line before 10 Jan in January)
        ("C1", date(2025, 1, 1), date(2025, 3, 31), [(JAN, 30), (JAN, 20), (MAR, 30), (MAR, 27)]),
        ("C1", date(2025, 1, 10), date(2025, 3, 31), [(JAN, 30), (JAN, 20), (MAR, 30), (MAR, 27)]),
        # March ends before C3's 20 Mar order: C1's 5 Mar order comes from the lines
        ("C1", date(2025, 1, 1), date(2025, 3, 10), [(JAN, 30), (JAN, 20), (MAR, 30), (MAR, 27)]),
        # January starts after C1's 10 Jan order: C2's 15 Jan order comes from the lines
        ("C2", date(2025, 1, 11), date(2025, 3, 31), [(JAN, 57)]),
        ("C2", date(2024, 12, 1), date(2025, 1, 12), [(pd.Timestamp(2024, 12, 1), 1000)]),
        ("C1", date(2025, 1, 11), date(2025, 3, 4), []),  # between C1's orders
    ],
)
def test_mtx011_partial_months_come_from_the_lines_whole_ones_from_the_table(
    frames, customer_id, start, end, expected
):
    """Whatever mix of table and lines a period takes, the rows are the hand-checked ones the
    period holds (C1: Jan Gadget £30, Widget £20; Mar Gadget £30, Widget £27)."""
    got = customer_month_item(frames, Filters(start=start, end=end), customer_id)
    assert list(zip(got["month"], got["sales_amount"], strict=True)) == [
        (month, pytest.approx(sales)) for month, sales in expected
    ]


@pytest.mark.parametrize(
    "filters",
    [
        Filters(),  # all data: whole months only
        Filters(teams=("North",)),
        Filters(start=date(2025, 1, 15), end=date(2025, 6, 10)),  # partial months at both ends
        Filters(start=date(2025, 3, 5), end=date(2025, 3, 20)),  # within one month
        Filters(start=date(2026, 11, 1)),  # the last month, to the data's last day
        Filters(customer_status=("active",), start=date(2024, 12, 24)),
    ],
    ids=["all", "team", "mid-month", "in-a-month", "last", "active"],
)
def test_mtx012_table_and_line_scan_agree_to_the_last_bit(demo_frames, filters):
    """customer_month_items adds each cell's lines in line order, as the line scan does: the
    same rows, the same floats. (A filter that keeps every line, each document type, makes the
    line scan.)"""
    every_line = replace(filters, document_types=("order", "invoice", "receipt"))
    board = leaderboard(demo_frames, filters)
    for customer_id in board["customer_id"].iloc[[0, 1, len(board) // 2]]:
        fast = customer_month_item(demo_frames, filters, customer_id)
        scanned = customer_month_item(demo_frames, every_line, customer_id)
        assert_frame_equal(fast, scanned, check_exact=True)


def test_mtx013_whole_months_read_no_line(demo_frames, monkeypatch):
    top = leaderboard(demo_frames, Filters())["customer_id"].iat[0]
    expected = customer_month_item(demo_frames, Filters(), top)

    def no_lines(*args):
        raise AssertionError("read the lines")

    monkeypatch.setattr("metrics.matrix._line_month_item_sums", no_lines)
    assert_frame_equal(customer_month_item(demo_frames, Filters(), top), expected)
    assert len(expected) > 100
