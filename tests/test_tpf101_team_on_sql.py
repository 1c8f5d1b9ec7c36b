"""Browser test of Team performance served with SALES_ENGINE=sql: the salespeople table and both
charts come from the database (the shop's numbers, worked out by hand in
tests.test_sql_team), and a salesperson's name opens the Leaderboard of their customers."""

from tests.conftest import until
from tests.test_rep101_reports_on_sql import open_on_sql

START = "/team?from=2025-12-01&to=2026-04-30"
CELL = "#team-grid .ag-row[row-id='{}'] .ag-cell[col-id='{}']"


def bars(dash_duo, chart: str) -> int:
    return len(dash_duo.find_elements(f"#{chart} .trace.bars .point path"))


def test_tpf101_team_performance_on_the_sql_engine(dash_duo, tmp_path):
    open_on_sql(dash_duo, tmp_path, START)
    dash_duo.wait_for_text_to_equal("h1", "Team performance")
    # Sam: C1's O1 and O2 (£912.50, profit £142.50), 105.25 commission; Pat: C3's £520
    dash_duo.wait_for_text_to_equal(CELL.format("SP1", "sales_amount"), "£912.50")
    assert dash_duo.find_element(CELL.format("SP1", "gross_profit")).text == "£142.50"
    assert dash_duo.find_element(CELL.format("SP1", "commission")).text == "£105.25"
    assert dash_duo.find_element(CELL.format("SP3", "sales_amount")).text == "£520.00"
    # this period's and the compared one's bars per salesperson; the new customers per month
    # (C9 in Dec, C1 in Jan, C3 and C5 in Mar: Sam, Pat and the customers without an owner)
    until(lambda: len(dash_duo.find_elements("#team-sales .trace.bars")) == 2, 10)
    until(lambda: bars(dash_duo, "team-new") == 4, 10)
    assert "the leaderboard of their customers" in dash_duo.find_element("#app-page").text

    link = dash_duo.find_element(f"{CELL.format('SP1', 'salesperson_name')} a")
    dash_duo.driver.execute_script("arguments[0].click()", link)
    dash_duo.wait_for_text_to_equal("h1", "Leaderboard")
    assert "salesperson=SP1" in dash_duo.driver.current_url
    dash_duo.wait_for_contains_text("#leaderboard-cards", "£912.50")
    assert dash_duo.get_logs() == []
