"""The sales reports of SPEC §5 (metrics.reports) on hand-made frames with answers worked out by
hand, the worked examples of SPEC §3 and §5, the rows adding up to the Overview's Sales Amount on
the demo company, and the CSV exports from the command line."""

from __future__ import annotations

import csv
import io
from dataclasses import replace
from datetime import date

import numpy as np
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from data.demo import generate
from data.frames import Frames, build_frames, to_day
from metrics.amounts import amounts_by
from metrics.commission import EVENTS, commission
from metrics.filters import Filters
from metrics.kpis import kpis
from metrics.reports import (
    REPORT_COLUMNS,
    REPORT_FILTERS,
    SALES_REPORTS,
    accepted_filters,
    made_to_order,
    matching_customers,
    matching_products,
    row_filters,
    sales_by_brand,
    sales_by_category,
    sales_by_channel,
    sales_by_collection,
    sales_by_date,
    sales_by_department,
    sales_by_supplier,
    sales_by_user,
    sell_through,
)
from metrics.selection import select
from tests.cli import flask
from tests.factory import make_tables

NAN = float("nan")
EVERYTHING = Filters()
LABELS = {
    "sales-by-date": "date",
    "sales-by-channel": "channel",
    "sales-by-category": "category",
    "sales-by-brand": "brand",
    "sales-by-collection": "collection",
    "sales-by-supplier": "supplier",
    "sales-by-user": "salesperson",
    "sales-by-department": "department",
    "sell-through": "item",
    "made-to-order": "product",
}

# --- the hand-made company --------------------------------------------------------------------
#
# Items: I1 "Tee Red" and I2 "Tee Blue" (product P1), I3, I4, I5 (only on a draft) and SKU-OLD, a
# deleted item sold as "Old Lamp". Revenue lines (confirmed orders, not cancelled / returned):
#   L1 O1 02 Mar C1 web    SP1 I1 2 × £10 cost £4   Tools  Acme Spring S1  Retail
#   L2 O1 02 Mar C1 web    SP1 I2 1 × £30 no cost   Tools  -    -      S1  Trade
#   L3 O2 03 Mar C2 London SP1 I3 1 × £50 cost £20  -      Zeta Spring -   -
#   L4 O3 10 Mar C1 -      SP2 I4 1 × £40 no cost   Garden Zeta -      S2  Retail
#   L5 O6 01 Apr C3 Amazon -   I1 1 × £10 cost £4   Tools  Acme Spring S1  Retail
#   L6 O6 01 Apr C3 Amazon -   SKU-OLD 1 × £25 cost £15 (deleted: every dimension N/A)
# Not revenue: O4 (draft, I5 × £999) and O5 (its only line cancelled, SP2, I1 £10).
ITEM = {
    "I1": {"category": "Tools", "brand": "Acme", "collection": "Spring", "supplier": "S1",
           "department": "Retail"},
    "I2": {"category": "Tools", "supplier": "S1", "department": "Trade"},
    "I3": {"brand": "Zeta", "collection": "Spring"},
    "I4": {"category": "Garden", "brand": "Zeta", "supplier": "S2", "department": "Retail"},
    "I5": {"category": "Garden", "brand": "Zeta", "supplier": "S2", "department": "Retail"},
    "SKU-OLD": {},
}  # fmt: skip
SALESPEOPLE = [
    {"code": "SP1", "name": "Sam", "team": "North", "commission_rate": 0.10,
     "commission_basis": "items_sold"},
    {"code": "SP2", "name": "Pat", "team": "South", "commission_rate": 0.05,
     "commission_basis": "items_delivered"},
]  # fmt: skip


def line(order_id, day, customer, item, **kw):
    return {"order_id": order_id, "order_date": day, "customer_id": customer, "item_id": item,
            **ITEM[item], **kw}  # fmt: skip


HAND_LINES = [
    line("O1", "2026-03-02", "C1", "I1", quantity=2, unit_price=10, unit_cost=4),
    line("O1", "2026-03-02", "C1", "I2", unit_price=30),
    line("O2", "2026-03-03", "C2", "I3", unit_price=50, unit_cost=20, channel="London"),
    line("O3", "2026-03-10", "C1", "I4", unit_price=40, channel=None, salesperson="SP2"),
    line("O4", "2026-03-10", "C2", "I5", unit_price=999, unit_cost=1, order_status="draft"),
    line("O5", "2026-03-11", "C3", "I1", unit_price=10, status="cancelled", salesperson="SP2"),
    line("O6", "2026-04-01", "C3", "I1", unit_price=10, unit_cost=4, channel="Amazon",
         salesperson=None),
    line("O6", "2026-04-01", "C3", "SKU-OLD", unit_price=25, unit_cost=15, channel="Amazon",
         salesperson=None),
]  # fmt: skip


