"""Row-level scope: restricted frames hold only the permitted customers and give their numbers."""

from datetime import date

import pandas as pd
import pytest

from data.access import Scope, scoped
from data.db import make_engine, read_tables
from data.frames import build_frames
from metrics.customers import leaderboard
from metrics.filters import Filters
from metrics.kpis import kpis
from metrics.matrix import customer_month_item


@pytest.fixture(scope="module")
def frames(demo_db):
    return build_frames(read_tables(make_engine(demo_db)))


@pytest.mark.parametrize(
    "scope,column,value,owner_filter",
    [
        (Scope("salesperson", salesperson="SP01"), "owner", "SP01", Filters(salespeople=("SP01",))),
        (Scope("manager", team="South"), "team", "South", Filters(teams=("South",))),
    ],
)
def test_acc001_scoped_frames_equal_the_owner_filter_on_all_data(
    frames, scope, column, value, owner_filter
):
    part = scoped(frames, scope)
    keep = set(frames.customers.loc[frames.customers[column] == value, "customer_id"])
    assert set(part.customers["customer_id"]) == keep
    assert set(part.customers["customer_id"].to_numpy()[part.lines["customer"]]) <= keep
    for period in [Filters(), Filters(start=date(2026, 1, 1), end=date(2026, 6, 30))]:
        mine = kpis(part, period)
        same = kpis(frames, Filters(start=period.start, end=period.end,
                                    salespeople=owner_filter.salespeople, teams=owner_filter.teams))  # fmt: skip
        assert mine.sales_amount == pytest.approx(same.sales_amount, rel=1e-12)
        assert mine.total_customers == same.total_customers
        assert mine.average_reorder_days == pytest.approx(same.average_reorder_days)
    pd.testing.assert_frame_equal(
        leaderboard(part, Filters()),
        leaderboard(frames, owner_filter),
    )


def test_acc002_leadership_and_admin_see_everything(frames):
    assert scoped(frames, Scope("leadership")) is frames
    assert scoped(frames, Scope("admin")) is frames


def test_acc003_unknown_role_is_refused():
    with pytest.raises(ValueError, match="unknown role"):
        Scope("guest")


def test_acc004_salesperson_without_customers_sees_nothing(frames):
    part = scoped(frames, Scope("salesperson", salesperson="NOBODY"))
    assert len(part.customers) == 0 and len(part.lines) == 0
    assert kpis(part, Filters()).sales_amount == 0


def test_acc005_a_scope_holds_only_its_customers_month_item_rows(frames):
    """The restricted customer_month_items are the whole table's rows of the team's customers,
    renumbered: a customer's breakdown is the same in the scope as in the whole data."""
    part = scoped(frames, Scope("manager", team="South"))
    table, whole = part.customer_month_items, frames.customer_month_items
    ids = part.customers["customer_id"].to_numpy()[table["customer"].to_numpy()]
    south = frames.customers["team"].to_numpy()[whole["customer"].to_numpy()] == "South"
    assert list(ids) == list(frames.customers["customer_id"].to_numpy()[whole["customer"][south]])
    pd.testing.assert_frame_equal(
        table.drop(columns="customer"),
        whole[south].drop(columns="customer").reset_index(drop=True),
    )
    customer_id = part.customers["customer_id"].iat[0]
    pd.testing.assert_frame_equal(
        customer_month_item(part, Filters(), customer_id),
        customer_month_item(frames, Filters(teams=("South",)), customer_id),
    )
