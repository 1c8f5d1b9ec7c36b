"""Sales amounts and the missing-cost rules of SPEC §3, on hand-made lines with known answers."""

import math

import pytest

from metrics.amounts import amounts, amounts_by
from metrics.filters import Filters
from metrics.kpis import kpis
from metrics.selection import select
from tests.factory import make_frames

DAY = "2026-03-10"


def line(order_id, **kw):
    return {"order_id": order_id, "order_date": DAY, **kw}


EVERYTHING = Filters()


def total(frames, filters=EVERYTHING):
    return amounts(select(frames, filters)).iloc[0]


def test_amt001_worked_example_vat_included():
    # SPEC §3: VAT 20%, prices include VAT.
    vat = {"vat_rate": 0.2, "prices_include_vat": True}
    frames = make_frames(
        [
            line("O1", quantity=30, unit_price=6, unit_cost=4, **vat),
            line("O1", quantity=25, unit_price=15, unit_cost=10, **vat),
            line("O1", quantity=10, unit_price=30, unit_cost=20, **vat),
        ]
    )
    k = kpis(frames, Filters())
    assert k.sales_amount == pytest.approx(712.50)
    assert k.cost_amount == pytest.approx(570.00)
    assert k.gross_profit == pytest.approx(142.50)
    assert f"{k.gross_profit_margin:.2%}" == "20.00%"
    assert k.cost_coverage == pytest.approx(1.0)


def test_amt002_average_cost_price_example():
    frames = make_frames(
        [
            line("O1", quantity=10, unit_cost=5),
            line("O1", quantity=20, unit_cost=7),
            line("O1", quantity=15, unit_cost=6.5),
        ]
    )
    row = total(frames)
    assert row["cost_amount"] == pytest.approx(287.50)
    assert round(row["average_cost_price"], 2) == 6.39


def test_amt003_discount_and_vat_excluded_prices():
    # 4 × £50 less 10% = £180; VAT on top of the price is not revenue either.
    frames = make_frames(
        [line("O1", quantity=4, unit_price=50, discount_pct=0.1, vat_rate=0.2, unit_cost=20)]
    )
    row = total(frames)
    assert row["sales_amount"] == pytest.approx(180.0)
    assert row["gross_profit"] == pytest.approx(100.0)


@pytest.mark.parametrize("order_status", ["draft", "quote", "abandoned"])
def test_amt004_unconfirmed_orders_are_not_revenue(order_status):
    frames = make_frames(
        [
            line("O1", unit_price=100, unit_cost=40),
            line("O2", unit_price=999, unit_cost=1, order_status=order_status),
        ]
    )
    assert total(frames)["sales_amount"] == pytest.approx(100.0)
    assert total(frames)["cost_amount"] == pytest.approx(40.0)


@pytest.mark.parametrize("status", ["cancelled", "returned"])
def test_amt005_cancelled_and_returned_lines_are_not_revenue(status):
    frames = make_frames(
        [
            line("O1", unit_price=100, unit_cost=40),
            line("O1", unit_price=999, unit_cost=1, status=status),
            line("O1", unit_price=50, unit_cost=10, status="open"),
        ]
    )
    row = total(frames)
    assert row["sales_amount"] == pytest.approx(150.0)
    assert row["sales_quantity"] == 2


def test_amt006_no_cost_at_all_reads_unknown_not_zero():
    frames = make_frames([line("O1", unit_price=100, cost_non_inv=5)])
    k = kpis(frames, Filters())
    assert k.sales_amount == pytest.approx(100.0)
    assert k.cost_amount is None
    assert k.gross_profit is None
    assert k.gross_profit_margin is None
    assert k.cost_coverage == 0.0
    assert k.cost_amount_non_inv == pytest.approx(5.0)


def test_amt007_partial_cost_coverage_leaves_unknown_lines_out():
    frames = make_frames(
        [
            line("O1", quantity=2, unit_price=50, unit_cost=30, cost_non_inv=10),  # £100, cost £60
            line("O1", quantity=1, unit_price=300, cost_non_inv=7),  # £300, no cost
        ]
    )
    row = total(frames)
    assert row["sales_amount"] == pytest.approx(400.0)
    assert row["cost_amount"] == pytest.approx(60.0)
    # profit and margin only over the line with a cost: 100 − 60 − 10
    assert row["gross_profit"] == pytest.approx(30.0)
    assert row["gross_profit_margin"] == pytest.approx(0.30)
    assert row["cost_coverage"] == pytest.approx(0.25)
    assert row["cost_amount_non_inv"] == pytest.approx(17.0)
    assert row["average_cost_price"] == pytest.approx(30.0)


def test_amt008_missing_dimension_is_one_na_row():
    frames = make_frames(
        [
            line("O1", item_id="A", category="Shoes", unit_price=10, unit_cost=5),
            line("O1", item_id="B", category=None, unit_price=20),
            line("O2", item_id="C", category=None, unit_price=30, unit_cost=10),
            line("O2", item_id="D", category="Hats", unit_price=5, status="cancelled"),
        ]
    )
    table = amounts_by(select(frames, Filters()), "category")
    assert list(table["category"]) == ["N/A", "Shoes", "Hats"]
    na = table.iloc[0]
    assert na["sales_amount"] == pytest.approx(50.0)
    assert na["cost_coverage"] == pytest.approx(30 / 50)
    shoes = table.iloc[1]
    assert shoes["gross_profit"] == pytest.approx(5.0)
    hats = table.iloc[2]  # only a cancelled line: zero, and no cost to be unknown about
    assert hats["sales_amount"] == 0 and math.isnan(hats["gross_profit_margin"])


def test_amt009_dimension_filter_selects_na():
    frames = make_frames(
        [
            line("O1", item_id="A", category="Shoes", unit_price=10),
            line("O1", item_id="B", category=None, unit_price=20),
        ]
    )
    assert total(frames, Filters(categories=("N/A",)))["sales_amount"] == pytest.approx(20.0)
    assert total(frames, Filters(categories=("Shoes",)))["sales_amount"] == pytest.approx(10.0)
    assert total(frames, Filters(categories=("Nope",)))["sales_amount"] == 0
