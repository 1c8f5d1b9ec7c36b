"""Team performance on a 1366 × 768 laptop screen: every column of the salespeople table in view,
no text cut off, and a new-customers chart that names the top 8 acquirers (from plain SQL) and
groups the rest, in distinct colours, with a legend that does not scroll."""

import contextlib

import pytest
from dash.testing.errors import TestingTimeoutError
from sqlalchemy import text

from app import create_dash
from data.db import make_engine
from tests.conftest import sign_in, until

PERIOD = ("2025-11-22", "2026-11-21")  # the demo's last 12 months
# customers whose first-ever confirmed order falls in the period, per owner (of a team, or
# of all teams when :team is NULL), most first, ties by code
NEW_CUSTOMERS = """
    SELECT c.owner, s.name, COUNT(*) AS new_customers
    FROM customers c
    JOIN (SELECT customer_id, MIN(order_date) AS first_order FROM orders
          WHERE status = 'confirmed' GROUP BY customer_id) f ON f.customer_id = c.customer_id
    JOIN salespeople s ON s.code = c.owner
    WHERE f.first_order BETWEEN :start AND :end AND (:team IS NULL OR s.team = :team)
    GROUP BY c.owner, s.name
    ORDER BY new_customers DESC, c.owner
"""
# what the grid shows of every column: displayed columns, where the last one ends, whether the
# centre scrolls sideways, and the cells and headers whose text is wider than their box
LAYOUT = """
const api = dash_ag_grid.getApi('team-grid');
const grid = document.querySelector('#team-grid');
const shown = api.getAllDisplayedColumns().map(c => c.getColId());
const last = grid.querySelector(`.ag-header-cell[col-id='${shown[shown.length - 1]}']`);
const centre = grid.querySelector('.ag-center-cols-viewport');
const cut = [...grid.querySelectorAll('.ag-cell-value, .ag-header-cell-text')]
    .filter(e => e.scrollWidth > e.clientWidth).map(e => e.textContent);
return {
    shown: shown,
    lastRight: last ? last.getBoundingClientRect().right : 1e9,  // not drawn: out of view
    gridRight: grid.querySelector('.ag-root-wrapper').getBoundingClientRect().right,
    windowWidth: document.documentElement.clientWidth,
    sideways: centre.scrollWidth - centre.clientWidth,
    cut: cut,
    rows: grid.querySelectorAll('.ag-center-cols-container .ag-row').length,
    tip: api.getColumnDef('gross_profit_margin').headerTooltip,
};
"""
CHART = """
const plot = document.querySelector('#team-new .js-plotly-plot');
const bars = plot.querySelector('.legend .scrollbar');
return {
    names: plot._fullData.map(t => t.name),
    colours: plot._fullData.map(t => t.marker.color),
    total: plot._fullData.reduce((sum, t) => sum + Array.from(t.y).reduce((a, b) => a + b, 0), 0),
    legend: plot.querySelectorAll('.legend .traces').length,
    legendScroll: bars ? bars.getBBox().height : 0,
};
"""


@pytest.fixture(scope="module")
def acquirers(demo_db):
    """(code, name, new customers) per salesperson with new customers, most first."""
    with make_engine(demo_db).connect() as conn:
        rows = conn.execute(text(NEW_CUSTOMERS), dict(start=PERIOD[0], end=PERIOD[1], team=None))
        rows = rows.all()
    return [tuple(r) for r in rows]


def open_team(dash_duo, demo_db, username: str) -> None:
    dash_duo.start_server(create_dash({"DATABASE_URL": demo_db}), navigate=False)
    sign_in(dash_duo, username)
    dash_duo.driver.set_window_size(1366, 768)
    dash_duo.driver.get(f"{dash_duo.server.url.rstrip('/')}/team?from={PERIOD[0]}&to={PERIOD[1]}")
    dash_duo.wait_for_element("#team-grid .ag-row")


def test_tpf005_every_column_of_the_team_table_is_in_view_at_1366(dash_duo, demo_db):
    open_team(dash_duo, demo_db, "leader")
    until(lambda: dash_duo.driver.execute_script(LAYOUT)["rows"] == 25, timeout=10)

    def fits(layout: dict) -> bool:  # within a pixel's rounding of the borders
        return layout["lastRight"] <= layout["gridRight"] + 2 and layout["sideways"] <= 0

    # once the grid has settled (it sizes its flexible columns again as the page finishes)
    with contextlib.suppress(TestingTimeoutError):
        until(lambda: fits(dash_duo.driver.execute_script(LAYOUT)), timeout=5)
    layout = dash_duo.driver.execute_script(LAYOUT)
    assert layout["shown"] == [
        "salesperson_name", "team", "sales_amount", "gross_profit", "gross_profit_margin",
        "confirmed_order_count", "average_order_amount", "new_customers", "customers",
        "active_customers", "at_risk_customers", "commission_basis", "commission", "salesperson",
    ]  # fmt: skip
    # the last column ends inside the grid and the window; nothing to scroll sideways
    assert fits(layout) and layout["gridRight"] <= layout["windowWidth"], layout
    assert layout["cut"] == []  # no value and no header word is cut off
    assert layout["tip"] == "Gross Profit Margin"  # short headers say the full name on hover
    headers = [h.text for h in dash_duo.find_elements("#team-grid .ag-header-cell-text")]
    assert "Margin" in headers and "Code" in headers
    assert dash_duo.get_logs() == []


def test_tpf006_new_customers_chart_names_the_top_8_and_groups_the_others(
    dash_duo, demo_db, acquirers
):
    open_team(dash_duo, demo_db, "leader")
    dash_duo.wait_for_element("#team-new .js-plotly-plot .legend")
    chart = dash_duo.driver.execute_script(CHART)
    assert len(acquirers) > 9  # more salespeople acquired customers than the chart names
    top = [name for _, name, _ in acquirers[:8]]
    assert chart["names"] == [*top, f"{len(acquirers) - 8} other salespeople"]
    assert len(set(chart["colours"])) == 9  # a colour each
    assert chart["total"] == sum(n for _, _, n in acquirers)  # every new customer is counted
    assert chart["legend"] == 9 and chart["legendScroll"] == 0  # the legend fits: no scrollbar
    assert dash_duo.get_logs() == []


def test_tpf007_a_managers_chart_names_each_of_their_salespeople(dash_duo, demo_db):
    open_team(dash_duo, demo_db, "manager")
    dash_duo.wait_for_element("#team-new .js-plotly-plot .legend")
    with make_engine(demo_db).connect() as conn:
        rows = conn.execute(
            text(NEW_CUSTOMERS), dict(start=PERIOD[0], end=PERIOD[1], team="North")
        ).all()
    chart = dash_duo.driver.execute_script(CHART)
    assert 0 < len(rows) <= 8
    assert chart["names"] == [name for _, name, _ in rows]  # no "others" for one team
    assert len(set(chart["colours"])) == len(rows)
    assert dash_duo.get_logs() == []
