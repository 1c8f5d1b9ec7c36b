"""Browser test of the sales reports served with SALES_ENGINE=sql: the numbers come from the
database (Sales by Category, Sales by Date by day and by month, Sales by User, Sell Through by
item and by product, Made to Order), rows link on as on frames (to a report narrowed to the
row too, and to their matching customers), and what it does not compute yet (the customer
page) is a sentence in place of the page."""

from dash import Dash
from selenium.webdriver.common.by import By

from app import create_dash
from data.db import make_engine, write_tables
from data.users import create_user
from tests.conftest import PASSWORDS, sign_in, until
from tests.test_sql_engine import shop_tables

START = "/reports/sales-by-category?from=2025-12-01&to=2026-04-30"
FIRST_CELL = "#report-grid .ag-pinned-left-cols-container .ag-row[row-index='0'] a"
ROW = "#report-grid .ag-center-cols-container .ag-row[row-index='{}']"


def leader_shop(tmp_path) -> str:
    """The URL of a SQLite file of the hand-made shop, with a leader who can sign in."""
    url = f"sqlite:///{tmp_path / 'sales.db'}"
    engine = make_engine(url)
    write_tables(engine, shop_tables(), replace=True)
    create_user(engine, "leader", PASSWORDS["leader"], "leadership")
    return url


def open_on_sql(dash_duo, tmp_path, start: str) -> Dash:
    """The shop of leader_shop served with SALES_ENGINE=sql (the app returned), the leader
    signed in through the form and sent on to `start`."""
    app = create_dash({"DATABASE_URL": leader_shop(tmp_path), "SALES_ENGINE": "sql"})
    dash_duo.start_server(app, navigate=False)
    sign_in(dash_duo, "leader", start)
    return app


def test_rep101_sales_by_category_brand_and_month_on_the_sql_engine(dash_duo, tmp_path):
    open_on_sql(dash_duo, tmp_path, START)
    base = dash_duo.server.url.rstrip("/")
    dash_duo.wait_for_text_to_equal("h1", "Sales by Category")
    # Home: O1 (£712.50) and O7 (£50), as tests.test_sql_reports works out by hand
    dash_duo.wait_for_text_to_equal(FIRST_CELL, "Home")
    assert dash_duo.find_element(ROW.format(0)).text.split("\n")[:4] == [
        "£762.50", "66", "2", "2"]  # fmt: skip
    dash_duo.wait_for_contains_text("#report-note", "Sales Amount £1,572.50")

    link = dash_duo.find_element(FIRST_CELL)
    dash_duo.driver.execute_script("arguments[0].click()", link)
    dash_duo.wait_for_text_to_equal("h1", "Sales by Brand")
    dash_duo.wait_for_text_to_equal(FIRST_CELL, "Acme")  # Home's brand
    assert "category=Home" in dash_duo.driver.current_url

    # Sales by Date by day (every day of the period, zeros included), then by month
    dash_duo.driver.get(f"{base}/reports/sales-by-date?from=2025-12-01&to=2026-04-30")
    dash_duo.wait_for_contains_text("#report-note", "151 rows · Sales Amount £1,572.50")
    dash_duo.wait_for_text_to_equal(FIRST_CELL, "2025-12-01")
    dash_duo.driver.find_element(By.XPATH, "//label[text()='Month']").click()
    until(lambda: "by=month" in dash_duo.driver.current_url, 10)
    dash_duo.wait_for_text_to_equal(FIRST_CELL, "2025-12-01")
    dash_duo.wait_for_contains_text("#report-note", "5 rows · Sales Amount £1,572.50")

    # Sales by User: SP1 (O1, O2, O7, O9) and SP3 (O5, O6), commission by event dates; SP1's
    # row links on to Sales by Category narrowed to the orders SP1 took: Home £762.50 (O1, O7)
    # and Garden £290 (O2, O9)
    dash_duo.driver.get(f"{base}/reports/sales-by-user?from=2025-12-01&to=2026-04-30")
    dash_duo.wait_for_contains_text("#report-note", "2 rows · Sales Amount £1,572.50")
    dash_duo.wait_for_text_to_equal(FIRST_CELL, "SP1")
    dash_duo.driver.execute_script("arguments[0].click()", dash_duo.find_element(FIRST_CELL))
    dash_duo.wait_for_text_to_equal("h1", "Sales by Category")
    assert "taken_by=SP1" in dash_duo.driver.current_url
    dash_duo.wait_for_contains_text("#report-note", "2 rows · Sales Amount £1,052.50")
    assert dash_duo.find_element(ROW.format(0)).text.split("\n")[0] == "£762.50"

    # Sell Through by item (B £790, A £762.50, the deleted C £20), then by product: A and its
    # unsold variant A2 are the product TEE, named without the variant
    dash_duo.find_element("a.nav-link[href^='/reports/sell-through']").click()
    dash_duo.wait_for_text_to_equal("h1", "Sell Through")
    dash_duo.wait_for_contains_text("#report-note", "3 rows · Sales Amount £1,572.50")
    pinned = "#report-grid .ag-pinned-left-cols-container .ag-row[row-index='{}']"
    dash_duo.wait_for_text_to_equal(pinned.format(0), "B")  # links to its customers
    dash_duo.find_element("#sell-through-combine label").click()
    until(lambda: "combine=yes" in dash_duo.driver.current_url, 10)
    dash_duo.wait_for_text_to_equal(pinned.format(1), "TEE")
    assert dash_duo.find_element(ROW.format(1)).text.split("\n")[:3] == ["Tee", "2", "Home"]

    # Made to Order: B engraved (£500), B without a customisation (£290), TEE gift-wrapped
    dash_duo.driver.get(f"{base}/reports/made-to-order?from=2025-12-01&to=2026-04-30")
    dash_duo.wait_for_contains_text("#report-note", "3 rows · Sales Amount £940.00")

    # the customer page, opened in the app as a dcc.Link does: ▸ on O2 shows its two lines
    # (a Garden B, and a cancelled Home A that is not revenue)
    dash_duo.driver.execute_script(
        "window.history.pushState({}, '', '/customers/C1?from=2025-12-01&to=2026-04-30');"
        "window.dispatchEvent(new CustomEvent('_dashprivate_pushstate'));"
    )
    dash_duo.wait_for_contains_text("#customer-header", "C1")
    expand = dash_duo.wait_for_element(
        "#customer-orders .ag-row[row-id='O2'] .ag-cell[col-id='expand']"
    )
    dash_duo.driver.execute_script("arguments[0].click()", expand)
    dash_duo.wait_for_element("#customer-orders .ag-row[row-id='O2/1']")
    assert "not revenue" in dash_duo.find_element("#customer-orders .ag-row[row-id='O2/1']").text
    assert dash_duo.get_logs() == []
