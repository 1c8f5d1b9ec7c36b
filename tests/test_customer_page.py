"""The customer page metrics on hand-made frames with answers worked out by hand."""

from datetime import date

import numpy as np
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from data.frames import build_frames, to_day
from metrics.customer_page import (
    CROSS_SELL_COLUMNS,
    LAPSED_COLUMNS,
    cross_sell_gaps,
    customer_header,
    items_bought_most,
    lapsed_items,
    money_words,
    monthly_trend,
    order_lines,
    recent_orders,
)
from metrics.filters import Filters
from tests.factory import make_frames, make_tables
from views.customer import customer_sections
from views.view import parse


def buy(day, item, customer="C1", order_id=None, **kw):
    """One line; its own order unless order_id is given."""
    order_id = order_id or f"{customer}-{item}-{day}"
    return {"order_id": order_id, "order_date": day, "customer_id": customer, "item_id": item, **kw}


def dates(*values):
    return pd.to_datetime(list(values)).astype("datetime64[ns]")


# ---------------------------------------------------------------- lapsed items

AS_OF = to_day(date(2026, 2, 15))


@pytest.fixture
def regular():
    """C1's buying history; as of 15 Feb 2026:
    A: 21 Jan 2025 (£1000), 22 Jan 2025 (£5), 1/11/21 Jan 2026 (1, 2, 3 × £20), and 20 Feb 2026
       (after the day) — gaps 1, 344, 10, 10 → median 10; 25 days since > 20 → lapsed, overdue 15;
       the year to 21 Jan 2026 holds 22 Jan 2025 onwards: 5 + 20 + 40 + 60 = £125.
    B: 1 Jan, 31 Jan, 10 Feb — gaps 30, 10 → median 20; 5 days since → not lapsed.
    C: two dates only → not regular.
    D: two confirmed dates, a draft and a cancelled line → not regular.
    E, F: 1/11/21 Oct 2025 at £20 → median 10, 117 days since → lapsed, £60 a year each (a tie).
    G: 6/16/26 Jan 2026 → median 10, 20 days since = exactly 2× → not lapsed.
    I: three orders on one day → one date → not regular.
    C2: a single order.
    """
    lines = [
        buy("2025-01-21", "A", unit_price=1000),
        buy("2025-01-22", "A", unit_price=5),
        buy("2026-01-01", "A", quantity=1, unit_price=20),
        buy("2026-01-11", "A", quantity=2, unit_price=20),
        buy("2026-01-21", "A", quantity=3, unit_price=20),
        buy("2026-02-20", "A", unit_price=20),
        *(buy(d, "B") for d in ("2026-01-01", "2026-01-31", "2026-02-10")),
        *(buy(d, "C") for d in ("2025-01-01", "2025-01-05")),
        buy("2025-06-01", "D"),
        buy("2025-06-11", "D"),
        buy("2025-06-21", "D", order_status="draft"),
        buy("2025-07-01", "D", status="cancelled"),
        *(buy(d, "F", unit_price=20) for d in ("2025-10-01", "2025-10-11", "2025-10-21")),
        *(buy(d, "E", unit_price=20) for d in ("2025-10-01", "2025-10-11", "2025-10-21")),
        *(buy(d, "G") for d in ("2026-01-06", "2026-01-16", "2026-01-26")),
        *(buy("2025-05-01", "I", order_id=f"I{n}") for n in range(3)),
        buy("2025-12-01", "A", customer="C2", unit_price=70),
    ]
    return make_frames(lines)