@pytest.fixture(scope="module")
def hand() -> Frames:
    tables = make_tables(HAND_LINES, salespeople=SALESPEOPLE)
    items = tables["items"]
    items = items[items["item_id"] != "SKU-OLD"].copy()  # deleted since it was sold
    items.loc[items["item_id"].isin(["I1", "I2"]), "product_id"] = "P1"
    items.loc[items["item_id"] == "I1", ["name", "variant"]] = ["Tee Red", "Red"]
    items.loc[items["item_id"] == "I2", ["name", "variant"]] = ["Tee Blue", "Blue"]
    tables["items"] = items
    sold = tables["order_lines"]
    sold.loc[sold["item_id"] == "SKU-OLD", "item_name"] = "Old Lamp"
    return build_frames(tables)


def rows(table: pd.DataFrame, *columns: str) -> list[tuple]:
    """The table's rows over `columns`, floats rounded to 6 places (NaN stays NaN)."""
    return [
        tuple(round(v, 6) if isinstance(v, float) else v for v in r)
        for r in table[list(columns)].itertuples(index=False, name=None)
    ]


def same(actual: list[tuple], expected: list[tuple]) -> bool:
    """Row lists equal, NaN equal to NaN."""

    def eq(a, b) -> bool:
        return a == b or (pd.isna(a) and pd.isna(b))

    return len(actual) == len(expected) and all(
        len(r) == len(e) and all(eq(a, b) for a, b in zip(r, e, strict=True))
        for r, e in zip(actual, expected, strict=True)
    )


KEY = ("sales_amount", "sales_quantity", "orders", "customers", "cost_amount", "gross_profit")


def test_rep001_sales_by_category_every_column(hand):
    table = sales_by_category(hand, EVERYTHING)
    expected = pd.DataFrame(
        {
            "category": ["N/A", "Tools", "Garden"],  # N/A: I3 and the deleted item
            "sales_amount": [75.0, 60.0, 40.0],
            "sales_quantity": [2.0, 4.0, 1.0],
            "orders": [2, 2, 1],  # O5 (cancelled) and O4 (draft) are not revenue
            "customers": [2, 2, 1],
            "cost_amount": [35.0, 12.0, NAN],  # Garden: no line has a cost → Unknown
            "gross_profit": [40.0, 18.0, NAN],  # Tools: £30 with a cost − £12
            "gross_profit_margin": [40 / 75, 0.6, NAN],
            "average_cost_price": [17.5, 4.0, NAN],
            "cost_coverage": [1.0, 0.5, 0.0],
        }
    )
    assert_frame_equal(table, expected, check_dtype=False)
    assert table["orders"].dtype == np.int64 and list(table.columns[1:]) == list(REPORT_COLUMNS)


def test_rep001_amount_columns_match_amounts_by(hand):
    for column, report in [("category", sales_by_category), ("brand", sales_by_brand)]:
        mine = report(hand, EVERYTHING).set_index(column)
        theirs = amounts_by(select(hand, EVERYTHING), column).set_index(column)
        theirs = theirs[theirs["sales_amount"] > 0].loc[mine.index]
        shared = [c for c in REPORT_COLUMNS if c in theirs]
        assert_frame_equal(mine[shared], theirs[shared])


