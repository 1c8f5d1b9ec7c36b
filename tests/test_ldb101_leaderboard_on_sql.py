"""Browser test of the Leaderboard served with SALES_ENGINE=sql: the summary cards and the rows
come from the database (the shop's numbers, worked out by hand in tests.test_sql_leaderboard),
the quick filter keeps one status, the chosen columns are kept for the user, and names say in
words why they do not link to a customer page."""

from selenium.webdriver.common.keys import Keys

from tests.conftest import until
from tests.test_ldb001_leaderboard import choose, header_ids
from tests.test_rep101_reports_on_sql import open_on_sql

START = "/leaderboard?from=2025-12-01&to=2026-04-30"
ROWS = "#leaderboard-grid .ag-center-cols-container .ag-row"
CELL = "#leaderboard-grid .ag-row[row-index='{}'] .ag-cell[col-id='{}']"


def test_ldb101_the_leaderboard_on_the_sql_engine(dash_duo, tmp_path):
    app = open_on_sql(dash_duo, tmp_path, START)
    dash_duo.wait_for_text_to_equal("h1", "Leaderboard")
    # £912.50 + £520 + £90 + £50 confirmed; 6 customers, 4 active; gaps of 26 and 17 days
    dash_duo.wait_for_contains_text("#leaderboard-cards", "£1,572.50")
    assert "21.5 days" in dash_duo.find_element("#leaderboard-cards").text
    dash_duo.wait_for_text_to_equal(CELL.format(0, "customer_name"), "Aster")
    assert dash_duo.find_element(CELL.format(0, "days_since_last_order")).text == "84"
    until(lambda: len(dash_duo.find_elements(ROWS)) == 6, 10)
    names = dash_duo.find_elements("#leaderboard-grid .ag-cell[col-id='customer_name'] a")
    assert names and names[0].get_attribute("href").split("?")[0].endswith("/customers/C1")

    # the quick filter: Birch (a draft only) and Dune (no order) are inactive
    choose(dash_duo, "Inactive")
    until(lambda: len(dash_duo.find_elements(ROWS)) == 2, 10)
    names = "#leaderboard-grid .ag-cell[col-id='customer_name']"  # pinned on the left
    until(lambda: {c.text for c in dash_duo.find_elements(names)} == {"Birch", "Dune"}, 10)

    # hide Cost Amount with the column chooser: kept for the user
    dash_duo.find_element("#leaderboard-columns").click()
    option = next(
        o for o in dash_duo.find_elements(".dash-dropdown-option") if o.text == "Cost Amount"
    )
    option.click()
    dash_duo.find_element("body").send_keys(Keys.ESCAPE)  # close the list
    until(lambda: "cost_amount" not in header_ids(dash_duo), timeout=10)

    def saved() -> list[str]:  # what the server has stored for the user, shown columns in order
        state = app.server.extensions["preferences"].get("leader", "leaderboard_columns") or []
        return [c["colId"] for c in state if not c["hide"]]

    until(lambda: saved() == header_ids(dash_duo), timeout=10)
    assert "cost_amount" not in saved() and "sales_amount" in saved()
    assert dash_duo.get_logs() == []