def test_cpg001_lapsed_items_known_answer_with_tie(regular):
    # C1's last revenue day up to 15 Feb is 10 Feb (B). E and F stopped early: 10 Feb − 21 Oct
    # = 112 days > 2 × 10; A did not: 10 Feb − 21 Jan = 20, not more than 20. Early ones first.
    kept_on = ", though they kept buying other things until 10 Feb 2026"
    expected = pd.DataFrame(
        {
            "product_id": ["E", "F", "A"],
            "product_name": ["Item E", "Item F", "Item A"],
            "variants": ["", "", ""],
            "orders": np.array([3, 3, 5], dtype=np.int64),
            "median_gap_days": [10.0, 10.0, 10.0],
            "last_bought": dates("2025-10-21", "2025-10-21", "2026-01-21"),
            "days_since": np.array([117, 117, 25], dtype=np.int64),
            "overdue_days": [107.0, 107.0, 15.0],
            "yearly_sales_amount": [60.0, 60.0, 125.0],
            "stopped_early": [True, True, False],
            "evidence": [
                "bought every ~10 days until 21 Oct 2025; none since" + kept_on,
                "bought every ~10 days until 21 Oct 2025; none since" + kept_on,
                "bought every ~10 days until 21 Jan 2026; none since",
            ],
        }
    )
    assert_frame_equal(lapsed_items(regular, "C1", AS_OF), expected, check_dtype=False)
    assert str(lapsed_items(regular, "C1", AS_OF)["last_bought"].dtype).startswith("datetime64")


def test_cpg002_lapsed_items_single_order_customer_is_empty(regular):
    table = lapsed_items(regular, "C2", AS_OF)
    assert table.empty
    assert tuple(table.columns) == LAPSED_COLUMNS


def test_cpg003_lapsed_items_as_of_an_earlier_day(regular):
    # on 1 Feb 2026 A's last date is 21 Jan: 11 days since ≤ 20 → not lapsed; E and F still are.
    table = lapsed_items(regular, "C1", to_day(date(2026, 2, 1)))
    assert list(table["product_id"]) == ["E", "F"]
    assert list(table["days_since"]) == [103, 103]


def test_cpg004_unknown_customer_raises(regular):
    for call in (
        lambda: lapsed_items(regular, "NOPE", AS_OF),
        lambda: cross_sell_gaps(regular, "NOPE", AS_OF),
        lambda: items_bought_most(regular, "NOPE", Filters()),
        lambda: recent_orders(regular, "NOPE"),
        lambda: monthly_trend(regular, "NOPE", AS_OF),
    ):
        with pytest.raises(ValueError, match="unknown customer"):
            call()


# ---------------------------------------------------------------- cross-sell gaps


@pytest.fixture
def group():
    """Retail: C1..C6; Solo: C7 alone; C8 has no group. The year to 15 Feb 2026 starts 16 Feb 2025.
    C1: A (£50), a cancelled Y, a Z after the day. C2: a single order of X (£100), a draft V.
    C3: X £300, Y £400, A £50. C4: X £200 (+ £999 before the year), Z £1000, A £70.
    C5: Y £200 and A £60 on the last day of the year, a cancelled W. C6: only before the year (W).
    """
    lines = [
        buy("2026-01-10", "A", "C1", unit_price=50),
        buy("2026-01-10", "Y", "C1", status="cancelled"),
        buy("2026-03-01", "Z", "C1"),
        buy("2026-01-05", "X", "C2", unit_price=100),
        buy("2026-01-06", "V", "C2", order_status="draft"),
        buy("2025-06-01", "X", "C3", unit_price=300),
        buy("2025-07-01", "Y", "C3", order_id="C3-7", unit_price=400),
        buy("2025-07-01", "A", "C3", order_id="C3-7", unit_price=50),
        buy("2024-06-01", "X", "C4", unit_price=999),
        buy("2025-12-01", "X", "C4", order_id="C4-12", unit_price=200),
        buy("2025-12-01", "Z", "C4", order_id="C4-12", unit_price=1000),
        buy("2025-12-01", "A", "C4", order_id="C4-12", unit_price=70),
        buy("2026-02-15", "Y", "C5", order_id="C5-2", unit_price=200),
        buy("2026-02-15", "A", "C5", order_id="C5-2", unit_price=60),
        buy("2026-02-15", "W", "C5", order_id="C5-2", status="cancelled"),
        buy("2024-06-01", "W", "C6", unit_price=500),
        buy("2026-01-01", "X", "C7"),
        buy("2026-01-01", "X", "C8"),
    ]
    groups = {**{f"C{n}": "Retail" for n in range(1, 7)}, "C7": "Solo", "C8": None}
    customers = [
        {"customer_id": c, "name": f"Shop {c}", "customer_group": g} for c, g in groups.items()
    ]
    return make_frames(lines, customers=customers)


