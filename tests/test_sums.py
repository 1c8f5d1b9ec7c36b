"""The precomputed monthly table and the line scan give the same report rows; masks built by
comparing codes select what a lookup table selects. Checked on the demo company and plain SQL."""

import sqlite3
from dataclasses import replace
from datetime import date

import numpy as np
import pandas as pd
import pytest

from data.access import Scope, scoped
from data.db import make_engine, read_tables
from data.frames import build_frames
from metrics import reports
from metrics.customers import leaderboard
from metrics.filters import Filters
from metrics.selection import COMPARISONS, in_codes, select
from metrics.sums import dimension_sums

BY_DIMENSION = {
    "category": reports.sales_by_category,
    "brand": reports.sales_by_brand,
    "collection": reports.sales_by_collection,
    "supplier": reports.sales_by_supplier,
    "department": reports.sales_by_department,
}
CENT = 0.005


@pytest.fixture(scope="module")
def demo_frames(demo_db):
    return build_frames(read_tables(make_engine(demo_db)))


def line_scan(frames, filters, report):
    """The report as the line scan computes it: a filter that keeps every line (each document
    type) narrows the lines, so the monthly table is not used."""
    every_line = replace(filters, document_types=("order", "invoice", "receipt"))
    assert dimension_sums(select(frames, every_line), "category") is None
    return report(frames, every_line)


@pytest.mark.parametrize(
    "filters",
    [
        Filters(),  # all data: whole months only
        Filters(teams=("North",)),
        Filters(start=date(2025, 1, 15), end=date(2025, 6, 10)),  # partial months at both ends
        Filters(start=date(2025, 3, 1), end=date(2025, 3, 31), teams=("South", "East")),
        Filters(start=date(2025, 3, 5), end=date(2025, 3, 20)),  # within one month
        Filters(start=date(2026, 11, 1)),  # the last month, to the data's last day
        Filters(customer_status=("at_risk",), start=date(2024, 12, 24)),
    ],
    ids=["all", "team", "mid-month", "one-month-two-teams", "in-a-month", "last", "at-risk"],
)
@pytest.mark.parametrize("dimension", BY_DIMENSION)
def test_sum001_monthly_table_and_line_scan_agree_to_the_cent(demo_frames, filters, dimension):
    report = BY_DIMENSION[dimension]
    assert dimension_sums(select(demo_frames, filters), dimension) is not None
    fast, scanned = report(demo_frames, filters), line_scan(demo_frames, filters, report)
    assert len(fast) > 0
    pd.testing.assert_frame_equal(fast, scanned, rtol=0, atol=CENT)
    assert fast[["orders", "customers"]].equals(scanned[["orders", "customers"]])


def test_sum006_distinct_customers_without_a_bitmap(demo_frames, monkeypatch):
    """Many customers × many values: distinct (customer, value) pairs are sorted, not marked."""
    monkeypatch.setattr("metrics.lookup.BITMAP_LIMIT", 0)
    filters = Filters(start=date(2025, 1, 15), end=date(2025, 6, 10), teams=("West",))
    fast = reports.sales_by_brand(demo_frames, filters)
    scanned = line_scan(demo_frames, filters, reports.sales_by_brand)
    pd.testing.assert_frame_equal(fast, scanned, rtol=0, atol=CENT)


def test_sum002_a_managers_scope_reads_only_its_own_monthly_rows(demo_frames):
    """Frames restricted to a team hold the monthly rows of that team only: their report equals
    the whole data's report filtered by the team."""
    south = scoped(demo_frames, Scope("manager", team="South"))
    assert set(south.monthly["customer"]) <= set(range(len(south.customers)))
    mine = reports.sales_by_brand(south, Filters(start=date(2025, 2, 14)))
    whole = reports.sales_by_brand(demo_frames, Filters(start=date(2025, 2, 14), teams=("South",)))
    pd.testing.assert_frame_equal(mine, whole, rtol=0, atol=CENT)


