"""Team performance: a manager sees only their team; numbers roll up the leaderboard."""

from datetime import date

import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from app import create_dash
from data.access import Scope, scoped
from data.db import make_engine, read_tables
from data.frames import build_frames, to_day
from metrics.commission import commission
from metrics.customers import leaderboard
from metrics.filters import Filters
from metrics.team import (
    new_customers_by_month,
    sales_by_salesperson,
    team_performance,
    top_and_others,
)
from tests.conftest import sign_in
from tests.factory import make_frames

YEAR = Filters(start=date(2025, 1, 1), end=date(2025, 12, 31))


@pytest.fixture(scope="module")
def frames(demo_db):
    return build_frames(read_tables(make_engine(demo_db)))


def test_tpf001_team_rows_add_up_to_the_leaderboard_and_commission(frames):
    table = team_performance(frames, YEAR).set_index("salesperson")
    board = leaderboard(frames, YEAR)
    assert table["sales_amount"].sum() == pytest.approx(board["sales_amount"].sum())
    assert table["customers"].sum() == len(board)
    sp01 = board[board["owner"] == "SP01"]
    assert table.loc["SP01", "sales_amount"] == pytest.approx(sp01["sales_amount"].sum())
    assert table.loc["SP01", "at_risk_customers"] == (sp01["status"] == "at_risk").sum()
    pay = commission(frames.events, frames.salespeople, to_day(YEAR.start), to_day(YEAR.end))
    pay = pay.set_index("salesperson")
    assert table["commission"].to_dict() == pytest.approx(pay["commission"].to_dict())


def test_tpf002_manager_sees_only_their_team(frames):
    north = scoped(frames, Scope("manager", team="North"))
    table = team_performance(north, YEAR)
    assert set(table["team"]) == {"North"}
    assert set(table["salesperson"]) == set(
        frames.salespeople.loc[frames.salespeople["team"] == "North", "code"]
    )


def test_tpf003_browser_manager_sees_their_team_only(dash_duo, demo_db, frames):
    dash_duo.start_server(create_dash({"DATABASE_URL": demo_db}), navigate=False)
    sign_in(dash_duo, "manager")
    dash_duo.wait_for_text_to_equal("h1", "Team performance")
    dash_duo.wait_for_element("#team-grid .ag-row")
    names = {
        c.text for c in dash_duo.find_elements("#team-grid .ag-cell[col-id='salesperson_name']")
    }
    people = frames.salespeople
    assert names == set(people.loc[people["team"] == "North", "name"])
    assert dash_duo.get_logs() == []


JAN, FEB = pd.Timestamp("2026-01-01"), pd.Timestamp("2026-02-01")


def test_tpf004_top_and_others_keeps_the_biggest_acquirers_and_sums_the_rest():
    by_month = pd.DataFrame(
        {
            "month": [JAN, FEB, JAN, FEB, JAN, FEB, JAN],
            "salesperson": ["A", "A", "B", "B", "C", "D", None],  # None: a customer without owner
            "new_customers": [1, 1, 3, 1, 2, 2, 5],
        }
    )
    # totals B 4, A 2, C 2, D 2: the top 2 are B, then A (ties go by code); C, D and the
    # owner-less customers are others: January 2 + 5, February 2
    expected = pd.DataFrame(
        {
            "month": [JAN, FEB, JAN, FEB, JAN, FEB],
            "salesperson": ["B", "B", "A", "A", None, None],
            "new_customers": [3, 1, 1, 1, 7, 2],
            "others": [0, 0, 0, 0, 2, 2],
        }
    )
    assert_frame_equal(top_and_others(by_month, 2), expected)
    everyone = pd.DataFrame(  # four salespeople kept: only the owner-less customers are left
        {
            "month": [JAN, FEB, JAN, FEB, JAN, FEB, JAN],
            "salesperson": ["B", "B", "A", "A", "C", "D", None],
            "new_customers": [3, 1, 1, 1, 2, 2, 5],
            "others": [0, 0, 0, 0, 0, 0, 0],
        }
    )
    assert_frame_equal(top_and_others(by_month, 8), everyone)
    assert top_and_others(by_month.head(0), 8).empty


@pytest.mark.parametrize(
    "filters",
    [YEAR, Filters(start=date(2025, 1, 1), end=date(2025, 6, 30), teams=("North",)),
     Filters(start=date(2025, 1, 1), end=date(2025, 12, 31), categories=("Home",))],
)  # fmt: skip
def test_tpf008_the_compared_periods_sales_per_salesperson_are_the_tables(frames, filters):
    """The bars of the compared period (sales_by_salesperson) equal the team table's column,
    itself checked against the leaderboard above."""
    table = team_performance(frames, filters).set_index("salesperson")["sales_amount"]
    bars = sales_by_salesperson(frames, filters).set_index("salesperson")["sales_amount"]
    assert bars.to_dict() == pytest.approx(table[table.index.isin(bars.index)].to_dict())
    assert table[~table.index.isin(bars.index)].sum() == 0  # absent: no customer kept


def test_tpf009_new_customers_by_month_counts_first_orders_per_owner_and_month():
    frames = make_frames(
        lines=[
            {"order_id": "O1", "order_date": "2026-01-05", "customer_id": "C1"},
            {"order_id": "O2", "order_date": "2026-01-20", "customer_id": "C2"},
            {"order_id": "O3", "order_date": "2026-02-03", "customer_id": "C3"},
            {"order_id": "O4", "order_date": "2026-02-10", "customer_id": "C4"},
            {"order_id": "O5", "order_date": "2026-02-11", "customer_id": "C1"},  # not new again
            {"order_id": "O6", "order_date": "2025-12-30", "customer_id": "C5"},  # before
        ],
        customers=[
            {"customer_id": "C1", "name": "One", "owner": "SP2"},
            {"customer_id": "C2", "name": "Two", "owner": "SP1"},
            {"customer_id": "C3", "name": "Three", "owner": None},
            {"customer_id": "C4", "name": "Four", "owner": "SP2"},
            {"customer_id": "C5", "name": "Five", "owner": "SP1"},
        ],
    )  # fmt: skip
    got = new_customers_by_month(frames, Filters(start=date(2026, 1, 1), end=date(2026, 2, 28)))
    # January: C2 (SP1), C1 (SP2); February: C4 (SP2), C3 (no owner, last in its month)
    expected = pd.DataFrame(
        {
            "month": pd.to_datetime([JAN, JAN, FEB, FEB]).astype("datetime64[s]"),
            "salesperson": pd.array(["SP1", "SP2", "SP2", None], dtype="str"),
            "new_customers": [1, 1, 1, 1],
        }
    )
    assert_frame_equal(got, expected)
