"""Browser test of Sales by Customer served with SALES_ENGINE=sql: the summary, the chart and the
matrix come from the database (the shop's numbers, worked out by hand in
tests.test_sql_sales_by_customer), a customer's items open under it, a tick picks, and names say
in words why they do not link to a customer page."""

from urllib.parse import parse_qs, urlsplit

from tests.conftest import until
from tests.test_rep101_reports_on_sql import open_on_sql

START = "/sales-by-customer?from=2025-12-01&to=2026-04-30&matrix=categories"
ROWS = "#sbc-matrix .ag-pinned-left-cols-container .ag-row"
CENTRE = "#sbc-matrix .ag-center-cols-container .ag-row"


def picked(dash_duo) -> list[str]:
    return parse_qs(urlsplit(dash_duo.driver.current_url).query).get("selected", [])


def test_sbc101_sales_by_customer_on_the_sql_engine(dash_duo, tmp_path):
    open_on_sql(dash_duo, tmp_path, START)
    dash_duo.wait_for_text_to_equal("h1", "Sales by Customer")
    # Aster £912.50, Cedar £520, Elm £90, C9 £50
    dash_duo.wait_for_text_to_equal(".sbc-summary-0 strong", "£1,572.50")
    dash_duo.wait_for_text_to_equal(f"{ROWS}[row-index='0'] .ag-cell[col-id='customer_name']",
                                    "Aster")  # fmt: skip
    names = dash_duo.find_elements(f"{ROWS} .ag-cell[col-id='customer_name'] a")
    assert names and names[0].get_attribute("href").split("?")[0].endswith("/customers/C1")
    until(lambda: len(dash_duo.find_elements("#sbc-bar .trace.bars .point path")) == 4, 10)

    # ▸ opens Aster's items under it: Garden (B, £200) and Home (A, £712.50) as sold
    expand = dash_duo.find_element(f"{ROWS}[row-id='C1'] .ag-cell[col-id='expand']")
    dash_duo.driver.execute_script("arguments[0].click()", expand)
    dash_duo.wait_for_element(f"{ROWS}[row-id='C1/A']")
    home = f"{CENTRE}[row-id='C1/A'] .ag-cell[col-id='c1']"
    dash_duo.wait_for_text_to_equal(home, "£712.50")

    # a tick picks Cedar: the summary narrows to it, the matrix keeps every customer
    pick = dash_duo.find_element(f"{ROWS}[row-id='C3'] .ag-cell[col-id='pick']")
    dash_duo.driver.execute_script("arguments[0].click()", pick)
    until(lambda: picked(dash_duo) == ["C3"], 10)
    dash_duo.wait_for_text_to_equal(".sbc-summary-0 strong", "£520.00")
    assert "Picked customers" in dash_duo.find_element("#sbc-summary").text
    until(lambda: len(dash_duo.find_elements(f"{ROWS}[row-id^='C']")) >= 4, 10)
    assert dash_duo.get_logs() == []