def test_cpg010_cross_sell_gaps_known_answer_with_tie(group):
    # Denominator: C2..C5 (C6 bought nothing in the year) = 4. A is out: C1 bought it.
    # Z: 1/4 × 1000 = 250; X: 3/4 × median(100, 300, 200) = 150; Y: 2/4 × median(400, 200) = 150.
    expected = pd.DataFrame(
        {
            "product_id": ["Z", "X", "Y"],
            "product_name": ["Item Z", "Item X", "Item Y"],
            "variants": ["", "", ""],
            "buyers": [1, 3, 2],
            "group_customers": [4, 4, 4],
            "penetration": [0.25, 0.75, 0.5],
            "median_spend": [1000.0, 200.0, 300.0],
            "expected_value": [250.0, 150.0, 150.0],
            "last_bought": pd.Series([pd.NaT] * 3, dtype="datetime64[ns]"),
            "evidence": [
                "bought by 25% of Retail customers (1 of 4), median £1,000/yr",
                "bought by 75% of Retail customers (3 of 4), median £200/yr",
                "bought by 50% of Retail customers (2 of 4), median £300/yr",
            ],
        }
    )
    assert_frame_equal(cross_sell_gaps(group, "C1", AS_OF), expected, check_dtype=False)


def test_cpg011_cross_sell_min_penetration_is_inclusive(group):
    assert list(cross_sell_gaps(group, "C1", AS_OF, min_penetration=0.3)["product_id"]) == [
        "X",
        "Y",
    ]
    assert list(cross_sell_gaps(group, "C1", AS_OF, min_penetration=0.25)["product_id"]) == [
        "Z",
        "X",
        "Y",
    ]


def test_cpg012_cross_sell_for_a_single_order_customer(group):
    # C2's peers in the year: C1 (A £50; its Z comes after the day), C3, C4, C5 → 4.
    # Z: 1/4 × 1000 = 250; Y: 2/4 × 300 = 150; A: 4/4 × median(50, 50, 70, 60) = 55; X is C2's own.
    table = cross_sell_gaps(group, "C2", AS_OF)
    assert list(table["product_id"]) == ["Z", "Y", "A"]
    assert list(table["expected_value"]) == pytest.approx([250.0, 150.0, 55.0])
    assert (
        table["evidence"].iloc[2] == "bought by 100% of Retail customers (4 of 4), median £55.00/yr"
    )


@pytest.mark.parametrize("customer", ["C7", "C8"])  # a group of one; no group at all
def test_cpg013_cross_sell_group_of_one_or_no_group_is_empty(group, customer):
    table = cross_sell_gaps(group, customer, AS_OF)
    assert table.empty
    assert tuple(table.columns) == CROSS_SELL_COLUMNS


def test_cpg014_money_words():
    assert money_words(1240) == "£1,240"
    assert money_words(100) == "£100"
    assert money_words(99.5) == "£99.50"
    assert money_words(12345.6) == "£12,346"


# ---------------------------------------------------------------- products (variants combined)

PRODUCTS = {  # item_id: (product_id, name, variant)
    "T-N": ("T", "Tee Navy", "Navy"),
    "T-R": ("T", "Tee Red", "Red"),
    "K-L": ("K", "Cap L", "L"),
    "K-M": ("K", "Cap M", "M"),
    "K-S": ("K", "Cap S", "S"),
    "B-L": ("B", "Bag Large", "Large"),
    "B-S": ("B", "Bag Small", "Small"),
    "M1": ("M", "Mug", None),
}