@pytest.mark.parametrize(
    "report,label,expected",
    [
        (sales_by_brand, "brand", [
            ("Zeta", 90.0, 2.0, 2, 2, 20.0, 30.0),
            ("N/A", 55.0, 2.0, 2, 2, 15.0, 10.0),  # I2 has no brand; the deleted item neither
            ("Acme", 30.0, 3.0, 2, 2, 12.0, 18.0),
        ]),
        (sales_by_collection, "collection", [
            ("N/A", 95.0, 3.0, 3, 2, 15.0, 10.0),
            ("Spring", 80.0, 4.0, 3, 3, 32.0, 48.0),
        ]),
        (sales_by_supplier, "supplier", [
            ("N/A", 75.0, 2.0, 2, 2, 35.0, 40.0),
            ("S1", 60.0, 4.0, 2, 2, 12.0, 18.0),
            ("S2", 40.0, 1.0, 1, 1, NAN, NAN),
        ]),
        (sales_by_department, "department", [
            ("N/A", 75.0, 2.0, 2, 2, 35.0, 40.0),
            ("Retail", 70.0, 4.0, 3, 2, 12.0, 18.0),
            ("Trade", 30.0, 1.0, 1, 1, NAN, NAN),  # Unknown cost
        ]),
        (sales_by_channel, "channel", [
            ("London", 50.0, 1.0, 1, 1, 20.0, 30.0),  # tie with web: by name
            ("web", 50.0, 3.0, 1, 1, 8.0, 12.0),
            ("N/A", 40.0, 1.0, 1, 1, NAN, NAN),  # O3 has no channel
            ("Amazon", 35.0, 2.0, 1, 1, 19.0, 16.0),
        ]),
    ],
)  # fmt: skip
def test_rep002_dimension_reports(hand, report, label, expected):
    table = report(hand, EVERYTHING)
    assert table.columns[0] == label
    assert same(rows(table, label, *KEY), expected), rows(table, label, *KEY)


def test_rep003_sales_by_date_day_week_month(hand):
    days = sales_by_date(hand, EVERYTHING)  # 2 Mar .. 1 Apr: every day, zeros included
    assert len(days) == 31 and days["date"].iloc[0] == "2026-03-02"
    sold = days[days["sales_amount"] > 0]
    assert same(
        rows(sold, "date", *KEY),
        [
            ("2026-03-02", 50.0, 3.0, 1, 1, 8.0, 12.0),
            ("2026-03-03", 50.0, 1.0, 1, 1, 20.0, 30.0),
            ("2026-03-10", 40.0, 1.0, 1, 1, NAN, NAN),
            ("2026-04-01", 35.0, 2.0, 1, 1, 19.0, 16.0),
        ],
    )
    weeks = sales_by_date(hand, EVERYTHING, by="week")
    assert same(
        rows(weeks, "date", "sales_amount", "orders", "customers"),
        [("2026-03-02", 100.0, 2, 2), ("2026-03-09", 40.0, 1, 1), ("2026-03-16", 0.0, 0, 0),
         ("2026-03-23", 0.0, 0, 0), ("2026-03-30", 35.0, 1, 1)],
    )  # fmt: skip
    # a period starting mid-month: the row is labelled by the month's first day
    months = sales_by_date(hand, Filters(start=date(2026, 3, 3)), by="month")
    assert same(
        rows(months, "date", "sales_amount", "orders", "customers"),
        [("2026-03-01", 90.0, 2, 2), ("2026-04-01", 35.0, 1, 1)],
    )
    with pytest.raises(ValueError, match="unknown date grouping"):
        sales_by_date(hand, EVERYTHING, by="fortnight")


def test_rep004_sell_through_by_item_with_a_deleted_item(hand):
    table = sell_through(hand, EVERYTHING)
    assert list(table["item"]) == ["I3", "I4", "I1", "I2", "SKU-OLD"]
    old = table.set_index("item").loc["SKU-OLD"]
    # reported under its SKU and as-sold name, with N/A for its dimensions
    assert old["name"] == "Old Lamp" and old["brand"] == "N/A" and old["category"] == "N/A"
    assert not old["in_catalogue"] and old["product"] == "SKU-OLD"
    assert (old["sales_amount"], old["cost_amount"], old["orders"]) == (25.0, 15.0, 1)
    i1 = table.set_index("item").loc["I1"]
    assert (i1["name"], i1["variant"], i1["product"], i1["brand"]) == (
        "Tee Red",
        "Red",
        "P1",
        "Acme",
    )
    assert (i1["sales_amount"], i1["orders"], i1["customers"]) == (30.0, 2, 2)