CATEGORY_SQL = """
WITH lines AS (
    SELECT o.order_id, o.customer_id, COALESCE(l.category, i.category) AS category,
           l.quantity * l.unit_price * (1 - l.discount_pct)
           / CASE WHEN l.prices_include_vat THEN 1 + l.vat_rate ELSE 1 END AS sales
    FROM order_lines l JOIN orders o ON o.order_id = l.order_id
    LEFT JOIN items i ON i.item_id = l.item_id
    JOIN customers c ON c.customer_id = o.customer_id
    JOIN salespeople s ON s.code = c.owner
    WHERE o.status = 'confirmed' AND l.status NOT IN ('cancelled', 'returned')
      AND o.order_date BETWEEN ? AND ? AND s.team = 'North')
SELECT COALESCE(category, 'N/A') AS category, SUM(sales) AS sales_amount,
       COUNT(DISTINCT order_id) AS orders, COUNT(DISTINCT customer_id) AS customers
FROM lines GROUP BY 1
"""


def test_sum003_sales_by_category_for_a_team_matches_plain_sql(demo_db, demo_frames):
    start, end = date(2024, 7, 19), date(2026, 2, 11)  # months whole and partial
    ours = reports.sales_by_category(demo_frames, Filters(start=start, end=end, teams=("North",)))
    with sqlite3.connect(demo_db.removeprefix("sqlite:///")) as conn:
        sql = pd.read_sql_query(CATEGORY_SQL, conn, params=(str(start), str(end)))
    ours, sql = (t.set_index("category").sort_index() for t in (ours, sql))
    assert list(ours.index) == list(sql.index)
    assert np.allclose(ours["sales_amount"], sql["sales_amount"], rtol=0, atol=CENT)
    assert list(ours["orders"]) == list(sql["orders"])
    assert list(ours["customers"]) == list(sql["customers"])


@pytest.mark.parametrize("wanted", [[], [0], [1, 4], [0, 2, 5, 7, 8], list(range(9))])
def test_sum004_masks_by_comparison_match_a_lookup_table(wanted):
    """Codes -1..7 (-1 = missing, slot 0 of the table); compared with the wanted or the unwanted
    codes, whichever are fewer."""
    codes = np.random.default_rng(3).integers(-1, 8, 10_000).astype(np.int8)
    allowed = np.zeros(9, dtype=bool)
    allowed[wanted] = True
    assert np.array_equal(in_codes(codes, allowed), allowed[codes.astype(np.intp) + 1])


def test_sum005_many_codes_each_way_use_the_lookup_table():
    codes = np.random.default_rng(4).integers(-1, 60, 10_000).astype(np.int16)
    allowed = np.zeros(61, dtype=bool)
    allowed[::2] = True  # 31 wanted, 30 unwanted: more than COMPARISONS either way
    assert min(allowed.sum(), (~allowed).sum()) > COMPARISONS
    assert np.array_equal(in_codes(codes, allowed), allowed[codes.astype(np.intp) + 1])


@pytest.mark.parametrize(
    "filters",
    [
        Filters(),  # every month whole: customer_months alone
        Filters(start=date(2025, 1, 15), end=date(2025, 6, 10)),  # partial months at both ends
        Filters(start=date(2025, 3, 5), end=date(2025, 3, 20), teams=("North",)),  # within one
        Filters(start=date(2024, 12, 1), end=date(2025, 2, 28), teams=("South", "East")),
    ],
    ids=["all", "mid-month", "in-a-month", "whole-months-two-teams"],
)
def test_sum007_per_customer_sums_from_the_month_table_equal_the_line_scan(demo_frames, filters):
    """Customer sums read whole months from customer_months and the days of partial months from
    daily; the leaderboard they give equals the one the lines give, to the cent."""
    fast = leaderboard(demo_frames, filters)
    scanned = line_scan(demo_frames, filters, leaderboard)
    assert fast["sales_amount"].sum() > 0
    pd.testing.assert_frame_equal(fast, scanned, rtol=0, atol=CENT)