@pytest.fixture
def variants():
    """Retail: C1, C2, C3; as of 15 Feb 2026 (the year from 16 Feb 2025).
    C1: Tee Red 1 and 11 Jan 2026 (£10 each), Tee Navy 21 Jan (£20): one product on 3 dates,
        every 10 days, 25 days since → lapsed, £40 a year; neither variant alone is regular.
        Cap S 1/11/21 Oct 2025 and Cap L 10 Feb 2026: lapsed as a variant, still bought as a
        product → not lapsed. Bag Small once, 3 Mar 2024 (before the year, not regular).
    C2: Cap M £30, Tee Red £50, Bag Small £40. C3: Bag Large £60, Mug £100.
    """
    lines = [
        buy("2026-01-01", "T-R", unit_price=10),
        buy("2026-01-11", "T-R", unit_price=10),
        buy("2026-01-21", "T-N", unit_price=20),
        *(buy(d, "K-S") for d in ("2025-10-01", "2025-10-11", "2025-10-21")),
        buy("2026-02-10", "K-L"),
        buy("2024-03-03", "B-S"),
        buy("2025-12-01", "K-M", "C2", order_id="C2-1", unit_price=30),
        buy("2025-12-01", "T-R", "C2", order_id="C2-1", unit_price=50),
        buy("2025-12-01", "B-S", "C2", order_id="C2-1", unit_price=40),
        buy("2025-11-01", "B-L", "C3", order_id="C3-1", unit_price=60),
        buy("2025-11-01", "M1", "C3", order_id="C3-1", unit_price=100),
    ]
    customers = [
        {"customer_id": c, "name": c, "customer_group": "Retail"} for c in ("C1", "C2", "C3")
    ]
    tables = make_tables(lines, customers=customers)
    items = tables["items"].set_index("item_id")
    for item_id, (product, name, variant) in PRODUCTS.items():
        items.loc[item_id, ["product_id", "name", "variant"]] = [product, name, variant]
    return build_frames({**tables, "items": items.reset_index()})


def test_cpg005_lapsed_products_combine_variants_and_leave_out_what_they_still_buy(variants):
    table = lapsed_items(variants, "C1", AS_OF)
    assert list(table["product_id"]) == ["T"]
    row = table.iloc[0]
    assert (row["product_name"], row["variants"], row["orders"]) == ("Tee", "Navy, Red", 3)
    assert (row["median_gap_days"], row["yearly_sales_amount"]) == (10.0, 40.0)
    assert row["evidence"] == "bought every ~10 days until 21 Jan 2026; none since"


def test_cpg015_cross_sell_products_not_other_sizes_of_what_they_buy(variants):
    # Peers C2, C3. Cap: C1 buys another size (Cap L, in the year) → out. Tee: lapsed for C1 → out
    # (it is in the lapsed list). Bag: 2/2 × median(40, 60) = 50; Mug: 1/2 × 100 = 50 → tie, by id.
    table = cross_sell_gaps(variants, "C1", AS_OF)
    assert list(table["product_id"]) == ["B", "M"]
    assert list(table["product_name"]) == ["Bag", "Mug"]
    assert list(table["variants"]) == ["Large, Small", ""]
    assert list(table["expected_value"]) == pytest.approx([50.0, 50.0])
    assert list(table["evidence"]) == [
        "bought by 100% of Retail customers (2 of 2), median £50.00/yr; they last bought it 3 Mar 2024",
        "bought by 50% of Retail customers (1 of 2), median £100/yr",
    ]
    assert table["last_bought"].iloc[0] == pd.Timestamp("2024-03-03")
    assert pd.isna(table["last_bought"].iloc[1])


def test_cpg016_order_lines_show_the_variant(variants):
    assert list(order_lines(variants, "C2-1")["variant"]) == ["M", "Red", "Small"]


# ---------------------------------------------------------------- items, orders, trend


@pytest.fixture
def shop():
    """C1 in and around March 2026:
    O0 1 Feb: R £5 (cost £2). O1 1 Mar: P 2 × £10 (cost £4 each), Q £50 less 10%.
    O2 5 Mar: Q £30, P £12, P 3 × £11. O3 5 Mar: Q 2 × £40 incl. 20% VAT (= £33.33 net each).
    O4 20 Mar: P £99 cancelled. O6 10 Mar: a draft P £1000. O5 10 Apr (phone): P £15.
    """
    vat = {"vat_rate": 0.2, "prices_include_vat": True}
    lines = [
        buy("2026-02-01", "R", order_id="O0", unit_price=5, unit_cost=2),
        buy("2026-03-01", "P", order_id="O1", quantity=2, unit_price=10, unit_cost=4),
        buy("2026-03-01", "Q", order_id="O1", unit_price=50, discount_pct=0.1),
        buy("2026-03-05", "Q", order_id="O2", unit_price=30),
        buy("2026-03-05", "P", order_id="O2", unit_price=12),
        buy("2026-03-05", "P", order_id="O2", quantity=3, unit_price=11),
        buy("2026-03-05", "Q", order_id="O3", quantity=2, unit_price=40, **vat),
        buy("2026-03-20", "P", order_id="O4", unit_price=99, status="cancelled"),
        buy("2026-03-10", "P", order_id="O6", unit_price=1000, order_status="draft"),
        buy("2026-04-10", "P", order_id="O5", unit_price=15, channel="phone"),
    ]
    return make_frames(lines)