def test_rep004_sell_through_unsold_and_combined_variants(hand):
    unsold = sell_through(hand, EVERYTHING, include_unsold=True)
    assert list(unsold["item"]) == ["I3", "I4", "I1", "I2", "SKU-OLD", "I5"]  # I5: draft only
    assert rows(unsold.tail(1), "sales_amount", "orders", "customers") == [(0.0, 0, 0)]
    garden = sell_through(hand, Filters(categories=("Garden",)), include_unsold=True)
    assert list(garden["item"]) == ["I4", "I5"]  # unsold items obey the item filters too
    products = sell_through(hand, EVERYTHING, combine_variants=True)
    assert list(products.columns[:3]) == ["product", "name", "variants"]
    assert same(
        rows(products, "product", "name", "variants", "sales_amount", "orders", "customers"),
        [("P1", "Tee", 2, 60.0, 2, 2), ("I3", "Item I3", 1, 50.0, 1, 1),
         ("I4", "Item I4", 1, 40.0, 1, 1), ("SKU-OLD", "Old Lamp", 1, 25.0, 1, 1)],
    )  # fmt: skip


def test_rep005_average_cost_price_worked_example():
    # SPEC §3: 10 × £5, 20 × £7, 15 × £6.50 → £287.50 / 45 = £6.39
    lines = [
        {"order_id": "O1", "order_date": "2026-03-10", "brand": "Acme", "item_id": item,
         "quantity": q, "unit_price": 9.0, "unit_cost": c}
        for item, q, c in [("A", 10, 5.0), ("B", 20, 7.0), ("C", 15, 6.5)]
    ]  # fmt: skip
    frames = build_frames(make_tables(lines))
    row = sales_by_brand(frames, EVERYTHING).iloc[0]
    assert row["brand"] == "Acme" and row["cost_amount"] == pytest.approx(287.50)
    assert f"£{row['average_cost_price']:.2f}" == "£6.39"


def test_rep006_sales_by_user(hand):
    table = sales_by_user(hand, EVERYTHING)
    assert list(table["salesperson"]) == ["SP1", "SP2"]  # O6 has no salesperson: omitted
    sp1, sp2 = (table.iloc[i] for i in (0, 1))
    # order-dated amounts: SP1 took O1 and O2 (£100), SP2 O3 (£40, no cost) and O5 (cancelled)
    assert same(rows(table, *KEY), [(100.0, 4.0, 2, 2, 28.0, 42.0), (40.0, 1.0, 1, 1, NAN, NAN)])
    # events: every line of a confirmed order is sold on its order date, O5's line cancelled
    assert (sp1["sold"], sp1["cancelled"], sp1["delivered"]) == (100.0, 0.0, 100.0)
    assert (sp2["sold"], sp2["cancelled"], sp2["delivered"]) == (50.0, 10.0, 40.0)
    assert (sp1["adjusted_sales"], sp1["commission"]) == (100.0, pytest.approx(10.0))
    assert (sp2["adjusted_sales"], sp2["commission"]) == (40.0, pytest.approx(2.0))
    assert sp1["salesperson_name"] == "Sam" and sp2["commission_basis"] == "items_delivered"
    # the rows add up to the Overview's Sales Amount less the orders without a salesperson (O6)
    assert table["sales_amount"].sum() == pytest.approx(kpis(hand, EVERYTHING).sales_amount - 35)
    only = sales_by_user(hand, EVERYTHING, salesperson="SP2")
    assert list(only["salesperson"]) == ["SP2"]


def test_rep006_commission_worked_example_through_sales_by_user():
    # SPEC §5: £100 (placed 1 Sep, delivered 5 Oct, returned 20 Oct), £150 (3 Oct, delivered
    # 7 Oct, returned 15 Oct), £200 (10 Oct, delivered 12 Oct); 1–20 Oct, 10%, items_delivered.
    orders = [("A", "2025-09-01", 100.0, "returned", "2025-10-05", "2025-10-20"),
              ("B", "2025-10-03", 150.0, "returned", "2025-10-07", "2025-10-15"),
              ("C", "2025-10-10", 200.0, "delivered", "2025-10-12", None)]  # fmt: skip
    tables = make_tables(
        [{"order_id": o, "order_date": d, "unit_price": p, "status": s} for o, d, p, s, _, _ in orders],
        salespeople=[{"code": "SP1", "name": "Sam", "team": "North", "commission_rate": 0.10,
                      "commission_basis": "items_delivered"}],
    )  # fmt: skip
    sold = tables["order_lines"]
    sold["delivered_on"] = pd.to_datetime([o[4] for o in orders]).astype("datetime64[s]")
    sold["returned_on"] = pd.to_datetime([o[5] for o in orders]).astype("datetime64[s]")
    frames = build_frames(tables)
    row = sales_by_user(frames, Filters(start=date(2025, 10, 1), end=date(2025, 10, 20))).iloc[0]
    assert (row["delivered"], row["returned"]) == (450.0, 250.0)
    assert row["adjusted_sales"] == pytest.approx(200.0)  # £450 − £250
    assert row["commission"] == pytest.approx(20.0)
    assert row["sales_amount"] == 200.0 and row["orders"] == 1  # by order date: C (B returned)


