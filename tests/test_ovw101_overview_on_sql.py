"""Browser test of the Overview served with SALES_ENGINE=sql: the KPI cards, the top customers,
the lifecycle counts and the revenue bridge come from the database (the shop's numbers, worked
out by hand in tests.test_sql_overview), and a filter change reaches them."""

from selenium.webdriver.common.keys import Keys

from tests.conftest import until
from tests.test_rep101_reports_on_sql import open_on_sql

START = "/?from=2026-02-01&to=2026-04-30"


def card(name: str) -> str:
    return f".kpi-{name} .kpi-value"


def test_ovw101_the_overview_on_the_sql_engine(dash_duo, tmp_path):
    open_on_sql(dash_duo, tmp_path, START)
    dash_duo.wait_for_text_to_equal("h1", "Overview")
    # Feb-Apr: C3 £520, C1 £200, C5 £90; the previous period (4 Nov - 31 Jan) £762.50
    dash_duo.wait_for_text_to_equal(card("sales_amount"), "£810.00")
    dash_duo.wait_for_contains_text(".kpi-sales_amount .kpi-change", "£762.50")
    dash_duo.wait_for_contains_text("#overview-compared-period", "2025-11-04 to 2026-01-31")
    # C3 and C5 first ordered in the period, C1 ordered before and in it
    dash_duo.wait_for_text_to_equal(".count-new .fs-4", "2")
    assert dash_duo.find_element(".count-returning .fs-4").text == "1"
    assert dash_duo.find_element(".count-lost .fs-4").text == "0"
    until(lambda: len(dash_duo.find_elements("#overview-pareto .trace.bars .point")) == 3, 10)
    dash_duo.wait_for_contains_text("#overview-bridge", "+£610")  # C3 and C5 are new

    # a channel: only the phone order O2 (C1, £200) is left
    dash_duo.select_dcc_dropdown(".filter-channel", "phone")
    dash_duo.find_element("body").send_keys(Keys.ESCAPE)
    dash_duo.wait_for_text_to_equal(card("sales_amount"), "£200.00")
    until(lambda: len(dash_duo.find_elements("#overview-pareto .trace.bars .point")) == 1, 10)
    assert dash_duo.get_logs() == []