MARCH = Filters(start=date(2026, 3, 1), end=date(2026, 3, 31))


def test_cpg020_items_bought_most_with_last_price(shop):
    # Q: 1 + 1 + 2 = 4, 45 + 30 + 66.67; last line: O3 (the later order of 5 March) → 33.33.
    # P: 2 + 1 + 3 = 6, 20 + 12 + 33 = 65 in O1, O2; last: O2's last line → 11 (not O4's
    # cancelled line, not the draft, not April's).
    expected = pd.DataFrame(
        {
            "item_id": ["Q", "P"],
            "item_name": ["Item Q", "Item P"],
            "sales_quantity": [4.0, 6.0],
            "sales_amount": [45 + 30 + 80 / 1.2, 65.0],
            "orders": [3, 2],
            "last_bought": dates("2026-03-05", "2026-03-05"),
            "last_price": [40 / 1.2, 11.0],
        }
    )
    assert_frame_equal(items_bought_most(shop, "C1", MARCH), expected, check_dtype=False)


def test_cpg021_items_bought_most_last_price_looks_before_the_period(shop):
    # In April only P (£15) was bought; R was bought in February, outside the period.
    april = Filters(start=date(2026, 4, 1), end=date(2026, 4, 30))
    table = items_bought_most(shop, "C1", april)
    assert list(table["item_id"]) == ["P"]
    assert table["last_price"].iloc[0] == pytest.approx(15.0)
    empty = items_bought_most(shop, "C1", Filters(start=date(2026, 1, 1), end=date(2026, 1, 31)))
    assert empty.empty


def test_cpg022_recent_orders_newest_first_any_status(shop):
    table = recent_orders(shop, "C1", limit=3)
    assert list(table["order_id"]) == ["O5", "O4", "O6"]
    assert list(table["status"]) == ["confirmed", "confirmed", "draft"]
    assert list(table["channel"]) == ["phone", "web", "web"]
    assert list(table["document_type"]) == ["invoice"] * 3
    assert list(table["amount"]) == pytest.approx([15.0, 0.0, 1000.0])  # cancelled line: 0
    assert list(table["lines"]) == [1, 1, 1]
    assert table["order_date"].iloc[0] == pd.Timestamp("2026-04-10")
    assert list(recent_orders(shop, "C1")["order_id"]) == ["O5", "O4", "O6", "O3", "O2", "O1", "O0"]


def test_cpg023_order_lines(shop):
    table = order_lines(shop, "O2")
    assert list(table["item_id"]) == ["Q", "P", "P"]
    assert list(table["quantity"]) == [1.0, 1.0, 3.0]
    assert list(table["unit_net_price"]) == pytest.approx([30.0, 12.0, 11.0])
    assert list(table["sales_amount"]) == pytest.approx([30.0, 12.0, 33.0])
    assert list(table["counts_as_revenue"]) == [True, True, True]
    cancelled = order_lines(shop, "O4").iloc[0]
    assert (cancelled["line_status"], bool(cancelled["counts_as_revenue"])) == ("cancelled", False)
    draft = order_lines(shop, "O6").iloc[0]
    assert (draft["line_status"], bool(draft["counts_as_revenue"])) == ("delivered", False)
    with pytest.raises(ValueError, match="unknown order"):
        order_lines(shop, "O99")