def with_customisations(frames: Frames, texts: dict[tuple[str, int], str]) -> Frames:
    """The frames with the line column `customisation` (proposed for data.frames), from
    {(order_id, line_no): text}."""
    order_id = frames.orders["order_id"].to_numpy()[frames.lines["order"].to_numpy()]
    keys = zip(order_id, frames.lines["line_no"], strict=True)
    values = [texts.get((o, int(n))) for o, n in keys]
    return replace(frames, lines=frames.lines.assign(customisation=pd.Categorical(values)))


@pytest.fixture(scope="module")
def bespoke() -> Frames:
    # I7 and I8: made-to-order variants of P7; I9 an ordinary item; GONE a deleted item that was
    # customised when sold.
    lines = [
        {"order_id": "M1", "customer_id": "C1", "item_id": "I7", "unit_price": 100, "unit_cost": 60},
        {"order_id": "M1", "customer_id": "C1", "item_id": "I7", "unit_price": 100, "unit_cost": 60,
         "quantity": 2},
        {"order_id": "M2", "customer_id": "C2", "item_id": "I8", "unit_price": 120},
        {"order_id": "M3", "customer_id": "C2", "item_id": "I7", "unit_price": 100, "unit_cost": 60},
        {"order_id": "M3", "customer_id": "C2", "item_id": "I9", "unit_price": 10},
        {"order_id": "M4", "customer_id": "C3", "item_id": "GONE", "unit_price": 30},
    ]  # fmt: skip
    tables = make_tables([{"order_date": "2026-05-04", **x} for x in lines])
    items = tables["items"]
    items = items[items["item_id"] != "GONE"].copy()
    items.loc[items["item_id"].isin(["I7", "I8"]), ["product_id", "made_to_order"]] = ["P7", True]
    tables["items"] = items
    frames = build_frames(tables)
    custom = {("M1", 1): "Oak", ("M1", 2): "Walnut", ("M2", 1): "Oak", ("M4", 1): "Engraved"}
    return with_customisations(frames, custom)


def test_rep007_made_to_order_product_by_customisation(bespoke):
    table = made_to_order(bespoke, EVERYTHING)
    assert list(table.columns[:3]) == ["product", "customisation", "name"]
    assert same(
        rows(table, "product", "customisation", "sales_amount", "orders", "customers",
             "cost_amount", "gross_profit", "cost_coverage"),
        [("P7", "Oak", 220.0, 2, 2, 60.0, 40.0, round(100 / 220, 6)),
         ("P7", "Walnut", 200.0, 1, 1, 120.0, 80.0, 1.0),
         ("P7", "N/A", 100.0, 1, 1, 60.0, 40.0, 1.0),  # made to order, sold without options
         ("GONE", "Engraved", 30.0, 1, 1, NAN, NAN, 0.0)],
    )  # fmt: skip
    everything = made_to_order(bespoke, EVERYTHING, all_products=True)
    assert rows(everything.tail(1), "product", "customisation", "sales_amount") == [
        ("I9", "N/A", 10.0)
    ]
    assert everything["sales_amount"].sum() == pytest.approx(kpis(bespoke, EVERYTHING).sales_amount)
    oak = matching_customers(bespoke, EVERYTHING, product="P7", customisation="Oak")
    assert rows(oak, "customer_id", "sales_amount") == [("C2", 120.0), ("C1", 100.0)]


def test_rep007_made_to_order_without_the_customisation_column(bespoke):
    frames = replace(bespoke, lines=bespoke.lines.drop(columns="customisation"))
    table = made_to_order(frames, EVERYTHING)  # today's frames: every combination is N/A
    assert rows(table, "product", "customisation", "sales_amount") == [("P7", "N/A", 520.0)]


