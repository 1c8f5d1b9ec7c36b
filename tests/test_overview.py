"""metrics.overview: the revenue bridge worked out by hand, and the Overview computed in one go
giving exactly what each of its parts gives on its own."""

from datetime import date

import numpy as np
import pytest
from pandas.testing import assert_frame_equal

from data.db import make_engine, read_tables
from data.frames import build_frames
from metrics.customers import lifecycle
from metrics.filters import Filters, period_of
from metrics.kpis import COMPARE_TO, compare
from metrics.overview import Bridge, bridge_of, monthly_sales, overview, top_customers


@pytest.fixture(scope="module")
def frames(demo_db):
    return build_frames(read_tables(make_engine(demo_db)))


def test_ovm001_bridge_splits_the_change_by_customer():
    # customers: A new (10), B lost (7), C shrunk 9 -> 5, D grown 3 -> 8, E none in either
    now = np.array([10.0, 0.0, 5.0, 8.0, 0.0])
    before = np.array([0.0, 7.0, 9.0, 3.0, 0.0])
    assert bridge_of(now, before) == Bridge(
        compared=19.0, new=10.0, grown=5.0, shrunk=4.0, lost=7.0, current=23.0
    )  # 19 + 10 + 5 − 4 − 7 = 23


@pytest.mark.parametrize("to", sorted(COMPARE_TO))
@pytest.mark.parametrize(
    "filters",
    [
        Filters(start=date(2026, 4, 10), end=date(2026, 9, 20)),
        Filters(start=date(2025, 1, 1), end=date(2025, 12, 31), teams=("North",)),
        Filters(start=date(2026, 1, 1), end=date(2026, 6, 30), channels=("web",),
                order_amount_min=100.0),
        Filters(),
    ],
)  # fmt: skip
def test_ovm002_overview_in_one_go_is_each_part_on_its_own(frames, filters, to):
    result = overview(frames, filters, to, n=20)
    earlier = COMPARE_TO[to](period_of(frames, filters))
    assert result.comparison == compare(frames, filters, to)
    assert_frame_equal(result.top, top_customers(frames, filters, 20), check_exact=True)
    assert_frame_equal(result.months, monthly_sales(frames, filters), check_exact=True)
    assert_frame_equal(
        result.compared_months, monthly_sales(frames, filters, earlier), check_exact=True
    )
    assert_frame_equal(result.lifecycle, lifecycle(frames, filters), check_exact=True)
    assert result.bridge.current == result.comparison.current.sales_amount
    assert result.bridge.compared == result.comparison.compared.sales_amount