def test_cpg024_monthly_trend_zeros_and_unknown_profit(shop):
    # Jan: nothing → 0 and 0. Feb: R 5 − 2 = 3. Mar: 206.67 sold, only O1's P has a cost:
    # 20 − 8 = 12. Apr (to 15 Apr): P 15 with no cost → Unknown (NaN).
    table = monthly_trend(shop, "C1", to_day(date(2026, 4, 15)), months=4)
    assert list(table["month"]) == list(
        dates("2026-01-01", "2026-02-01", "2026-03-01", "2026-04-01")
    )
    assert list(table["sales_amount"]) == pytest.approx([0.0, 5.0, 65 + 45 + 30 + 80 / 1.2, 15.0])
    assert list(table["gross_profit"][:3]) == pytest.approx([0.0, 3.0, 12.0])
    assert np.isnan(table["gross_profit"].iloc[3])
    # ending on 5 April leaves O5 (10 April) out
    assert (
        monthly_trend(shop, "C1", to_day(date(2026, 4, 5)), months=4)["sales_amount"].iloc[3] == 0
    )


def test_cpg025_customer_header_overdue():
    # orders 1, 11, 21 Jan → median gap 10; on 15 Feb: 25 days since, overdue by 15, at risk.
    frames = make_frames(
        [buy(d, "A") for d in ("2026-01-01", "2026-01-11", "2026-01-21")],
        customers=[
            {"customer_id": "C1", "name": "Shop", "customer_group": "Retail", "city": "Leeds"}
        ],
    )
    header = customer_header(frames, "C1", AS_OF)
    assert (header.median_gap_days, header.overdue_days, header.at_risk) == (10.0, 15.0, True)
    assert header.lifecycle == "new"
    assert header.location == "Leeds"
    assert header.customer_since == pd.Timestamp("2026-01-01")
    assert header.trailing_12m_sales_amount == pytest.approx(30.0)
    assert customer_header(frames, "C1", to_day(date(2026, 9, 1))).lifecycle == "lost"


def test_cpg026_frames_are_not_mutated(group):
    before = {
        name: getattr(group, name).copy() for name in ("lines", "customers", "items", "orders")
    }
    cross_sell_gaps(group, "C1", AS_OF)
    lapsed_items(group, "C1", AS_OF)
    items_bought_most(group, "C1", Filters())
    recent_orders(group, "C1")
    monthly_trend(group, "C1", AS_OF)
    for name, frame in before.items():
        assert_frame_equal(getattr(group, name), frame)


# ------------------------------------------------- sections that follow the page's filters


def test_cpg017_a_channel_filter_narrows_orders_counts_and_trend_as_the_cards():
    """C1 in January 2026: O1 web confirmed £100, O2 phone confirmed £50, O3 web draft £30, O4
    web confirmed £20 in December 2025 (the previous period of 1–31 Jan is 1–31 Dec). With
    channel=web the page counts 1 confirmed order (O1) against 1 (O4), lists O3 and O1 only and
    charts January at £100; without the filter, 2 confirmed orders, three listed, £150."""
    frames = make_frames(
        [
            buy("2026-01-10", "A", order_id="O1", unit_price=100),
            buy("2026-01-12", "A", order_id="O2", unit_price=50, channel="phone"),
            buy("2026-01-15", "A", order_id="O3", unit_price=30, order_status="draft"),
            buy("2025-12-05", "A", order_id="O4", unit_price=20),
        ]
    )
    web = customer_sections(
        frames, "C1", parse("from=2026-01-01&to=2026-01-31&channel=web", frames)
    )
    assert web.confirmed_orders == (1, 1)
    assert list(web.orders["order_id"]) == ["O3", "O1"] and web.order_total == 2
    assert web.trend["sales_amount"].tolist() == [100.0]
    assert web.previous.current.sales_amount == 100.0
    everything = customer_sections(frames, "C1", parse("from=2026-01-01&to=2026-01-31", frames))
    assert everything.confirmed_orders == (2, 1)
    assert list(everything.orders["order_id"]) == ["O3", "O2", "O1"]
    assert everything.trend["sales_amount"].tolist() == [150.0]
    assert "lapsed items and cross-sell gaps look at everything" in web.period_text
    assert "filtered" not in everything.period_text