def test_rep008_matching_customers_and_products_behind_rows(hand):
    tools = row_filters(hand, "sales-by-category", {"category": "Tools"}, EVERYTHING)
    assert tools == (Filters(categories=("Tools",)), {})
    customers = matching_customers(hand, *tools[:1], **tools[1])
    assert list(customers.columns[:2]) == ["customer_id", "customer_name"]
    assert rows(customers, "customer_id", "sales_amount", "orders") == [("C1", 50.0, 1), ("C3", 10.0, 1)]  # fmt: skip
    # Sales by User → the customers of the orders SP1 took
    _, keywords = row_filters(hand, "sales-by-user", {"salesperson": "SP1"}, EVERYTHING)
    assert rows(matching_customers(hand, EVERYTHING, **keywords), "customer_id") == [("C1",), ("C2",)]  # fmt: skip
    # a week of Sales by Date, within the report's period
    week, _ = row_filters(hand, "sales-by-date", {"date": "2026-03-30"}, EVERYTHING, by="week")
    assert (week.start, week.end) == (date(2026, 3, 30), date(2026, 4, 1))
    month, _ = row_filters(hand, "sales-by-date", {"date": "2026-03-01"}, EVERYTHING, by="month")
    assert (month.start, month.end) == (date(2026, 3, 2), date(2026, 3, 31))
    assert rows(matching_customers(hand, week), "customer_id") == [("C3",)]
    products = matching_products(hand, Filters(brands=("N/A",)))
    assert rows(products, "product", "sales_amount") == [("P1", 30.0), ("SKU-OLD", 25.0)]
    # Sales by User → Sales by Category for that user; Sales by Department's "user"
    assert rows(sales_by_category(hand, EVERYTHING, salesperson="SP2"), "category") == [("Garden",)]
    assert rows(sales_by_department(hand, EVERYTHING, salesperson=("SP2",)), "department") == [
        ("Retail",)
    ]


def test_rep008_accepted_filters():
    wide = Filters(start=date(2026, 1, 1), channels=("web",), brands=("Acme",), teams=("North",))
    assert accepted_filters("sales-by-channel", wide) == Filters(start=date(2026, 1, 1))
    assert accepted_filters("sales-by-brand", wide) == replace(wide, brands=())
    assert accepted_filters("sell-through", wide) == wide
    assert set(REPORT_FILTERS) == set(SALES_REPORTS)


def test_rep009_empty_selection_gives_empty_tables(hand):
    nothing = Filters(start=date(2020, 1, 1), end=date(2020, 1, 31))
    for name, report in SALES_REPORTS.items():
        table = report(hand, nothing)
        assert table.columns[0] == LABELS[name]
        assert table["sales_amount"].sum() == 0.0
        if name != "sales-by-date":
            assert table.empty, name


# --- the demo company ---------------------------------------------------------------------------

DEMO_FILTERS = [
    Filters(),
    Filters(start=date(2026, 1, 1), end=date(2026, 6, 30), channels=("web", "Amazon")),
    Filters(start=date(2025, 3, 1), end=date(2025, 9, 30), brands=("N/A", "Quill"),
            salespeople=("SP01", "SP02", "SP03")),
    Filters(start=date(2025, 1, 1), end=date(2025, 12, 31), order_amount_min=100.0,
            customer_status=("active",), sources=("google", "direct")),
]  # fmt: skip


@pytest.fixture(scope="module")
def demo() -> Frames:
    return build_frames(generate(lines=20_000, seed=7, end=date(2026, 11, 21)))


@pytest.mark.parametrize("filters", DEMO_FILTERS)
def test_rep010_every_report_adds_up_to_the_overview(demo, filters):
    overview = kpis(demo, filters).sales_amount
    assert overview > 0
    for name, report in SALES_REPORTS.items():
        table = report(demo, filters)
        total = table["sales_amount"].sum()
        if name == "sales-by-user":  # order-dated amounts of the orders with a salesperson
            by_seller = amounts_by(select(demo, filters), "salesperson").set_index("salesperson")
            assert total == pytest.approx(overview - by_seller.loc["N/A", "sales_amount"])
        elif name == "made-to-order":  # made-to-order lines only
            assert 0 < total < overview
        else:
            assert total == pytest.approx(overview, rel=1e-9), name
    for by in ("week", "month"):
        assert sales_by_date(demo, filters, by=by)["sales_amount"].sum() == pytest.approx(overview)
    for options in ({"combine_variants": True}, {"include_unsold": True}):
        assert sell_through(demo, filters, **options)["sales_amount"].sum() == pytest.approx(
            overview
        )
    assert made_to_order(demo, filters, all_products=True)["sales_amount"].sum() == pytest.approx(
        overview
    )


def test_rep010_matching_customers_add_up_to_their_row(demo):
    filters = DEMO_FILTERS[1]
    for name, report in SALES_REPORTS.items():
        for _, row in report(demo, filters).head(3).iterrows():
            if row["sales_amount"] == 0:
                continue
            narrowed, keywords = row_filters(demo, name, row, filters)
            customers = matching_customers(demo, narrowed, **keywords)
            assert customers["sales_amount"].sum() == pytest.approx(row["sales_amount"]), name
            assert len(customers) == row["customers"], name
            products = matching_products(demo, narrowed, **keywords)
            assert products["sales_amount"].sum() == pytest.approx(row["sales_amount"]), name


def test_rep011_sales_by_user_events_follow_the_order_filters(demo):
    year = Filters(start=date(2025, 1, 1), end=date(2025, 12, 31))
    table = sales_by_user(demo, year).set_index("salesperson")
    pay = commission(demo.events, demo.salespeople, to_day(year.start), to_day(year.end))
    pay = pay.set_index("salesperson").loc[table.index]
    assert_frame_equal(table[list(EVENTS) + ["adjusted_sales", "commission"]],
                       pay[list(EVENTS) + ["adjusted_sales", "commission"]])  # fmt: skip
    # "sold" of the web orders: every line of a confirmed web order placed in the year
    web = sales_by_user(demo, replace(year, channels=("web",))).set_index("salesperson")
    lines = demo.lines
    day = lines["day"].to_numpy()
    mine = (
        (day >= to_day(year.start)) & (day <= to_day(year.end))
        & (lines["channel"] == "web").to_numpy() & (lines["order_status"] == "confirmed").to_numpy()
    )  # fmt: skip
    expected = lines[mine].groupby("salesperson", observed=True)["sales_amount"].sum()
    assert web["sold"].to_dict() == pytest.approx(expected.reindex(web.index).to_dict())
    assert (web["sold"] < table.loc[web.index, "sold"]).all()


# --- the command line ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    url = f"sqlite:///{tmp_path_factory.mktemp('reports') / 'sales.db'}"
    assert flask(url, "init-demo", "--lines", "3000", "--end", "2026-06-30").returncode == 0
    return url


def export(db: str, name: str, *args: str) -> list[dict]:
    result = flask(db, "export", name, "--headers", "fields", *args)
    assert result.returncode == 0, result.stderr
    return list(csv.DictReader(io.StringIO(result.stdout)))


def test_rep012_cli_exports_every_report(db):
    period = ("--from", "2026-01-01", "--to", "2026-06-30")
    overview = float(export(db, "kpis", *period)[0]["sales_amount"])
    for name in SALES_REPORTS:
        table = export(db, name, *period, "--as", "leader")
        assert table, name
        assert list(table[0])[0] == LABELS[name]
        assert set(REPORT_COLUMNS) <= set(table[0]), name
        total = sum(float(r["sales_amount"]) for r in table)
        if name in ("sales-by-user", "made-to-order"):
            assert 0 < total < overview, name
        else:
            assert total == pytest.approx(overview, abs=1e-3), name
    unknown = [r for r in export(db, "sales-by-category", *period) if r["cost_amount"] == ""]
    assert all(r["gross_profit"] == "" for r in unknown)  # Unknown is empty, never 0


def test_rep012_cli_export_as_a_salesperson_is_scoped(db):
    mine = sum(float(r["sales_amount"]) for r in export(db, "sales-by-category", "--as", "sales"))
    everyone = float(export(db, "kpis")[0]["sales_amount"])
    brands = export(db, "sales-by-brand", "--as", "sales")
    assert 0 < mine < everyone
    assert sum(float(r["sales_amount"]) for r in brands) == pytest.approx(mine, abs=1e-3)
    result = flask(db, "export", "--help")
    assert "sales-by-category" in result.stdout and "made-to-order" in result.stdout
